"""Reading a 517's HRESULT, and the exception classes' promises (pure functions, no socket)."""

from __future__ import annotations

import pytest

from qbconnector.qbxml.session import RequestProcessorError, TransportError
from qbconnector.qbxml.status import HR_COULD_NOT_ACCESS, HR_UNEXPECTED, hresult_message
from qbconnector.remote import (
    RemoteAccessDenied,
    RemoteAuthenticationError,
    RemoteCertificateError,
    RemoteConnectionError,
    RemoteError,
    RemoteProtocolError,
    RemoteTransportError,
)
from qbconnector.remote.errors import error_for_status, parse_hresult
from qbconnector.remote.tls import format_fingerprint, normalize_fingerprint


@pytest.mark.parametrize(("body", "header", "code", "message"), [
    (b"0x80040400 QuickBooks found an error when parsing.\r\n", None, 0x80040400,
     "QuickBooks found an error when parsing."),
    (b"-2147220472 Could not start QuickBooks.\r\n", None, 0x80040408,
     "Could not start QuickBooks."),
    (b"HRESULT: 0x8004040a\r\n", None, 0x8004040A, hresult_message(0x8004040A)),
    (b"Some text without a code", "0x80040403", 0x80040403, "Some text without a code"),
    (b"Some text without a code", None, HR_UNEXPECTED, "Some text without a code"),
    (b"", None, HR_UNEXPECTED, hresult_message(HR_UNEXPECTED)),
])
def test_parse_hresult(body, header, code, message):
    error = parse_hresult(body, header)
    assert type(error) is RequestProcessorError
    assert (error.hresult, error.message) == (code, message)


def test_517_is_a_plain_request_processor_error():
    error = error_for_status(517, b"0x80040400 bad XML\r\n", "http://h:1/", "alice")
    assert type(error) is RequestProcessorError and error.hresult == 0x80040400


def test_remote_errors_are_request_processor_errors_with_readable_text():
    error = error_for_status(401, b"Unauthorized.\r\n", "http://h:1/", "alice")
    assert isinstance(error, RemoteAuthenticationError) and isinstance(error, RemoteError)
    assert isinstance(error, RequestProcessorError) and error.hresult == HR_COULD_NOT_ACCESS
    assert str(error).startswith("http://h:1/ refused user 'alice'")


def test_remote_errors_are_of_the_public_kinds():
    """Callers tell failures apart by the kinds of qbconnector.errors, never by module."""
    from qbconnector import errors

    assert issubclass(RemoteTransportError, RemoteConnectionError)
    assert issubclass(RemoteConnectionError, TransportError)      # unreachable or broken
    assert TransportError is errors.TransportError
    assert issubclass(RemoteAuthenticationError, errors.AuthenticationError)
    assert issubclass(RemoteCertificateError, errors.AuthenticationError)
    assert issubclass(RemoteAccessDenied, errors.PermissionDeniedError)
    for kind in (RemoteAuthenticationError, RemoteAccessDenied, RemoteProtocolError):
        assert not issubclass(kind, TransportError), kind
    error = error_for_status(403, b"Client 10.0.0.9 is not in AllowedClients.", "http://h:1/",
                             "alice")
    assert isinstance(error, errors.PermissionDeniedError) and error.hresult == HR_COULD_NOT_ACCESS


def test_server_text_is_trimmed_and_printable():
    error = error_for_status(400, b"x" * 2000 + b"\x1b[31m", "http://h:1/", None)
    assert len(error.server_message) <= 513 and "\x1b" not in str(error)


def test_fingerprint_forms():
    digest = bytes(range(32))
    printed = format_fingerprint(digest)
    assert printed.count(":") == 31 and printed == printed.upper()
    for form in (printed, printed.lower(), printed.replace(":", ""), "SHA256:" + printed,
                 printed.replace(":", " ")):
        assert normalize_fingerprint(form) == digest
    with pytest.raises(ValueError):
        normalize_fingerprint(printed[:-3])
