"""Rules of list types: the defaults QuickBooks fills and the checks it makes."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.books import ledger
from qbconnector.sandbox.books.ledger import CREDIT_NORMAL, Posting, stock_figures
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import preference
from qbconnector.sandbox.core.objects import registry
from qbconnector.sandbox.core.render import money
from qbconnector.sandbox.records.add_mod import add_record
from qbconnector.sandbox.records.hooks import Rules, register
from qbconnector.sandbox.rules import contacts
from qbconnector.sandbox.rules.addresses import fill_blocks
from qbconnector.sandbox.storage.store import loads

if TYPE_CHECKING:
    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType

# How QuickBooks classifies each account type on the statement of cash flows.
CASH_FLOW = {"Bank": "NotApplicable", "AccountsReceivable": "Operating",
             "OtherCurrentAsset": "Operating", "FixedAsset": "Investing",
             "OtherAsset": "Investing", "AccountsPayable": "Operating", "CreditCard": "Operating",
             "OtherCurrentLiability": "Operating", "LongTermLiability": "Financing",
             "Equity": "Financing", "Income": "None", "CostOfGoodsSold": "None",
             "Expense": "None", "OtherIncome": "None", "OtherExpense": "None",
             "NonPosting": "NotApplicable"}

# Tax lines QuickBooks assigns new balance-sheet accounts by type (Form 1120-style lines seen
# in transcripts 009, 023, 032); income, expense and equity accounts get none by default.
DEFAULT_TAX_LINES = {
    "Bank": (1535, "B/S-Assets: Cash"),
    "AccountsReceivable": (1537, "B/S-Assets: Accts. Rec. and trade notes"),
    "OtherCurrentAsset": (1547, "B/S-Assets: Other current assets"),
    "FixedAsset": (1555, "B/S-Assets: Buildings/oth. depr. assets"),
    "OtherAsset": (1569, "B/S-Assets: Other assets"),
    "AccountsPayable": (1573, "B/S-Liabs/Eq.: Accounts payable"),
    "CreditCard": (1577, "B/S-Liabs/Eq.: Other current liabilities"),
    "OtherCurrentLiability": (1577, "B/S-Liabs/Eq.: Other current liabilities"),
    "LongTermLiability": (1581, "B/S-Liabs/Eq.: L-T Mortgage/note/bonds pay."),
}

# Names of the tax lines seen in real files (Form 1120-style lines, and "<Not tax related>"):
# a TaxLineID sent in an AccountAdd/Mod is returned with its name when known, alone otherwise
# (TaxLineName is optional in TaxLineInfoRet). [009, 022, 023, 030, 032]
TAX_LINE_NAMES = {
    **{str(i): n for i, n in DEFAULT_TAX_LINES.values()},
    "1259": "Income: Gross receipts or sales not on line 1a",
    "1303": "Deductions: Salaries and wages",
    "1305": "Deductions: Repairs and maintenance",
    "1309": "Deductions: Rents",
    "1318": "Deductions: Interest expense",
    "1321": "Deductions: Advertising",
    "1325": "Deductions: Employee benefit programs",
    "1369": "Deductions: Meals and entertainment (subj to 50% l",
    "1373": "Other Deductions: Other deductions",
    "1563": "B/S-Assets: Land",
    "1864": "B/S-Assets: Cash",
    "9920": "<Not tax related>",
}

# The order QuickBooks lists accounts and items in: by type first (transcripts 023, 031).
ACCOUNT_ORDER = ("Bank", "AccountsReceivable", "OtherCurrentAsset", "FixedAsset", "OtherAsset",
                 "AccountsPayable", "CreditCard", "OtherCurrentLiability", "LongTermLiability",
                 "Equity", "Income", "CostOfGoodsSold", "Expense", "OtherIncome",
                 "OtherExpense", "NonPosting")
ITEM_ORDER = ("ItemService", "ItemNonInventory", "ItemOtherCharge", "ItemInventory",
              "ItemInventoryAssembly", "ItemFixedAsset", "ItemSubtotal", "ItemDiscount",
              "ItemPayment", "ItemSalesTax", "ItemSalesTaxGroup", "ItemGroup")

# Special accounts QuickBooks creates on demand: type -> (name, account type).
SPECIAL_ACCOUNTS = {
    "AccountsReceivable": ("Accounts Receivable", "AccountsReceivable"),
    "AccountsPayable": ("Accounts Payable", "AccountsPayable"),
    "UndepositedFunds": ("Undeposited Funds", "OtherCurrentAsset"),
    "InventoryAssets": ("Inventory Asset", "OtherCurrentAsset"),
    "SalesTaxPayable": ("Sales Tax Payable", "OtherCurrentLiability"),
    "PayrollLiabilities": ("Payroll Liabilities", "OtherCurrentLiability"),
    "DirectDepositLiabilities": ("Direct Deposit Liabilities", "OtherCurrentLiability"),
    "OpeningBalanceEquity": ("Opening Bal Equity", "Equity"),
    "RetainedEarnings": ("Retained Earnings", "Equity"),
    "CostOfGoodsSold": ("Cost of Goods Sold", "CostOfGoodsSold"),
    "PayrollExpenses": ("Payroll Expenses", "Expense"),
    "ReconciliationDifferences": ("Reconciliation Discrepancies", "Expense"),
    "UncategorizedIncome": ("Uncategorized Income", "Income"),
    "UncategorizedExpenses": ("Uncategorized Expenses", "Expense"),
    "CondenseItemAdjustmentExpenses": ("Condense Item Adjustment Expenses", "Expense"),
    "ExchangeGainLoss": ("Exchange Gain or Loss", "OtherExpense"),
    "PettyCash": ("Petty Cash", "Bank"),
    "ItemReceiptAccount": ("Item Receipt Account", "AccountsPayable"),
    "Estimates": ("Estimates", "NonPosting"),
    "PurchaseOrders": ("Purchase Orders", "NonPosting"),
    "SalesOrders": ("Sales Orders", "NonPosting"),
}


def special_account(ctx: Context, special: str) -> sqlite3.Row | None:
    """The company's account of a special type (Accounts Receivable, Undeposited Funds...)."""
    return ctx.store.special("Account", special)


