"""The filters of report and transaction queries, as conditions on ledger postings.

ReportAccountFilter / ReportEntityFilter / ReportItemFilter / ReportClassFilter (by type, by
ListID or FullName, with or without children), ReportTxnTypeFilter, ReportModifiedDateRange
Filter/Macro and ReportPostingStatusFilter narrow the postings a report adds up, as QuickBooks
narrows a report: a filtered balance sheet need not balance. The same conditions serve
TransactionQuery's Transaction*Filter elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.dates import macro_range
from qbconnector.sandbox.core.objects import ENTITY_TYPES, ITEM_TYPES
from qbconnector.sandbox.rules.lists import special_account

_ASSETS = {"Bank", "AccountsReceivable", "OtherCurrentAsset", "FixedAsset", "OtherAsset"}
_CURRENT_ASSETS = {"Bank", "AccountsReceivable", "OtherCurrentAsset"}
_CURRENT_LIABILITIES = {"AccountsPayable", "CreditCard", "OtherCurrentLiability"}
_LIABILITIES = _CURRENT_LIABILITIES | {"LongTermLiability"}
_PROFIT_AND_LOSS = {"Income", "CostOfGoodsSold", "Expense", "OtherIncome", "OtherExpense"}
# AccountTypeFilter value -> (account types, special accounts added to them).
ACCOUNT_TYPE_FILTERS: dict[str, tuple[set[str], tuple[str, ...]]] = {
    "AccountsPayable": ({"AccountsPayable"}, ()),
    "AccountsReceivable": ({"AccountsReceivable"}, ()),
    "AllowedFor1099": ({"CostOfGoodsSold", "Expense", "OtherExpense"}, ()),
    "APAndSalesTax": ({"AccountsPayable"}, ("SalesTaxPayable",)),
    "APOrCreditCard": ({"AccountsPayable", "CreditCard"}, ()),
    "ARAndAP": ({"AccountsReceivable", "AccountsPayable"}, ()),
    "Asset": (_ASSETS, ()),
    "BalanceSheet": (_ASSETS | _LIABILITIES | {"Equity"}, ()),
    "Bank": ({"Bank"}, ()),
    "BankAndARAndAPAndUF": ({"Bank", "AccountsReceivable", "AccountsPayable"},
                            ("UndepositedFunds",)),
    "BankAndUF": ({"Bank"}, ("UndepositedFunds",)),
    "CostOfSales": ({"CostOfGoodsSold"}, ()),
    "CreditCard": ({"CreditCard"}, ()),
    "CurrentAsset": (_CURRENT_ASSETS, ()),
    "CurrentAssetAndExpense": (_CURRENT_ASSETS | {"Expense"}, ()),
    "CurrentLiability": (_CURRENT_LIABILITIES, ()),
    "Equity": ({"Equity"}, ()),
    "EquityAndIncomeAndExpense": ({"Equity"} | _PROFIT_AND_LOSS, ()),
    "ExpenseAndOtherExpense": ({"Expense", "OtherExpense"}, ()),
    "FixedAsset": ({"FixedAsset"}, ()),
    "IncomeAndExpense": (_PROFIT_AND_LOSS, ()),
    "IncomeAndOtherIncome": ({"Income", "OtherIncome"}, ()),
    "Liability": (_LIABILITIES, ()),
    "LiabilityAndEquity": (_LIABILITIES | {"Equity"}, ()),
    "LongTermLiability": ({"LongTermLiability"}, ()),
    "NonPosting": ({"NonPosting"}, ()),
    "OrdinaryExpense": ({"Expense"}, ()),
    "OrdinaryIncome": ({"Income"}, ()),
    "OrdinaryIncomeAndCOGS": ({"Income", "CostOfGoodsSold"}, ()),
    "OrdinaryIncomeAndExpense": ({"Income", "CostOfGoodsSold", "Expense"}, ()),
    "OtherAsset": ({"OtherAsset"}, ()),
    "OtherCurrentAsset": ({"OtherCurrentAsset"}, ()),
    "OtherCurrentLiability": ({"OtherCurrentLiability"}, ()),
    "OtherExpense": ({"OtherExpense"}, ()),
    "OtherIncome": ({"OtherIncome"}, ()),
    "OtherIncomeOrExpense": ({"OtherIncome", "OtherExpense"}, ()),
}
_SOLD = tuple(t for t in ITEM_TYPES if t != "ItemFixedAsset")
ITEM_TYPE_FILTERS: dict[str, tuple[str, ...]] = {
    "AllExceptFixedAsset": _SOLD, "Sales": _SOLD, "Assembly": ("ItemInventoryAssembly",),
    "Discount": ("ItemDiscount",), "FixedAsset": ("ItemFixedAsset",),
    "Inventory": ("ItemInventory",),
    "InventoryAndAssembly": ("ItemInventory", "ItemInventoryAssembly"),
    "NonInventory": ("ItemNonInventory",), "OtherCharge": ("ItemOtherCharge",),
    "Payment": ("ItemPayment",), "SalesTax": ("ItemSalesTax", "ItemSalesTaxGroup"),
    "Service": ("ItemService",)}


@dataclass
class PostingFilter:
    """SQL conditions on the ``postings`` table (columns unqualified) and their values."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, condition: str, values: list[Any]) -> None:
        self.where.append(condition)
        self.params.extend(values)

    def sql(self) -> str:
        return "".join(f" AND {condition}" for condition in self.where)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _marks(values: list[Any]) -> str:
    return ",".join("?" for _ in values) or "NULL"


