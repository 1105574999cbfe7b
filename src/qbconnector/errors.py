"""Every error qbconnector raises on purpose, under one root: :class:`QBConnectorError`.

Callers (and the command line) tell errors apart by class, never by module or message text:

==========================  ==================================================================
``TargetError``             a connect string, saved connection or backend that cannot be used
                            here (unknown scheme, missing file, QuickBooks not installed...)
``ValidationError``         a request QuickBooks would refuse, found before anything is sent
``TransportError``          the backend could not be reached, or the connection to it broke
                            (after a break the request may or may not have been processed)
``AuthenticationError``     the backend refused the credentials
``PermissionDeniedError``   the backend refused this user or client (read-only, not allowed)
``RequestProcessorError``   QuickBooks' request processor failed (an HRESULT, as COM reports)
``SessionError``            the records API could not get a message set processed
``QBError``                 QuickBooks answered a request with an error status; subclasses:
                            ``ConflictError``, ``DuplicateNameError``,
                            ``InvalidReferenceError``, ``NotFoundError``...
==========================  ==================================================================

A class can be of two kinds at once: a remote connector refusing a password is a
``RequestProcessorError`` (for code written against any Session) and an
``AuthenticationError``. This module imports nothing when it loads, so every layer can use it.
"""

from __future__ import annotations

from typing import Any


class QBConnectorError(Exception):
    """The root of every error qbconnector raises on purpose."""


class TargetError(QBConnectorError, ValueError):
    """A connect string, saved connection or backend that names nothing usable here; the
    message says what to write or install instead."""


class ValidationError(QBConnectorError, ValueError):
    """A request QuickBooks would refuse, found before it was sent."""


class TransportError(QBConnectorError):
    """The backend could not be reached, or the connection to it broke.

    When it broke after the request was sent, the message set may or may not have reached
    QuickBooks: callers that change data retry with qbXML error recovery (oldMessageSetID) so
    that nothing is done twice."""


class AuthenticationError(QBConnectorError):
    """The backend refused the credentials (a remote connector's 401)."""


class PermissionDeniedError(QBConnectorError):
    """The backend refused this user or client: a read-only session asked to change data
    (status 3260), or a connector's AllowedClients does not list this machine."""


class RequestProcessorError(QBConnectorError):
    """An error of QuickBooks' request processor (an HRESULT), raised instead of a response:
    a message it cannot parse, a version it does not support, a company file it cannot open."""

    def __init__(self, hresult: int, message: str | None = None) -> None:
        self.hresult = hresult & 0xFFFFFFFF
        if not message:
            from qbconnector.qbxml.status import hresult_message  # the catalogue's text

            message = hresult_message(self.hresult)
        self.message = message
        super().__init__(f"0x{self.hresult:08X} {self.message}")


class SessionError(QBConnectorError):
    """The records API could not get a message set processed (an HRESULT, or the connection).

    ``hresult`` is set for request-processor errors (e.g. 0x80040400 for XML QuickBooks could
    not parse); ``retryable`` says whether trying again can help (connection problems).
    """

    def __init__(self, message: str, hresult: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.hresult = hresult
        self.retryable = retryable


class QBError(QBConnectorError):
    """QuickBooks (or the sandbox, or a remote connector) answered a request with an error
    status: ``status_code``, ``severity`` and ``message`` as QuickBooks gave them, the
    ``request`` answered and, where QuickBooks returned one, the current ``record``."""

    def __init__(self, status_code: int, severity: str, message: str, request: str = "",
                 record: Any = None) -> None:
        self.status_code = status_code
        self.severity = severity
        self.message = message
        self.request = request
        self.record = record
        where = f"{request}: " if request else ""
        super().__init__(f"{where}{status_code} {message}")


class NotFoundError(QBError):
    """The record named does not exist (3120), or a get() found nothing."""


class DuplicateNameError(QBError):
    """The name is already used by another list element (3100, 3170)."""


class InvalidReferenceError(QBError):
    """A reference (CustomerRef, ItemRef...) names nothing (3130, 3140)."""


class ConflictError(QBError):
    """The record changed since it was read (3200: stale EditSequence; QuickBooks Online's
    5010: stale SyncToken).

    ``record`` is the current record as QuickBooks returned it; ``sent_edit_sequence`` the
    EditSequence (or SyncToken) sent; ``sent_record`` the record the change started from,
    when known; ``changes`` what was asked for — enough to merge and retry.
    """

    def __init__(self, status_code: int, severity: str, message: str, request: str = "",
                 record: Any = None, sent_edit_sequence: str | None = None,
                 changes: dict[str, Any] | None = None, sent_record: Any = None) -> None:
        super().__init__(status_code, severity, message, request, record)
        self.sent_edit_sequence = sent_edit_sequence
        self.sent_record = sent_record
        self.changes = changes or {}

    @property
    def current_edit_sequence(self) -> str | None:
        """The current record's EditSequence (SyncToken on QuickBooks Online)."""
        if self.record is None:
            return None
        return self.record.get("EditSequence", self.record.get("SyncToken"))


class InsufficientPermissionError(QBError, PermissionDeniedError):
    """QuickBooks refused the request for this session's permissions (3260: read-only)."""


class NotProcessedError(QBError):
    """An earlier request of the batch failed with stopOnError (3231)."""


class ValueTooLongError(QBError):
    """A string is longer than QuickBooks stores (3070)."""


_BY_CODE: dict[int, type[QBError]] = {
    3120: NotFoundError, 3100: DuplicateNameError, 3170: DuplicateNameError,
    3130: InvalidReferenceError, 3140: InvalidReferenceError, 3200: ConflictError,
    3260: InsufficientPermissionError, 3231: NotProcessedError, 3070: ValueTooLongError,
}


def error_for(status_code: int, severity: str, message: str, request: str = "",
              record: Any = None, **extra: Any) -> QBError:
    """The most specific exception for a QuickBooks status."""
    cls = _BY_CODE.get(status_code, QBError)
    if cls is ConflictError:
        return ConflictError(status_code, severity, message, request, record, **extra)
    return cls(status_code, severity, message, request, record)


__all__ = [
    "AuthenticationError", "ConflictError", "DuplicateNameError", "InsufficientPermissionError",
    "InvalidReferenceError", "NotFoundError", "NotProcessedError", "PermissionDeniedError",
    "QBConnectorError", "QBError", "RequestProcessorError", "SessionError", "TargetError",
    "TransportError", "ValidationError", "ValueTooLongError", "error_for",
]
