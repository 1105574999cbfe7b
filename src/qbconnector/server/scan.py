"""A guarded first look at a qbXML request: which messages it holds, refusing hostile XML.

The server reads every request before it reaches a session: to log the message names, to
keep read-only users to queries, and so that no session ever sees a DTD, an entity, or a tree
deeper than libxml2's guard. Malformed input is reported the way QuickBooks reports it: the
request processor's parse error (HRESULT 0x80040400).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

from qbconnector.qbxml import xmlsafe

PARSE_ERROR = 0x80040400


# Declarations a qbXML request never needs, in every encoding libxml2 would read.
_MARKERS = tuple(word.encode(codec) for word in ("<!DOCTYPE", "<!ENTITY")
                 for codec in ("ascii", "utf-16-le", "utf-16-be"))


_RECOVERY = ("newMessageSetID", "oldMessageSetID")


class HostileOrMalformed(ValueError):
    """The body is not a well-formed, DTD-free XML document."""


@dataclass(frozen=True)
class RequestScan:
    """What a request message set holds: family root, message set, request names and IDs."""

    root: str
    message_set: str
    on_error: str
    requests: tuple[tuple[str, str | None], ...]   # (element name, requestID)
    text: str
    recovery: tuple[str, ...] = ()   # the error-recovery attributes the message set carries
    tree: Any = field(default=None, repr=False, compare=False)   # the parsed document element

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.requests)


_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _decode(body: bytes, declared: str | None) -> str:
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(codec)
    try:
        return body.decode(declared or "utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise HostileOrMalformed(f"cannot decode the body as {declared or 'UTF-8'}: {exc}"
                                 ) from None


def scan_request(body: bytes) -> RequestScan:
    """Parse ``body`` safely and list its requests; HostileOrMalformed says what is wrong."""
    if not body.strip():
        raise HostileOrMalformed("empty request body")
    if b"!" in body and any(marker in body for marker in _MARKERS):
        raise HostileOrMalformed("a DOCTYPE or entity declaration is not allowed in qbXML")
    try:
        root = xmlsafe.parse(body)
    except xmlsafe.XMLError as exc:
        raise HostileOrMalformed(str(exc)) from None
    declared = _DECLARED.match(body)
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        text = _decode(body, "utf-8")
    else:
        text = _decode(body, root.getroottree().docinfo.encoding)
    message_set = next((child for child in root if isinstance(child.tag, str)), None)
    requests: list[tuple[str, str | None]] = []
    if message_set is not None:
        for child in message_set:
            if isinstance(child.tag, str):
                requests.append((_local(child.tag), child.get("requestID")))
    return RequestScan(
        root=_local(root.tag),
        message_set=_local(message_set.tag) if message_set is not None else "",
        on_error=message_set.get("onError", "") if message_set is not None else "",
        requests=tuple(requests),
        text=text,
        recovery=tuple(name for name in _RECOVERY if message_set is not None
                       and message_set.get(name) is not None),
        tree=root,
    )


def _local(tag: str) -> str:
    """The local name of a tag ('{ns}Name' -> 'Name'; qbXML has no namespaces)."""
    return tag.rpartition("}")[2] if tag.startswith("{") else tag
