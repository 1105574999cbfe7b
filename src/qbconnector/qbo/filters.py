"""``query()`` keyword filters in QuickBooks Online's query language — the same keywords as on
Desktop (:mod:`qbconnector.api.records.filters`), checked against what QBO can filter.

==========================  =============================================================
keyword                     QBO query
==========================  =============================================================
ids=[...]                   ``Id IN (...)``
full_names=[...]            ``FullyQualifiedName IN (...)`` (``DisplayName``/``Name`` where
                            the entity has no FullyQualifiedName)
name_contains / _starts_    ``<name> LIKE '%x%'`` / ``'x%'`` / ``'%x'`` (QBO's LIKE knows
with / _ends_with           only ``%``: a value holding one is refused)
name_range=(from, to)       ``<name> >= from AND <name> <= to``
active="all"|"inactive"     ``Active IN (true, false)`` / ``Active = false`` (QBO's default,
|"active"                   like Desktop's, is active records only)
modified_since / _until     ``MetaData.LastUpdatedTime >= / <=``
txn_date=(from, to) | date  ``TxnDate >= / <=``; macros (``ThisMonth``, ``LastYear``,
| "ThisMonth"               ``Today``...) computed on this machine's calendar
customer= / vendor= /       ``CustomerRef`` / ``VendorRef`` / ``EmployeeRef`` ``= Id`` (a
employee= / entity=         name is resolved first; a list gives IN)
ref_numbers=[...]           ``DocNumber IN (...)``
ref_number_contains / ...   ``DocNumber LIKE``; ``ref_number_range=(a, b)``
paid=True|False             ``Balance = 0`` / ``Balance > 0``
balance_gt/_ge/_lt/_le/_eq  ``Balance > / >= / < / <= / = x``
account_type="Bank"         ``AccountType = 'Bank'`` (Desktop's names, ``OtherCurrentAsset``,
                            are read too)
<property>=value            ``<Property> = value`` for any property QBO can filter
                            (``display_name="Acme"``, ``doc_number="1043"``)
where=[(prop, op, value)]   raw conditions (``("TotalAmt", ">", 300)``), names checked
order_by="TxnDate"          ``ORDERBY TxnDate`` (``"-TxnDate"`` for DESC; a list for more)
fields=[...]                records cut to these fields on receipt (QBO sends whole records)
include_line_items=True     accepted: QBO always sends lines (False cannot be expressed)
include_linked_txns=True    accepted likewise
==========================  =============================================================

Every filter is checked before anything is sent: an unknown keyword, or one QBO cannot
express for the entity (``owner_ids``, ``types``, ``deleted_since``, ``*_with_children``,
a property QBO does not filter by), raises :class:`FilterError` naming those it can.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from qbconnector.api.records.filters import FilterError
from qbconnector.api.records.record import normalize, snake
from qbconnector.qbo.editions import ACCOUNT_TYPES
from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.query import Condition, resolve_property

_MATCH = {"contains": ("%", "%"), "starts_with": ("", "%"), "ends_with": ("%", "")}
_OPERATORS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "="}
_PARTIES = {"customer": "CustomerRef", "vendor": "VendorRef", "employee": "EmployeeRef"}
_NOT_IN_QBO = {
    "owner_ids": "QBO has no custom-field owners (custom fields come with the record)",
    "types": "deleted records come from change data capture (qb.changes)",
    "deleted_since": "deleted records come from change data capture (qb.changes)",
    "deleted_until": "deleted records come from change data capture (qb.changes)",
}


@dataclass
class Plan:
    """A query's parts: WHERE conditions, ORDER BY, and fields to keep on receipt."""

    where: list[Condition] = field(default_factory=list)
    order_by: list[tuple[str, str]] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)


def name_property(target: spec.EntitySpec) -> str:
    """The property a record's name is in: DisplayName for people, else Name."""
    for prop in ("DisplayName", "Name"):
        if prop in target.fields:
            return prop
    raise FilterError(f"{target.name} records have no name")


def full_name_property(target: spec.EntitySpec) -> str:
    if "FullyQualifiedName" in target.filterable:
        return "FullyQualifiedName"
    return name_property(target)


def _filterable(target: spec.EntitySpec, prop: str, keyword: str) -> str:
    resolved = resolve_property(target, prop)
    name = resolved[0] if resolved else prop
    if name not in target.filterable:
        raise FilterError(f"QBO cannot filter {target.name} by {name} (filter {keyword!r}); "
                          f"filters: {', '.join(available(target))}")
    return name


