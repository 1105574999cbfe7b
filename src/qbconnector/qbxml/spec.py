"""The qbXML spec: every message and element, loaded from qbconnector's compiled spec files.

``tools/compile_spec.py`` writes ``data/qbxml.json`` (QuickBooks Desktop qbXML 1.0-14.0) and
``data/qbposxml.json`` (Point of Sale qbposXML 1.0-3.0). Identical subtrees are stored once, so
nodes here are shared: a node never knows its parent, and effective versions are computed along
the path by whoever walks the tree.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache

UNBOUNDED = -1

VALUE_TYPES = frozenset({
    "STRTYPE", "IDTYPE", "AMTTYPE", "PRICETYPE", "QUANTYPE", "PERCENTTYPE", "DATETYPE",
    "DATETIMETYPE", "BOOLTYPE", "INTTYPE", "ENUMTYPE", "GUIDTYPE", "TIMEINTERVALTYPE", "FLOATTYPE",
})


@cache
def version_key(version: str) -> tuple[int, int]:
    """'13.0' -> (13, 0), for comparing qbXML versions."""
    major, _, minor = version.strip().partition(".")
    return int(major), int(minor or 0)


class Attr:
    """An XML attribute of an element: requestID, iterator, metaData, defMacro, onError..."""

    __slots__ = ("name", "type", "required", "enum", "default")

    def __init__(self, name: str, type: str, required: bool, enum: tuple[str, ...] | None,
                 default: str | None) -> None:
        self.name, self.type, self.required, self.enum, self.default = (
            name, type, required, enum, default)

    def __repr__(self) -> str:
        return f"Attr({self.name!r}, {self.type!r}, required={self.required})"


class Element:
    """An element: a leaf with a value ``type`` or an aggregate with ``children``.

    ``type`` is '' for aggregates; ``min`` 0 = optional; ``max`` 1 or UNBOUNDED; ``since`` ''
    = as old as its parent; ``qbd`` = exists in QuickBooks Desktop (US); ``maxlen`` 0 = no
    Desktop limit known; ``macro`` = may carry a macro value (TxnID:...).
    """

    __slots__ = ("name", "type", "min", "max", "since", "qbd", "maxlen", "minv", "maxv", "enum",
                 "default", "macro", "attrs", "children", "_index")

    def __init__(self, name: str, type: str, min: int, max: int, since: str, qbd: bool,
                 maxlen: int, minv: str | None, maxv: str | None, enum: tuple[str, ...] | None,
                 default: str | None, macro: bool, attrs: tuple[Attr, ...],
                 children: tuple[Element | Choice, ...]) -> None:
        self.name, self.type, self.min, self.max, self.since, self.qbd = (
            name, type, min, max, since, qbd)
        self.maxlen, self.minv, self.maxv, self.enum, self.default, self.macro = (
            maxlen, minv, maxv, enum, default, macro)
        self.attrs, self.children = attrs, children
        self._index: dict[str, Element] | None = None

    def __repr__(self) -> str:
        return f"<Element {self.name} {self.type or 'aggregate'} [{self.min}..{self.max}]>"

    @property
    def is_leaf(self) -> bool:
        return bool(self.type)

    @property
    def repeats(self) -> bool:
        return self.max == UNBOUNDED

    def child(self, name: str) -> Element | None:
        """The child element called ``name`` wherever it sits (inside OR-groups too)."""
        return _child_index(self).get(name)

    def child_names(self) -> tuple[str, ...]:
        """Names of all child elements in schema order (OR-group branches flattened)."""
        return tuple(_child_index(self))

    def attr(self, name: str) -> Attr | None:
        for attr in self.attrs:
            if attr.name == name:
                return attr
        return None


class Choice:
    """An OR-group: exactly one branch (a sequence) is used, or none when ``min`` is 0."""

    __slots__ = ("min", "max", "since", "qbd", "branches")

    def __init__(self, min: int, max: int, since: str, qbd: bool,
                 branches: tuple[tuple[Element | Choice, ...], ...]) -> None:
        self.min, self.max, self.since, self.qbd, self.branches = min, max, since, qbd, branches

    def __repr__(self) -> str:
        return f"<Choice of {len(self.branches)} [{self.min}..{self.max}]>"

    @property
    def repeats(self) -> bool:
        return self.max == UNBOUNDED


Particle = Element | Choice

def _child_index(element: Element) -> dict[str, Element]:
    index = element._index
    if index is None:
        index = {}
        _collect(element.children, index)
        element._index = index
    return index


def _collect(particles: tuple[Particle, ...], out: dict[str, Element]) -> None:
    for p in particles:
        if isinstance(p, Element):
            out.setdefault(p.name, p)
        else:
            for branch in p.branches:
                _collect(branch, out)


def iter_elements(particles: tuple[Particle, ...]) -> Iterator[Element]:
    """Yield the elements of a content model in schema order, OR-groups flattened."""
    for p in particles:
        if isinstance(p, Element):
            yield p
        else:
            for branch in p.branches:
                yield from iter_elements(branch)


class Spec:
    """One message family (qbXML or qbposXML): versions, message sets and messages."""

    def __init__(self, data: dict) -> None:
        self.family: str = data["family"]
        self.root: str = data["root"]
        self.versions: tuple[str, ...] = tuple(data["versions"])
        self._checked: dict[str, str] = {}      # version spellings already checked
        enums = [tuple(e) for e in data["enums"]]
        attrs = [tuple(Attr(n, t, bool(r), enums[e] if e >= 0 else None, d)
                       for n, t, r, e, d in row) for row in data["attrs"]]
        nodes: list[Particle] = []
        for row in data["nodes"]:
            if row[0] == 1:
                _, mn, mx, since, qbd, branches = row
                nodes.append(Choice(mn, mx, since, bool(qbd),
                                    tuple(tuple(nodes[i] for i in b) for b in branches)))
            else:
                (_, name, typ, mn, mx, since, qbd, maxlen, minv, maxv, enum, default, macro,
                 attr, children) = row
                nodes.append(Element(name, typ, mn, mx, since, bool(qbd), maxlen, minv, maxv,
                                     enums[enum] if enum >= 0 else None, default, bool(macro),
                                     attrs[attr] if attr >= 0 else (),
                                     tuple(nodes[i] for i in children)))
        self.message_sets: dict[str, Element] = {
            name: nodes[i] for name, i in data["roots"].items()}   # type: ignore[misc]
        self.messages: dict[str, Element] = {}
        self.message_set_of: dict[str, str] = {}
        for set_name, set_el in self.message_sets.items():
            if not set_name.endswith(("MsgsRq", "MsgsRs")):
                continue
            for msg in iter_elements(set_el.children):
                self.messages[msg.name] = msg
                self.message_set_of[msg.name] = set_name
        self.requests: tuple[str, ...] = tuple(n for n in self.messages if n.endswith("Rq"))
        self.responses: tuple[str, ...] = tuple(n for n in self.messages if n.endswith("Rs"))

    @property
    def latest(self) -> str:
        return self.versions[-1]

    def message(self, name: str) -> Element:
        """The definition of a request or response; KeyError names what is unknown."""
        try:
            return self.messages[name]
        except KeyError:
            raise KeyError(f"unknown {self.family} message {name!r}") from None

    def available(self, element: Element | Choice, version: str) -> bool:
        """Whether a node exists in QuickBooks Desktop at ``version`` (own gates only)."""
        if not element.qbd:
            return False
        return not element.since or version_key(element.since) <= version_key(version)

    def requests_for(self, version: str | None = None) -> list[str]:
        """Request names QuickBooks Desktop accepts in ``version`` (default: the newest)."""
        version = version or self.latest
        return [n for n in self.requests if self.available(self.messages[n], version)]

    def check_version(self, version: str) -> str:
        """Return the version normalised ('13' -> '13.0'); a ValidationError (a ValueError)
        if it is unknown."""
        found = self._checked.get(version)
        if found is not None:
            return found
        from qbconnector.errors import ValidationError

        try:
            key = version_key(version)
        except ValueError:
            raise ValidationError(f"not a {self.family} version: {version!r} (known: "
                                  f"{', '.join(self.versions)})") from None
        for v in self.versions:
            if version_key(v) == key:
                if len(self._checked) < 256:    # requests choose the spelling: bounded
                    self._checked[version] = v
                return v
        raise ValidationError(f"unknown {self.family} version {version!r}; "
                              f"known: {', '.join(self.versions)}")


@cache
def load(family: str = "qbxml") -> Spec:
    """The spec of ``family`` ('qbxml' or 'qbposxml'), loaded once per process."""
    if family not in ("qbxml", "qbposxml"):
        raise ValueError(f"unknown spec family {family!r}")
    path = os.path.join(os.path.dirname(__file__), "data", f"{family}.json")
    with open(path, encoding="ascii") as f:
        return Spec(json.load(f))
