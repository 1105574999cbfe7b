"""Small XML helpers for the conformance harness: safe parsing, qbXML headers, ID rewriting."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from lxml import etree

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.spec import Element, version_key

QBXML_PI = re.compile(r"<\?qbxml\s+version\s*=\s*\"([^\"]*)\"\s*\?>")
XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# The newest version the compiled spec (and so the sandbox) knows.
NEWEST = specmod.load().latest


def parse(text: str | bytes) -> etree._Element:
    """Parse qbXML without entities, DTDs or network access; comments and blank text dropped."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_comments=True, remove_blank_text=True, huge_tree=False)
    data = text.encode("utf-8") if isinstance(text, str) else text
    # A declared encoding (utf-16 in some sources) must not fight the bytes we hand over.
    data = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", data, count=1)
    return etree.fromstring(data, parser)


def elements(parent: etree._Element) -> list[etree._Element]:
    """The element children of ``parent`` (no comments or processing instructions)."""
    return [c for c in parent if isinstance(c.tag, str)]


def message_set(root: etree._Element) -> etree._Element | None:
    """QBXMLMsgsRq or QBXMLMsgsRs under a QBXML root."""
    for child in elements(root):
        if child.tag.startswith("QBXMLMsgs"):
            return child
    return None


def messages(root: etree._Element) -> list[etree._Element]:
    """The requests or responses of a message set, in order."""
    msgs = message_set(root)
    return [] if msgs is None else elements(msgs)


def text_of(el: etree._Element | None, name: str) -> str | None:
    """The text of the child ``name`` of ``el``, or None."""
    if el is None:
        return None
    child = el.find(name)
    return None if child is None else (child.text or "")


def qbxml_version(text: str) -> str | None:
    """The version named by the ``<?qbxml version?>`` instruction, if there is one."""
    match = QBXML_PI.search(text)
    return match.group(1) if match else None


def with_version(text: str, version: str) -> str:
    """``text`` with its qbXML version set to ``version`` (the instruction added if missing)."""
    pi = f'<?qbxml version="{version}"?>'
    if QBXML_PI.search(text):
        return QBXML_PI.sub(pi, text, count=1)
    decl = XML_DECL.match(text)
    if decl:
        return text[:decl.end()] + pi + text[decl.end():]
    return '<?xml version="1.0"?>' + pi + text.lstrip()


def replace_ids(text: str, mapping: Mapping[str, str]) -> str:
    """Replace whole element values found in ``mapping`` (IDs, edit sequences) in XML text."""
    if not mapping:
        return text
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r">(\s*)(" + "|".join(re.escape(k) for k in keys) + r")(\s*)<")
    return pattern.sub(lambda m: f">{m.group(1)}{mapping[m.group(2)]}{m.group(3)}<", text)


def replace_in_message(message: str, mapping: Mapping[str, str]) -> str:
    """Replace quoted IDs inside a status message (``"8000001B-1405768916"``)."""
    for old, new in mapping.items():
        message = message.replace(f'"{old}"', f'"{new}"')
    return message


def build(tag: str, children: list[etree._Element] | None = None, text: str | None = None,
          **attrs: str) -> etree._Element:
    """A new element with attributes, text and children."""
    el = etree.Element(tag, {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    for child in children or []:
        el.append(child)
    return el


def leaf(tag: str, text: str) -> etree._Element:
    return build(tag, text=text)


def message_set_text(requests: list[etree._Element], version: str,
                     on_error: str = "stopOnError") -> str:
    """A complete request message set around ``requests``."""
    root = build("QBXML", [build("QBXMLMsgsRq", list(requests), onError=on_error)])
    body = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?><?qbxml version="{version}"?>{body}'


def walk_with_spec(el: etree._Element, definition: Element, since: str = ""
                   ) -> Iterator[tuple[etree._Element, Element | None, str]]:
    """Yield (element, its spec node or None, effective version) for ``el`` and descendants."""
    own = definition.since if definition.since else ""
    effective = max((v for v in (since, own) if v), key=version_key, default="")
    yield el, definition, effective
    for child in elements(el):
        child_def = definition.child(child.tag)
        if child_def is None:
            yield child, None, effective
            continue
        yield from walk_with_spec(child, child_def, effective)


def min_version(root: etree._Element, floor: str = "1.0") -> str:
    """The oldest qbXML version in which every element of a message set exists."""
    sp = specmod.load()
    best = floor
    for msg in messages(root):
        try:
            definition = sp.message(msg.tag)
        except KeyError:
            continue
        for _el, _d, version in walk_with_spec(msg, definition):
            if version and version_key(version) > version_key(best):
                best = version
    return best


def capped_version(version: str | None) -> str | None:
    """``version`` lowered to the newest the spec knows (15.0/16.0 requests → 14.0)."""
    if version is None:
        return None
    try:
        if version_key(version) > version_key(NEWEST):
            return NEWEST
    except ValueError:
        return version
    return version
