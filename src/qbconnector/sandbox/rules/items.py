"""What a transaction line needs to know about an item, whatever the item's type.

Items keep their prices and accounts in different places (a service bought and sold keeps
them in ``SalesAndPurchase``, one only sold in ``SalesOrPurchase``, an inventory part at the
top level...). :func:`item_info` reads them all into one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.core.context import preference
from qbconnector.sandbox.core.render import money
from qbconnector.sandbox.storage.store import loads

if TYPE_CHECKING:
    from qbconnector.sandbox.core.context import Context

INVENTORY_TYPES = ("ItemInventory", "ItemInventoryAssembly")


@dataclass
class ItemInfo:
    """The sales and purchase facts of one item."""

    id: str
    type: str
    full_name: str
    sales_desc: str | None = None
    sales_price: Decimal | None = None
    price_percent: Decimal | None = None
    income_account: str | None = None
    purchase_desc: str | None = None
    purchase_cost: Decimal | None = None
    expense_account: str | None = None
    cogs_account: str | None = None
    asset_account: str | None = None
    tax_code: dict[str, str] | None = None
    tax_rate: Decimal | None = None
    tax_vendor: str | None = None
    group_lines: list[dict[str, Any]] = field(default_factory=list)
    components: list[str] = field(default_factory=list)    # sales tax group members

    @property
    def is_inventory(self) -> bool:
        return self.type in INVENTORY_TYPES


def _ref_id(doc: dict[str, Any], key: str) -> str | None:
    ref = doc.get(key)
    return ref.get("ListID") if isinstance(ref, dict) else None


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else money(value)


def item_info(ctx: Context, item_id: str) -> ItemInfo | None:
    """The facts of an item (never change them), cached for the length of one request, and
    while a writer caches until an item changes."""
    cache = ctx.store.derived("items")
    if cache is None:
        cache = ctx.__dict__.setdefault("_items", {})
    if item_id in cache:
        return cache[item_id]
    row = ctx.store.get(item_id)
    if row is None:
        cache[item_id] = None
        return None
    doc = ctx.store.shared_doc(item_id, row) or {}
    info = ItemInfo(item_id, row["type"], row["full_name"] or "")
    info.tax_code = doc.get("SalesTaxCodeRef")
    if "SalesOrPurchase" in doc:
        part = doc["SalesOrPurchase"]
        info.sales_desc = info.purchase_desc = part.get("Desc")
        info.sales_price = info.purchase_cost = _decimal(part.get("Price"))
        info.price_percent = _decimal(part.get("PricePercent"))
        info.income_account = info.expense_account = _ref_id(part, "AccountRef")
    if "SalesAndPurchase" in doc:
        part = doc["SalesAndPurchase"]
        info.sales_desc = part.get("SalesDesc")
        info.sales_price = _decimal(part.get("SalesPrice"))
        info.income_account = _ref_id(part, "IncomeAccountRef")
        info.purchase_desc = part.get("PurchaseDesc")
        info.purchase_cost = _decimal(part.get("PurchaseCost"))
        info.expense_account = _ref_id(part, "ExpenseAccountRef")
    if row["type"] in INVENTORY_TYPES:
        info.sales_desc = doc.get("SalesDesc")
        info.sales_price = _decimal(doc.get("SalesPrice"))
        info.income_account = _ref_id(doc, "IncomeAccountRef")
        info.purchase_desc = doc.get("PurchaseDesc")
        info.purchase_cost = _decimal(doc.get("PurchaseCost"))
        info.cogs_account = _ref_id(doc, "COGSAccountRef")
        info.asset_account = _ref_id(doc, "AssetAccountRef")
        info.expense_account = info.cogs_account
    if row["type"] == "ItemFixedAsset":
        info.sales_desc = doc.get("SalesDesc")
        info.sales_price = _decimal(doc.get("SalesPrice"))
        info.asset_account = _ref_id(doc, "AssetAccountRef")
        info.income_account = _ref_id(doc, "IncomeAccountRef") or info.asset_account
        info.expense_account = info.asset_account
        info.purchase_cost = _decimal(doc.get("PurchaseCost"))
    if row["type"] == "ItemDiscount":
        info.sales_desc = doc.get("ItemDesc")
        info.sales_price = _decimal(doc.get("DiscountRate"))
        info.price_percent = _decimal(doc.get("DiscountRatePercent"))
        info.income_account = _ref_id(doc, "AccountRef")
    if row["type"] in ("ItemSubtotal", "ItemPayment", "ItemGroup"):
        info.sales_desc = doc.get("ItemDesc")
    if row["type"] == "ItemPayment":
        info.income_account = _ref_id(doc, "DepositToAccountRef")
    if row["type"] == "ItemSalesTax":
        info.sales_desc = doc.get("ItemDesc")
        info.tax_rate = _decimal(doc.get("TaxRate")) or Decimal(0)
        info.tax_vendor = _ref_id(doc, "TaxVendorRef")
    if row["type"] == "ItemSalesTaxGroup":
        info.sales_desc = doc.get("ItemDesc")
        members = doc.get("ItemSalesTaxRef") or []
        info.components = [m["ListID"] for m in members]
        info.tax_rate = sum((item_info(ctx, m).tax_rate or Decimal(0)
                             for m in info.components if item_info(ctx, m)), Decimal(0))
    if row["type"] == "ItemGroup":
        info.group_lines = list(doc.get("ItemGroupLine") or [])
    cache[item_id] = info
    return info


def tax_code_is_taxable(ctx: Context, ref: dict[str, str] | None) -> bool:
    """Whether a sales tax code (e.g. Tax / Non) marks its line or customer as taxable."""
    if not ref or not ref.get("ListID"):
        return False
    doc = ctx.store.shared_doc(ref["ListID"])
    return doc is not None and doc.get("IsTaxable") == "true"


def non_taxable_code(ctx: Context) -> dict[str, str] | None:
    """The code a sales line gets when its item has none: the company's non-taxable code
    (the preference's, or the list's first non-taxable code when sales tax is off)."""
    ref = preference(ctx, "SalesTaxPreferences", "DefaultNonTaxableSalesTaxCodeRef")
    if ref:
        return dict(ref)
    for row in ctx.db.execute("SELECT id, full_name, doc FROM records WHERE "
                              "type='SalesTaxCode' AND is_active=1 ORDER BY seq"):
        if loads(row["doc"]).get("IsTaxable") == "false":
            return {"ListID": row["id"], "FullName": row["full_name"]}
    return None


def sales_tax_on(ctx: Context) -> bool:
    """Whether the company collects sales tax (its preferences name a default tax item)."""
    return preference(ctx, "SalesTaxPreferences") is not None
