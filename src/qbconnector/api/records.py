"""Records: read-only mappings of typed values with snake_case attribute access.

``record["FullName"]`` and ``record.full_name`` are the same value; aggregates are records
too and repeating elements are lists. Amounts are Decimal, dates ``date``, times aware
``datetime``. ``record.to_dict()`` gives a JSON-ready copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from qbconnector.qbxml.jsonify import jsonable

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """'FullName' -> 'full_name', 'ListID' -> 'list_id', 'ARAccountRef' -> 'ar_account_ref'."""
    return _BOUNDARY.sub("_", name).lower()


def normalize(name: str) -> str:
    return name.replace("_", "").lower()


class Record(Mapping[str, Any]):
    """One QuickBooks record (or aggregate of one); immutable."""

    __slots__ = ("_data", "_tag", "_index")

    def __init__(self, data: Mapping[str, Any], tag: str = "") -> None:
        object.__setattr__(self, "_data", {k: _wrap(v) for k, v in data.items()})
        object.__setattr__(self, "_tag", tag)
        object.__setattr__(self, "_index", None)

    # -- mapping ------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self._data[key]

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
            raise AttributeError(f"{self._tag or 'record'} has no field {name!r}; it has "
                                 f"{', '.join(snake(k) for k in self._data) or 'none'}")
        return self._data[key]

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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (Decimal as text, dates ISO 8601)."""
        return jsonable(_plain(self))

    def __repr__(self) -> str:
        label = self._data.get("FullName") or self._data.get("Name") or \
            self._data.get("RefNumber") or self.id or ""
        return f"<{self._tag or 'Record'} {label}>" if label else \
            f"Record({dict(self._data)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return self._data == other._data
        return isinstance(other, Mapping) and dict(self._data) == dict(other)

    __hash__ = None  # type: ignore[assignment]


def _wrap(value: Any) -> Any:
    if isinstance(value, Record):
        return value
    if isinstance(value, Mapping):
        return Record(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
