"""One exception hierarchy for everything the records API reports.

Every QuickBooks error carries what a person needs to act: the statusCode, severity and
message QuickBooks gave, the request it answered and the record involved (QuickBooks returns
the current record with a stale-EditSequence error, for instance). Statuses 1 (nothing found)
and 500 (some asked-for values not found) are not errors: queries return what there is.
"""

from __future__ import annotations

from typing import Any


class QBError(Exception):
    """QuickBooks (or the sandbox, or a remote connector) refused a request."""

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
    """The record changed since it was read (3200: stale EditSequence).

    ``record`` is the current record as QuickBooks returned it; ``sent_edit_sequence`` the
    one sent; ``changes`` what was asked for — enough to merge and retry.
    """

    def __init__(self, status_code: int, severity: str, message: str, request: str = "",
                 record: Any = None, sent_edit_sequence: str | None = None,
                 changes: dict[str, Any] | None = None) -> None:
        super().__init__(status_code, severity, message, request, record)
        self.sent_edit_sequence = sent_edit_sequence
        self.changes = changes or {}

    @property
    def current_edit_sequence(self) -> str | None:
        return None if self.record is None else self.record.get("EditSequence")


class PermissionDeniedError(QBError):
    """The session may not do this (3260: read-only)."""


class NotProcessedError(QBError):
    """An earlier request of the batch failed with stopOnError (3231)."""


class ValueTooLongError(QBError):
    """A string is longer than QuickBooks stores (3070)."""


class SessionError(Exception):
    """The session could not process the message set at all (an HRESULT, or the connection).

    ``hresult`` is set for request-processor errors (e.g. 0x80040400 for XML QuickBooks could
    not parse); ``retryable`` says whether trying again can help (connection problems).
    """

    def __init__(self, message: str, hresult: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.hresult = hresult
        self.retryable = retryable


_BY_CODE: dict[int, type[QBError]] = {
    3120: NotFoundError, 3100: DuplicateNameError, 3170: DuplicateNameError,
    3130: InvalidReferenceError, 3140: InvalidReferenceError, 3200: ConflictError,
    3260: PermissionDeniedError, 3231: NotProcessedError, 3070: ValueTooLongError,
}


def error_for(status_code: int, severity: str, message: str, request: str = "",
              record: Any = None, **extra: Any) -> QBError:
    """The most specific exception for a status."""
    cls = _BY_CODE.get(status_code, QBError)
    if cls is ConflictError:
        return ConflictError(status_code, severity, message, request, record, **extra)
    return cls(status_code, severity, message, request, record)
