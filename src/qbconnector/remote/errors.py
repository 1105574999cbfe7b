"""What can go wrong talking to a remote connector, and how HTTP answers map onto it.

A 517 is QuickBooks' own failure (a request processor error with an HRESULT), so it becomes
:class:`~qbconnector.qbxml.session.RequestProcessorError` exactly as a local session raises it.
Everything else is about the connection to the connector and is a :class:`RemoteError` (itself
a RequestProcessorError, HRESULT 0x80040401), and also of the kind :mod:`qbconnector.errors`
names: unreachable or broken connections are ``TransportError``s, refused credentials and
certificates ``AuthenticationError``s, a refused client a ``PermissionDeniedError``. No message
ever holds a password: the URL in messages is always the one without credentials.
"""

from __future__ import annotations

from qbconnector import wire
from qbconnector.errors import (
    AuthenticationError,
    PermissionDeniedError,
    RequestProcessorError,
    TransportError,
)
from qbconnector.qbxml.status import HR_COULD_NOT_ACCESS, HR_UNEXPECTED

_MAX_SERVER_TEXT = 512   # characters of a connector's message kept in an exception


class RemoteError(RequestProcessorError):
    """The remote connector could not be used: unreachable, refused, or a protocol error.

    ``url`` is the connector's address (never with credentials), ``status`` the HTTP status
    when there was an answer, ``server_message`` the connector's own words.

    For code written against any Session it is also a request processor error with HRESULT
    0x80040401 ("Could not access QuickBooks"), the way a local request processor fails when
    QuickBooks cannot be reached; so a connector relaying to this one answers 517 with this
    message instead of failing with an internal error.
    """

    def __init__(self, message: str, *, url: str = "", status: int | None = None,
                 server_message: str = "") -> None:
        super().__init__(HR_COULD_NOT_ACCESS, message)
        self.url = url
        self.status = status
        self.server_message = server_message

    def __str__(self) -> str:
        return self.message


class RemoteConnectionError(RemoteError, TransportError):
    """No HTTP answer: the host is unreachable, refused the connection, or timed out."""


class RemoteTransportError(RemoteConnectionError):
    """The connection broke or timed out after the request was sent (perhaps only in part):
    the connector may or may not have processed it. A writer retries with error recovery
    (``oldMessageSetID``), as the records API does."""


class RemoteCertificateError(RemoteConnectionError, AuthenticationError):
    """The TLS certificate was not accepted (not trusted, wrong host, or not the pinned one).

    Nothing was sent: the check happens during the TLS handshake, before the request.
    """


class RemoteAuthenticationError(RemoteError, AuthenticationError):
    """401: the connector did not accept the user name and password."""


class RemoteAccessDenied(RemoteError, PermissionDeniedError):
    """403: the connector refuses this client (its AllowedClients setting)."""


class RemoteProtocolError(RemoteError):
    """The connector answered with an error about the request itself (400, 404, 405, 411...)."""


def server_text(body: bytes) -> str:
    """The connector's message from an error body, trimmed for an exception message."""
    text = body.decode("utf-8", "replace").strip()
    text = "".join(ch if ch.isprintable() or ch in "\r\n\t" else "?" for ch in text)
    if len(text) > _MAX_SERVER_TEXT:
        text = text[:_MAX_SERVER_TEXT] + "…"
    return text


def parse_hresult(body: bytes, header: str | None = None) -> RequestProcessorError:
    """The request processor error a 517 describes.

    The body's format is :func:`qbconnector.wire.parse_processor_error`'s; a body with no
    HRESULT becomes HR_UNEXPECTED carrying its text.
    """
    code, message = wire.parse_processor_error(server_text(body), header)
    if code is None:
        return RequestProcessorError(HR_UNEXPECTED, message or None)
    return RequestProcessorError(code, message or None)


def error_for_status(status: int, body: bytes, url: str, user: str | None,
                     hresult_header: str | None = None) -> Exception:
    """The exception for a non-200 answer of the connector at ``url``."""
    said = server_text(body)
    if status == wire.PROCESSOR_ERROR:
        return parse_hresult(body, hresult_header)
    if status == wire.UNAUTHORIZED:
        who = f"user {user!r}" if user else "a request without a user name"
        hint = ("check the user name and password" if user else
                "give a user and password (user=..., password=...)")
        return RemoteAuthenticationError(
            f"{url} refused {who}: {said or 'HTTP 401 Unauthorized'} ({hint})",
            url=url, status=status, server_message=said)
    if status == wire.FORBIDDEN:
        return RemoteAccessDenied(
            f"{url} refused this client: {said or 'HTTP 403 Forbidden'} (the connector's "
            "AllowedClients setting must list this machine)",
            url=url, status=status, server_message=said)
    if status in (wire.BAD_REQUEST, wire.NOT_FOUND, wire.METHOD_NOT_ALLOWED,
                  wire.LENGTH_REQUIRED, wire.TOO_LARGE):
        return RemoteProtocolError(f"{url} rejected the request (HTTP {status}): {said}",
                                   url=url, status=status, server_message=said)
    if status == wire.BUSY:
        return RemoteError(f"{url} is busy (HTTP 503): {said}", url=url, status=status,
                           server_message=said)
    return RemoteError(f"{url} answered HTTP {status}: {said or 'no message'}", url=url,
                       status=status, server_message=said)
