"""Parsing XML we did not write, safely: no DTDs, no entities, no network, bounded size/depth.

Everything that reads qbXML from outside (requests arriving at the sandbox or the server,
responses from a remote connector, files on the command line) goes through here, so a
billion-laughs body or an external entity is refused with a clear error instead of hanging,
exhausting memory or reading local files. Only the encodings QuickBooks reads get as far as
the parser (UTF-7 or EBCDIC could hide a DTD from the checks below), no parser ever fetches
anything (a resolver answers every external reference with nothing, and the document is
refused), and an element may carry at most :data:`MAX_ATTRIBUTES` attributes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import IO

from lxml import etree

from qbconnector.errors import QBConnectorError

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# Nesting is bounded by libxml2 itself: without XML_PARSE_HUGE it refuses documents nested
# deeper than 256 levels (qbXML needs about 10), long before the stack is at risk.
MAX_DEPTH = 256
MAX_ATTRIBUTES = 64
"""Attributes one element may carry (qbXML elements have at most a handful); lxml reads an
element's attribute values in quadratic time, so thousands of them would hold a thread."""

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>", re.DOTALL)
_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""", re.DOTALL)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


class XMLError(QBConnectorError, ValueError):
    """Text that is not acceptable XML: malformed, too big, too deep or hostile."""


def to_bytes(text: str | bytes) -> bytes:
    """Encode text as UTF-8 bytes, making any encoding declaration say so."""
    if isinstance(text, bytes):
        return text
    text = _ENCODING.sub(lambda m: f"{m.group(1)}{m.group(2)}utf-8{m.group(2)}", text, count=1)
    return text.encode("utf-8", "surrogatepass")


_WIDE = (("utf-32", (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")),
         ("utf-16", (b"\xfe\xff", b"\xff\xfe")))


def _as_ascii_view(head: bytes) -> bytes:
    """UTF-16/32 text (with a byte-order mark, or recognisably wide) seen as ASCII, so the
    DTD check cannot be dodged by declaring a wide encoding."""
    for codec, marks in _WIDE:
        if head.startswith(marks):
            return head.decode(codec, "replace").encode("ascii", "replace")
    if head[:1] == b"\x00" or head[1:2] == b"\x00":
        for codec in ("utf-32-be", "utf-32-le", "utf-16-be", "utf-16-le"):
            text = head.decode(codec, "replace")
            if "<" in text[:4]:
                return text.encode("ascii", "replace")
    return head


# Intuit's own samples and older integrations declare the version with a document type
# declaration instead of <?qbxml version?>: only that exact form is let through — a public
# identifier of Intuit's, an optional http(s) system literal (never loaded: the parser reads
# no DTD and has no network), no internal subset, no entity.
_INTUIT_DOCTYPE = re.compile(
    rb"""<!DOCTYPE\s+(QBXML|QBPOSXML)\s+PUBLIC\s+(['"])-//INTUIT//DTD\s+(QBXML|QBPOSXML)"""
    rb"""\s+(?:QBD|POS|QBOE)?\s*([0-9]+\.[0-9]+)//EN\2(?:\s+(['"])https?://[^'"<>\[\]]*\5)?"""
    rb"""\s*>""", re.IGNORECASE)
_PUBLIC_ID = re.compile(r"^-//INTUIT//DTD\s+(?:QBXML|QBPOSXML)\s+(?:QBD|POS|QBOE)?\s*"
                        r"([0-9]+\.[0-9]+)//EN$", re.IGNORECASE)


def check_prolog(head: bytes) -> None:
    """Refuse a document type declaration: it is how entity bombs and XXE get in. Intuit's
    own ``<!DOCTYPE QBXML PUBLIC '-//INTUIT//DTD QBXML QBD 2.0//EN'>`` is the exception."""
    head = _as_ascii_view(head)
    match = _FIRST_ELEMENT.search(head)
    prolog = head if match is None else head[: match.start()]
    upper = prolog.upper()
    if b"<!ENTITY" in upper or upper.count(b"<!DOCTYPE") > 1 or (
            b"<!DOCTYPE" in upper and not _INTUIT_DOCTYPE.search(prolog)):
        raise XMLError("XML with a document type declaration (DTD) is refused")


# -- encodings ---------------------------------------------------------------------------------
ACCEPTED_ENCODINGS = frozenset({
    "utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "us-ascii", "ascii",
    "iso-8859-1", "iso_8859-1", "latin1", "latin-1", "windows-1252", "cp1252"})
"""What QuickBooks reads: UTF-8 and UTF-16 (the reference transcripts declare only these) and
the single-byte ASCII supersets older integrations declare. Anything else — UTF-7, UTF-32,
EBCDIC, the ISO-2022 family — is refused before a parser sees it."""

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def _accepted(declared: bytes) -> bool:
    """Whether a declared encoding name is one QuickBooks reads."""
    return declared.strip().lower().decode("ascii", "replace") in ACCEPTED_ENCODINGS


def check_encoding(head: bytes) -> None:
    """Refuse a document in an encoding QuickBooks does not read, declared or detected."""
    if head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or (
            head[:4] in (b"<\x00\x00\x00", b"\x00\x00\x00<")):
        raise XMLError("the encoding UTF-32 is not accepted: send UTF-8 or UTF-16")
    view = _as_ascii_view(head)
    if view.startswith(b"\xef\xbb\xbf"):
        view = view[3:]
    if not view.lstrip()[:1] == b"<":
        raise XMLError("not XML text in an encoding QuickBooks reads: send UTF-8 or UTF-16")
    declared = _DECLARED_ENCODING.match(view)
    if declared is not None and not _accepted(declared.group(1)):
        name = declared.group(1).decode("ascii", "replace")
        raise XMLError(f"the encoding {name!r} is not accepted: send UTF-8 or UTF-16")


# -- attributes --------------------------------------------------------------------------------
def check_attributes(root: etree._Element, data: bytes | None = None) -> None:
    """Refuse an element with more than :data:`MAX_ATTRIBUTES` attributes (linear time).

    With ``data`` (the parsed bytes), documents with fewer ``=`` than the limit skip the walk:
    no element of theirs can be over it."""
    if data is not None and data.count(b"=") <= MAX_ATTRIBUTES:
        return
    for el in root.iter():
        if len(el.attrib) > MAX_ATTRIBUTES:
            raise XMLError(f"<{el.tag}> has {len(el.attrib)} attributes; at most "
                           f"{MAX_ATTRIBUTES} are accepted")


def attributes(el: etree._Element) -> list[tuple[str, str]]:
    """An element's (name, value) pairs in linear time (lxml's ``items()`` is quadratic in
    their number; XPath reads them in one pass)."""
    if len(el.attrib) <= 8:
        return el.items()
    return [(str(value.attrname), str(value)) for value in el.xpath("@*")]


# -- no parser fetches anything ----------------------------------------------------------------
class _NoFetching(etree.Resolver):
    """Answers every external reference (DTD, entity, XInclude) with nothing, and remembers
    that one was made: the document is then refused. libxml2 opens the external subset a
    DOCTYPE names even with DTD loading off, which made a file-existence oracle."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: str | None = None

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> object:
        if self.asked is None:
            self.asked = system_url or public_id or "?"
        return self.resolve_string("", context)

    def check(self) -> None:
        asked, self.asked = self.asked, None
        if asked is not None:
            raise XMLError("XML naming an external resource (a DTD or entity) is refused")


def _as_header(data: bytes) -> bytes:
    """Intuit's DOCTYPE turned into the ``<?qbxml version?>`` header it stands for (XML
    parsers refuse a public identifier without a system literal, QuickBooks does not)."""
    match = _FIRST_ELEMENT.search(data[:65536])
    end = match.start() if match else min(len(data), 65536)
    found = _INTUIT_DOCTYPE.search(data, 0, end)
    if found is None:
        return data
    target = b"qbposxml" if found.group(1).upper() == b"QBPOSXML" else b"qbxml"
    has_header = re.search(rb"<\?" + target + rb"\s", data[:end], re.IGNORECASE)
    header = b"" if has_header else b'<?' + target + b' version="' + found.group(4) + b'"?>'
    return data[:found.start()] + header + data[found.end():]


def declared_version(root: etree._Element, target: str) -> str | None:
    """The version a request declares: ``<?qbxml version="13.0"?>`` (``qbposxml`` for Point
    of Sale), else the version in Intuit's DOCTYPE public identifier."""
    node = root.getprevious()
    while node is not None:
        if isinstance(node, etree._ProcessingInstruction) and node.target == target:
            # The nearest such instruction, as processing_instruction() finds it; its text
            # read once per spelling (every request of a client carries the same header).
            text = node.text or ""
            version = _HEADER_VERSIONS.get(text)
            if version is None:
                version = dict(_PSEUDO_ATTRIBUTE.findall(text)).get("version") or ""
                if len(text) <= 200 and len(_HEADER_VERSIONS) < 256:   # senders choose it
                    _HEADER_VERSIONS[text] = version
            if version:
                return version
            break
        node = node.getprevious()
    public_id = root.getroottree().docinfo.public_id or ""
    found = _PUBLIC_ID.match(public_id.strip())
    return found.group(1) if found else None


