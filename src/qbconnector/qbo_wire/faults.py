"""QuickBooks Online's faults: codes, messages, HTTP statuses and their wire shapes.

Three shapes exist: the API's ``{"Fault":{"Error":[{"Message","Detail","code","element"}],
"type"}}`` (and its XML twin), the gateway's lower-case Java-bean dump used for 401/403, and
the throttle's XML body sent even to JSON clients. Messages are those recorded from the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from qbconnector.errors import QBConnectorError

#: code -> (Message, HTTP status, fault type)
CATALOGUE: dict[str, tuple[str, int, str]] = {
    "100": ("General Authentication Error", 401, "AuthenticationFault"),
    "120": ("AuthorizationFailure", 401, "AuthorizationFault"),
    "500": ("Unsupported Operation", 400, "ValidationFault"),
    "600": ("Duplicate Request ID", 400, "ValidationFault"),
    "610": ("Object Not Found", 400, "ValidationFault"),
    "1040": ("Batch size exceeds allowed limit", 400, "ValidationFault"),
    "1050": ("Invalid Content Type", 400, "ValidationFault"),
    "2010": ("Request has invalid or unsupported property", 400, "ValidationFault"),
    "2020": ("Required param missing, need to supply the required value for the API", 400,
             "ValidationFault"),
    "2030": ("Invalid ID", 400, "ValidationFault"),
    "2050": ("Length exceeds limit", 400, "ValidationFault"),
    "2080": ("Illegal number format", 400, "ValidationFault"),
    "2170": ("Invalid Enumeration", 400, "ValidationFault"),
    "2500": ("Invalid Reference Id", 400, "ValidationFault"),
    "3001": ("message=ThrottleExceeded; errorCode=003001; statusCode=429", 429, "SERVICE"),
    "3100": ("message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", 403,
             "SERVICE"),
    "3200": ("message=AuthenticationFailed; errorCode=003200; statusCode=401", 401,
             "AUTHENTICATION"),
    "4000": ("Error parsing query", 400, "ValidationFault"),
    "4001": ("Invalid query", 400, "ValidationFault"),
    "5010": ("Stale Object Error", 400, "ValidationFault"),
    "6000": ("A business validation error has occurred while processing your request", 400,
             "ValidationFault"),
    "6140": ("Duplicate Doc Num", 400, "ValidationFault"),
    "6240": ("Duplicate Name Exists Error", 400, "ValidationFault"),
    "6540": ("Deposited Transaction cannot be changed", 400, "ValidationFault"),
    "10000": ("An application error has occurred while processing your request", 500,
              "SystemFault"),
}

#: Details as the service words them (templates take keyword arguments).
DETAILS = {
    "610": "Object Not Found : Something you're trying to use has been made inactive. Check "
           "the fields with accounts, customers, items, vendors or employees.",
    "5010": "Stale Object Error : You and {user} were working on this at the same time. {user} "
            "finished before you did, so your work was not saved.",
    "6240": "The name supplied already exists. : {name}",
    "2020": "Required parameter {name} is missing in the request",
    "2030": "Id should be a valid number. Supplied value:{value}",
    "3001": "The request limit was reached.  Try again later",
    "3200": "Token expired: {token}",
}

ABSENT = object()  # an Error without an "element" key, as recorded for 6240 and 4000


@dataclass
class FaultError:
    """One ``Error`` of a fault."""

    code: str
    message: str
    detail: str
    element: object = ABSENT

    def as_json(self) -> dict:
        body = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element is not ABSENT:
            body["element"] = self.element
        return body


@dataclass
class QBOFault(QBConnectorError):
    """A fault the API answers with: its errors, fault type and HTTP status."""

    errors: list[FaultError]
    type: str = "ValidationFault"
    status: int = 400
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{e.code} {e.message}: {e.detail}" for e in self.errors)

    @property
    def code(self) -> str:
        return self.errors[0].code

    def as_json(self) -> dict:
        return {"Error": [e.as_json() for e in self.errors], "type": self.type}

    def as_xml(self) -> str:
        errors = "".join(
            f"<Error code={quoteattr(e.code)}"
            + (f" element={quoteattr(str(e.element))}"
               if e.element not in (ABSENT, None) else "")
            + f"><Message>{escape(e.message)}</Message><Detail>{escape(e.detail)}</Detail></Error>"
            for e in self.errors)
        return f"<Fault type={quoteattr(self.type)}>{errors}</Fault>"


def fault(code: str | int, detail: str | None = None, element: object = ABSENT,
          **values: str) -> QBOFault:
    """The fault for ``code`` with the recorded message, a detail and an optional element."""
    code = str(code)
    message, status, kind = CATALOGUE[code]
    if detail is None:
        detail = DETAILS.get(code, message).format(**values)
    return QBOFault([FaultError(code, message, detail, element)], kind, status)


def business_error(text: str) -> QBOFault:
    """6000 with the service's ``Business Validation Error:`` prefix."""
    return fault("6000", f"Business Validation Error: {text}", element="")


def gateway_body(code: str, detail: str, now_millis: int) -> dict:
    """The gateway's lower-case fault (401 and 403), a Java-bean dump with ``time`` in ms."""
    message, _, kind = CATALOGUE[code]
    return {
        "warnings": None, "intuitObject": None,
        "fault": {"error": [{"message": message, "detail": detail, "code": code,
                             "element": None}], "type": kind},
        "report": None, "queryResponse": None, "batchItemResponse": [],
        "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
        "time": now_millis, "status": None, "cdcresponse": [],
    }


def throttle_xml(time_text: str) -> str:
    """The XML 429 body (code 3001, type SERVICE) QBO sends whatever the client accepts."""
    f = fault("3001")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" '
            f'time="{time_text}">{f.as_xml()}</IntuitResponse>')