def _like(value: Any, keyword: str, pattern: tuple[str, str]) -> str:
    text = str(value)
    if "%" in text:
        raise FilterError(f"{keyword}: QBO's LIKE cannot match a literal '%'")
    return pattern[0] + text + pattern[1]


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _instant(value: Any, keyword: str) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise FilterError(f"{keyword}: give an aware datetime (with a UTC offset)")
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return value
    raise FilterError(f"{keyword} takes a datetime, not {value!r}")


def build_plan(target: spec.EntitySpec, filters: dict[str, Any],
               ref_id: Callable[[str, str], str], today: date | None = None) -> Plan:
    """Conditions, order and fields for ``query(**filters)`` on ``target``."""
    plan = Plan()
    where = plan.where

    def add(prop: str, op: str, value: Any, keyword: str) -> None:
        where.append(Condition(_filterable(target, prop, keyword), op, value))

    for key, value in filters.items():
        if value is None:
            continue
        if key in _NOT_IN_QBO:
            raise FilterError(f"filter {key!r} cannot be expressed in QBO: {_NOT_IN_QBO[key]}")
        if key.endswith("_with_children"):
            raise FilterError(f"filter {key!r} cannot be expressed in QBO (no hierarchy "
                              "filter); filter by the parent's ParentRef instead")
        if key == "ids":
            add("Id", "IN", [str(v) for v in _listed(value)], key)
        elif key == "full_names":
            add(full_name_property(target), "IN", [str(v) for v in _listed(value)], key)
        elif key.startswith("name_") and key[5:] in _MATCH:
            add(name_property(target), "LIKE", _like(value, key, _MATCH[key[5:]]), key)
        elif key == "name_range":
            low, high = value
            if low is not None:
                add(name_property(target), ">=", str(low), key)
            if high is not None:
                add(name_property(target), "<=", str(high), key)
        elif key == "active":
            _active(target, value, add)
        elif key in ("modified_since", "modified_until"):
            add("MetaData.LastUpdatedTime", ">=" if key == "modified_since" else "<=",
                _instant(value, key), key)
        elif key == "txn_date":
            low, high = _dates(value, today or date.today())
            if low is not None and low == high:
                add("TxnDate", "=", low, key)
            else:
                if low is not None:
                    add("TxnDate", ">=", low, key)
                if high is not None:
                    add("TxnDate", "<=", high, key)
        elif key in _PARTIES or key == "entity":
            prop = _PARTIES.get(key) or _party_of(target)
            _filterable(target, prop, key)
            entity = prop[:-3]
            ids = [v["Id"] if hasattr(v, "get") and v.get("Id") else
                   (str(v) if str(v).isdigit() else ref_id(entity, str(v)))
                   for v in _listed(value)]
            add(prop, "IN" if len(ids) > 1 else "=", ids if len(ids) > 1 else ids[0], key)
        elif key == "ref_numbers":
            add("DocNumber", "IN", [str(v) for v in _listed(value)], key)
        elif key.startswith("ref_number_") and key[11:] in _MATCH:
            add("DocNumber", "LIKE", _like(value, key, _MATCH[key[11:]]), key)
        elif key == "ref_number_range":
            low, high = value
            if low:
                add("DocNumber", ">=", str(low), key)
            if high:
                add("DocNumber", "<=", str(high), key)
        elif key == "paid":
            if value != "all":
                add("Balance", "=" if value else ">", 0, key)
        elif key.startswith("balance_") and key[8:] in _OPERATORS:
            add("Balance", _OPERATORS[key[8:]], value, key)
        elif key == "account_type":
            kinds = [ACCOUNT_TYPES.get(str(v), str(v)) for v in _listed(value)]
            add("AccountType", "IN" if len(kinds) > 1 else "=",
                kinds if len(kinds) > 1 else kinds[0], key)
        elif key in ("include_line_items", "include_linked_txns"):
            if not value:
                raise FilterError(f"{key}=False cannot be expressed: QBO always sends lines "
                                  "and linked transactions")
        elif key == "fields":
            plan.fields = [_property(target, str(f), key) for f in _listed(value)]
        elif key == "order_by":
            for item in _listed(value):
                text = str(item)
                descending = text.startswith("-")
                plan.order_by.append((_property(target, text.lstrip("-"), key),
                                      "DESC" if descending else "ASC"))
        elif key == "where":
            for item in _listed(value):
                prop, op, raw = item
                add(str(prop), str(op).upper(), raw, key)
        else:
            prop = _known_property(target, key)
            if prop is None:
                raise FilterError(f"unknown filter {key!r} for {target.name}; filters: "
                                  f"{', '.join(available(target))}")
            add(prop, "IN" if isinstance(value, list | tuple) else "=", value, key)
    return plan