_HEADER_VERSIONS: dict[str, str] = {}
"""The version ("" for none) of each header text seen (``version="13.0"``)."""


_PARSERS = threading.local()


def _parser(keep_pis: bool, huge_text: bool = False) -> tuple[etree.XMLParser, _NoFetching]:
    """This thread's parser and its resolver: an lxml parser serves one thread at a time
    (others wait on its lock), and the server parses on several threads at once."""
    parsers = getattr(_PARSERS, "by_kind", None)
    if parsers is None:
        parsers = _PARSERS.by_kind = {}
    found = parsers.get((keep_pis, huge_text))
    if found is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
            huge_tree=huge_text, remove_comments=True, remove_pis=not keep_pis,
            collect_ids=False)
        resolver = _NoFetching()
        parser.resolvers.add(resolver)
        found = parsers[keep_pis, huge_text] = (parser, resolver)
    return found


def checked_bytes(text: str | bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The document as bytes, once the checks that need no parse pass: size, not empty, an
    encoding QuickBooks reads, no document type declaration (Intuit's own becomes the header it
    stands for, so no parser ever sees a DOCTYPE); XMLError otherwise."""
    data = to_bytes(text)
    if len(data) > max_bytes:
        raise XMLError(f"XML of {len(data)} bytes is larger than the limit of {max_bytes}")
    if not data or data.isspace():
        raise XMLError("empty XML document")
    if _plainly_acceptable(data):
        return data
    check_encoding(data[:1024])
    check_prolog(data[:65536])
    return _as_header(data)


def _plainly_acceptable(data: bytes) -> bool:
    """Whether ``data`` passes every check of :func:`checked_bytes` in one look, as nearly
    every request does: it starts with ``<`` in a one-byte encoding (no mark, no NUL: not
    UTF-16 or UTF-32), its prolog holds no ``<!`` (so neither a DOCTYPE, Intuit's or
    another, nor an entity) and any encoding it declares is one QuickBooks reads. Anything
    else takes the full checks, which give the same verdict with the reason."""
    if data[:1] != b"<" or data[1:2] == b"\x00":
        return False
    first = _FIRST_ELEMENT.search(data, 0, 65536)
    if data.find(b"<!", 0, first.start() if first else 65536) >= 0:
        return False
    declared = _DECLARED_ENCODING.match(data, 0, 1024)   # what check_encoding reads
    return declared is None or _accepted(declared.group(1))


def parse(text: str | bytes, max_bytes: int = DEFAULT_MAX_BYTES,
          keep_pis: bool = True, huge_text: bool = False) -> etree._Element:
    """Parse a whole document and return its root element; XMLError when not acceptable.

    ``keep_pis`` keeps processing instructions (the ``<?qbxml version?>`` header of requests);
    responses do without them, which lets readers assume every node is an element.
    ``huge_text`` lifts libxml2's 10 MB limit on one text node (a SOAP envelope carries a whole
    qbXML document as one); ``max_bytes`` still bounds the document, DTDs stay refused.
    """
    data = checked_bytes(text, max_bytes)
    parser, resolver = _parser(keep_pis, huge_text)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        resolver.asked = None
        raise XMLError(f"malformed XML: {exc}") from None
    resolver.check()
    if root is None:
        raise XMLError("empty XML document")
    check_attributes(root, data)
    return root


_PSEUDO_ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*["']([^"']*)["']""")