def _ordered_key(ctx: Context, doc: dict[str, Any], rank: int, component: str) -> str:
    """Sort key: type rank, then each level of the hierarchy in turn (children follow
    their parent)."""
    parent = doc.get("ParentRef") or {}
    row = ctx.store.get(parent["ListID"]) if parent.get("ListID") else None
    if row is not None and row["sort_key"]:
        return f"{row['sort_key']}\x01{component}"
    return f"{rank:02d}|{component}"


def _using_account_numbers(ctx: Context) -> bool:
    return preference(ctx, "AccountingPreferences", "IsUsingAccountNumbers") == "true"


def _open_with_balance(ctx: Context, record_id: str, doc: dict[str, Any],
                       postings: list[Any]) -> None:
    """Post an opening balance against Opening Bal Equity (QuickBooks records it as a
    transaction of its own; the sandbox keeps its postings under ``<ListID>:open``)."""
    day = str(ctx.add_data.get("OpenBalanceDate") or ctx.store.clock.now().date())
    ledger.post(ctx, f"{record_id}:open", day, postings)


def _equity(ctx: Context) -> str | None:
    row = special_account(ctx, "OpeningBalanceEquity")
    return row["id"] if row is not None else None


def _default_tax_code(ctx: Context, taxable: bool) -> dict[str, str] | None:
    key = "DefaultTaxableSalesTaxCodeRef" if taxable else "DefaultNonTaxableSalesTaxCodeRef"
    ref = preference(ctx, "SalesTaxPreferences", key)
    return dict(ref) if ref else None


def _default_item_sales_tax(ctx: Context) -> dict[str, str] | None:
    ref = preference(ctx, "SalesTaxPreferences", "DefaultItemSalesTaxRef")
    return dict(ref) if ref else None


