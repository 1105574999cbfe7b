"""Running a parsed query over a realm's records, the way QBO answers it.

Name lists hide inactive rows unless the query names ``Active``; strings compare without
regard to case; LIKE knows only ``%``; a quoted number compares as a number
(``TotalAmt > '300.00'``); pages start at 1 and ``maxResults`` is the rows returned.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.query import Condition, Query, QueryError, _error, resolve_property
from qbconnector.qbo_wire.values import parse_datetime, to_decimal

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company
    from qbconnector.qbo_double.store import Row


def value_at(body: dict, path: str) -> Any:
    current: Any = body
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    if isinstance(current, dict) and "value" in current:
        return current["value"]
    return current


def _coerce(kind: str, value: Any, zone: Any) -> Any:
    if value is None:
        return None
    if kind in ("decimal", "integer"):
        return to_decimal(value)
    if kind == "datetime":
        return parse_datetime(value, zone) if isinstance(value, str) else value
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        return str(value).lower() == "true"
    if isinstance(value, str):
        return value.lower()
    return str(value).lower()


def _matches(row_value: Any, cond: Condition, kind: str, zone: Any) -> bool:
    if cond.op == "LIKE":
        if row_value is None:
            return False
        pattern = "".join(".*" if c == "%" else re.escape(c) for c in str(cond.value).lower())
        return re.fullmatch(pattern, str(row_value).lower(), re.DOTALL) is not None
    try:
        left = _coerce(kind, row_value, zone)
        if cond.op == "IN":
            return left in {_coerce(kind, v, zone) for v in cond.value}
        right = _coerce(kind, cond.value, zone)
    except (ValueError, TypeError):
        raise _error("4001", f"QueryValidationError: value {cond.value!r} is not valid for "
                             f"property '{cond.prop}'") from None
    if left is None or right is None:
        return cond.op == "=" and left is right
    try:
        return {"=": left == right, "<": left < right, ">": left > right,
                "<=": left <= right, ">=": left >= right}[cond.op]
    except TypeError:
        return False


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, Decimal)):
        return (1, value)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    text = str(value)
    if text.isdigit() and len(text) < 19:
        return (1, int(text))
    return (2, text.lower())


def matching_rows(company: Company, query: Query) -> list[Row]:
    """Every record the query's WHERE selects, in its order."""
    target = spec.entity(query.entity)
    rows = company.rows(query.entity)
    conditions = []
    for cond in query.where:
        resolved = resolve_property(target, cond.prop)
        conditions.append((cond, resolved[1] if resolved else "string"))
    names_active = any(c.prop == "Active" for c in query.where)
    if target.is_name_list and not names_active:
        rows = [r for r in rows if r.active]
    zone = company.zone
    selected = [r for r in rows
                if all(_matches(value_at(r.body, c.prop), c, k, zone) for c, k in conditions)]
    orders = list(query.order_by)
    if not orders:
        if target.is_transaction:
            orders = [("TxnDate", True), ("Id", True)]
        elif "DisplayName" in target.fields:
            orders = [("DisplayName", False)]
        elif "FullyQualifiedName" in target.fields:
            orders = [("FullyQualifiedName", False)]
        elif "Name" in target.fields:
            orders = [("Name", False)]
        else:
            orders = [("Id", False)]
    for prop, descending in reversed(orders):
        kind = (resolve_property(target, prop) or ("", "string"))[1]
        selected.sort(key=lambda r, p=prop, k=kind: _sort_key(
            _coerce(k, value_at(r.body, p), zone) if k == "datetime" else value_at(r.body, p)),
            reverse=descending)
    return selected


def run(company: Company, query: Query) -> dict:
    """The ``QueryResponse`` object (rows as stored JSON text)."""
    from qbconnector.qbo_wire.values import RawJSON

    if query.entity in ("CompanyInfo", "Preferences") and query.where:
        pass
    rows = matching_rows(company, query)
    if query.count:
        return {"totalCount": len(rows)}
    page = rows[query.start_position - 1: query.start_position - 1 + query.max_results]
    if not page:
        return {}
    return {query.entity: [RawJSON(r.text) for r in page],
            "startPosition": query.start_position, "maxResults": len(page),
            "totalCount": len(rows)}


__all__ = ["QueryError", "matching_rows", "run", "value_at"]
