"""Writing qbXML response message sets: the one way every part of qbconnector answers.

The sandbox's answers, the connector's refusals for read-only users and the sessions that
refuse on QuickBooks' behalf all come out of :func:`response` and :func:`message_set`, so they
share QuickBooks' layout: an XML declaration, the family's root and ``...MsgsRs`` element,
each ``...Rs`` with ``requestID`` and its ``statusCode`` / ``statusSeverity`` /
``statusMessage`` attributes (self-closing when it has no body, like QuickBooks' errors), and
characters above 127 as numeric references, as QuickBooks writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from qbconnector.qbxml.build import escape
from qbconnector.qbxml.status import severity_of, status_message

XML_DECLARATION = '<?xml version="1.0" ?>'
ROOTS = {"qbxml": ("QBXML", "QBXMLMsgsRs"), "qbposxml": ("QBPOSXML", "QBPOSXMLMsgsRs")}


def rs_name(request_name: str) -> str:
    """``CustomerAddRq`` -> ``CustomerAddRs``."""
    return (request_name[:-2] if request_name.endswith("Rq") else request_name) + "Rs"


def status(code: int, message: str | None = None, severity: str | None = None
           ) -> dict[str, str]:
    """The status attributes of a response: the catalogue's severity and text by default."""
    return {"statusCode": str(code), "statusSeverity": severity or severity_of(code),
            "statusMessage": status_message(code) if message is None else message}


def response(name: str, attrs: Mapping[str, object | None], body: str = "") -> str:
    """One ``...Rs`` element; attributes with None values are left out."""
    text = "".join(f' {k}="{escape(str(v))}"' for k, v in attrs.items() if v is not None)
    if not body:
        return f"<{name}{text} />"
    return f"<{name}{text}>\n{body}</{name}>"


_OK_ATTRIBUTES = "".join(f' {k}="{escape(v)}"' for k, v in status(0).items())


def ok_response(name: str, request_id: str | None, body: str = "") -> str:
    """:func:`response` with status 0 (and ``requestID`` unless None): what most requests
    are answered with, its status attributes written once."""
    if request_id is None:
        text = _OK_ATTRIBUTES
    else:     # letters and digits need no escaping (the usual IDs: 1, 2, a7...)
        text = f' requestID="{request_id if request_id.isalnum() else escape(request_id)}"' \
            f"{_OK_ATTRIBUTES}"
    if not body:
        return f"<{name}{text} />"
    return f"<{name}{text}>\n{body}</{name}>"


def message_set(responses: Iterable[str], new_message_set_id: str | None = None,
                family: str = "qbxml", request_set: str | None = None) -> str:
    """The response envelope; with error recovery it names the message set and its status.

    ``request_set`` is the request's message set (``QBXMLSubscriptionMsgsRq`` is answered in
    ``QBXMLSubscriptionMsgsRs``); the family's usual one by default."""
    root, set_name = ROOTS[family]
    if request_set and request_set.endswith("MsgsRq"):
        set_name = rs_name(request_set)
    body = "\n".join(responses)
    attrs = ""
    if new_message_set_id is not None:
        attrs = f' newMessageSetID="{escape(new_message_set_id)}" messageSetStatusCode="0"'
    text = (f"{XML_DECLARATION}\n<{root}>\n<{set_name}{attrs}>\n{body}\n"
            f"</{set_name}>\n</{root}>\n")
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode()


def refusal(requests: Iterable[tuple[str, str | None]], code: int,
            family: str = "qbxml", request_set: str | None = None) -> str:
    """A message set answering every request — (name, requestID) pairs — with status ``code``
    and nothing else, as QuickBooks answers requests it did not run."""
    attrs = status(code)
    return message_set((response(rs_name(name), {"requestID": request_id, **attrs})
                        for name, request_id in requests), family=family,
                       request_set=request_set)
