"""Records: read-only mappings of typed values with snake_case attribute access.

``record["FullName"]`` and ``record.full_name`` are the same value; aggregates are records
too and repeating elements are lists. Amounts are Decimal, dates ``date``, times aware
``datetime``. ``record.to_dict()`` gives a JSON-ready copy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import snake
from qbconnector.qbxml.jsonify import jsonable
from qbconnector.qbxml.spec import Element


def normalize(name: str) -> str:
    return name.replace("_", "").lower()


_UNKNOWN = object()


@cache
def _ret_elements() -> dict[str, Element]:
    """Every element a response can return as a record (``CustomerRet``...), by name."""
    found: dict[str, Element] = {}
    for name, message in specmod.load().messages.items():
        if name.endswith("Rs"):
            for child in message.child_names():
                element = message.child(child)
                if element is not None and not element.is_leaf:
                    found.setdefault(child, element)
    return found


class Record(Mapping[str, Any]):
    """One QuickBooks record (or aggregate of one); immutable.

    A field the type has but this record does not carry (QuickBooks leaves empty fields
    out) reads as None: ``customer.company_name``; only a name the type does not have at all
    raises AttributeError."""

    __slots__ = ("_data", "_tag", "_index", "_wrapped", "_json_ready", "_element")

    def __init__(self, data: Mapping[str, Any], tag: str = "", json_ready: bool = False,
                 element: Element | None = None) -> None:
        # Aggregates become records when first read: an export that only serialises the
        # record never builds the nested objects.
        object.__setattr__(self, "_data", dict(data))
        object.__setattr__(self, "_tag", tag)
        object.__setattr__(self, "_index", None)
        object.__setattr__(self, "_wrapped", set())
        object.__setattr__(self, "_json_ready", json_ready)
        object.__setattr__(self, "_element", element if element is not None else _UNKNOWN)

    # -- mapping ------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        value = self._data[key]
        if key not in self._wrapped and isinstance(value, dict | list):
            value = _wrap(value, key, self._spec())
            self._data[key] = value
            self._wrapped.add(key)
        return value

    def _spec(self) -> Element | None:
        """The spec element of this record (None when unknown)."""
        element = self._element
        if element is _UNKNOWN:
            element = _ret_elements().get(self._tag)
            object.__setattr__(self, "_element", element)
        return element  # type: ignore[return-value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # -- attribute access ---------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        index = self._index
        if index is None:
            index = {normalize(k): k for k in self._data}
            object.__setattr__(self, "_index", index)
        key = index.get(normalize(name))
        if key is None:
            fields = self._type_fields()
            if fields is not None and normalize(name) in fields:
                return None                  # the type has it; this record left it empty
            names = fields.values() if fields is not None else self._data
            raise AttributeError(f"{self._tag or 'record'} has no field {name!r}; it has "
                                 f"{', '.join(snake(k) for k in names) or 'none'}")
        return self[key]

    def _type_fields(self) -> Mapping[str, str] | None:
        """Every field this record's type has, by normalized name (None when the type is
        unknown); a record of another kind (QuickBooks Online's) answers from its own spec."""
        element = self._spec()
        if element is None:
            return None
        return {normalize(n): n for n in element.child_names()}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("records are read-only; use modify() to change QuickBooks")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(snake(k) for k in self._data)})

    @property
    def tag(self) -> str:
        """The element this record came from, e.g. ``CustomerRet``."""
        return self._tag

    @property
    def id(self) -> str | None:
        """ListID or TxnID."""
        return self._data.get("ListID") or self._data.get("TxnID")

    @property
    def json_ready(self) -> bool:
        """Whether the values are already JSON-ready (``query(values="json")``)."""
        return self._json_ready

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (Decimal as text, dates ISO 8601)."""
        return _json(self._data)

    def __repr__(self) -> str:
        label = self._data.get("FullName") or self._data.get("Name") or \
            self._data.get("RefNumber") or self.id or ""
        return f"<{self._tag or 'Record'} {label}>" if label else \
            f"Record({dict(self._data)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return _plain(self) == _plain(other)
        return isinstance(other, Mapping) and _plain(self) == _plain(other)

    __hash__ = None  # type: ignore[assignment]


def underlying(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """A record's data as it came from the parser (nested dicts, not records), for code
    that reads every field once, like the export sinks; not to be modified."""
    return record._data if isinstance(record, Record) else record


def _wrap(value: Any, key: str = "", parent: Element | None = None) -> Any:
    child = parent.child(key) if parent is not None and key else None
    if isinstance(value, dict):
        return Record(value, key, element=child)
    if isinstance(value, list):
        return [_wrap(v, key, parent) for v in value]
    return value


def _plain(value: Any) -> Any:
    """Records and dicts to dicts, lists to lists, without wrapping anything on the way."""
    if isinstance(value, Record):
        value = value._data
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json(value: Any) -> Any:
    """Like ``jsonable(_plain(value))`` in one pass: exports call it for every record."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is Decimal:
        return format(value, "f")
    if kind is dict:
        return {k: _json(v) for k, v in value.items()}
    if kind is list:
        return [_json(v) for v in value]
    if kind is Record:
        return _json(value._data)
    return jsonable(_plain(value))