@register("Account")
class AccountRules(Rules):
    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        if old is not None and data.get("AccountType") and \
                data["AccountType"] != old.get("AccountType") and old.get("SpecialAccountType"):
            raise errors.fail(3170, list_type="Account", name=old.get("Name", ""),
                              qb_message="The account type of a special account cannot be "
                                         "changed.")

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        kind = doc.get("AccountType", "")
        flow = "NotApplicable" if doc.get("SpecialAccountType") == "UndepositedFunds" else \
            CASH_FLOW.get(kind, "None")
        doc.setdefault("CashFlowClassification", flow)
        if "TaxLineInfoRet" not in doc and kind in DEFAULT_TAX_LINES and \
                "TaxLineID" not in ctx.add_data:
            line_id, line_name = DEFAULT_TAX_LINES[kind]
            doc["TaxLineInfoRet"] = {"TaxLineID": str(line_id), "TaxLineName": line_name}

    def prepare(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        if data.get("TaxLineID") not in (None, ""):
            line_id = str(data["TaxLineID"])
            doc["TaxLineInfoRet"] = {"TaxLineID": line_id}
            if line_id in TAX_LINE_NAMES:
                doc["TaxLineInfoRet"]["TaxLineName"] = TAX_LINE_NAMES[line_id]

    def columns(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> dict[str, Any]:
        kind = doc.get("AccountType", "")
        rank = ACCOUNT_ORDER.index(kind) if kind in ACCOUNT_ORDER else len(ACCOUNT_ORDER)
        name = (doc.get("Name") or "").lower()
        if _using_account_numbers(ctx):
            # by number, the accounts without one first (by name) [023]
            component = f"{(doc.get('AccountNumber') or '').lower()}\x02{name}"
        else:
            component = name
        return {"special": doc.get("SpecialAccountType"),
                "sort_key": _ordered_key(ctx, doc, rank, component)}

    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        amount = money(ctx.add_data.get("OpenBalance"))
        equity = _equity(ctx)
        if old is not None or not amount or equity is None or equity == record_id:
            return
        signed = -amount if doc.get("AccountType") in CREDIT_NORMAL else amount
        _open_with_balance(ctx, record_id, doc, [Posting(record_id, signed),
                                                 Posting(equity, -signed)])


class _NameRules(Rules):
    """Customers and vendors: address blocks and contacts."""

    def prepare(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        fill_blocks(doc, lambda name: otype.ret.child(name) is not None, data)
        contacts.prepare(ctx, doc, old, data)

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        contacts.add_generated(doc)


@register("Customer")
class CustomerRules(_NameRules):
    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        if "SalesTaxCodeRef" not in doc:
            code = _default_tax_code(ctx, taxable=True)
            if code:
                doc["SalesTaxCodeRef"] = code
        if "ItemSalesTaxRef" not in doc:
            item = _default_item_sales_tax(ctx)
            if item:
                doc["ItemSalesTaxRef"] = item
        doc.setdefault("JobStatus", "None")
        doc.setdefault("PreferredDeliveryMethod", "None")

    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        """A customer's OpenBalance becomes an invoice, as in QuickBooks (transcript 056):
        memo and one description line "Opening balance", posted against Opening Bal
        Equity, dated OpenBalanceDate (or today)."""
        amount = money(ctx.add_data.get("OpenBalance"))
        if old is not None or not amount:
            return
        day = str(ctx.add_data.get("OpenBalanceDate") or ctx.store.clock.now().date())
        add_record(ctx, registry()["Invoice"], {
            "CustomerRef": {"ListID": record_id}, "TxnDate": day, "DueDate": day,
            "Memo": "Opening balance", "IsToBePrinted": False,
            "InvoiceLineAdd": [{"Desc": "Opening balance", "Amount": amount}]},
            {"_opening": True})

    def before_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row) -> None:
        _refuse_with_children(ctx, otype, row)


@register("Vendor")
class VendorRules(_NameRules):
    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        doc.setdefault("IsVendorEligibleFor1099", "false")

    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        _name_opening_balance(ctx, record_id, doc, old, "AccountsPayable", -1)


@register("ItemService", "ItemNonInventory", "ItemOtherCharge", "ItemInventory",
          "ItemInventoryAssembly", "ItemFixedAsset", "ItemDiscount", "ItemSubtotal",
          "ItemPayment", "ItemSalesTax", "ItemSalesTaxGroup", "ItemGroup")
class ItemRules(Rules):
    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        if otype.ret.child("SalesTaxCodeRef") is not None and "SalesTaxCodeRef" not in doc:
            code = _default_tax_code(ctx, taxable=otype.name in (
                "ItemInventory", "ItemInventoryAssembly", "ItemNonInventory"))
            if code:
                doc["SalesTaxCodeRef"] = code
        if otype.name in ("ItemInventory", "ItemInventoryAssembly"):
            doc.setdefault("PurchaseCost", "0.00")

    def columns(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> dict[str, Any]:
        rank = ITEM_ORDER.index(otype.name) if otype.name in ITEM_ORDER else len(ITEM_ORDER)
        return {"sort_key": _ordered_key(ctx, doc, rank, (doc.get("Name") or "").lower())}

    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Stock on hand given when an inventory item is added (QuantityOnHand, TotalValue
        at InventoryDate) enters the books against Opening Bal Equity."""
        if old is not None or otype.name not in ("ItemInventory", "ItemInventoryAssembly"):
            return
        data = ctx.add_data
        quantity = money(data.get("QuantityOnHand"))
        if not quantity:
            return
        value = money(data.get("TotalValue")) if data.get("TotalValue") is not None else \
            quantity * money(doc.get("PurchaseCost"))
        day = str(data.get("InventoryDate") or ctx.store.clock.now().date().isoformat())
        txn_id = f"{record_id}:open"
        ledger.move_stock(ctx, txn_id, day, [ledger.StockMove(record_id, quantity, value)])
        asset = (doc.get("AssetAccountRef") or {}).get("ListID")
        equity = _equity(ctx)
        if asset and equity and value:
            ledger.post(ctx, txn_id, day, [ledger.Posting(asset, value, None, record_id),
                                           ledger.Posting(equity, -value)])

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        if otype.name in ("ItemInventory", "ItemInventoryAssembly"):
            doc.update(stock_figures(ctx, row["id"],
                                     purchase_cost=money(doc.get("PurchaseCost"))))

    def before_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row) -> None:
        _refuse_with_children(ctx, otype, row)


@register("SalesTaxCode")
class SalesTaxCodeRules(Rules):
    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        doc.setdefault("IsTaxable", "true")


@register("StandardTerms", "DateDrivenTerms", "Class", "SalesRep", "CustomerType", "VendorType",
          "JobType", "CustomerMsg", "PaymentMethod", "ShipMethod", "PriceLevel",
          "OtherName", "InventorySite", "Currency", "Vehicle", "WorkersCompCode",
          "BillingRate", "UnitOfMeasureSet", "PayrollItemWage", "Lead")
class PlainListRules(Rules):
    def before_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row) -> None:
        _refuse_with_children(ctx, otype, row)


def _name_opening_balance(ctx: Context, record_id: str, doc: dict[str, Any],
                          old: dict[str, Any] | None, special: str, sign: int) -> None:
    """A customer's (vendor's) OpenBalance: owed on A/R (A/P) from OpenBalanceDate."""
    amount = money(ctx.add_data.get("OpenBalance"))
    account = special_account(ctx, special)
    equity = _equity(ctx)
    if old is not None or not amount or account is None or equity is None:
        return
    _open_with_balance(ctx, record_id, doc, [
        Posting(account["id"], sign * amount, record_id), Posting(equity, -sign * amount)])


@register("Employee")
class EmployeeRules(PlainListRules):
    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        # An employee is named after its first/middle/last names, so it needs one of them;
        # which element QuickBooks names when all are missing is not known: FirstName.
        if old is None and not any(data.get(k) for k in ("FirstName", "MiddleName",
                                                         "LastName")):
            raise errors.missing_element("FirstName")


@register("ToDo")
class ToDoRules(PlainListRules):
    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        # A new to-do is not done and reminds on the day it is written, as in QuickBooks.
        super().defaults(ctx, otype, doc)
        doc.setdefault("IsDone", "false")
        doc.setdefault("ReminderDate", ctx.store.clock.now().date().isoformat())


def _refuse_with_children(ctx: Context, otype: ObjectType, row: sqlite3.Row) -> None:
    child = ctx.db.execute("SELECT 1 FROM records WHERE parent_id=? LIMIT 1",
                           (row["id"],)).fetchone()
    if child is not None:
        name = loads(row["doc"]).get("Name", row["full_name"] or "")
        raise errors.fail(3170, list_type=otype.name, name=name,
                          qb_message="This list element has sub-elements and cannot be "
                                     "deleted.")
