"""Desktop to Online: a Desktop record (as Desktop's export writes it) as QBO import data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from qbconnector.qbo.editions.mapping import (
    ACCOUNT_TYPES,
    BOTH_PARTS,
    DESKTOP_OWN,
    INVENTORY_PARTS,
    ITEM_TYPES,
    JOB_INFO,
    ONLINE_OF,
    PHONES,
    SALES_PARTS,
    SPECIAL_ACCOUNTS,
    Carry,
    NoCounterpart,
    desktop_ref,
    leaf_name,
    parent_name,
    truthy,
)


def to_online(desktop_type: str, data: Mapping[str, Any]
              ) -> tuple[str, dict[str, Any], list[str]]:
    """(QBO entity, data for QBO's import, Desktop fields not carried) of a Desktop record."""
    entity = ONLINE_OF.get(desktop_type)
    if entity is None:
        raise NoCounterpart(f"QuickBooks Online has no counterpart of Desktop's "
                            f"{desktop_type} records")
    carry = Carry(data, DESKTOP_OWN)
    carry.by_table(entity, to_desktop=False)
    if entity in ("Customer", "Vendor"):
        _people_online(entity, data, carry)
    elif entity == "Account":
        _account_online(data, carry)
    elif entity == "Item":
        _item_online(desktop_type, data, carry)
    elif entity == "Invoice":
        _invoice_online(data, carry)
    return entity, carry.out, carry.dropped()


def _people_online(entity: str, data: Mapping[str, Any], carry: Carry) -> None:
    out = carry.out
    carry.used.update({"Name", "ParentRef", "Email", "SalesTaxCodeRef"})
    name = leaf_name(data)
    if name:
        out["DisplayName"] = name
    parent = parent_name(data)
    if parent:
        out["ParentRef"] = {"name": parent}
    for desk, online in PHONES:
        carry.used.add(desk)
        if data.get(desk):
            out[online] = {"FreeFormNumber": str(data[desk])}
    if data.get("Email"):
        out["PrimaryEmailAddr"] = {"Address": str(data["Email"])}
    code = desktop_ref(data.get("SalesTaxCodeRef"))
    if code and entity == "Customer":
        out["Taxable"] = code.lower().startswith("tax")
    job = {online: data[desk] for desk, online in JOB_INFO if data.get(desk) not in (None, "")}
    carry.used.update(desk for desk, _ in JOB_INFO)
    if job and entity == "Customer":
        out["JobInfo"] = job
    if "VendorTaxIdent" in data:
        carry.used.add("VendorTaxIdent")
        if data["VendorTaxIdent"]:
            out["TaxIdentifier"] = str(data["VendorTaxIdent"])
    if out.get("Vendor1099") is not None:
        out["Vendor1099"] = truthy(out["Vendor1099"])


def _account_online(data: Mapping[str, Any], carry: Carry) -> None:
    out = carry.out
    carry.used.update({"Name", "ParentRef", "AccountType", "DetailAccountType"})
    name = leaf_name(data)
    if name:
        out["Name"] = SPECIAL_ACCOUNTS.get(name, name) if not parent_name(data) else name
    parent = parent_name(data)
    if parent:
        out["ParentRef"] = {"name": parent}
    kind = data.get("AccountType")
    if kind:
        out["AccountType"] = ACCOUNT_TYPES.get(str(kind), str(kind))


def _item_online(desktop_type: str, data: Mapping[str, Any], carry: Carry) -> None:
    out = carry.out
    carry.used.update({"Name", "ParentRef", "SalesOrPurchase", "SalesAndPurchase",
                       "SalesTaxCodeRef", "TimeCreated"})
    name = leaf_name(data)
    if name:
        out["Name"] = name
    parent = parent_name(data)
    if parent:
        out["ParentRef"] = {"name": parent}
    out["Type"] = ITEM_TYPES[desktop_type]
    parts: list[tuple[Mapping[str, Any], tuple[tuple[str, str], ...]]] = []
    if isinstance(data.get("SalesOrPurchase"), Mapping):
        parts.append((data["SalesOrPurchase"], SALES_PARTS))
    if isinstance(data.get("SalesAndPurchase"), Mapping):
        parts.append((data["SalesAndPurchase"], BOTH_PARTS))
    if desktop_type == "ItemInventory":
        parts.append((data, INVENTORY_PARTS))
        carry.used.update(desk for desk, _ in INVENTORY_PARTS)
        created = str(data.get("TimeCreated") or "")[:10]
        out["InvStartDate"] = created if len(created) == 10 else date.today().isoformat()
    for source, pairs in parts:
        for desk, online in pairs:
            value = source.get(desk)
            if value in (None, ""):
                continue
            out[online] = {"name": desktop_ref(value)} if online.endswith("Ref") else value
    code = desktop_ref(data.get("SalesTaxCodeRef"))
    if code:
        out["Taxable"] = code.lower().startswith("tax")


def _desktop_lines(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    lines: list[Mapping[str, Any]] = []
    for key in ("InvoiceLineRet", "InvoiceLineAdd", "InvoiceLineGroupRet",
                "InvoiceLineGroupAdd"):
        for line in data.get(key) or ():
            if not isinstance(line, Mapping):
                continue
            if "Group" in key:
                lines.extend(x for x in line.get("InvoiceLineRet") or () if isinstance(
                    x, Mapping))
            else:
                lines.append(line)
    return lines


def _invoice_online(data: Mapping[str, Any], carry: Carry) -> None:
    out = carry.out
    carry.used.update({"InvoiceLineRet", "InvoiceLineAdd", "InvoiceLineGroupRet",
                       "InvoiceLineGroupAdd", "CustomerMsgRef", "IsToBePrinted",
                       "IsToBeEmailed"})
    message = desktop_ref(data.get("CustomerMsgRef"))
    if message:
        out["CustomerMemo"] = {"value": message}
    if "IsToBePrinted" in data:
        out["PrintStatus"] = "NeedToPrint" if truthy(data["IsToBePrinted"]) else "NotSet"
    if "IsToBeEmailed" in data:
        out["EmailStatus"] = "NeedToSend" if truthy(data["IsToBeEmailed"]) else "NotSet"
    lines = []
    for line in _desktop_lines(data):
        item = desktop_ref(line.get("ItemRef"))
        if item is None:
            if line.get("Desc"):
                lines.append({"DetailType": "DescriptionOnly", "Description": line["Desc"]})
            continue
        detail: dict[str, Any] = {"ItemRef": {"name": item}}
        for desk, online in (("Quantity", "Qty"), ("Rate", "UnitPrice"),
                             ("ServiceDate", "ServiceDate")):
            if line.get(desk) not in (None, ""):
                detail[online] = line[desk]
        one: dict[str, Any] = {"DetailType": "SalesItemLineDetail",
                               "SalesItemLineDetail": detail}
        if line.get("Amount") not in (None, ""):
            one["Amount"] = line["Amount"]
        if line.get("Desc"):
            one["Description"] = line["Desc"]
        lines.append(one)
    if lines:
        out["Line"] = lines
