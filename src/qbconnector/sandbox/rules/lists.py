"""Rules of list types: the defaults QuickBooks fills and the checks it makes."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox import errors
from qbconnector.sandbox.rules import register
from qbconnector.sandbox.rules.base import Rules

if TYPE_CHECKING:
    from qbconnector.sandbox.context import Context
    from qbconnector.sandbox.objects import ObjectType

# How QuickBooks classifies each account type on the statement of cash flows.
CASH_FLOW = {"Bank": "NotApplicable", "AccountsReceivable": "Operating",
             "OtherCurrentAsset": "Operating", "FixedAsset": "Investing",
             "OtherAsset": "Investing", "AccountsPayable": "Operating", "CreditCard": "Operating",
             "OtherCurrentLiability": "Operating", "LongTermLiability": "Financing",
             "Equity": "Financing", "Income": "None", "CostOfGoodsSold": "None",
             "Expense": "None", "OtherIncome": "None", "OtherExpense": "None",
             "NonPosting": "NotApplicable"}

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
    return ctx.db.execute("SELECT * FROM records WHERE type='Account' AND doc LIKE ? "
                          "ORDER BY seq LIMIT 1",
                          (f'%"SpecialAccountType":"{special}"%',)).fetchone()


def _default_tax_code(ctx: Context, taxable: bool) -> dict[str, str] | None:
    from qbconnector.sandbox.meta import preference
    key = "DefaultTaxableSalesTaxCodeRef" if taxable else "DefaultNonTaxableSalesTaxCodeRef"
    ref = preference(ctx, "SalesTaxPreferences", key)
    return dict(ref) if ref else None


def _default_item_sales_tax(ctx: Context) -> dict[str, str] | None:
    from qbconnector.sandbox.meta import preference
    ref = preference(ctx, "SalesTaxPreferences", "DefaultItemSalesTaxRef")
    return dict(ref) if ref else None


def address_blocks(otype: ObjectType, doc: dict[str, Any]) -> None:
    """QuickBooks returns each address also as the printed block (``BillAddressBlock``...)."""
    from qbconnector.sandbox.rules.sales import address_block
    for name in otype.ret.child_names():
        if name.endswith("AddressBlock"):
            block = address_block(doc.get(name[: -len("Block")]))
            if block:
                doc[name] = block
            else:
                doc.pop(name, None)


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
        doc.setdefault("CashFlowClassification", CASH_FLOW.get(doc.get("AccountType", ""),
                                                                "None"))


@register("Customer")
class CustomerRules(Rules):
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

    def prepare(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        address_blocks(otype, doc)

    def before_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row) -> None:
        _refuse_with_children(ctx, otype, row)


@register("Vendor")
class VendorRules(Rules):
    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        doc.setdefault("IsVendorEligibleFor1099", "false")

    def prepare(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        address_blocks(otype, doc)


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

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        if otype.name in ("ItemInventory", "ItemInventoryAssembly"):
            from qbconnector.sandbox.ledger import stock_figures
            doc.update(stock_figures(ctx, row["id"]))

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
        name = json.loads(row["doc"]).get("Name", row["full_name"] or "")
        raise errors.fail(3170, list_type=otype.name, name=name,
                          qb_message="This list element has sub-elements and cannot be "
                                     "deleted.")
