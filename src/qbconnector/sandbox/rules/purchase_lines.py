"""What purchase forms share: costed item lines, item groups, line sets, terms and addresses.

Purchase lines are priced at cost: an item line's Cost defaults to the item's purchase cost
and its Desc to the item's purchase description; Amount = Quantity x Cost when not given,
Cost = Amount / Quantity when only those are given, Quantity = Amount / Cost when only those
are given, Cost = Amount when the amount comes alone. A line with neither item nor amount
stays as it was sent.

Bills, checks, credit card charges, item receipts and vendor credits keep two independent
line sets, as their ``ClearExpenseLines`` / ``ClearItemLines`` flags show: expense lines,
and item lines with item group lines. A Mod that carries lines of one set replaces that set
only (a listed TxnLineID is kept and updated, ``-1`` adds, unlisted lines of the set go);
the other set stays as it was.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.books.ledger import stock_position
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.render import cents, money, output_text
from qbconnector.sandbox.rules.addresses import copy_address
from qbconnector.sandbox.rules.items import item_info
from qbconnector.sandbox.rules.lists import special_account
from qbconnector.sandbox.rules.transactions import TxnRules, as_list, ref_id
from qbconnector.sandbox.storage.store import loads

if TYPE_CHECKING:
    import sqlite3

    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType

ZERO = Decimal(0)
CLEAR_FLAGS = {"ExpenseLineRet": "ClearExpenseLines", "ItemLineRet": "ClearItemLines",
               "ItemGroupLineRet": "ClearItemLines"}
# Where each kind of name keeps the address printed on checks and purchase forms.
ADDRESS_OF = {"Vendor": "VendorAddress", "Customer": "BillAddress",
              "Employee": "EmployeeAddress", "OtherName": "OtherNameAddress"}


def ref_of(row: sqlite3.Row) -> dict[str, str]:
    """A Ref to a list record as QuickBooks returns it."""
    return {"ListID": row["id"], "FullName": row["full_name"] or ""}


def default_account(ctx: Context, special: str) -> dict[str, str] | None:
    account = special_account(ctx, special)
    return ref_of(account) if account is not None else None


def record_doc(ctx: Context, record_id: str | None) -> dict[str, Any]:
    row = ctx.store.get(record_id) if record_id else None
    return loads(row["doc"]) if row is not None else {}


def copy_entity_address(ctx: Context, doc: dict[str, Any], target: str,
                        entity_id: str | None) -> bool:
    """Give ``doc`` the address a name has on file, with the block printed for it."""
    row = ctx.store.get(entity_id) if entity_id else None
    if row is None:
        return False
    return copy_address(doc, target, loads(row["doc"]), ADDRESS_OF.get(row["type"], ""))


def company_ship_address(ctx: Context) -> dict[str, str] | None:
    """Where purchases are shipped by default: the company's name and address."""
    company = json.loads(ctx.store.meta("company", "{}") or "{}")
    address = company.get("Address") or {}
    lines = [company.get("CompanyName")] + [address.get(f"Addr{i}") for i in range(1, 5)]
    out = {f"Addr{i}": text for i, text in enumerate([x for x in lines if x][:5], start=1)}
    out.update({k: address[k] for k in ("City", "State", "PostalCode") if address.get(k)})
    return out or None


