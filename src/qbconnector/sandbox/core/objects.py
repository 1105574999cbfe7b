"""Object types of the company file, derived from the spec: what can be added, modified,
queried, which ``*Ret`` describes it, whether it is a list or a transaction, which names it
shares, and what a ``*Ref`` element points to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.spec import Element

ENTITY_TYPES = ("Customer", "Vendor", "Employee", "OtherName")
ITEM_TYPES = ("ItemService", "ItemNonInventory", "ItemOtherCharge", "ItemInventory",
              "ItemInventoryAssembly", "ItemFixedAsset", "ItemSubtotal", "ItemDiscount",
              "ItemPayment", "ItemSalesTax", "ItemSalesTaxGroup", "ItemGroup")
TERMS_TYPES = ("StandardTerms", "DateDrivenTerms")

# Lists whose names share one name space (QuickBooks refuses a vendor named like a customer).
NAMESPACES = {**{t: "entity" for t in ENTITY_TYPES}, **{t: "item" for t in ITEM_TYPES},
              **{t: "terms" for t in TERMS_TYPES}}

# What each kind of *Ref points to: the list types and the word QuickBooks uses in 3140.
_ACCOUNT = (("Account",), "Account")
REF_TARGETS: dict[str, tuple[tuple[str, ...], str]] = {
    "CustomerRef": (("Customer",), "Customer"),
    "VendorRef": (("Vendor",), "Vendor"),
    "PrefVendorRef": (("Vendor",), "Vendor"),
    "TaxVendorRef": (("Vendor",), "Vendor"),
    "TaxAgencyVendorRef": (("Vendor",), "Vendor"),
    "EmployeeRef": (("Employee",), "Employee"),
    "SupervisorRef": (("Employee",), "Employee"),
    "EntityRef": (ENTITY_TYPES, "Entity"),
    "PayeeEntityRef": (ENTITY_TYPES, "Entity"),
    "ShipToEntityRef": (ENTITY_TYPES, "Entity"),
    "SalesRepEntityRef": (("Employee", "Vendor", "OtherName"), "Entity"),
    "ItemRef": (ITEM_TYPES, "Item"),
    "ItemGroupRef": (("ItemGroup",), "Item"),
    "ItemServiceRef": (("ItemService",), "Item"),
    "ItemInventoryRef": (("ItemInventory",), "Item"),
    "ItemInventoryAssemblyRef": (("ItemInventoryAssembly",), "Item"),
    "ItemSalesTaxRef": (("ItemSalesTax", "ItemSalesTaxGroup"), "ItemSalesTax"),
    "ItemPurchaseTaxRef": (("ItemSalesTax", "ItemSalesTaxGroup"), "ItemSalesTax"),
    "ClassRef": (("Class",), "Class"),
    "OverrideClassRef": (("Class",), "Class"),
    "DiscountClassRef": (("Class",), "Class"),
    "TermsRef": (TERMS_TYPES, "Terms"),
    "SalesTaxCodeRef": (("SalesTaxCode",), "SalesTaxCode"),
    "CustomerSalesTaxCodeRef": (("SalesTaxCode",), "SalesTaxCode"),
    "PurchaseTaxCodeRef": (("SalesTaxCode",), "SalesTaxCode"),
    "SalesRepRef": (("SalesRep",), "SalesRep"),
    "PaymentMethodRef": (("PaymentMethod",), "PaymentMethod"),
    "PreferredPaymentMethodRef": (("PaymentMethod",), "PaymentMethod"),
    "ShipMethodRef": (("ShipMethod",), "ShipMethod"),
    "CustomerMsgRef": (("CustomerMsg",), "CustomerMsg"),
    "CustomerTypeRef": (("CustomerType",), "CustomerType"),
    "VendorTypeRef": (("VendorType",), "VendorType"),
    "JobTypeRef": (("JobType",), "JobType"),
    "PriceLevelRef": (("PriceLevel",), "PriceLevel"),
    "TemplateRef": (("Template",), "Template"),
    "CurrencyRef": (("Currency",), "Currency"),
    "BillingRateRef": (("BillingRate",), "BillingRate"),
    "VehicleRef": (("Vehicle",), "Vehicle"),
    "UnitOfMeasureSetRef": (("UnitOfMeasureSet",), "UnitOfMeasureSet"),
    "OverrideUOMSetRef": (("UnitOfMeasureSet",), "UnitOfMeasureSet"),
    "InventorySiteRef": (("InventorySite",), "InventorySite"),
    "FromInventorySiteRef": (("InventorySite",), "InventorySite"),
    "ToInventorySiteRef": (("InventorySite",), "InventorySite"),
    "ParentSiteRef": (("InventorySite",), "InventorySite"),
    "PayrollItemWageRef": (("PayrollItemWage",), "PayrollItemWage"),
    "LeadRef": (("Lead",), "Lead"),
}


def ref_target(ref_name: str, owner_type: str) -> tuple[tuple[str, ...], str] | None:
    """The list types a ``*Ref`` may point to and the word for it in messages."""
    if ref_name == "ParentRef":
        types = (owner_type,) if owner_type not in NAMESPACES else tuple(
            t for t, ns in NAMESPACES.items() if ns == NAMESPACES[owner_type])
        if owner_type in ITEM_TYPES:
            types = ITEM_TYPES
        return types, _word(owner_type)
    if ref_name in REF_TARGETS:
        return REF_TARGETS[ref_name]
    if ref_name.endswith("AccountRef"):
        return _ACCOUNT
    return None


def _word(type_name: str) -> str:
    if type_name in ITEM_TYPES:
        return "Item"
    return type_name


@dataclass(frozen=True)
class ObjectType:
    """One kind of record: its spec elements and how QuickBooks treats it."""

    name: str
    kind: str                 # list | txn | other
    ret: Element
    add: Element | None
    mod: Element | None
    query: str | None

    @property
    def hierarchical(self) -> bool:
        return self.ret.child("Sublevel") is not None and self.ret.child("ParentRef") is not None

    @property
    def namespace(self) -> str:
        return NAMESPACES.get(self.name, self.name)

    @property
    def has_full_name(self) -> bool:
        return self.ret.child("FullName") is not None

    @property
    def name_element(self) -> str | None:
        for candidate in ("Name", "FullName", "Initial"):
            if self.add is not None and self.add.child(candidate) is not None:
                return candidate
        return None


def _ret_of(sp: specmod.Spec, type_name: str) -> Element | None:
    for suffix in ("QueryRs", "AddRs", "ModRs"):
        rs = sp.messages.get(f"{type_name}{suffix}")
        if rs is not None:
            ret = rs.child(f"{type_name}Ret")
            if ret is not None:
                return ret
    return None


@cache
def registry() -> dict[str, ObjectType]:
    """Every object type the qbXML spec lets one add, modify or query."""
    sp = specmod.load("qbxml")
    names: set[str] = set()
    for request in sp.requests:
        for suffix in ("AddRq", "ModRq", "QueryRq"):
            if request.endswith(suffix):
                names.add(request[: -len(suffix)])
    types: dict[str, ObjectType] = {}
    for name in sorted(names):
        ret = _ret_of(sp, name)
        if ret is None:
            continue
        add_rq = sp.messages.get(f"{name}AddRq")
        mod_rq = sp.messages.get(f"{name}ModRq")
        add = add_rq.child(f"{name}Add") if add_rq is not None else None
        mod = mod_rq.child(f"{name}Mod") if mod_rq is not None else None
        kind = "list" if ret.child("ListID") is not None else (
            "txn" if ret.child("TxnID") is not None else "other")
        query = f"{name}QueryRq" if f"{name}QueryRq" in sp.messages else None
        types[name] = ObjectType(name, kind, ret, add, mod, query)
    return types


def object_type(name: str) -> ObjectType:
    return registry()[name]
