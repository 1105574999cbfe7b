"""Online to Desktop: a QBO record (as QBO's export writes it) as Desktop import data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qbconnector.qbo.editions.mapping import (
    BOTH_PARTS,
    DESKTOP_ACCOUNT_TYPES,
    DESKTOP_ITEMS,
    DESKTOP_SPECIAL_ACCOUNTS,
    INVENTORY_PARTS,
    JOB_INFO,
    ONLINE_OWN,
    PHONES,
    SALES_PARTS,
    Carry,
    NoCounterpart,
    nonzero,
    online_ref,
    truthy,
)


def to_desktop(entity: str, data: Mapping[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
    """(Desktop type, data for Desktop's import, QBO fields not carried) of a QBO record."""
    if entity not in ("Customer", "Vendor", "Account", "Item", "Invoice"):
        raise NoCounterpart(f"QuickBooks Desktop's import has no mapping for QBO {entity} "
                            "records (customers, vendors, items, accounts and invoices move "
                            "between editions)")
    carry = Carry(data, ONLINE_OWN)
    desktop_type = entity
    carry.by_table(entity, to_desktop=True)
    if entity in ("Customer", "Vendor"):
        _people_desktop(entity, data, carry)
    elif entity == "Account":
        _account_desktop(data, carry)
    elif entity == "Item":
        desktop_type = _item_desktop(data, carry)
    elif entity == "Invoice":
        _invoice_desktop(data, carry)
    return desktop_type, carry.out, carry.dropped()


def _strip_deleted(name: str) -> str:
    return name[: -len(" (deleted)")] if name.endswith(" (deleted)") else name


def _people_desktop(entity: str, data: Mapping[str, Any], carry: Carry) -> None:
    out = carry.out
    carry.used.update({"DisplayName", "ParentRef", "PrimaryEmailAddr", "Taxable", "JobInfo",
                       "TaxIdentifier", "Vendor1099"})
    if data.get("DisplayName"):
        out["Name"] = _strip_deleted(str(data["DisplayName"]))
    parent = online_ref(data.get("ParentRef"))
    if parent is None and ":" in str(data.get("FullyQualifiedName") or ""):
        parent = str(data["FullyQualifiedName"]).rsplit(":", 1)[0]
    if parent:
        out["ParentRef"] = {"FullName": parent}
    for desk, online in PHONES:
        carry.used.add(online)
        value = data.get(online)
        if isinstance(value, Mapping) and value.get("FreeFormNumber"):
            out[desk] = value["FreeFormNumber"]
    email = data.get("PrimaryEmailAddr")
    if isinstance(email, Mapping) and email.get("Address"):
        out["Email"] = email["Address"]
    if entity == "Vendor" and "Vendor1099" in data:
        out["IsVendorEligibleFor1099"] = truthy(data["Vendor1099"])
    job = data.get("JobInfo")
    if entity == "Customer" and isinstance(job, Mapping):
        for desk, online in JOB_INFO:
            if job.get(online) not in (None, ""):
                out[desk] = job[online]


def _account_desktop(data: Mapping[str, Any], carry: Carry) -> None:
    out = carry.out
    carry.used.update({"Name", "ParentRef", "AccountType"})
    name = _strip_deleted(str(data.get("Name") or ""))
    parent = online_ref(data.get("ParentRef"))
    if parent is None and ":" in str(data.get("FullyQualifiedName") or ""):
        parent = str(data["FullyQualifiedName"]).rsplit(":", 1)[0]
    if name:
        out["Name"] = DESKTOP_SPECIAL_ACCOUNTS.get(name, name) if not parent else name
    if parent:
        out["ParentRef"] = {"FullName": parent}
    kind = data.get("AccountType")
    if kind:
        out["AccountType"] = DESKTOP_ACCOUNT_TYPES.get(str(kind), str(kind))


def _item_desktop(data: Mapping[str, Any], carry: Carry) -> str:
    out = carry.out
    kind = str(data.get("Type") or "Service")
    desktop_type = DESKTOP_ITEMS.get(kind)
    if desktop_type is None:
        raise NoCounterpart(f"QuickBooks Desktop's import takes no QBO {kind} items")
    carry.used.update({"Name", "ParentRef", "Type", "Taxable"})
    carry.used.update(online for _, online in INVENTORY_PARTS + BOTH_PARTS)
    if data.get("Name"):
        out["Name"] = _strip_deleted(str(data["Name"]))
    parent = online_ref(data.get("ParentRef"))
    if parent:
        out["ParentRef"] = {"FullName": parent}

    def carried(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        found = {}
        for desk, online in pairs:
            value = data.get(online)
            if value in (None, ""):
                continue
            if online.endswith("Ref"):
                name = online_ref(value)
                if name:
                    found[desk] = {"FullName": name}
            else:
                found[desk] = value
        return found

    if desktop_type == "ItemInventory":
        out.update(carried(INVENTORY_PARTS))
    elif nonzero(data.get("PurchaseCost")) or data.get("ExpenseAccountRef") or \
            data.get("PurchaseDesc"):
        out["SalesAndPurchase"] = carried(BOTH_PARTS)
    else:
        out["SalesOrPurchase"] = carried(SALES_PARTS)
    if "Taxable" in data:
        out["SalesTaxCodeRef"] = {"FullName": "Tax" if truthy(data["Taxable"]) else "Non"}
    return desktop_type


def _invoice_desktop(data: Mapping[str, Any], carry: Carry) -> None:
    out = carry.out
    carry.used.update({"Line", "CustomerMemo", "PrintStatus", "EmailStatus"})
    memo = data.get("CustomerMemo")
    if isinstance(memo, Mapping) and memo.get("value"):
        out["CustomerMsgRef"] = {"FullName": memo["value"]}
    if data.get("PrintStatus"):
        out["IsToBePrinted"] = data["PrintStatus"] == "NeedToPrint"
    if data.get("EmailStatus"):
        out["IsToBeEmailed"] = data["EmailStatus"] == "NeedToSend"
    lines = []
    for line in data.get("Line") or ():
        kind = line.get("DetailType")
        if kind == "DescriptionOnly" and line.get("Description"):
            lines.append({"Desc": line["Description"]})
        elif kind == "SalesItemLineDetail":
            detail = line.get("SalesItemLineDetail") or {}
            one: dict[str, Any] = {}
            item = online_ref(detail.get("ItemRef"))
            if item:
                one["ItemRef"] = {"FullName": item}
            if line.get("Description"):
                one["Desc"] = line["Description"]
            for desk, online in (("Quantity", "Qty"), ("Rate", "UnitPrice"),
                                 ("ServiceDate", "ServiceDate")):
                if detail.get(online) not in (None, ""):
                    one[desk] = detail[online]
            if line.get("Amount") not in (None, ""):
                one["Amount"] = line["Amount"]
            lines.append(one)
    if lines:
        out["InvoiceLineRet"] = lines
