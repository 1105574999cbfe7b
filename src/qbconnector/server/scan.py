"""A guarded first look at a qbXML request: which messages it holds, refusing hostile XML.

The server reads every request before it reaches a session: to log the message names, to
keep read-only users to queries, and so that no session ever sees a DTD, an entity, or a tree
deeper than libxml2's guard. Malformed input is reported the way QuickBooks reports it: the
request processor's parse error (HRESULT 0x80040400).
"""

from __future__ import annotations

import codecs
import re
import threading
from typing import Any

from qbconnector.qbxml import xmlsafe

PARSE_ERROR = 0x80040400


# Declarations a qbXML request never needs, in every encoding libxml2 would read.
_MARKERS = tuple(word.encode(codec) for word in ("<!DOCTYPE", "<!ENTITY")
                 for codec in ("ascii", "utf-16-le", "utf-16-be"))


_RECOVERY = ("newMessageSetID", "oldMessageSetID")


class HostileOrMalformed(ValueError):
    """The body is not a well-formed, DTD-free XML document."""


class RequestScan:
    """What a request message set holds: family root, message set, request names and IDs,
    the error-recovery attributes it carries, its text and its parsed document element
    (``tree``, handed to the session so that it need not parse the text again)."""

    __slots__ = ("root", "message_set", "on_error", "requests", "names", "text", "recovery",
                 "tree")

    def __init__(self, root: str, message_set: str, on_error: str,
                 requests: tuple[tuple[str, str | None], ...], text: str,
                 recovery: tuple[str, ...] = (), tree: Any = None) -> None:
        self.root, self.message_set, self.on_error = root, message_set, on_error
        self.requests = requests          # (element name, requestID)
        self.names = tuple(name for name, _ in requests)
        self.text, self.recovery, self.tree = text, recovery, tree

    def __repr__(self) -> str:
        return (f"RequestScan(root={self.root!r}, message_set={self.message_set!r}, "
                f"requests={self.requests!r})")

    def again(self, tree: Any) -> RequestScan:
        """The same scan holding another copy of the tree."""
        found = object.__new__(RequestScan)
        found.root, found.message_set, found.on_error = self.root, self.message_set, \
            self.on_error
        found.requests, found.names, found.text = self.requests, self.names, self.text
        found.recovery, found.tree = self.recovery, tree
        return found


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
    """Parse ``body`` safely and list its requests; HostileOrMalformed says what is wrong.

    A small body sent again (a HostQuery on every connection, a polling query) is not read
    again: the scan of the same bytes is remembered, with a tree of its own for each caller
    (:class:`Remembered`)."""
    found = _REMEMBERED.scan_of(body)
    if found is not None:
        return found
    scan = _scan(body)
    _REMEMBERED.note(body, scan)
    return scan


def _scan(body: bytes) -> RequestScan:
    if not body or body.isspace():
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
    message_set = None
    for child in root:
        if isinstance(child.tag, str):
            message_set = child
            break
    if message_set is None:
        return RequestScan(_local(root.tag), "", "", (), text, (), root)
    requests = tuple((_local(child.tag), child.get("requestID")) for child in message_set
                     if isinstance(child.tag, str))
    recovery = tuple(name for name in _RECOVERY if message_set.get(name) is not None)
    return RequestScan(_local(root.tag), _local(message_set.tag),
                       message_set.get("onError", ""), requests, text, recovery, root)


REMEMBERED = 64
"""Distinct bodies whose scans are remembered (and as many seen once, to spot a repeat)."""
REMEMBERED_SIZE = 4096
"""Bytes a body may have for its scan to be remembered."""


class Remembered:
    """Scans of small bodies that came more than once, by their exact bytes.

    The same bytes always scan the same (the checks are pure), so a repeat costs a look-up
    and a copy of the tree the first scan made (the session takes, and may change, the tree
    it is handed; the copy kept is never handed out). A body is remembered only when it
    comes a second time, so a stream of distinct requests (adds, mods) does not copy trees
    it will never use; hostile or malformed bodies are never remembered. Both tables keep
    their newest ``limit`` entries. Safe to use from several threads."""

    def __init__(self, limit: int = REMEMBERED, size: int = REMEMBERED_SIZE) -> None:
        self.limit, self.size = limit, size
        self._scans: dict[bytes, RequestScan] = {}
        self._seen: dict[bytes, None] = {}
        self._lock = threading.Lock()

    def scan_of(self, body: bytes) -> RequestScan | None:
        """The remembered scan of ``body`` with a fresh copy of its tree, or None."""
        if len(body) > self.size:
            return None
        found = self._scans.get(body)
        return None if found is None else found.again(_copy(found.tree))

    def note(self, body: bytes, scan: RequestScan) -> None:
        """``body`` was scanned: remember its scan when this is its second time."""
        if len(body) > self.size:
            return
        with self._lock:
            if self._seen.pop(body, False) is None:
                _keep(self._scans, body, scan.again(_copy(scan.tree)), self.limit)
            else:
                _keep(self._seen, body, None, self.limit)

    def clear(self) -> None:
        with self._lock:
            self._scans.clear()
            self._seen.clear()


def _keep(table: dict[bytes, Any], key: bytes, value: Any, limit: int) -> None:
    """Store ``key``, dropping the oldest entry when ``table`` is full."""
    if len(table) >= limit:
        del table[next(iter(table))]
    table[key] = value


def _copy(root: Any) -> Any:
    """A copy of the whole document of ``root`` (its ``<?qbxml?>`` header and declared
    encoding included), as its root element."""
    return root.getroottree().__deepcopy__(None).getroot()   # copy.deepcopy, less its memo


_REMEMBERED = Remembered()


def _local(tag: str) -> str:
    """The local name of a tag ('{ns}Name' -> 'Name'; qbXML has no namespaces)."""
    return tag.rpartition("}")[2] if tag.startswith("{") else tag
