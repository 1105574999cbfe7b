"""The records API's errors: the classes of :mod:`qbconnector.errors`, by their API names.

Every QuickBooks error carries what a person needs to act: the statusCode, severity and
message QuickBooks gave, the request it answered and the record involved (QuickBooks returns
the current record with a stale-EditSequence error, for instance). Statuses 1 (nothing found)
and 500 (some asked-for values not found) are not errors: queries return what there is.
"""

from __future__ import annotations

from qbconnector.errors import (
    ConflictError,
    DuplicateNameError,
    InsufficientPermissionError,
    InvalidReferenceError,
    NotFoundError,
    NotProcessedError,
    PermissionDeniedError,
    QBError,
    SessionError,
    ValueTooLongError,
    error_for,
)

__all__ = ["ConflictError", "DuplicateNameError", "InsufficientPermissionError",
           "InvalidReferenceError", "NotFoundError", "NotProcessedError",
           "PermissionDeniedError", "QBError", "SessionError", "ValueTooLongError", "error_for"]
