"""Business errors a request can end in: a qbXML status code with QuickBooks' wording."""

from __future__ import annotations

import re

from qbconnector.qbxml import status as catalogue


class QBStatus(Exception):
    """Raised by a request handler to answer with a status instead of records.

    ``ret`` optionally carries a rendered record to return anyway (QuickBooks returns the
    current record with a stale-EditSequence error, for instance).
    """

    def __init__(self, code: int, message: str, severity: str | None = None,
                 ret: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.severity = severity or catalogue.severity_of(code)
        self.ret = ret


def fail(code: int, variant: str | None = None, **fields: object) -> QBStatus:
    """A QBStatus worded from the status catalogue (``raise fail(3100, name=...)``)."""
    return QBStatus(code, catalogue.status_message(code, variant, **fields))


def not_found_suffix() -> str:
    return catalogue.QB_MSG_RECORD_NOT_FOUND


def invalid_reference(object_type: str, name: str, context: str) -> QBStatus:
    """3140: a reference to nothing."""
    return fail(3140, object_type=object_type, name=name, context=context,
                qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)


_OBJECT_ID = re.compile(r"^[0-9A-Fa-f]+-[0-9]+$")
ID_FIELDS = {"ListID": "list id", "TxnID": "txn id"}


def checked_id(value: object, element: str = "ListID") -> str:
    """An object ID as QuickBooks writes them (``80000001-1234567890``); 3000 for an empty or
    malformed one (``pending_123``), before anything is looked up."""
    text = "" if value is None else str(value)
    if not _OBJECT_ID.match(text):
        raise fail(3000, value=text, field=ID_FIELDS.get(element, element.lower()))
    return text


def object_not_found(object_id: str) -> QBStatus:
    """3120: the record a Mod/Del/Void names does not exist."""
    return fail(3120, object_id=object_id, qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)


def too_long(value: str, field: str) -> QBStatus:
    """3070: a string longer than QuickBooks Desktop stores."""
    return fail(3070, value=value, field=field)


def missing_element(element: str) -> QBStatus:
    """3150: a business rule needs an element the schema made optional."""
    return fail(3150, element=element)
