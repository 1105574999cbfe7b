"""What an import would change in a record QuickBooks Online already has: the fields of a
request body whose values differ from the current record's, compared the way QBO stores
them, so importing the same data twice changes nothing.

Values compare by meaning: amounts as numbers (``2`` and ``2.00``), dates and times as ISO
text, references by Id, objects by the keys the body sends (QBO adds its own, such as an
address's Id), lines one by one on what the body sends after leaving out the subtotal line
QBO adds, names without the `` (deleted)`` QBO appends to inactive ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

DELETED_SUFFIX = " (deleted)"
NAME_FIELDS = ("DisplayName", "Name", "FullyQualifiedName")


def _scalars_equal(wanted: Any, current: Any) -> bool:
    if isinstance(wanted, Decimal) or (isinstance(wanted, int) and not isinstance(wanted, bool)):
        try:
            return current is not None and not isinstance(current, bool) and \
                Decimal(str(wanted)) == Decimal(str(current))
        except InvalidOperation:
            return False
    if isinstance(current, datetime | date):
        current = current.isoformat()
    return wanted == current


def same(wanted: Any, current: Any, key: str = "") -> bool:
    """Whether ``current`` already holds ``wanted`` (see the module doc)."""
    if isinstance(wanted, Mapping):
        if not isinstance(current, Mapping):
            return not any(v not in (None, "", [], {}) for v in wanted.values())
        if "value" in wanted and set(wanted) <= {"value", "name", "type"}:
            return str(wanted.get("value")) == str(current.get("value"))
        return all(same(v, current.get(k), k) for k, v in wanted.items())
    if isinstance(wanted, list | tuple):
        items = list(current or [])
        if key == "Line":
            items = [x for x in items if not (isinstance(x, Mapping) and
                                              x.get("DetailType") == "SubTotalLineDetail")]
        return len(items) == len(wanted) and all(same(w, c) for w, c in zip(wanted, items,
                                                                            strict=True))
    if wanted is None:
        return current in (None, "")
    if key in NAME_FIELDS and isinstance(current, str) and current.endswith(DELETED_SUFFIX):
        current = current[: -len(DELETED_SUFFIX)]
    return _scalars_equal(wanted, current)


def changed_fields(body: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level fields of ``body`` that differ from ``current`` (lines go whole)."""
    return {k: v for k, v in body.items() if not same(v, current.get(k), k)}
