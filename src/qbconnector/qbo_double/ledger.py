"""Double entry for the double: what each transaction posts, and balances read from postings.

Each posting is (line, date, account id, cents, party type, party id, memo) with debits
positive and credits negative; every transaction's postings sum to zero, so the trial balance
always balances.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from qbconnector.qbo_wire.values import CENT

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company

#: Accounts the double creates in every company and uses as defaults.
DEFAULT_ACCOUNTS = {
    "ar": ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    "ap": ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable"),
    "undeposited": ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    "equity": ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
    "retained": ("Retained Earnings", "Equity", "RetainedEarnings"),
    "sales": ("Sales of Product Income", "Income", "SalesOfProductIncome"),
    "services": ("Services", "Income", "ServiceFeeIncome"),
    "discounts": ("Discounts given", "Income", "DiscountsRefundsGiven"),
    "cogs": ("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    "inventory": ("Inventory Asset", "Other Current Asset", "Inventory"),
}


def cents(value: object) -> int:
    return int((Decimal(str(value)) / CENT).to_integral_value())


def to_money(total_cents: int) -> Decimal:
    return (Decimal(total_cents) * CENT).quantize(CENT)


def default_account(company: Company, key: str) -> dict:
    """A reference to one of the company's standard accounts (created with the company)."""
    name = DEFAULT_ACCOUNTS[key][0]
    row = company.find("Account", Name=name)
    if row is None:
        row = company.create("Account", {"Name": name, "AccountType": DEFAULT_ACCOUNTS[key][1],
                                         "AccountSubType": DEFAULT_ACCOUNTS[key][2]})
    return {"value": row.id, "name": row.body["Name"]}


def account_balance(company: Company, account: dict) -> Decimal:
    """The account's own balance, positive on its normal side (debit for assets)."""
    total = company.store.db.execute(
        "SELECT COALESCE(SUM(cents), 0) FROM posting WHERE realm = ? AND account = ?",
        (company.realm, account["Id"])).fetchone()[0]
    if account.get("Classification") in ("Liability", "Equity", "Revenue"):
        total = -total
    return to_money(total)


def party_balance(company: Company, party_type: str, party_id: str) -> Decimal:
    """What a customer owes (A/R) or what the company owes a vendor (A/P)."""
    kind = "ar" if party_type == "Customer" else "ap"
    account = default_account_id(company, kind)
    total = company.store.db.execute(
        "SELECT COALESCE(SUM(cents), 0) FROM posting WHERE realm = ? AND account = ? AND "
        "party_type = ? AND party_id = ?",
        (company.realm, account, party_type, party_id)).fetchone()[0]
    return to_money(total if party_type == "Customer" else -total)


def default_account_id(company: Company, key: str) -> str:
    cache = company.__dict__.setdefault("_default_accounts", {})
    if key not in cache:
        cache[key] = default_account(company, key)["value"]
    return cache[key]
