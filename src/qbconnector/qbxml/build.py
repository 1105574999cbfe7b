"""Build qbXML request message sets from Python data.

Keys may come in any order and in PascalCase (``BillAddress``) or snake_case (``bill_address``);
values are Python values (str, int, Decimal, float, date, datetime, bool, timedelta, dicts for
aggregates, lists for repeats). Output has every element in schema order, values formatted the
way QuickBooks wants, ``& < > "`` escaped and characters above 127 written as numeric
references. By default the result is validated, so nothing QuickBooks would reject is returned.

Attributes of an element go under ``"@name"`` keys (``{"@defMacro": "TxnID:inv1"}``); message
attributes may also be given as keyword arguments of :class:`Message`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from qbconnector.errors import ValidationError as InvalidRequest
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml import values
from qbconnector.qbxml.spec import Choice, Element, Spec
from qbconnector.qbxml.validate import Problem, ValidationError, validate

_ATTR_ALIASES = {"request_id": "requestID", "iterator_id": "iteratorID", "meta_data": "metaData",
                 "def_macro": "defMacro", "requestid": "requestID", "iteratorid": "iteratorID"}


def escape(text: str) -> str:
    """Escape markup characters; non-ASCII is turned into references when the document ends.
    (Four replaces: several times faster than one ``translate`` on the short values of a
    message.)"""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def normalize_key(key: str) -> str:
    """'bill_address' and 'BillAddress' both become 'billaddress'."""
    return key.replace("_", "").lower()


_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """'FullName' -> 'full_name', 'ListID' -> 'list_id', 'ARAccountRef' -> 'ar_account_ref'."""
    return _BOUNDARY.sub("_", name).lower()


def unknown_field(key: str, element: Element) -> str:
    """Why ``key`` is refused in ``element``: no such field, and the likeliest meant, in the
    caller's own style (snake_case or qbXML names)."""
    names = list(element.child_names())
    style = (lambda n: n) if key != key.lower() else snake
    wanted = normalize_key(key)
    close = difflib.get_close_matches(wanted, [normalize_key(n) for n in names], n=3,
                                      cutoff=0.6)
    by_key = {normalize_key(n): n for n in names}
    if close:
        hint = "did you mean " + " or ".join(style(by_key[c]) for c in close) + "?"
    else:
        shown = ", ".join(style(n) for n in names[:15]) + (", ..." if len(names) > 15 else "")
        hint = f"it has: {shown}"
    return f"{element.name} has no field {key!r} ({hint})"


class Message:
    """One request: its name (``CustomerAdd``, ``CustomerAddRq`` or ``customer_add``), the data
    of its body and its attributes (``request_id``, ``iterator``, ``iterator_id``,
    ``meta_data``)."""

    def __init__(self, name: str, data: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
                 **attrs: Any) -> None:
        self.name = name
        self.data = data if data is not None else {}
        self.attrs = {_ATTR_ALIASES.get(k, k): v for k, v in attrs.items() if v is not None}

    def __repr__(self) -> str:
        return f"Message({self.name!r}, {self.data!r}, **{self.attrs!r})"


