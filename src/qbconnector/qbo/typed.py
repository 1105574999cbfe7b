"""QuickBooks Online records as the records API gives them: typed values in read-only
records, exactly like Desktop's.

JSON gives strings, integers and (read with :func:`~qbconnector.qbo_wire.values.loads`)
Decimals; the entity spec says what each field is, so :func:`typer` turns amounts, prices
and quantities into Decimal (``"Balance": 0`` too), dates into ``date`` and times into aware
``datetime``. A typer is built once per type and walks only the fields that need work.

:class:`QBORecord` is a :class:`~qbconnector.api.records.record.Record` whose fields the spec
knows read as None when absent (``invoice.ship_date``), while a name the entity does not
have still fails with the fields it has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from qbconnector.api.records.record import Record, normalize
from qbconnector.qbo_wire import spec

Converter = Callable[[Any], Any]


def _decimal(value: Any) -> Any:
    if type(value) is Decimal:
        return value
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
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
_DEPTH = 6


def _object_typer(type_name: str, depth: int) -> Converter | None:
    if depth > _DEPTH:
        return None
    try:
        return _typer_for(type_name, depth)
    except KeyError:
        return None


@cache
def _typer_for(type_name: str, depth: int) -> Converter | None:
    """The converter of one complex type, or None when nothing in it needs converting."""
    plan: list[tuple[str, Converter, bool]] = []
    for name, field in spec.type_spec(type_name).fields.items():
        kind = field.kind.split(":")[0]
        convert: Converter | None = _LEAVES.get(kind)
        if field.object_type is not None:
            convert = _object_typer(field.object_type, depth + 1)
        if convert is not None:
            plan.append((name, convert, field.many))
    if not plan:
        return None

    def convert_object(value: Any) -> Any:
        if type(value) is not dict:
            return value
        for name, one, many in plan:
            item = value.get(name)
            if item is None:
                continue
            if type(item) is list:
                value[name] = [one(v) for v in item]
            elif not many or type(item) is dict:
                value[name] = one(item)
            else:
                value[name] = one(item)
        return value

    return convert_object


def typer(entity: str) -> Converter:
    """The in-place converter of an entity's JSON object (identity when none is needed)."""
    found = _typer_for(entity, 0)
    return found if found is not None else (lambda value: value)


@cache
def field_index(entity: str) -> dict[str, str]:
    """normalized name -> field name, for attribute access that reads None when absent."""
    try:
        names = spec.type_spec(entity).fields
    except KeyError:
        return {}
    return {normalize(n): n for n in names}


class QBORecord(Record):
    """A QuickBooks Online record: ``record.display_name``, ``record["DisplayName"]``;
    ``id`` and ``sync_token`` where Desktop has ListID/TxnID and EditSequence."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            if not name.startswith("__") and normalize(name) in field_index(self._tag):
                return None
            raise

    @property
    def entity(self) -> str:
        return self._tag

    @property
    def id(self) -> str | None:
        return self._data.get("Id")

    @property
    def sync_token(self) -> str | None:
        return self._data.get("SyncToken")

    def __repr__(self) -> str:
        data = self._data
        label = data.get("DisplayName") or data.get("FullyQualifiedName") or \
            data.get("Name") or data.get("DocNumber") or data.get("Id") or ""
        return f"<{self._tag} {label}>"


def record(entity: str, data: Mapping[str, Any]) -> QBORecord:
    """A typed record of ``entity`` from its JSON object (converted in place)."""
    return QBORecord(typer(entity)(data), entity)
