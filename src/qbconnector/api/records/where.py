"""``KEY=VALUE`` filter text (the command line's ``--where``) turned into query() keywords.

The keys are the keyword filters of :mod:`qbconnector.api.records.filters` (``-`` may stand for
``_``); values are converted by key:

- ranges ``a..b`` for ``txn_date``, ``name_range``, ``ref_number_range`` (either end may be
  left open: ``2024-01-01..``); ``txn_date`` also takes one date or a macro (``ThisMonth``);
- dates ``YYYY-MM-DD``; date-times ISO 8601 (``2024-05-01T08:00:00-05:00``; without an
  offset, this machine's local time) for ``modified_since`` / ``modified_until`` and
  ``deleted_since`` / ``deleted_until``;
- booleans (``true/false``, ``yes/no``, ``1/0``) for ``paid`` (also ``all``),
  ``include_line_items``, ``include_linked_txns`` and ``*_with_children``;
- amounts for ``balance_gt`` / ``_ge`` / ``_lt`` / ``_le`` / ``_eq``;
- comma-separated lists for ``ids``, ``full_names``, ``ref_numbers``, ``fields``,
  ``owner_ids``, ``account_type``, ``types`` (a key given twice adds to the list);
- text for everything else (``name_contains=Acme``, ``customer=Acme:Job1``, ``active=all``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from qbconnector.errors import ValidationError

LIST_KEYS = {"ids", "full_names", "ref_numbers", "fields", "owner_ids", "account_type",
             "types"}
RANGE_KEYS = {"txn_date", "name_range", "ref_number_range"}
BOOL_KEYS = {"include_line_items", "include_linked_txns", "customer_with_children",
             "vendor_with_children", "entity_with_children", "employee_with_children",
             "account_with_children"}
DATETIME_KEYS = {"modified_since", "modified_until", "deleted_since", "deleted_until"}
AMOUNT_KEYS = {"balance_gt", "balance_ge", "balance_lt", "balance_le", "balance_eq"}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class WhereError(ValidationError):
    """A ``--where`` item that cannot be read; the message says what to write."""


def parse_bool(text: str, key: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise WhereError(f"{key}: {text!r} is not true/false (yes/no, 1/0)")


def parse_datetime(text: str, key: str) -> datetime:
    """ISO 8601 date-time; a date alone means its midnight; no offset means local time."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise WhereError(f"{key}: {text!r} is not a date-time (2024-05-01T08:00:00-05:00 "
                         "or 2024-05-01)") from None
    return value if value.tzinfo else value.astimezone()


def _date(text: str, key: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise WhereError(f"{key}: {text!r} is not a date (YYYY-MM-DD)") from None


def _range(key: str, text: str) -> Any:
    if ".." not in text:
        if key == "txn_date":
            return _date(text, key) if text[:1].isdigit() else text
        raise WhereError(f"{key}: give a range FROM..TO (either end may be empty), "
                         f"not {text!r}")
    low, _, high = text.partition("..")
    if key == "txn_date":
        return (_date(low, key), _date(high, key))
    return (low or None, high or None)


def parse_item(item: str) -> tuple[str, Any]:
    """One ``KEY=VALUE`` as (keyword, typed value)."""
    key, sep, text = item.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key:
        raise WhereError(f"--where takes KEY=VALUE, not {item!r}")
    if key in LIST_KEYS:
        return key, [part.strip() for part in text.split(",") if part.strip()]
    if key in RANGE_KEYS:
        return key, _range(key, text)
    if key in BOOL_KEYS:
        return key, parse_bool(text, key)
    if key == "paid":
        return key, "all" if text.strip().lower() == "all" else parse_bool(text, key)
    if key in DATETIME_KEYS:
        return key, parse_datetime(text, key)
    if key in AMOUNT_KEYS:
        try:
            return key, Decimal(text.strip())
        except InvalidOperation:
            raise WhereError(f"{key}: {text!r} is not an amount") from None
    return key, text


def parse_where(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Several ``KEY=VALUE`` items as query() keywords (list keys accumulate)."""
    filters: dict[str, Any] = {}
    for item in items:
        key, value = parse_item(item)
        if key in LIST_KEYS and key in filters:
            filters[key] = [*filters[key], *value]
        elif key in filters:
            raise WhereError(f"--where {key} is given twice")
        else:
            filters[key] = value
    return filters