def processing_instruction(root: etree._Element, target: str) -> dict[str, str] | None:
    """The pseudo-attributes of a processing instruction before ``root`` (e.g. qbxml)."""
    node = root.getprevious()
    while node is not None:
        if isinstance(node, etree._ProcessingInstruction) and node.target == target:
            return dict(_PSEUDO_ATTRIBUTE.findall(node.text or ""))
        node = node.getprevious()
    return None


def iterparse(source: IO[bytes], events: tuple[str, ...] = ("start", "end"),
              max_bytes: int = DEFAULT_MAX_BYTES, tags: tuple[str, ...] | None = None
              ) -> Iterator[tuple[str, etree._Element]]:
    """Stream (event, element) pairs from a binary file, refusing DTDs; bounded in bytes.

    ``tags`` limits events to those element names (filtered inside lxml, which is fast).
    """
    head = source.read(65536)
    if head.strip():
        check_encoding(head[:1024])
    check_prolog(head)
    counted = _CountingReader(source, head, max_bytes)
    context = etree.iterparse(counted, events=events, resolve_entities=False, no_network=True,
                              load_dtd=False, huge_tree=False, remove_comments=True,
                              remove_pis=True, tag=tags)
    resolver = _NoFetching()
    context.resolvers.add(resolver)
    try:
        for event, el in context:
            resolver.check()
            if len(el.attrib) > MAX_ATTRIBUTES:
                raise XMLError(f"<{el.tag}> has {len(el.attrib)} attributes; at most "
                               f"{MAX_ATTRIBUTES} are accepted")
            yield event, el
    except etree.XMLSyntaxError as exc:
        raise XMLError(f"malformed XML: {exc}") from None
    resolver.check()


class _CountingReader:
    """A read() wrapper that replays the already-read head and enforces the byte limit."""

    def __init__(self, source: IO[bytes], head: bytes, max_bytes: int) -> None:
        self.source, self.head, self.max_bytes, self.total = source, head, max_bytes, 0

    def read(self, size: int = -1) -> bytes:
        if self.head:
            chunk, self.head = self.head, b""
        else:
            chunk = self.source.read(size if size and size > 0 else 65536)
        self.total += len(chunk)
        if self.total > self.max_bytes:
            raise XMLError(f"XML larger than the limit of {self.max_bytes} bytes")
        return chunk
