"""Stand-in records for what the corpus only names in a reference.

A Ref tells the name (and list) of a record but nothing else; the stand-in is the least a
QuickBooks file would need for it, plus what QuickBooks copies from it into the transaction the
reference sits in (so that the transaction comes out the same).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from lxml import etree

from qbconnector.qbxml import spec as specmod

from . import xmlutil
from .xmlutil import build, leaf, text_of

if TYPE_CHECKING:
    from .company import Company

# Account type by the role of the reference (when the corpus has no AccountRet for it).
ACCOUNT_ROLE = {
    "IncomeAccountRef": "Income", "COGSAccountRef": "CostOfGoodsSold",
    "AssetAccountRef": "OtherCurrentAsset", "ExpenseAccountRef": "Expense",
    "ARAccountRef": "AccountsReceivable", "APAccountRef": "AccountsPayable",
    "DepositToAccountRef": "Bank", "DiscountAccountRef": "Income",
    "FinanceChargeAccountRef": "OtherIncome",
}


def _context_value(src: etree._Element | None, name: str) -> str | None:
    """A value from the record (or line) around a reference: TxnDate, SalesTaxPercentage..."""
    node = src
    while node is not None:
        value = text_of(node, name)
        if value is not None:
            return value
        node = node.getparent()
    return None


def role_account_type(path: str) -> str:
    """The type of an account known only by the role of a reference to it."""
    parts = path.split("/")
    role = parts[-1]
    if role in ACCOUNT_ROLE:
        return ACCOUNT_ROLE[role]
    where = parts[-2] if len(parts) > 1 else ""
    if where in ("SalesOrPurchase", "ItemDiscountAdd", "SalesAndPurchase"):
        return "Income"
    if where.startswith("ExpenseLine"):
        return "Expense"
    if where in ("CheckAdd", "DepositAdd", "BillPaymentCheckAdd"):
        return "Bank"
    if where in ("CreditCardChargeAdd", "CreditCardCreditAdd"):
        return "CreditCard"
    return "Expense"


def _ref(tag: str, full_name: str | None) -> etree._Element:
    return build(tag, [leaf("FullName", full_name)] if full_name else [])


def _copy(src: etree._Element | None, names: dict[str, str]) -> list[etree._Element]:
    """Deep copies of the children ``names`` of ``src``, renamed (old -> new)."""
    out = []
    if src is None:
        return out
    for old, new in names.items():
        for child in src.findall(old):
            copy = etree.fromstring(etree.tostring(child))
            copy.tag = new
            out.append(copy)
    return out


def copied_from_transaction(kind: str, src: etree._Element | None) -> bool:
    """Whether a stand-in holds what a transaction copied from the record (a customer
    referenced by a transaction's CustomerRef), so that what it lacks the record lacked."""
    holder = src.getparent() if src is not None else None
    return kind == "Customer" and src is not None and src.tag == "CustomerRef" and \
        holder is not None and holder.find("TxnID") is not None


def stand_in(company: Company, kind: str, full_name: str, real_id: str | None,
                src: etree._Element | None, path: str) -> etree._Element | None:
    """A Ret standing for a record the corpus only names: the least a file would hold.

    Where the reference sits in a transaction, the record takes what QuickBooks copies from
    it into new transactions (a customer's addresses, terms, rep and tax settings).
    """
    parent, _, name = full_name.rpartition(":")
    head = [leaf("ListID", real_id)] if real_id else []
    head.append(leaf("Name", name))
    holder = src.getparent() if src is not None else None
    if src is not None and src.tag == "ParentRef" and holder is not None and \
            kind in ("Item", "Account"):
        # A parent takes its child's type (QuickBooks nests only alike items and accounts).
        keep = {"SalesTaxCodeRef", "SalesOrPurchase", "SalesAndPurchase", "IncomeAccountRef",
                "COGSAccountRef", "AssetAccountRef", "AccountType", "ItemDesc", "AccountRef",
                "DepositToAccountRef", "DiscountRate"}
        body = [etree.fromstring(etree.tostring(c)) for c in xmlutil.elements(holder)
                if c.tag in keep]
        parent_ref = [_ref("ParentRef", parent)] if parent else []
        return build(holder.tag, head + parent_ref + body)
    if kind == "Entity":
        kind = "Customer" if parent else "Vendor"     # only customers have jobs (a path)
    parent_ref = [_ref("ParentRef", parent)] if parent and kind in (
        "Customer", "Account", "Item", "Class", "CustomerType", "VendorType", "JobType") else []
    if kind == "Customer":
        txn = holder if holder is not None and holder.find("TxnID") is not None and \
            src is not None and src.tag == "CustomerRef" else None
        tax_item = txn.find("ItemSalesTaxRef") if txn is not None else None
        if tax_item is not None:
            # made here, where the transaction shows its rate (the copy below loses it)
            company.ensure("ItemSalesTax", text_of(tax_item, "FullName"),
                           text_of(tax_item, "ListID"), tax_item, path)
        copied = _copy(txn, {"BillAddress": "BillAddress", "ShipAddress": "ShipAddress",
                             "TermsRef": "TermsRef", "SalesRepRef": "SalesRepRef",
                             "CustomerSalesTaxCodeRef": "SalesTaxCodeRef",
                             "ItemSalesTaxRef": "ItemSalesTaxRef"})
        return build("CustomerRet", head + parent_ref + _ordered("CustomerRet", copied))
    if kind in ("Class", "CustomerType", "VendorType", "JobType"):
        return build(f"{kind}Ret", head + parent_ref)
    if kind in ("Vendor", "Employee", "OtherName", "PaymentMethod", "ShipMethod",
                "CustomerMsg"):
        return build(f"{kind}Ret", head)
    if kind == "Account":
        account_type = company.account_type(real_id, path)
        return build("AccountRet", head + parent_ref + [leaf("AccountType", account_type)])
    if kind == "Item" and src is not None and src.tag == "ItemInventoryRef":
        # assembly components must be inventory parts
        return build("ItemInventoryRet", head + parent_ref + [
            _ref("IncomeAccountRef", "Sales"), _ref("COGSAccountRef", "Cost of Goods Sold"),
            _ref("AssetAccountRef", "Inventory Asset")])
    if kind == "Item":
        code = holder.find("SalesTaxCodeRef") if holder is not None else None
        extra = _copy(holder, {"SalesTaxCodeRef": "SalesTaxCodeRef"}) if code is not None else []
        return build("ItemServiceRet", head + parent_ref + extra + [
            build("SalesOrPurchase", [_ref("AccountRef", "Services")])])
    if kind == "Terms":
        days = None
        due, txn_date = _context_value(src, "DueDate"), _context_value(src, "TxnDate")
        if due and txn_date:
            days = (date.fromisoformat(due) - date.fromisoformat(txn_date)).days
        match = re.search(r"net\s*(\d+)", name, re.IGNORECASE)
        if days is None and match:
            days = int(match.group(1))
        return build("StandardTermsRet", head + [leaf("StdDueDays", str(days or 0))])
    if kind == "SalesRep":
        return build("SalesRepRet", head[:-1] + [
            leaf("Initial", name), _ref("SalesRepEntityRef", f"{name} sales rep")])
    if kind == "PriceLevel":
        return build("PriceLevelRet", head + [leaf("PriceLevelFixedPercentage", "0")])
    if kind == "SalesTaxCode":
        return build("SalesTaxCodeRet", head + [
            leaf("IsTaxable", str(name.lower() != "non").lower())])
    if kind == "ItemSalesTax":
        rate = _context_value(src, "SalesTaxPercentage") or "0.00"
        return build("ItemSalesTaxRet", head + [leaf("TaxRate", rate)])
    if kind == "UnitOfMeasureSet":
        return build("UnitOfMeasureSetRet", head + [
            leaf("UnitOfMeasureType", "Count"),
            build("BaseUnit", [leaf("Name", "each"), leaf("Abbreviation", "ea")])])
    return None


def _ordered(ret_tag: str, children: list[etree._Element]) -> list[etree._Element]:
    """Children sorted into the schema order of ``ret_tag``."""
    message = specmod.load().message(ret_tag[:-3] + "AddRs").child(ret_tag)
    order = message.child_names() if message is not None else ()
    return sorted(children, key=lambda c: order.index(c.tag) if c.tag in order else len(order))
