"""QuickBooks Online records as the records API gives them: typed values in read-only
records, exactly like Desktop's.

A record keeps the JSON QBO sent — numbers as their exact text (the session parses
non-integers with ``parse_float=str``, so nothing goes through a float) — and types a field
when it is read: the entity spec says what each field is, so amounts, prices and quantities
read as ``Decimal`` (``"Balance": 0`` too), dates as ``date``, times as aware ``datetime``,
objects as records of their own type, lists element by element. Typing on access costs
nothing for what is never read: an export that writes records as JSON (``to_dict()``) types
nothing at all.

:class:`QBORecord` is a :class:`~qbconnector.api.records.record.Record`: ``record.total_amt``
and ``record["TotalAmt"]`` are the same value; fields the spec knows read as None when the
record lacks them (``invoice.ship_date``), while a name the type does not have still fails
with the fields it has. ``to_dict()`` gives a JSON-ready copy of what QBO sent (amounts as
text).
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from qbconnector.api.records.record import Record, normalize
from qbconnector.qbo_wire import spec

Converter = Callable[[Any], Any]


def _decimal(value: Any) -> Any:
    if type(value) is str or (type(value) is int):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _date(value: Any) -> Any:
    if type(value) is str and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def _datetime(value: Any) -> Any:
    if type(value) is not str:
        return value
    text = value
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-3] != ":" and "T" in text:
        text = text[:-2] + ":" + text[-2:]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return value


def _integer(value: Any) -> Any:
    if type(value) is str and value.lstrip("-").isdigit():
        return int(value)
    return value


_LEAVES: dict[str, Converter] = {"decimal": _decimal, "date": _date, "datetime": _datetime,
                                 "integer": _integer}


@cache
def _fields(type_name: str) -> dict[str, tuple[Converter | None, str | None]]:
    """field -> (scalar converter, object type) for a complex type; {} when unknown."""
    try:
        found = spec.type_spec(type_name).fields
    except KeyError:
        return {}
    return {name: (_LEAVES.get(f.kind.split(":")[0]), f.object_type)
            for name, f in found.items()}


@cache
def field_index(type_name: str) -> dict[str, str]:
    """normalized name -> field name, for attribute access that reads None when absent."""
    return {normalize(n): n for n in _fields(type_name)}


def _typed(type_name: str, key: str, value: Any) -> Any:
    convert, object_type = _fields(type_name).get(key, (None, None))
    if isinstance(value, list):
        return [_typed(type_name, key, item) for item in value]
    if isinstance(value, dict):
        return QBORecord(value, object_type) if object_type else Record(value)
    return convert(value) if convert is not None and value is not None else value


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    if kind is Decimal:
        return format(value, "f")
    return value


class QBORecord(Record):
    """A QuickBooks Online record (or object inside one): ``record.display_name``,
    ``record["DisplayName"]``; ``id`` and ``sync_token`` where Desktop has ListID/TxnID and
    EditSequence."""

    __slots__ = ("_typed",)

    def __init__(self, data: Mapping[str, Any], tag: str = "") -> None:
        # The JSON object is the record's own (fresh from the answer, never changed): kept
        # as it is, not copied — an export makes one record per row.
        setattr_ = object.__setattr__
        setattr_(self, "_data", data if type(data) is dict else dict(data))
        setattr_(self, "_tag", tag)
        setattr_(self, "_index", None)
        setattr_(self, "_wrapped", None)
        setattr_(self, "_json_ready", False)
        setattr_(self, "_element", None)   # no qbXML element: Desktop's spec is never asked
        setattr_(self, "_typed", {})

    def __getitem__(self, key: str) -> Any:
        cached = self._typed
        if key in cached:
            return cached[key]
        value = _typed(self._tag, key, self._data[key])
        cached[key] = value
        return value

    def _type_fields(self) -> Mapping[str, str] | None:
        """The fields of this entity (or object type) from QBO's spec, not Desktop's."""
        return field_index(self._tag) or None

    @property
    def entity(self) -> str:
        return self._tag

    @property
    def id(self) -> str | None:
        return self._data.get("Id")

    @property
    def sync_token(self) -> str | None:
        return self._data.get("SyncToken")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy of what QBO sent (amounts as their exact text)."""
        try:
            # a deep copy in C: marshal takes exactly JSON's types (dict, list, str, int,
            # float, bool, None), twice as fast as a copy in Python (an export's cost)
            return marshal.loads(marshal.dumps(self._data))  # noqa: S302 - our own bytes
        except ValueError:                  # a Decimal (data not from QBO's JSON)
            return _copy(self._data)

    def __repr__(self) -> str:
        data = self._data
        label = data.get("DisplayName") or data.get("FullyQualifiedName") or \
            data.get("Name") or data.get("DocNumber") or data.get("Id") or ""
        return f"<{self._tag} {label}>" if label else f"<{self._tag}>"


def record(entity: str, data: Mapping[str, Any]) -> QBORecord:
    """A record of ``entity`` over its JSON object (typed as it is read)."""
    return QBORecord(data, entity)
