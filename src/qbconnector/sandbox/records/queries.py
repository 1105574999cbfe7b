"""Generic ``*QueryRq`` for lists and transactions: filters, order, MaxReturned, iterators.

Lists come back ordered by name (each child right after its parent), transactions by date
then creation. A query that finds nothing answers statusCode 1; IDs, names or reference
numbers asked for by value that do not exist answer 500 (a warning) with whatever was found.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

from qbconnector.qbxml import status as catalogue
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.dates import macro_range
from qbconnector.sandbox.core.objects import ObjectType, registry
from qbconnector.sandbox.core.render import money
from qbconnector.sandbox.records.add_mod import render_row
from qbconnector.sandbox.records.dataext import render_with_dataext
from qbconnector.sandbox.storage.store import loads

ITERATOR_TTL_SECONDS = 30 * 60


@dataclass
class IteratorState:
    """An open iterator: the matching records (a snapshot of ids) and how far we are."""

    ids: list[str]
    position: int
    options: dict[str, Any]
    touched: float = field(default_factory=time.monotonic)
    request: str = ""          # the query that started it (Continue must be the same query)


@dataclass
class QueryResult:
    rets: list[str]
    attrs: dict[str, str]
    status: errors.QBStatus | None = None


def _date_bound(value: Any, end: bool, zone: tzinfo | None = None) -> float:
    """A From/To date-time filter value as UTC seconds; dates cover the whole day.

    A value without an offset is the company's local time (``zone``, the time zone of the
    session's clock), as QuickBooks reads it on the machine that holds the company file.
    """
    if isinstance(value, datetime):
        moment = value if value.tzinfo else _localize(value, zone)
    elif isinstance(value, date):
        moment = _localize(datetime.combine(
            value, clock_time(23, 59, 59) if end else clock_time(0)), zone)
    else:
        raise errors.fail(3020, value=str(value), field="ModifiedDate")
    return moment.timestamp()


def _check_range(low: Any, high: Any, ctx: Context) -> None:
    """3030 when a From date (or date-time) comes after its To, as QuickBooks answers."""
    if low is None or high is None:
        return
    zone = local_zone(ctx)
    if isinstance(low, datetime) or isinstance(high, datetime):
        low, high = _date_bound(low, False, zone), _date_bound(high, True, zone)
    if low > high:
        raise errors.fail(3030)


def _localize(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()


def local_zone(ctx: Context) -> tzinfo | None:
    """The company's time zone: that of the session's clock."""
    return ctx.store.clock.now().tzinfo


def _with_children(ctx: Context, ids: list[str]) -> list[str]:
    out = list(ids)
    frontier = list(ids)
    while frontier:
        marks = ",".join("?" for _ in frontier)
        frontier = [r[0] for r in ctx.db.execute(
            f"SELECT id FROM records WHERE parent_id IN ({marks})", frontier)]  # noqa: S608
        out.extend(frontier)
    return out


def _filter_ids(ctx: Context, spec: dict[str, Any], types: tuple[str, ...]) -> list[str]:
    """ListID / FullName / ...WithChildren of an Entity/Account/Class filter -> ids."""
    ids: list[str] = []
    for key in ("ListID", "ListIDWithChildren"):
        for value in _as_list(spec.get(key)):
            ids.append(value)
    for key in ("FullName", "FullNameWithChildren"):
        for value in _as_list(spec.get(key)):
            row = ctx.find(types, full_name=value)
            if row is not None:
                ids.append(row["id"])
    if "ListIDWithChildren" in spec or "FullNameWithChildren" in spec:
        ids = _with_children(ctx, ids)
    return ids


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _match(text: str, criterion: str, wanted: str) -> bool:
    text, wanted = text.lower(), wanted.lower()
    if criterion == "StartsWith":
        return text.startswith(wanted)
    if criterion == "EndsWith":
        return text.endswith(wanted)
    return wanted in text


def _compare(value: Decimal, operator: str, amount: Decimal) -> bool:
    return {"LessThan": value < amount, "LessThanEqual": value <= amount,
            "Equal": value == amount, "GreaterThan": value > amount,
            "GreaterThanEqual": value >= amount}[operator]


def matching_ids(ctx: Context, otypes: tuple[ObjectType, ...], data: dict[str, Any]
                 ) -> tuple[list[str], list[str]]:
    """(ids in order, values asked for that matched nothing)."""
    names = tuple(t.name for t in otypes)
    marks = ",".join("?" for _ in names)
    kind = otypes[0].kind
    missing: list[str] = []
    # Lookups by value: ListID / FullName / Name / TxnID / RefNumber lists.
    for key, column, exact in (("ListID", "id", True), ("TxnID", "id", True),
                               ("FullName", "name_key", False), ("Name", "name_key", False)):
        values = _as_list(data.get(key))
        if values:
            ids: list[str] = []
            for value in values:
                key_value = value if exact else value.lower()
                row = ctx.db.execute(
                    f"SELECT id FROM records WHERE {column}=? AND type IN ({marks})",  # noqa: S608
                    (key_value, *names)).fetchone()
                if row is None:
                    missing.append(value)
                elif row["id"] not in ids:
                    ids.append(row["id"])
            return ids, missing
    for key, sensitive in (("RefNumber", False), ("RefNumberCaseSensitive", True)):
        values = _as_list(data.get(key))
        if values:
            found: list[sqlite3.Row] = []
            for value in values:
                sql = ("ref_number=?" if sensitive else "lower(ref_number)=lower(?)")
                rows = ctx.db.execute(
                    f"SELECT id, seq FROM records WHERE {sql} AND type IN ({marks})",  # noqa: S608
                    (value, *names)).fetchall()
                if not rows:
                    missing.append(value)
                found.extend(r for r in rows if all(r["id"] != f["id"] for f in found))
            # QuickBooks returns them in creation order, not in the order asked for.
            return [r["id"] for r in sorted(found, key=lambda r: r["seq"])], missing

    where = [f"type IN ({marks})"]
    params: list[Any] = list(names)
    if kind == "list":
        status = data.get("ActiveStatus", "ActiveOnly")
        if status == "ActiveOnly":
            where.append("is_active=1")
        elif status == "InactiveOnly":
            where.append("is_active=0")
        bounds = data
    else:
        where.append("is_void IN (0, 1)")
        bounds = data.get("ModifiedDateRangeFilter", {})
    _check_range(bounds.get("FromModifiedDate"), bounds.get("ToModifiedDate"), ctx)
    if bounds.get("FromModifiedDate") is not None:
        where.append("modified_utc >= ?")
        params.append(_date_bound(bounds["FromModifiedDate"], False, local_zone(ctx)))
    if bounds.get("ToModifiedDate") is not None:
        where.append("modified_utc <= ?")
        params.append(_date_bound(bounds["ToModifiedDate"], True, local_zone(ctx)))
    txn_dates = data.get("TxnDateRangeFilter")
    if txn_dates:
        low, high = txn_dates.get("FromTxnDate"), txn_dates.get("ToTxnDate")
        if txn_dates.get("DateMacro"):
            first = int(ctx.store.meta("fiscal_first_month", "1") or 1)
            low, high = macro_range(txn_dates["DateMacro"], ctx.store.clock.now().date(), first)
        _check_range(low, high, ctx)
        if low is not None:
            where.append("txn_date >= ?")
            params.append(low.isoformat())
        if high is not None:
            where.append("txn_date <= ?")
            params.append(high.isoformat())
    for key, column, types in (("EntityFilter", "entity_id", ("Customer", "Vendor", "Employee",
                                                               "OtherName")),
                               ("AccountFilter", "account_id", ("Account",))):
        spec = data.get(key)
        if spec:
            ids = _filter_ids(ctx, spec, types)
            where.append(f"{column} IN ({','.join('?' for _ in ids) or 'NULL'})")
            params.extend(ids)
    ref_range = data.get("RefNumberRangeFilter")
    if ref_range:
        if ref_range.get("FromRefNumber") is not None:
            where.append("ref_number >= ?")
            params.append(ref_range["FromRefNumber"])
        if ref_range.get("ToRefNumber") is not None:
            where.append("ref_number <= ?")
            params.append(ref_range["ToRefNumber"])
    paid = data.get("PaidStatus", "All")
    if paid == "PaidOnly":
        where.append("CAST(open_amount AS REAL) = 0")
    elif paid == "NotPaidOnly":
        where.append("CAST(open_amount AS REAL) != 0")
    sql = (f"SELECT id, full_name, doc, total_balance, balance, ref_number FROM records "  # noqa: S608
           f"WHERE {' AND '.join(where)} ORDER BY sort_key, seq")
    rows = ctx.db.execute(sql, params)
    name_filter = data.get("NameFilter")
    name_range = data.get("NameRangeFilter")
    balance_filter = data.get("TotalBalanceFilter")
    ref_filter = data.get("RefNumberFilter")
    class_filter = data.get("ClassFilter")
    class_ids = set(_filter_ids(ctx, class_filter, ("Class",))) if class_filter else None
    account_types = set(_as_list(data.get("AccountType")))
    needs_doc = bool(class_ids is not None or account_types)
    out = []
    for row in rows:
        name = row["full_name"] or ""
        if name_filter and not _match(name, name_filter["MatchCriterion"], name_filter["Name"]):
            continue
        if name_range:
            low, high = name_range.get("FromName"), name_range.get("ToName")
            if low is not None and name.lower() < low.lower():
                continue
            if high is not None and name.lower() > high.lower():
                continue
        if balance_filter:
            value = money(row["total_balance"])
            if not _compare(value, balance_filter["Operator"], balance_filter["Amount"]):
                continue
        if ref_filter and not _match(row["ref_number"] or "", ref_filter["MatchCriterion"],
                                     ref_filter["RefNumber"]):
            continue
        if needs_doc:
            doc = loads(row["doc"])
            if class_ids is not None and doc.get("ClassRef", {}).get("ListID") not in class_ids:
                continue
            if account_types and doc.get("AccountType") not in account_types:
                continue
        out.append(row["id"])
    return out, missing


def _drops(otype: ObjectType, data: dict[str, Any]) -> frozenset[str]:
    """Transaction queries leave out lines and linked transactions unless asked."""
    if otype.kind != "txn":
        return frozenset()
    drop = set()
    if not data.get("IncludeLineItems") and not data.get("IncludeComponentLineItems"):
        drop.update(n for n in otype.ret.child_names() if "Line" in n and n.endswith("Ret"))
    if not data.get("IncludeLinkedTxns"):
        drop.add("LinkedTxn")
    return frozenset(drop)


def render_ids(ctx: Context, ids: list[str], data: dict[str, Any]) -> list[str]:
    types = registry()
    include = ctx.request.include
    owners = _as_list(data.get("OwnerID"))
    out = []
    for row in _rows(ctx, ids):
        if row is None:
            continue
        otype = types[row["type"]]
        drop = _drops(otype, data)
        if owners:
            text = render_with_dataext(ctx, otype, row, owners, include, drop)
        else:
            text = render_row(ctx, otype, row, include, drop)
        if ctx.budget:
            ctx.spend(len(text))
        out.append(text)
    return out


def _rows(ctx: Context, ids: list[str]) -> list[sqlite3.Row | None]:
    """The rows of ``ids`` in that order, read a few hundred at a time (not one by one)."""
    found: dict[str, sqlite3.Row] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start: start + 500]
        marks = ",".join("?" for _ in chunk)
        for row in ctx.db.execute(f"SELECT * FROM records WHERE id IN ({marks})",  # noqa: S608
                                  chunk):
            found[row["id"]] = row
    return [found.get(record_id) for record_id in ids]


def query(ctx: Context, otypes: tuple[ObjectType, ...]) -> QueryResult:
    """Answer a ``*QueryRq`` (iterators included) for records of ``otypes``."""
    data = ctx.request.data
    attrs = ctx.request.attrs
    iterators: dict[str, IteratorState] = ctx.session.iterators
    _expire(iterators)
    mode = attrs.get("iterator")
    if mode in ("Continue", "Stop"):
        key = attrs.get("iteratorID", "")
        state = iterators.get(key)
        if state is None or state.request != ctx.request.name:
            raise errors.fail(3391, iterator_id=key)
        if mode == "Stop":
            del iterators[key]
            return QueryResult([], {"iteratorRemainingCount": "0", "iteratorID": key})
        size = data.get("MaxReturned") or state.options.get("MaxReturned") or len(state.ids)
        return _page(ctx, iterators, key, state, size)
    ids, missing = matching_ids(ctx, otypes, data)
    meta = attrs.get("metaData", "NoMetaData")
    if meta == "MetaDataOnly":
        return QueryResult([], {"retCount": str(len(ids))})
    if mode == "Start":
        key = "{" + str(uuid.uuid4()) + "}"
        state = IteratorState(ids, 0, dict(data), request=ctx.request.name)
        iterators[key] = state
        size = data.get("MaxReturned") or len(ids) or 1
        return _page(ctx, iterators, key, state, size)
    if data.get("MaxReturned"):
        ids = ids[: data["MaxReturned"]]
    rets = render_ids(ctx, ids, data)
    extra = {"retCount": str(len(rets))} if meta == "MetaDataAndResponseData" else {}
    if missing:
        return QueryResult(rets, extra, errors.fail(500, value=missing[0]))
    if not rets:
        return QueryResult([], extra, errors.QBStatus(1, catalogue.status_message(1)))
    return QueryResult(rets, extra)


def _page(ctx: Context, iterators: dict[str, IteratorState], key: str, state: IteratorState,
          size: int) -> QueryResult:
    chunk = state.ids[state.position: state.position + size]
    state.position += len(chunk)
    state.touched = time.monotonic()
    remaining = len(state.ids) - state.position
    rets = render_ids(ctx, chunk, state.options)
    if remaining == 0:
        del iterators[key]
    attrs = {"iteratorRemainingCount": str(remaining), "iteratorID": key}
    if not rets:
        return QueryResult([], attrs, errors.QBStatus(1, catalogue.status_message(1)))
    return QueryResult(rets, attrs)


def _expire(iterators: dict[str, IteratorState]) -> None:
    limit = time.monotonic() - ITERATOR_TTL_SECONDS
    for key in [k for k, s in iterators.items() if s.touched < limit]:
        del iterators[key]


def day_range(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, clock_time(0)).astimezone()
    return start, start + timedelta(days=1)