def _active(target: spec.EntitySpec, value: Any, add: Callable[..., None]) -> None:
    wanted = str(value).lower().replace("only", "")
    if wanted not in ("all", "active", "inactive"):
        raise FilterError(f"active must be 'all', 'active' or 'inactive', not {value!r}")
    if "Active" not in target.filterable:
        raise FilterError(f"{target.name} records have no active status in QBO")
    if wanted == "all":
        add("Active", "IN", [True, False], "active")
    elif wanted == "inactive":
        add("Active", "=", False, "active")


def _party_of(target: spec.EntitySpec) -> str:
    for prop in ("CustomerRef", "VendorRef", "EmployeeRef", "EntityRef"):
        if prop in target.filterable:
            return prop
    raise FilterError(f"QBO cannot filter {target.name} by customer, vendor or employee")


def _property(target: spec.EntitySpec, name: str, keyword: str) -> str:
    found = resolve_property(target, name) or resolve_property(
        target, "".join(p.capitalize() for p in name.split("_")))
    if found is None:
        by_norm = {normalize(n): n for n in target.fields}
        real = by_norm.get(normalize(name))
        if real is None:
            raise FilterError(f"{keyword}: {target.name} has no field {name!r}")
        return real
    return found[0]


def _known_property(target: spec.EntitySpec, keyword: str) -> str | None:
    by_norm = {normalize(n): n for n in target.filterable}
    return by_norm.get(normalize(keyword))


def available(target: spec.EntitySpec) -> list[str]:
    """The keyword filters QBO can express for ``target`` (for messages and docs)."""
    props = target.filterable
    out = ["ids", "where", "order_by", "fields"]
    if "DisplayName" in target.fields or "Name" in target.fields:
        out += ["full_names", "name_contains", "name_starts_with", "name_ends_with",
                "name_range"]
    if "Active" in props:
        out.append("active")
    if "MetaData.LastUpdatedTime" in props:
        out += ["modified_since", "modified_until"]
    if "TxnDate" in props:
        out.append("txn_date")
    out += [k for k, p in _PARTIES.items() if p in props]
    if "DocNumber" in props:
        out += ["ref_numbers", "ref_number_contains", "ref_number_range"]
    if "Balance" in props:
        out += ["paid", "balance_gt", "balance_lt"]
    if "AccountType" in props:
        out.append("account_type")
    out += sorted(snake(p) for p in props if "." not in p)
    return list(dict.fromkeys(out))


# -- dates ------------------------------------------------------------------------------------
def _dates(value: Any, today: date) -> tuple[date | None, date | None]:
    if isinstance(value, str):
        return macro(value, today)
    if isinstance(value, datetime):
        return value.date(), value.date()
    if isinstance(value, date):
        return value, value
    low, high = value
    return low, high


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def macro(name: str, today: date) -> tuple[date | None, date | None]:
    """A Desktop DateMacro as a date range on the calendar (weeks start on Sunday, as in
    QuickBooks); fiscal periods need the company's fiscal year and are refused."""
    key = name.replace("Calendar", "")
    if "Fiscal" in key:
        raise FilterError(f"txn_date={name!r}: fiscal periods are not computed for QBO; give "
                          "the dates (txn_date=(from, to))")
    if key == "All":
        return None, None
    if key == "Today":
        return today, today
    if key == "Yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    to_date = key.endswith("ToDate")
    key = key[:-6] if to_date else key
    shift = {"This": 0, "Last": -1, "Next": 1}
    for prefix, step in shift.items():
        if not key.startswith(prefix):
            continue
        unit = key[len(prefix):]
        if unit == "Week":
            start = today - timedelta(days=(today.weekday() + 1) % 7) + timedelta(weeks=step)
            end = start + timedelta(days=6)
        elif unit == "FourWeeks" and prefix == "Next":
            start, end = today, today + timedelta(days=27)
        elif unit == "Month":
            start = _add_months(today.replace(day=1), step)
            end = _month_end(start)
        elif unit == "Quarter":
            start = _add_months(_quarter_start(today), 3 * step)
            end = _month_end(_add_months(start, 2))
        elif unit == "Year":
            start = date(today.year + step, 1, 1)
            end = date(today.year + step, 12, 31)
        else:
            break
        if to_date:
            end = min(end, today) if step == 0 else \
                start + (today - _period_start(unit, today))
        return start, end
    raise FilterError(f"txn_date={name!r} is not a date macro QBO queries can use (Today, "
                      "ThisMonth, LastQuarter, ThisYearToDate...)")


def _period_start(unit: str, today: date) -> date:
    if unit == "Week":
        return today - timedelta(days=(today.weekday() + 1) % 7)
    if unit == "Month":
        return today.replace(day=1)
    if unit == "Quarter":
        return _quarter_start(today)
    return date(today.year, 1, 1)
