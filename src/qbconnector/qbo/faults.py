"""QuickBooks Online's faults read from any of their three shapes and turned into the
public errors of :mod:`qbconnector.errors`, chosen by code the way Desktop statuses are.

QBO answers a fault as ``{"Fault":{"Error":[...],"type"}}`` (or its XML twin), its gateway
as a lower-case ``{"fault":{"error":[...]}}`` and throttling as an XML body even to JSON
clients; :func:`read_fault` reads all three. :func:`error_for` picks the class:

=========  ==========================================  ===================================
code       meaning                                     error
=========  ==========================================  ===================================
5010       stale SyncToken                             ``ConflictError``
6240       duplicate name                              ``DuplicateNameError``
610        not found / inactive                        ``NotFoundError`` (reads, deletes,
                                                       voids); ``InvalidReferenceError``
                                                       (creates, updates)
2500       invalid reference                           ``InvalidReferenceError``
2050       value too long                              ``ValueTooLongError``
3200, 100  token refused                               ``AuthenticationError``
3100, 120  no access (scope, company, environment)     ``PermissionDeniedError``
other      anything QBO refused                        ``QBError``
=========  ==========================================  ===================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lxml import etree

from qbconnector.errors import (
    AuthenticationError,
    ConflictError,
    DuplicateNameError,
    InvalidReferenceError,
    NotFoundError,
    PermissionDeniedError,
    QBConnectorError,
    QBError,
    TransportError,
    ValueTooLongError,
)


class LoginRequiredError(AuthenticationError):
    """The connection has no usable authorization (never given, expired or revoked): the
    message names the ``qbconnector qbo login`` command that gives a new one."""


class ThrottledError(TransportError):
    """QuickBooks Online kept answering 429 (too many requests) after every retry."""


@dataclass(frozen=True)
class Fault:
    """One error of a fault, whatever shape it came in."""

    code: str
    message: str
    detail: str
    element: str | None = None

    def text(self) -> str:
        where = f" [{self.element}]" if self.element else ""
        if self.detail.startswith(self.message):        # QBO often repeats the message
            return f"{self.detail}{where}"
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.message}{detail}{where}"


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _from_xml(text: bytes) -> list[Fault]:
    try:
        root = etree.fromstring(text, _PARSER)
    except etree.XMLSyntaxError:
        return []
    found = []
    for node in root.iter():
        if _local(node.tag) != "Error":
            continue
        parts = {_local(child.tag): (child.text or "") for child in node}
        found.append(Fault(node.get("code", ""), parts.get("Message", ""),
                           parts.get("Detail", ""), node.get("element") or None))
    return found


def _from_json(data: Any) -> list[Fault]:
    if not isinstance(data, dict):
        return []
    block = data.get("Fault") or data.get("fault")
    if not isinstance(block, dict):
        return []
    items = block.get("Error") or block.get("error") or []
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue

        def pick(*names: str, source: dict = item) -> str:
            for name in names:
                if source.get(name) is not None:
                    return str(source[name])
            return ""

        found.append(Fault(pick("code"), pick("Message", "message"), pick("Detail", "detail"),
                           pick("element") or None))
    return found


def read_fault(body: bytes, content_type: str = "") -> list[Fault]:
    """The errors of a fault body (JSON, the gateway's JSON or XML); [] when it holds none."""
    text = body.strip()
    if not text:
        return []
    if text[:1] == b"<":
        return _from_xml(text)
    try:
        return _from_json(json.loads(text))
    except (ValueError, UnicodeDecodeError):
        return []


def faults_of(data: Any) -> list[Fault]:
    """The errors of an already parsed ``Fault`` object (batch items carry them)."""
    return _from_json({"Fault": data}) if isinstance(data, dict) else []


def error_for(faults: list[Fault], *, status: int, operation: str, entity: str,
              record: Any = None, **extra: Any) -> QBConnectorError:
    """The public error for a fault answering ``operation`` (read, query, create, update,
    delete, void, batch...) on ``entity``."""
    first = faults[0] if faults else Fault(str(status), f"HTTP {status}", "")
    message = "; ".join(f.text() for f in faults) or first.message
    request = f"{entity} {operation}".strip()
    code = first.code
    if code in ("3200", "100") or status == 401:
        return AuthenticationError(f"QuickBooks Online refused the access token: {message}")
    if code in ("3100", "120") or status == 403:
        return PermissionDeniedError(
            f"QuickBooks Online refused access: {message} (is the connection's environment "
            "right for this company — sandbox or production — and was the accounting scope "
            "granted?)")
    number = int(code) if code.isdigit() else status
    if code == "5010":
        return ConflictError(number, "Error", message, request, record, **extra)
    cls: type[QBError] = QBError
    if code == "6240":
        cls = DuplicateNameError
    elif code == "610":
        cls = NotFoundError if operation in ("read", "delete", "void") else \
            InvalidReferenceError
    elif code == "2500":
        cls = InvalidReferenceError
    elif code == "2050":
        cls = ValueTooLongError
    return cls(number, "Error", message, request, record)
