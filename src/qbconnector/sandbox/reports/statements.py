"""Financial statements from the ledger: profit & loss, balance sheet and trial balance.

Each statement is a list of report rows laid out the way QuickBooks Desktop lays out its
standard reports (a real balance sheet shows the pattern): section headings as text rows, one
data row per account, subaccounts under a heading row named for their parent with a
"Total <parent>" subtotal (the parent's own postings as "<parent> - Other"), subtotals per
section, totals at the end. Amounts are signed the way the statement reads them: assets,
cost of goods sold and expenses debit-positive; liabilities, equity and income credit-positive.

Choices (docs/sandbox-banking.md): accounts appear when they have postings in the period
(ReturnRows ActiveOnly, the default), when their amount is not zero (NonZero), or always
(All). The balance sheet's equity holds Retained Earnings (its own postings plus the profit of
every earlier fiscal year) and Net Income (this fiscal year up to the report date); the trial
balance does the same, so both balance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.dates import fiscal_year_start
from qbconnector.sandbox.reports.filters import PostingFilter
from qbconnector.sandbox.rules.lists import special_account

ZERO = Decimal(0)

# Chart of accounts order of the account types (as QuickBooks lists them).
TYPE_ORDER = ("Bank", "AccountsReceivable", "OtherCurrentAsset", "FixedAsset", "OtherAsset",
              "AccountsPayable", "CreditCard", "OtherCurrentLiability", "LongTermLiability",
              "Equity", "Income", "CostOfGoodsSold", "Expense", "OtherIncome", "OtherExpense")
DEBIT_NORMAL = frozenset({"Bank", "AccountsReceivable", "OtherCurrentAsset", "FixedAsset",
                          "OtherAsset", "CostOfGoodsSold", "Expense", "OtherExpense"})
PROFIT_AND_LOSS = frozenset({"Income", "CostOfGoodsSold", "Expense", "OtherIncome",
                             "OtherExpense"})


@dataclass
class Row:
    """One report row: kind is TextRow, DataRow, SubtotalRow or TotalRow; ``values`` maps
    column ids (2, 3...) to amounts; ``account`` is the FullName for RowData."""

    kind: str
    label: str
    values: dict[int, Decimal] = field(default_factory=dict)
    account: str | None = None


@dataclass
class Account:
    id: str
    name: str
    full_name: str
    type: str
    parent_id: str | None
    order: tuple[int, str]


@dataclass
class Ledger:
    """Account sums over one date range, from the postings table."""

    accounts: list[Account]
    amounts: dict[str, Decimal]           # debit-positive
    active: set[str]                      # accounts with postings in the range

    def signed(self, account: Account) -> Decimal:
        amount = self.amounts.get(account.id, ZERO)
        return amount if account.type in DEBIT_NORMAL else -amount


def chart(ctx: Context) -> list[Account]:
    """Every posting account, in chart of accounts order (subaccounts after their parent)."""
    out = []
    for row in ctx.db.execute("SELECT id, full_name, parent_id, sort_key, "
                              "json_extract(doc, '$.AccountType') AS type, "
                              "json_extract(doc, '$.Name') AS name FROM records "
                              "WHERE type='Account'"):
        if row["type"] not in TYPE_ORDER:
            continue
        out.append(Account(row["id"], row["name"] or row["full_name"], row["full_name"],
                           row["type"], row["parent_id"],
                           (TYPE_ORDER.index(row["type"]), row["sort_key"] or "")))
    out.sort(key=lambda a: a.order)
    return out


def sums(ctx: Context, since: date | None, until: date | None,
         accounts: list[Account] | None = None, scope: PostingFilter | None = None) -> Ledger:
    """Debit-positive sums per account of the postings dated in [since, until] (and in
    ``scope``, the request's filters)."""
    sql = "SELECT account_id, SUM(amount_cents), COUNT(*) FROM postings WHERE 1=1"
    params: list[Any] = []
    if scope is not None:
        sql += scope.sql()
        params += scope.params
    if since is not None:
        sql += " AND txn_date >= ?"
        params.append(since.isoformat())
    if until is not None:
        sql += " AND txn_date <= ?"
        params.append(until.isoformat())
    amounts, active = {}, set()
    for account_id, cents, count in ctx.db.execute(sql + " GROUP BY account_id", params):
        amounts[account_id] = Decimal(cents) / 100
        if count:
            active.add(account_id)
    return Ledger(accounts if accounts is not None else chart(ctx), amounts, active)


def _shown(ledger: Ledger, account: Account, return_rows: str) -> bool:
    if return_rows == "All":
        return True
    if return_rows == "NonZero":
        return ledger.signed(account) != 0
    return account.id in ledger.active


# -- account rows with subaccounts ---------------------------------------------------------------

def account_rows(ledger: Ledger, types: Iterable[str], return_rows: str
                 ) -> tuple[list[Row], Decimal]:
    """Rows for the accounts of some types (subaccounts nested) and their total."""
    wanted = set(types)
    accounts = [a for a in ledger.accounts if a.type in wanted]
    ids = {a.id for a in accounts}
    children: dict[str | None, list[Account]] = {}
    for account in accounts:
        parent = account.parent_id if account.parent_id in ids else None
        children.setdefault(parent, []).append(account)

    def visible(account: Account) -> bool:
        return _shown(ledger, account, return_rows) or any(
            visible(c) for c in children.get(account.id, []))

    def subtree(account: Account) -> tuple[list[Row], Decimal]:
        own = ledger.signed(account)
        kids = [c for c in children.get(account.id, []) if visible(c)]
        if not kids:
            return [Row("DataRow", account.name, {2: own}, account.full_name)], own
        rows = [Row("TextRow", account.name)]
        total = own
        for kid in kids:
            kid_rows, kid_total = subtree(kid)
            rows += kid_rows
            total += kid_total
        if _shown(ledger, account, return_rows) and (own != 0 or return_rows == "All"):
            rows.append(Row("DataRow", f"{account.name} - Other", {2: own}, account.full_name))
        rows.append(Row("SubtotalRow", f"Total {account.name}", {2: total}, account.full_name))
        return rows, total

    rows: list[Row] = []
    total = ZERO
    for account in children.get(None, []):
        if visible(account):
            account_rows_, amount = subtree(account)
            rows += account_rows_
            total += amount
    return rows, total


Part = Callable[[], tuple[list[Row], Decimal]]


def section(title: str, total_label: str, parts: list[Part], sign: list[int] | None = None
            ) -> tuple[list[Row], Decimal]:
    """A heading, its parts, and "Total ..." — nothing at all when the parts are empty."""
    rows: list[Row] = []
    total = ZERO
    for index, part in enumerate(parts):
        part_rows, amount = part()
        rows += part_rows
        total += amount * (sign[index] if sign else 1)
    if not rows:
        return [], ZERO
    return [Row("TextRow", title), *rows, Row("SubtotalRow", total_label, {2: total})], total


def group(ledger: Ledger, title: str, total_label: str, types: Iterable[str],
          return_rows: str) -> Part:
    return lambda: section(title, total_label,
                           [lambda: account_rows(ledger, types, return_rows)])


# -- the three statements ------------------------------------------------------------------------

def profit_and_loss(ctx: Context, since: date | None, until: date | None,
                    return_rows: str = "ActiveOnly", scope: PostingFilter | None = None
                    ) -> tuple[list[Row], Decimal]:
    """Income, cost of goods sold, expenses, other income and expense; the net income."""
    ledger = sums(ctx, since, until, scope=scope)
    income_rows, income = group(ledger, "Income", "Total Income", ["Income"], return_rows)()
    cogs_rows, cogs = group(ledger, "Cost of Goods Sold", "Total COGS", ["CostOfGoodsSold"],
                            return_rows)()
    expense_rows, expense = group(ledger, "Expense", "Total Expense", ["Expense"],
                                  return_rows)()
    other_in_rows, other_in = group(ledger, "Other Income", "Total Other Income",
                                    ["OtherIncome"], return_rows)()
    other_out_rows, other_out = group(ledger, "Other Expense", "Total Other Expense",
                                      ["OtherExpense"], return_rows)()
    rows: list[Row] = []
    ordinary = income - cogs - expense
    if income_rows or cogs_rows or expense_rows:
        rows.append(Row("TextRow", "Ordinary Income/Expense"))
        rows += income_rows + cogs_rows
        if income_rows or cogs_rows:
            rows.append(Row("SubtotalRow", "Gross Profit", {2: income - cogs}))
        rows += expense_rows
        rows.append(Row("SubtotalRow", "Net Ordinary Income", {2: ordinary}))
    other = other_in - other_out
    if other_in_rows or other_out_rows:
        rows.append(Row("TextRow", "Other Income/Expense"))
        rows += other_in_rows + other_out_rows
        rows.append(Row("SubtotalRow", "Net Other Income", {2: other}))
    net = ordinary + other
    rows.append(Row("TotalRow", "Net Income", {2: net}))
    return rows, net


def _equity_parts(ctx: Context, as_of: date, first_month: int, scope: PostingFilter | None
                  ) -> tuple[Ledger, Decimal, bool, str | None]:
    """Balance sheet sums as of a date, the fiscal year's net income (and whether the year
    had any income or expense), and the Retained Earnings account that absorbs earlier years."""
    accounts = chart(ctx)
    cumulative = sums(ctx, None, as_of, accounts, scope)
    year_start = fiscal_year_start(as_of, first_month)
    year = sums(ctx, year_start, as_of, accounts, scope)
    earlier = sums(ctx, None, year_start - timedelta(days=1), accounts, scope)
    retained = special_account(ctx, "RetainedEarnings")
    retained_id = retained["id"] if retained is not None else None
    net_income = ZERO
    year_active = False
    for account in accounts:
        if account.type not in PROFIT_AND_LOSS:
            continue
        net_income -= year.amounts.get(account.id, ZERO)
        year_active |= account.id in year.active
        if retained_id is not None:
            prior = earlier.amounts.get(account.id, ZERO)
            cumulative.amounts[retained_id] = cumulative.amounts.get(retained_id, ZERO) + prior
            if account.id in earlier.active:
                cumulative.active.add(retained_id)
        cumulative.amounts.pop(account.id, None)
        cumulative.active.discard(account.id)
    return cumulative, net_income, year_active, retained_id


def balance_sheet(ctx: Context, as_of: date, first_month: int,
                  return_rows: str = "ActiveOnly", scope: PostingFilter | None = None
                  ) -> tuple[list[Row], Decimal, Decimal]:
    """Assets = liabilities + equity as of a date; returns rows and the two totals."""
    ledger, net_income, year_active, _ = _equity_parts(ctx, as_of, first_month, scope)

    def accounts(title: str, total_label: str, types: list[str]) -> Part:
        return group(ledger, title, total_label, types, return_rows)

    def equity() -> tuple[list[Row], Decimal]:
        rows, total = account_rows(ledger, ["Equity"], return_rows)
        if year_active or net_income != 0 or return_rows == "All":
            rows.append(Row("DataRow", "Net Income", {2: net_income}))
            total += net_income
        return rows, total

    current_assets = lambda: section("Current Assets", "Total Current Assets", [  # noqa: E731
        accounts("Checking/Savings", "Total Checking/Savings", ["Bank"]),
        accounts("Accounts Receivable", "Total Accounts Receivable", ["AccountsReceivable"]),
        accounts("Other Current Assets", "Total Other Current Assets", ["OtherCurrentAsset"])])
    asset_rows: list[Row] = []
    assets = ZERO
    for part in (current_assets, accounts("Fixed Assets", "Total Fixed Assets", ["FixedAsset"]),
                 accounts("Other Assets", "Total Other Assets", ["OtherAsset"])):
        part_rows, amount = part()
        asset_rows += part_rows
        assets += amount
    current_liabilities = lambda: section(  # noqa: E731
        "Current Liabilities", "Total Current Liabilities", [
            accounts("Accounts Payable", "Total Accounts Payable", ["AccountsPayable"]),
            accounts("Credit Cards", "Total Credit Cards", ["CreditCard"]),
            accounts("Other Current Liabilities", "Total Other Current Liabilities",
                     ["OtherCurrentLiability"])])
    liability_rows, liabilities = section("Liabilities", "Total Liabilities", [
        current_liabilities,
        accounts("Long Term Liabilities", "Total Long Term Liabilities", ["LongTermLiability"])])
    equity_rows, equity_total = section("Equity", "Total Equity", [equity])
    rows = [Row("TextRow", "ASSETS"), *asset_rows,
            Row("TotalRow", "TOTAL ASSETS", {2: assets}),
            Row("TextRow", "LIABILITIES & EQUITY"), *liability_rows, *equity_rows,
            Row("TotalRow", "TOTAL LIABILITIES & EQUITY", {2: liabilities + equity_total})]
    return rows, assets, liabilities + equity_total


def trial_balance(ctx: Context, as_of: date, first_month: int,
                  return_rows: str = "ActiveOnly", scope: PostingFilter | None = None
                  ) -> tuple[list[Row], Decimal, Decimal]:
    """Every account's balance as a debit or a credit; the two totals are equal."""
    cumulative, _, _, _ = _equity_parts(ctx, as_of, first_month, scope)
    year = sums(ctx, fiscal_year_start(as_of, first_month), as_of, cumulative.accounts, scope)
    rows: list[Row] = []
    debits = credits = ZERO
    for account in cumulative.accounts:
        source = year if account.type in PROFIT_AND_LOSS else cumulative
        amount = source.amounts.get(account.id, ZERO)
        if not _shown(source, account, return_rows):
            continue
        values = {2: amount} if amount > 0 else {3: -amount} if amount < 0 else {}
        debits += max(amount, ZERO)
        credits += max(-amount, ZERO)
        rows.append(Row("DataRow", account.full_name, values, account.full_name))
    rows.append(Row("TotalRow", "TOTAL", {2: debits, 3: credits}))
    return rows, debits, credits