def _add_months(day: date, months: int, day_of_month: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


def due_date(ctx: Context, txn_date: str, terms: dict[str, str] | None,
             default_days: int | None = None) -> str | None:
    """The due date terms give: standard terms add days; date-driven terms fall on a day of
    the month (the next month's when issued within their grace days of it)."""
    start = date.fromisoformat(txn_date)
    doc = record_doc(ctx, terms.get("ListID") if terms else None)
    if "StdDueDays" in doc or (doc and "DayOfMonthDue" not in doc):
        return (start + timedelta(days=int(doc.get("StdDueDays") or 0))).isoformat()
    if "DayOfMonthDue" in doc:
        due_day = int(doc["DayOfMonthDue"])
        grace = int(doc.get("DueNextMonthDays") or 0)
        due = _add_months(start, 0, due_day)
        if due < start or (due - start).days < grace:
            due = _add_months(start, 1, due_day)
        return due.isoformat()
    if default_days is not None:
        return (start + timedelta(days=default_days)).isoformat()
    return None


def exact_average(ctx: Context, item_id: str, until: str | None = None,
                  exclude: str | None = None) -> Decimal:
    """The item's average cost at full precision (what stock moves out at)."""
    on_hand, value, _, _ = stock_position(ctx, item_id, until, exclude)
    return value / on_hand if on_hand > 0 else ZERO


# -- pricing lines ------------------------------------------------------------------------------

def cost_line(ctx: Context, line: dict[str, Any], price_key: str = "Cost") -> Decimal:
    """Fill Desc, Cost (or Rate), Quantity and Amount of one purchase line; its amount."""
    item_id = ref_id(line, "ItemRef")
    info = item_info(ctx, item_id) if item_id else None
    if info is not None and "Desc" not in line and info.purchase_desc:
        line["Desc"] = info.purchase_desc
    quantity = money(line["Quantity"]) if line.get("Quantity") not in (None, "") else None
    cost = money(line[price_key]) if line.get(price_key) not in (None, "") else None
    amount = money(line["Amount"]) if line.get("Amount") not in (None, "") else None
    if info is None and quantity is None and cost is None and amount is None:
        return ZERO
    if cost is None and amount is None and info is not None:
        cost = info.purchase_cost if info.purchase_cost is not None else ZERO
    if amount is None:
        amount = cents((quantity if quantity is not None else Decimal(1)) * (cost or ZERO))
    elif cost is None and quantity:
        cost = amount / quantity
    elif cost is None:
        cost = amount
    elif quantity is None and cost and cents(cost) != amount:
        quantity = amount / cost
    line[price_key] = output_text(cost, "PRICETYPE")
    if quantity is not None:
        line["Quantity"] = output_text(quantity, "QUANTYPE")
    line["Amount"] = output_text(amount, "AMTTYPE")
    return amount


def cost_group(ctx: Context, group: dict[str, Any], line_key: str,
               price_key: str = "Cost") -> Decimal:
    """An item group line: its items (from the group when new) costed; its TotalAmount."""
    info = item_info(ctx, ref_id(group, "ItemGroupRef") or "")
    if info is not None:
        if "Desc" not in group and info.sales_desc:
            group["Desc"] = info.sales_desc
        if line_key not in group:
            times = money(group["Quantity"]) if group.get("Quantity") else Decimal(1)
            lines = []
            for member in info.group_lines:
                item = member.get("ItemRef")       # (the item's facts are shared: copy)
                line: dict[str, Any] = {"TxnLineID": ctx.store.new_txn_id(),
                                        "ItemRef": dict(item) if item else item}
                if member.get("Quantity"):
                    line["Quantity"] = output_text(money(member["Quantity"]) * times,
                                                   "QUANTYPE")
                lines.append(line)
            if lines:
                group[line_key] = lines
        printed = record_doc(ctx, info.id).get("IsPrintItemsInGroup", "false")
        group.setdefault("IsPrintItemsInGroup", printed)
    total = sum((cost_line(ctx, line, price_key) for line in as_list(group.get(line_key))),
                ZERO)
    group["TotalAmount"] = output_text(total, "AMTTYPE")
    return total


# -- line sets and Mod --------------------------------------------------------------------------

def line_sets(keys: Sequence[str]) -> list[tuple[str, ...]]:
    """Expense lines form one set; item lines and item group lines (or a form's own lines
    and line groups) the other."""
    expense = tuple(k for k in keys if k == "ExpenseLineRet")
    others = tuple(k for k in keys if k != "ExpenseLineRet")
    return [s for s in (expense, others) if s]


def mod_name(ret_key: str) -> str:
    """ExpenseLineRet -> ExpenseLineMod, PurchaseOrderLineGroupRet -> ...LineGroupMod."""
    return ret_key[: -len("Ret")] + "Mod" if ret_key.endswith("Ret") else ret_key + "Mod"


def _clean(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if v not in ("", {}, [])}


def merge_line(previous: dict[str, Any], change: dict[str, Any],
               price_key: str) -> dict[str, Any]:
    """A kept line updated by a Mod: what the Mod changes is recomputed from what it sends
    (a new Quantity or Cost recomputes the Amount, a new Amount alone the Cost)."""
    merged = {**previous, **change}
    if ("Quantity" in change or price_key in change) and "Amount" not in change:
        merged.pop("Amount", None)
    if "Amount" in change and price_key not in change and merged.get("Quantity"):
        merged.pop(price_key, None)
    if "ItemRef" in change and change["ItemRef"] != previous.get("ItemRef"):
        for key in ("Desc", price_key):
            if key not in change:
                merged.pop(key, None)
        if "Amount" not in change:
            merged.pop("Amount", None)
    return _clean(merged)


class LineSetRules(TxnRules):
    """Transactions whose Mod replaces each line set on its own (see the module doc)."""

    price_key = "Cost"

    def merge_lines(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                    old: dict[str, Any], keys: Sequence[str]) -> None:
        body = ctx.request.data.get(otype.mod.name, {}) if otype.mod is not None else {}
        for group in line_sets(keys):
            requested = [k for k in group if mod_name(k) in body]
            cleared = any(body.get(CLEAR_FLAGS.get(k, "")) for k in group)
            if not requested and not cleared:
                continue
            previous = {line["TxnLineID"]: line for k in group for line in as_list(old.get(k))
                        if isinstance(line, dict) and "TxnLineID" in line}
            for key in group:
                if key not in requested:
                    doc.pop(key, None)
                    continue
                merged = [self._merge_one(ctx, line, previous) for line in as_list(doc[key])]
                if merged:
                    doc[key] = merged
                else:
                    doc.pop(key, None)

    def _merge_one(self, ctx: Context, line: dict[str, Any],
                   previous: dict[str, dict[str, Any]]) -> dict[str, Any]:
        line_id = line.get("TxnLineID")
        if not line_id or line_id == "-1":
            return _clean(line)
        if line_id not in previous:
            raise errors.object_not_found(line_id)
        before = previous[line_id]
        nested_key = next((k for k, v in before.items() if isinstance(v, list) and v
                           and isinstance(v[0], dict) and "TxnLineID" in v[0]), None)
        merged = merge_line(before, {k: v for k, v in line.items() if k != nested_key},
                            self.price_key)
        if nested_key is None:
            return merged
        if nested_key in line:            # the group's own lines, merged the same way
            inner = {x["TxnLineID"]: x for x in as_list(before.get(nested_key))}
            merged[nested_key] = [self._merge_one(ctx, x, inner)
                                  for x in as_list(line[nested_key])]
        elif "Quantity" in line and before.get("Quantity"):
            ratio = money(line["Quantity"]) / money(before["Quantity"])
            scaled = []
            for inner_line in as_list(before.get(nested_key)):
                inner_line = dict(inner_line)
                if inner_line.get("Quantity"):
                    inner_line["Quantity"] = output_text(money(inner_line["Quantity"]) * ratio,
                                                         "QUANTYPE")
                    inner_line.pop("Amount", None)
                scaled.append(inner_line)
            merged[nested_key] = scaled
        return merged