def named_ids(ctx: Context, spec: dict[str, Any], types: tuple[str, ...]) -> list[str]:
    """ListID / FullName / ...WithChildren of a filter -> record ids (unknown names match
    nothing)."""
    ids = list(_as_list(spec.get("ListID")) + _as_list(spec.get("ListIDWithChildren")))
    for value in _as_list(spec.get("FullName")) + _as_list(spec.get("FullNameWithChildren")):
        row = ctx.find(types, full_name=value)
        if row is not None:
            ids.append(row["id"])
    if "ListIDWithChildren" in spec or "FullNameWithChildren" in spec:
        frontier = list(ids)
        while frontier:
            frontier = [r[0] for r in ctx.db.execute(
                f"SELECT id FROM records WHERE parent_id IN ({_marks(frontier)})",  # noqa: S608
                frontier)]
            ids += frontier
    return ids


def account_ids(ctx: Context, spec: dict[str, Any]) -> list[str]:
    """The accounts an account filter names (by type, ListID or FullName)."""
    kind = spec.get("AccountTypeFilter")
    if not kind:
        return named_ids(ctx, spec, ("Account",))
    types, specials = ACCOUNT_TYPE_FILTERS.get(kind, (set(), ()))
    marks = _marks(list(types))
    sql = f"SELECT id FROM records WHERE type='Account' AND json_extract(doc, '$.AccountType') IN ({marks})"  # noqa: E501, S608
    ids = [r[0] for r in ctx.db.execute(sql, list(types))]
    for special in specials:
        row = special_account(ctx, special)
        if row is not None:
            ids.append(row["id"])
    return ids


def _day_bound(value: Any, end: bool) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.astimezone()).timestamp()
    moment = datetime.combine(value, clock_time(23, 59, 59) if end else clock_time(0))
    return moment.astimezone().timestamp()


def full_macro(macro: str, calendar: str = "FiscalYear") -> str:
    """A report macro (ThisQuarter, LastYearToDate...) as the date macro it means for the
    report calendar (ThisFiscalQuarter, LastCalendarYearToDate...)."""
    kind = "Calendar" if calendar == "CalendarYear" else "Fiscal"
    for unit in ("Quarter", "Year"):
        if unit in macro and f"Calendar{unit}" not in macro and f"Fiscal{unit}" not in macro:
            macro = macro.replace(unit, f"{kind}{unit}")
    return macro


def posting_filter(ctx: Context, data: dict[str, Any], prefix: str = "Report"
                   ) -> PostingFilter:
    """The conditions of a request's filters; ``prefix`` is Report or Transaction."""
    out = PostingFilter()
    accounts = data.get(f"{prefix}AccountFilter")
    if accounts:
        ids = account_ids(ctx, accounts)
        out.add(f"account_id IN ({_marks(ids)})", ids)
    entities = data.get(f"{prefix}EntityFilter")
    if entities:
        kind = entities.get("EntityTypeFilter")
        if kind:
            out.add("entity_id IN (SELECT id FROM records WHERE type=?)", [kind])
        else:
            ids = named_ids(ctx, entities, ENTITY_TYPES)
            out.add(f"entity_id IN ({_marks(ids)})", ids)
    items = data.get(f"{prefix}ItemFilter")
    if items:
        kind = items.get("ItemTypeFilter")
        if kind:
            types = list(ITEM_TYPE_FILTERS.get(kind, ()))
            out.add(f"item_id IN (SELECT id FROM records WHERE type IN ({_marks(types)}))",  # noqa: S608
                    types)
        else:
            ids = named_ids(ctx, items, ITEM_TYPES)
            out.add(f"item_id IN ({_marks(ids)})", ids)
    classes = data.get(f"{prefix}ClassFilter")
    if classes:
        ids = named_ids(ctx, classes, ("Class",))
        out.add(f"class_id IN ({_marks(ids)})", ids)
    txn_types = [t for t in _as_list((data.get(f"{prefix}TxnTypeFilter") or
                                      data.get("TransactionTypeFilter") or {})
                                     .get("TxnTypeFilter")) if t != "All"]
    if txn_types:
        out.add(f"txn_id IN (SELECT id FROM records WHERE type IN ({_marks(txn_types)}))",  # noqa: S608
                txn_types)
    modified = data.get(f"{prefix}ModifiedDateRangeFilter") or {}
    low, high = modified.get(f"From{prefix}ModifiedDate", modified.get("FromModifiedDate")), \
        modified.get(f"To{prefix}ModifiedDate", modified.get("ToModifiedDate"))
    macro = data.get(f"{prefix}ModifiedDateRangeMacro") or modified.get("DateMacro")
    if macro:
        macro = full_macro(macro, data.get("ReportCalendar") or "FiscalYear")
        first = int(ctx.store.meta("fiscal_first_month", "1") or 1)
        low, high = macro_range(macro, ctx.store.clock.now().date(), first)
    for bound, operator, end in ((low, ">=", False), (high, "<=", True)):
        if isinstance(bound, date):
            out.add(f"txn_id IN (SELECT id FROM records WHERE modified_utc {operator} ?)",  # noqa: S608
                    [_day_bound(bound, end)])
    if data.get(f"{prefix}PostingStatusFilter") == "NonPosting":
        out.add("0", [])                   # postings are, by definition, posting
    return out