class BuildError(InvalidRequest):
    """Python data that cannot become the requested message; ``problems`` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _key_map(element: Element) -> dict[str, str]:
    cache = _KEY_MAPS.get(id(element))
    if cache is None:
        cache = {normalize_key(n): n for n in element.child_names()}
        _KEY_MAPS[id(element)] = cache
    return cache


_KEY_MAPS: dict[int, dict[str, str]] = {}
_NAME_MAPS: dict[str, dict[str, str]] = {}


def request_name(name: str, family: str = "qbxml") -> str:
    """The spec's message name for 'CustomerAdd', 'CustomerAddRq' or 'customer_add' (a
    request unless the name says ``Rs``)."""
    names = _NAME_MAPS.get(family)
    if names is None:
        sp = specmod.load(family)
        names = {}
        for msg in sp.messages:
            names[normalize_key(msg)] = msg
            if msg.endswith("Rq"):
                names.setdefault(normalize_key(msg[:-2]), msg)
        _NAME_MAPS[family] = names
    found = names.get(normalize_key(name))
    if found is None:
        raise KeyError(f"unknown {family} request {name!r}")
    return found


class Pairs(list):
    """Ordered (key, value) pairs for an aggregate, where the order of repeats matters, e.g.
    invoice lines interleaved with group lines: ``Pairs([("InvoiceLineAdd", {...}),
    ("InvoiceLineGroupAdd", {...})])``. A plain list means repeats of one element."""


def _items(data: Any) -> list[tuple[str, Any]]:
    if isinstance(data, Mapping):
        return list(data.items())
    return [(k, v) for k, v in data]


class _Builder:
    def __init__(self, sp: Spec, indent: bool) -> None:
        self.spec = sp
        self.indent = indent
        self.out: list[str] = []
        self.problems: list[Problem] = []

    def nl(self, depth: int) -> None:
        if self.indent:
            self.out.append("\n" + "  " * depth)

    def attributes(self, element: Element, attrs: Mapping[str, Any], path: str) -> str:
        parts = []
        for name, value in attrs.items():
            attr = element.attr(name)
            if attr is None:
                self.problems.append(Problem(path, f"unknown attribute {name!r}"))
                continue
            parts.append(f' {name}="{escape(str(value))}"')
        return "".join(parts)

    def element(self, element: Element, value: Any, depth: int, path: str,
                attrs: Mapping[str, Any] | None = None) -> None:
        attrs = dict(attrs or {})
        if not element.is_leaf:
            if isinstance(value, str):
                if element.child("FullName") is not None:
                    value = {"FullName": value}
                else:
                    self.problems.append(Problem(path, "needs a mapping of its elements, "
                                                       f"not the string {value!r}"))
                    return
            items = []
            for key, v in _items(value):
                if key.startswith("@"):
                    attrs[key[1:]] = v
                else:
                    items.append((key, v))
            self.nl(depth)
            start = len(self.out)
            self.out.append(f"<{element.name}{self.attributes(element, attrs, path)}>")
            self.content(element, items, depth + 1, path)
            if len(self.out) == start + 1:
                self.out[start] = self.out[start][:-1] + "/>"
                return
            self.nl(depth)
            self.out.append(f"</{element.name}>")
            return
        if isinstance(value, Mapping | Pairs):
            value_items = _items(value)
            attrs.update({k[1:]: v for k, v in value_items if k.startswith("@")})
            value = next((v for k, v in value_items if k == "#text"), "")
        try:
            text = values.format_value(value, element.type)
        except values.ValueFormatError as exc:
            self.problems.append(Problem(path, str(exc)))
            return
        self.nl(depth)
        name = element.name
        self.out.append(f"<{name}{self.attributes(element, attrs, path)}>{escape(text)}</{name}>")

    def content(self, element: Element, items: list[tuple[str, Any]], depth: int,
                path: str) -> None:
        keys = _key_map(element)
        resolved: list[tuple[str, Any]] = []
        for key, value in items:
            if value is None:
                continue
            name = keys.get(normalize_key(key))
            if name is None:
                self.problems.append(Problem(f"{path}/{key}", unknown_field(key, element)))
                continue
            resolved.append((name, value))
        self.sequence(element.children, resolved, depth, path)

    def sequence(self, particles: tuple, items: list[tuple[str, Any]], depth: int,
                 path: str) -> None:
        for particle in particles:
            if isinstance(particle, Element):
                for name, value in items:
                    if name == particle.name:
                        self.emit(particle, value, depth, path)
            else:
                self.choice(particle, items, depth, path)

    def choice(self, choice: Choice, items: list[tuple[str, Any]], depth: int, path: str) -> None:
        names = {e.name for e in specmod.iter_elements((choice,))}
        present = [(n, v) for n, v in items if n in names]
        if not present:
            return
        if choice.repeats:
            # Repeating OR-groups (e.g. invoice lines and group lines) keep the caller's order.
            for branch_items in present:
                branch = next(b for b in choice.branches
                              if branch_items[0] in {e.name for e in specmod.iter_elements(b)})
                self.sequence(branch, [branch_items], depth, path)
            return
        first = present[0][0]
        branch = next(b for b in choice.branches
                      if first in {e.name for e in specmod.iter_elements(b)})
        self.sequence(branch, present, depth, path)

    def emit(self, element: Element, value: Any, depth: int, path: str) -> None:
        here = f"{path}/{element.name}"
        if isinstance(value, list | tuple) and not isinstance(value, Pairs):
            for item in value:
                self.element(element, item, depth, here)
        else:
            self.element(element, value, depth, here)


def _messages(messages: Any) -> list[Message]:
    if isinstance(messages, Message):
        return [messages]
    if isinstance(messages, Mapping):
        return [Message(name, data) for name, data in messages.items()]
    out = []
    for item in messages:
        if isinstance(item, Message):
            out.append(item)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            out.append(Message(item[0], item[1]))
        elif isinstance(item, Mapping):
            out.extend(_messages(item))
        else:
            raise TypeError(f"cannot build a message from {item!r}")
    return out


def build(messages: Any, *, version: str | None = None, on_error: str = "stopOnError",
          family: str = "qbxml", check: bool = True, indent: bool = False,
          set_attrs: Mapping[str, str] | None = None) -> str:
    """Build a request message set; raises BuildError / ValidationError listing every problem.

    ``messages``: a :class:`Message`, a mapping ``{name: data}``, or an iterable of messages,
    ``(name, data)`` pairs or mappings. ``version`` defaults to the newest the spec knows.
    """
    sp = specmod.load(family)
    version = sp.check_version(version) if version else sp.latest
    builder = _Builder(sp, indent)
    msgs = _messages(messages)
    kinds = {sp.message_set_of.get(_safe_name(m.name, family)) for m in msgs} - {None}
    default = "QBXMLMsgsRq" if family == "qbxml" else "QBPOSXMLMsgsRq"
    set_name = kinds.pop() if len(kinds) == 1 else default
    set_el = sp.message_sets[set_name]
    attrs = dict(set_attrs or {})
    if set_el.attr("onError") is not None:
        attrs.setdefault("onError", on_error)
    out = builder.out
    builder.nl(1)
    out.append(f"<{set_name}{builder.attributes(set_el, attrs, set_name)}>")
    counts: dict[str, int] = {}
    for message in msgs:
        try:
            name = request_name(message.name, family)
        except KeyError as exc:
            builder.problems.append(Problem(set_name, str(exc.args[0])))
            continue
        counts[name] = counts.get(name, 0) + 1
        path = f"{set_name}/{name}[{counts[name]}]"
        data = _wrap_body(sp.message(name), message.data) if name.endswith("Rq") else \
            message.data
        builder.element(sp.message(name), data, 2, path, message.attrs)
    builder.nl(1)
    out.append(f"</{set_name}>")
    if builder.problems:
        raise BuildError(builder.problems)
    pi = "qbxml" if family == "qbxml" else "qbposxml"
    root = "QBXML" if family == "qbxml" else "QBPOSXML"
    newline = "\n" if indent else ""
    text = (f'<?xml version="1.0" encoding="utf-8"?>\n<?{pi} version="{version}"?>\n<{root}>'
            + "".join(out) + f"{newline}</{root}>")
    text = text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    if check:
        problems = validate(text, version, family)
        if problems:
            raise ValidationError(problems)
    return text


def _wrap_body(request: Element, data: Any) -> Any:
    """Let callers skip the body aggregate: ``CustomerAdd`` data for ``CustomerAddRq``."""
    body = request.child(request.name[:-2])
    if body is None or body.is_leaf or isinstance(data, str):
        return data
    items = _items(data)
    outer = _key_map(request)
    if any(outer.get(normalize_key(k)) == body.name for k, _ in items):
        return data
    inner_keys = _key_map(body)
    top, inner = [], []
    for key, value in items:
        norm = normalize_key(key)
        if key.startswith("@") or (norm in outer and norm not in inner_keys):
            top.append((key, value))
        else:
            inner.append((key, value))
    return Pairs(top + [(body.name, Pairs(inner))] if inner else top)


def _safe_name(name: str, family: str) -> str:
    try:
        return request_name(name, family)
    except KeyError:
        return name


def build_one(name: str, data: Mapping[str, Any] | None = None, *, version: str | None = None,
              on_error: str = "stopOnError", **attrs: Any) -> str:
    """Build a message set holding a single request."""
    return build(Message(name, data, **attrs), version=version, on_error=on_error)
