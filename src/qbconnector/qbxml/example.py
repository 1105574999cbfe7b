"""Example requests: a complete, valid message for any request at any version.

``full`` examples use every element the version allows in QuickBooks Desktop (the first
branch of each OR-group); ``minimal`` ones only what is required. They are what
``qbconnector qbxml example`` prints, and the test suite checks each against our validator
and Intuit's XSD.
"""

from __future__ import annotations

from typing import Any

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import Message, Pairs, build
from qbconnector.qbxml.spec import Attr, Choice, Element, Spec, version_key

SAMPLE_BY_TYPE = {
    "IDTYPE": "80000001-1700000000",
    "AMTTYPE": "100.00",
    "PRICETYPE": "12.5",
    "QUANTYPE": "2",
    "PERCENTTYPE": "7.5",
    "DATETYPE": "2024-01-15",
    "DATETIMETYPE": "2024-01-15T10:30:00-05:00",
    "BOOLTYPE": "true",
    "GUIDTYPE": "{6B29FC40-CA47-1067-B31D-00DD010662DA}",
    "TIMEINTERVALTYPE": "PT1H30M0S",
    "FLOATTYPE": "1.5",
}


def _sample_value(element: Element) -> str:
    if element.enum:
        return element.default if element.default in element.enum else element.enum[0]
    if element.type == "INTTYPE":
        low = int(element.minv) if element.minv is not None else 1
        high = int(element.maxv) if element.maxv is not None else max(low, 1)
        return str(min(max(low, 1), high))
    if element.type in SAMPLE_BY_TYPE:
        return SAMPLE_BY_TYPE[element.type]
    text = element.name
    return text[: element.maxlen] if element.maxlen else text


def _sample_attr(attr: Attr) -> str:
    if attr.enum:
        return attr.default if attr.default in attr.enum else attr.enum[0]
    return "1" if attr.type == "INTTYPE" else attr.name


class _Generator:
    def __init__(self, sp: Spec, version: str, minimal: bool, branch: int = 0) -> None:
        self.spec = sp
        self.vkey = version_key(version)
        self.minimal = minimal
        self.branch = branch

    def usable(self, node: Element | Choice) -> bool:
        return node.qbd and (not node.since or version_key(node.since) <= self.vkey)

    def element(self, element: Element) -> Any:
        required = [(f"@{a.name}", _sample_attr(a)) for a in element.attrs if a.required]
        if element.is_leaf:
            value = _sample_value(element)
            return Pairs([*required, ("#text", value)]) if required else value
        return Pairs(required + self.sequence(element.children))

    def sequence(self, particles: tuple) -> Pairs:
        out = Pairs()
        for p in particles:
            if not self.usable(p):
                continue
            if isinstance(p, Element):
                if p.min == 0 and self.minimal:
                    continue
                out.append((p.name, self.element(p)))
            else:
                if p.min == 0 and self.minimal:
                    continue
                usable = [b for b in p.branches if self.branch_usable(b)]
                branch = usable[min(self.branch, len(usable) - 1)] if usable else None
                if branch is not None:
                    out.extend(self.sequence(branch))
        return out

    def branch_usable(self, branch: tuple) -> bool:
        return all(self.usable(p) or p.min == 0 for p in branch) and any(
            self.usable(p) for p in branch)


def example_data(name: str, version: str | None = None, minimal: bool = False,
                 family: str = "qbxml", branch: int = 0) -> Pairs:
    """The body of an example message, as ordered pairs ready for :func:`build`.

    ``branch`` picks which alternative of every OR-group to use (the last one when a group has
    fewer), so that a handful of variants covers every branch.
    """
    sp = specmod.load(family)
    version = sp.check_version(version) if version else sp.latest
    message = sp.message(name)
    return _Generator(sp, version, minimal, branch).element(message)


def example(names: list[str], version: str | None = None, minimal: bool = False,
            family: str = "qbxml", indent: bool = True) -> str:
    """A message set holding an example of each named request (validated before returning)."""
    sp = specmod.load(family)
    version = sp.check_version(version) if version else sp.latest
    messages = []
    for i, name in enumerate(names, start=1):
        full = name if name.endswith("Rq") else name + "Rq"
        message = sp.message(full)
        if not _Generator(sp, version, minimal).usable(message):
            since = message.since or "?"
            raise ValueError(f"{full} is not available in {family} {version} "
                             f"(added in {since})" if message.qbd else
                             f"{full} is not supported by QuickBooks Desktop")
        attrs = {}
        if message.attr("requestID") is not None and not minimal:
            attrs["requestID"] = str(i)
        messages.append(Message(full, example_data(full, version, minimal, family), **attrs))
    return build(messages, version=version, family=family, indent=indent)
