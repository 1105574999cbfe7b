"""Turning stored documents into qbXML text, and qbXML values into QuickBooks' output form.

A document is a dict keyed by ``*Ret`` element names whose values are text (leaves), dicts
(aggregates) or lists (repeating elements). Rendering walks the spec, so elements always come
out in schema order and only those the request's qbXML version knows are returned, as
QuickBooks does for an older client.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import escape
from qbconnector.qbxml.spec import Element, version_key
from qbconnector.qbxml.values import format_amount, format_datetime, format_interval

LATEST = (99, 0)
# A document key listing, in order, the names of repeating siblings to interleave.
SEQUENCE = "_sequence"


_ZERO = Decimal("0")
_CENT = Decimal("0.01")
_FIVE_PLACES = Decimal("0.00001")
_NUMBERS = frozenset({"AMTTYPE", "PRICETYPE", "PERCENTTYPE", "QUANTYPE"})
NUMBER_TYPES = _NUMBERS
"""Value types written as numbers (output_text rewrites their text; others stay as given)."""


def money(value: Any) -> Decimal:
    """A stored amount (text or number) as Decimal; '' and None are zero."""
    kind = value.__class__
    if kind is Decimal:
        return value
    if kind is str:                      # stored text: the usual case after Decimal
        return Decimal(value) if value else _ZERO
    if value is None or value == "":
        return _ZERO
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _trim(value: Decimal, places: int) -> str:
    """At most five decimals, at least ``places``, no trailing zeros beyond that."""
    text = format(value.quantize(_FIVE_PLACES, rounding=ROUND_HALF_UP), "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(places, "0")
    text = f"{whole}.{frac}" if frac else whole
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def output_text(value: Any, type_name: str) -> str:
    """How QuickBooks writes a value in a response: amounts with 2 decimals, prices and
    percents with at least 2 (at most 5), quantities as short as possible."""
    if type_name in _NUMBERS:
        # (A Decimal compared with '' asks whether '' is a Rational: slow; test its class.)
        if value.__class__ is not Decimal:
            if value is None or value == "":
                return ""
            value = money(value)
        if type_name == "AMTTYPE":
            return format_amount(value)
        return _trim(value, 0 if type_name == "QUANTYPE" else 2)
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_interval(value)
    return str(value)


@cache
def _plan(element: Element, vkey: tuple[int, int]) -> tuple[tuple[str, Element], ...]:
    """The child elements of an aggregate that exist in QuickBooks Desktop at a version."""
    out = []
    seen = set()
    for child in specmod.iter_elements(element.children):
        if child.name in seen or not child.qbd:
            continue
        if child.since and version_key(child.since) > vkey:
            continue
        seen.add(child.name)
        out.append((child.name, child))
    return tuple(out)


@cache
def _tags(element: Element, vkey: tuple[int, int]
          ) -> tuple[tuple[str, Element, str, str, str], ...]:
    """:func:`_plan` with what writing each child needs worked out once: its value type
    ('' for an aggregate) and its start and end tags."""
    return tuple((name, child, child.type or "", f"<{name}>", f"</{name}>")
                 for name, child in _plan(element, vkey))


def render(element: Element, doc: dict[str, Any], vkey: tuple[int, int] = LATEST,
           include: frozenset[str] | None = None) -> str:
    """``<Name>...</Name>`` for a document, children in schema order."""
    parts: list[str] = [f"<{element.name}>"]
    _children(element, doc, vkey, include, parts)
    parts.append(f"</{element.name}>")
    return "".join(parts)


def fields(element: Element, doc: dict[str, Any], vkey: tuple[int, int] = LATEST) -> str:
    """Only the children of ``element`` (for responses whose fields sit directly in the Rs)."""
    parts: list[str] = []
    _children(element, doc, vkey, None, parts)
    return "".join(parts)


def _children(element: Element, doc: dict[str, Any], vkey: tuple[int, int],
              include: frozenset[str] | None, parts: list[str]) -> None:
    sequence = doc.get(SEQUENCE)
    if sequence:
        _children_in_sequence(element, doc, sequence, vkey, include, parts)
        return
    append = parts.append
    for name, child, type_name, start, end in _tags(element, vkey):
        value = doc.get(name)
        if value is None or (include is not None and name not in include):
            continue
        if isinstance(value, list):
            for item in value:
                _emit(name, child, item, vkey, parts)
        elif type_name:
            append(start + escape(value if isinstance(value, str) else
                                  output_text(value, type_name)) + end)
        elif isinstance(value, dict):
            append(start)
            _children(child, value, vkey, None, parts)
            append(end)


def _children_in_sequence(element: Element, doc: dict[str, Any], sequence: list[str],
                          vkey: tuple[int, int], include: frozenset[str] | None,
                          parts: list[str]) -> None:
    interleaved = frozenset(sequence)
    plan = _plan(element, vkey)
    emitted_sequence = False
    for name, child in plan:
        if name in interleaved:
            if not emitted_sequence:
                emitted_sequence = True
                _interleave(plan, doc, sequence, include, vkey, parts)
            continue
        value = doc.get(name)
        if value is None:
            continue
        if include is not None and name not in include:
            continue
        for item in value if isinstance(value, list) else (value,):
            _emit(name, child, item, vkey, parts)


def _emit(name: str, child: Element, item: Any, vkey: tuple[int, int], parts: list[str]) -> None:
    if child.type:
        parts.append(f"<{name}>{escape(item if isinstance(item, str) else output_text(item, child.type))}</{name}>")  # noqa: E501
    elif isinstance(item, dict):
        parts.append(f"<{name}>")
        _children(child, item, vkey, None, parts)
        parts.append(f"</{name}>")


def _interleave(plan: tuple[tuple[str, Element], ...], doc: dict[str, Any], sequence: list[str],
                include: frozenset[str] | None, vkey: tuple[int, int], parts: list[str]) -> None:
    """Repeating siblings of one OR-group in the order ``doc[SEQUENCE]`` names them (journal
    entry lines come back in the order they were sent), leftovers after them."""
    children = dict(plan)
    items = {name: list(doc[name]) if isinstance(doc.get(name), list) else
             ([doc[name]] if doc.get(name) is not None else []) for name in set(sequence)}
    order = [name for name in sequence] + [name for name, _ in plan if name in items
                                           for _ in items[name]]
    for name in order:
        if not items.get(name) or name not in children:
            continue
        item = items[name].pop(0)
        if include is None or name in include:
            _emit(name, children[name], item, vkey, parts)
