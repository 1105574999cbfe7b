"""Moving records between QuickBooks Desktop and QuickBooks Online: the field mapping for
customers, vendors, items, accounts and invoices, both ways (pure data, no I/O).

:func:`to_online` takes a Desktop record as Desktop's export writes it (qbXML names, lines
as ``InvoiceLineRet``) and gives the QBO entity and data the QBO import sends;
:func:`to_desktop` takes a QBO record as QBO's export writes it and gives the Desktop type
and data Desktop's import sends. References travel by name (``{"FullName": ...}`` on
Desktop, ``{"name": ...}`` on Online) because Ids differ between company files. Each also
lists the fields it could not carry over (reported in the import's summary).

=================  =========================  ============================================
Desktop            Online                     notes
=================  =========================  ============================================
Customer.Name      Customer.DisplayName       a job's ParentRef makes a sub-customer
                                              (Job); QBO needs display names unique across
                                              customers, vendors and employees
Salutation,        Title, GivenName,          MiddleName and Suffix have the same names
FirstName,         FamilyName
LastName
BillAddress,       BillAddr, ShipAddr         Addr1-5 <-> Line1-5, State <->
ShipAddress,                                  CountrySubDivisionCode; City, PostalCode,
VendorAddress                                 Country, Note as they are
Phone, Mobile,     PrimaryPhone, Mobile,      {"FreeFormNumber": ...}
AltPhone, Fax      AlternatePhone, Fax
Email              PrimaryEmailAddr           {"Address": ...}
Contact,           ContactName,
AltContact         AltContactName
PrintAs /          PrintOnCheckName
NameOnCheck
AccountNumber      AcctNum
ResaleNumber       ResaleNum
TermsRef           SalesTermRef (customers,   by name
                   invoices), TermRef
                   (vendors)
PreferredPayment-  PaymentMethodRef
MethodRef
JobStatus,         JobInfo.Status, StartDate,
JobStartDate...    ProjectedEndDate, EndDate,
                   Description
IsVendorEligible-  Vendor1099
For1099
IsActive           Active
Account            Account                    AccountType by name (OtherCurrentAsset <->
                                              "Other Current Asset"); ParentRef makes a
                                              sub-account; Desc <-> Description;
                                              BankNumber <-> BankNum; Desktop's "Accounts
                                              Receivable"/"Accounts Payable" are QBO's
                                              "Accounts Receivable (A/R)"/"(A/P)"
ItemService,       Item (Type Service,        SalesOrPurchase Desc/Price/AccountRef <->
ItemOtherCharge    QBO has no other-charge    Description/UnitPrice/IncomeAccountRef;
                   items)                     SalesAndPurchase adds PurchaseDesc,
                                              PurchaseCost, ExpenseAccountRef,
                                              PrefVendorRef
ItemNonInventory   Item (Type NonInventory)   as services
ItemInventory      Item (Type Inventory)      SalesDesc/SalesPrice <->
                                              Description/UnitPrice; COGSAccountRef <->
                                              ExpenseAccountRef; AssetAccountRef;
                                              QuantityOnHand <-> QtyOnHand; InvStartDate
                                              from TimeCreated (QBO needs one)
SalesTaxCodeRef    Taxable                    Desktop's "Tax" code is taxable
Invoice            Invoice                    RefNumber <-> DocNumber, Memo <->
                                              PrivateNote, CustomerMsgRef <->
                                              CustomerMemo, IsToBePrinted <-> PrintStatus,
                                              IsToBeEmailed <-> EmailStatus; TxnDate,
                                              DueDate, ShipDate, PONumber, FOB as they are
InvoiceLineRet     Line (SalesItemLine-       ItemRef, Desc <-> Description, Quantity <->
                   Detail)                    Qty, Rate <-> UnitPrice, Amount,
                                              ServiceDate; a line without an item is
                                              DescriptionOnly; a line group's lines are
                                              carried as lines
=================  =========================  ============================================

Not carried (reported as dropped): IDs, EditSequence/SyncToken, times, balances and totals
(each edition computes its own), classes, sales reps, customer and vendor types, price
levels, currencies, sales tax details, custom fields, and Desktop-only item kinds (groups,
discounts, subtotals, payments, sales tax items).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from qbconnector.errors import ValidationError

#: Desktop types each QBO entity takes, and the QBO entity of each Desktop type.
ONLINE_OF = {"Customer": "Customer", "Vendor": "Vendor", "Account": "Account",
             "ItemService": "Item", "ItemOtherCharge": "Item", "ItemNonInventory": "Item",
             "ItemInventory": "Item", "Invoice": "Invoice"}
ITEM_TYPES = {"ItemService": "Service", "ItemOtherCharge": "Service",
              "ItemNonInventory": "NonInventory", "ItemInventory": "Inventory"}
DESKTOP_ITEMS = {"Service": "ItemService", "NonInventory": "ItemNonInventory",
                 "Inventory": "ItemInventory"}
ACCOUNT_TYPES = {
    "AccountsPayable": "Accounts Payable", "AccountsReceivable": "Accounts Receivable",
    "Bank": "Bank", "CostOfGoodsSold": "Cost of Goods Sold", "CreditCard": "Credit Card",
    "Equity": "Equity", "Expense": "Expense", "FixedAsset": "Fixed Asset",
    "Income": "Income", "LongTermLiability": "Long Term Liability",
    "NonPosting": "Non-Posting", "OtherAsset": "Other Asset",
    "OtherCurrentAsset": "Other Current Asset",
    "OtherCurrentLiability": "Other Current Liability", "OtherExpense": "Other Expense",
    "OtherIncome": "Other Income",
}
DESKTOP_ACCOUNT_TYPES = {v: k for k, v in ACCOUNT_TYPES.items()}
SPECIAL_ACCOUNTS = {"Accounts Receivable": "Accounts Receivable (A/R)",
                    "Accounts Payable": "Accounts Payable (A/P)"}
DESKTOP_SPECIAL_ACCOUNTS = {v: k for k, v in SPECIAL_ACCOUNTS.items()}

ADDRESS = (("Addr1", "Line1"), ("Addr2", "Line2"), ("Addr3", "Line3"), ("Addr4", "Line4"),
           ("Addr5", "Line5"), ("City", "City"), ("State", "CountrySubDivisionCode"),
           ("PostalCode", "PostalCode"), ("Country", "Country"), ("Note", "Note"))
PHONES = (("Phone", "PrimaryPhone"), ("Mobile", "Mobile"), ("AltPhone", "AlternatePhone"),
          ("Fax", "Fax"))
PEOPLE_NAMES = (("Salutation", "Title"), ("FirstName", "GivenName"),
                ("MiddleName", "MiddleName"), ("LastName", "FamilyName"),
                ("Suffix", "Suffix"), ("CompanyName", "CompanyName"), ("Notes", "Notes"),
                ("Contact", "ContactName"), ("AltContact", "AltContactName"),
                ("AccountNumber", "AcctNum"), ("CreditLimit", "CreditLimit"))
#: (Desktop field, Online field) carried as they are, per record kind.
PLAIN = {
    "Customer": PEOPLE_NAMES + (("PrintAs", "PrintOnCheckName"),
                                ("ResaleNumber", "ResaleNum")),
    "Vendor": PEOPLE_NAMES + (("NameOnCheck", "PrintOnCheckName"),
                              ("IsVendorEligibleFor1099", "Vendor1099")),
    "Account": (("AccountNumber", "AcctNum"), ("BankNumber", "BankNum"),
                ("Desc", "Description")),
    "Invoice": (("TxnDate", "TxnDate"), ("RefNumber", "DocNumber"), ("DueDate", "DueDate"),
                ("ShipDate", "ShipDate"), ("PONumber", "PONumber"), ("FOB", "FOB"),
                ("Memo", "PrivateNote")),
}
REFS = {
    "Customer": (("TermsRef", "SalesTermRef"),
                 ("PreferredPaymentMethodRef", "PaymentMethodRef")),
    "Vendor": (("TermsRef", "TermRef"),),
    "Invoice": (("CustomerRef", "CustomerRef"), ("TermsRef", "SalesTermRef")),
}
ADDRESSES = {"Customer": (("BillAddress", "BillAddr"), ("ShipAddress", "ShipAddr")),
             "Vendor": (("VendorAddress", "BillAddr"),),
             "Invoice": (("BillAddress", "BillAddr"), ("ShipAddress", "ShipAddr"))}
JOB_INFO = (("JobStatus", "Status"), ("JobStartDate", "StartDate"),
            ("JobProjectedEndDate", "ProjectedEndDate"), ("JobEndDate", "EndDate"),
            ("JobDesc", "Description"))
SALES_PARTS = (("Desc", "Description"), ("Price", "UnitPrice"),
               ("AccountRef", "IncomeAccountRef"))
BOTH_PARTS = (("SalesDesc", "Description"), ("SalesPrice", "UnitPrice"),
              ("IncomeAccountRef", "IncomeAccountRef"), ("PurchaseDesc", "PurchaseDesc"),
              ("PurchaseCost", "PurchaseCost"), ("ExpenseAccountRef", "ExpenseAccountRef"),
              ("PrefVendorRef", "PrefVendorRef"))
INVENTORY_PARTS = (("SalesDesc", "Description"), ("SalesPrice", "UnitPrice"),
                   ("IncomeAccountRef", "IncomeAccountRef"), ("PurchaseDesc", "PurchaseDesc"),
                   ("PurchaseCost", "PurchaseCost"), ("COGSAccountRef", "ExpenseAccountRef"),
                   ("AssetAccountRef", "AssetAccountRef"), ("PrefVendorRef", "PrefVendorRef"),
                   ("QuantityOnHand", "QtyOnHand"), ("ReorderPoint", "ReorderPoint"))
#: What each edition computes or identifies by itself: never carried, never reported.
DESKTOP_OWN = {"ListID", "TxnID", "EditSequence", "TimeCreated", "TimeModified", "FullName",
               "Sublevel", "Balance", "TotalBalance", "TxnNumber", "Subtotal", "AppliedAmount",
               "BalanceRemaining", "IsPaid", "SalesTaxTotal", "SalesTaxPercentage",
               "BillAddressBlock", "ShipAddressBlock", "VendorAddressBlock", "_type",
               "LinkedTxn", "AverageCost", "QuantityOnOrder", "QuantityOnSalesOrder",
               "BalanceRemainingInHomeCurrency", "SpecialAccountType", "TxnLineID",
               "DataExtRet", "OpenBalance", "OpenBalanceDate"}
ONLINE_OWN = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "_type",
              "FullyQualifiedName", "Balance", "BalanceWithJobs", "TotalAmt", "HomeTotalAmt",
              "CurrentBalance", "CurrentBalanceWithSubAccounts", "Classification", "Level",
              "Job", "SubAccount", "SubItem", "LinkedTxn", "TxnTaxDetail", "CurrencyRef",
              "AccountSubType", "PrintOnCheckName", "DefaultTaxCodeRef", "BillWithParent",
              "PreferredDeliveryMethod", "TrackQtyOnHand", "InvStartDate", "Deposit",
              "ApplyTaxAfterDiscount", "AllowIPNPayment", "AllowOnlinePayment",
              "AllowOnlineCreditCardPayment", "AllowOnlineACHPayment", "CustomField",
              "DeliveryInfo", "HomeBalance", "ExchangeRate", "GlobalTaxCalculation",
              "TaxCodeRef", "OverDueBalance", "TotalRevenue", "TotalExpense"}


class NoCounterpart(ValidationError):
    """A record the other edition has no kind for (a Desktop item group, a QBO category)."""


# -- small conversions --------------------------------------------------------------------------
def _leaf_name(data: Mapping[str, Any]) -> str | None:
    name = data.get("Name")
    if name:
        return str(name)
    full = data.get("FullName")
    return str(full).split(":")[-1] if full else None


def _parent_name(data: Mapping[str, Any]) -> str | None:
    parent = data.get("ParentRef")
    if isinstance(parent, Mapping) and parent.get("FullName"):
        return str(parent["FullName"])
    full = data.get("FullName")
    if isinstance(full, str) and ":" in full:
        return full.rsplit(":", 1)[0]
    return None


def _desktop_ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("FullName") or None
    return str(value) if value else None


def _online_ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("name") or None
    return str(value) if value else None


def _nonzero(value: Any) -> bool:
    try:
        return value not in (None, "") and Decimal(str(value)) != 0
    except ArithmeticError:
        return False


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("true", "yes", "1")


def _address_online(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    out = {online: value[desk] for desk, online in ADDRESS if value.get(desk) not in (None, "")}
    return out or None


def _address_desktop(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    out = {desk: value[online] for desk, online in ADDRESS
           if value.get(online) not in (None, "")}
    return out or None


class _Carry:
    """Copies fields between editions and remembers which source fields were used."""

    def __init__(self, source: Mapping[str, Any], own: set[str]) -> None:
        self.source = source
        self.used: set[str] = set(own)
        self.out: dict[str, Any] = {}

    def plain(self, pairs: tuple[tuple[str, str], ...], reverse: bool = False) -> None:
        for desk, online in pairs:
            src, dst = (online, desk) if reverse else (desk, online)
            self.used.add(src)
            if self.source.get(src) not in (None, ""):
                self.out[dst] = self.source[src]

    def by_table(self, entity: str, to_desktop: bool) -> None:
        """What the tables carry either way: plain fields, references (by name),
        addresses and the active flag."""
        self.plain(PLAIN.get(entity, ()) if entity != "Item" else (), reverse=to_desktop)
        read_ref, make_ref = (_online_ref, "FullName") if to_desktop else (_desktop_ref, "name")
        address_of = _address_desktop if to_desktop else _address_online
        for pairs, convert in ((REFS, None), (ADDRESSES, address_of)):
            for desk, online in pairs.get(entity, ()):
                src, dst = (online, desk) if to_desktop else (desk, online)
                self.used.add(src)
                if convert is None:
                    name = read_ref(self.source.get(src))
                    if name:
                        self.out[dst] = {make_ref: name}
                elif (address := convert(self.source.get(src))) is not None:
                    self.out[dst] = address
        src, dst = ("Active", "IsActive") if to_desktop else ("IsActive", "Active")
        if src in self.source:
            self.used.add(src)
            self.out[dst] = _truthy(self.source[src])

    def dropped(self) -> list[str]:
        return sorted(k for k, v in self.source.items()
                      if k not in self.used and v not in (None, "", [], {}))


# -- Desktop -> Online --------------------------------------------------------------------------
def to_online(desktop_type: str, data: Mapping[str, Any]
              ) -> tuple[str, dict[str, Any], list[str]]:
    """(QBO entity, data for QBO's import, Desktop fields not carried) of a Desktop record."""
    entity = ONLINE_OF.get(desktop_type)
    if entity is None:
        raise NoCounterpart(f"QuickBooks Online has no counterpart of Desktop's "
                            f"{desktop_type} records")
    carry = _Carry(data, DESKTOP_OWN)
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


def _people_online(entity: str, data: Mapping[str, Any], carry: _Carry) -> None:
    out = carry.out
    carry.used.update({"Name", "ParentRef", "Email", "SalesTaxCodeRef"})
    name = _leaf_name(data)
    if name:
        out["DisplayName"] = name
    parent = _parent_name(data)
    if parent:
        out["ParentRef"] = {"name": parent}
    for desk, online in PHONES:
        carry.used.add(desk)
        if data.get(desk):
            out[online] = {"FreeFormNumber": str(data[desk])}
    if data.get("Email"):
        out["PrimaryEmailAddr"] = {"Address": str(data["Email"])}
    code = _desktop_ref(data.get("SalesTaxCodeRef"))
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
        out["Vendor1099"] = _truthy(out["Vendor1099"])


def _account_online(data: Mapping[str, Any], carry: _Carry) -> None:
    out = carry.out
    carry.used.update({"Name", "ParentRef", "AccountType", "DetailAccountType"})
    name = _leaf_name(data)
    if name:
        out["Name"] = SPECIAL_ACCOUNTS.get(name, name) if not _parent_name(data) else name
    parent = _parent_name(data)
    if parent:
        out["ParentRef"] = {"name": parent}
    kind = data.get("AccountType")
    if kind:
        out["AccountType"] = ACCOUNT_TYPES.get(str(kind), str(kind))


def _item_online(desktop_type: str, data: Mapping[str, Any], carry: _Carry) -> None:
    out = carry.out
    carry.used.update({"Name", "ParentRef", "SalesOrPurchase", "SalesAndPurchase",
                       "SalesTaxCodeRef", "TimeCreated"})
    name = _leaf_name(data)
    if name:
        out["Name"] = name
    parent = _parent_name(data)
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
            out[online] = {"name": _desktop_ref(value)} if online.endswith("Ref") else value
    code = _desktop_ref(data.get("SalesTaxCodeRef"))
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


def _invoice_online(data: Mapping[str, Any], carry: _Carry) -> None:
    out = carry.out
    carry.used.update({"InvoiceLineRet", "InvoiceLineAdd", "InvoiceLineGroupRet",
                       "InvoiceLineGroupAdd", "CustomerMsgRef", "IsToBePrinted",
                       "IsToBeEmailed"})
    message = _desktop_ref(data.get("CustomerMsgRef"))
    if message:
        out["CustomerMemo"] = {"value": message}
    if "IsToBePrinted" in data:
        out["PrintStatus"] = "NeedToPrint" if _truthy(data["IsToBePrinted"]) else "NotSet"
    if "IsToBeEmailed" in data:
        out["EmailStatus"] = "NeedToSend" if _truthy(data["IsToBeEmailed"]) else "NotSet"
    lines = []
    for line in _desktop_lines(data):
        item = _desktop_ref(line.get("ItemRef"))
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


# -- Online -> Desktop --------------------------------------------------------------------------
def to_desktop(entity: str, data: Mapping[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
    """(Desktop type, data for Desktop's import, QBO fields not carried) of a QBO record."""
    if entity not in ("Customer", "Vendor", "Account", "Item", "Invoice"):
        raise NoCounterpart(f"QuickBooks Desktop's import has no mapping for QBO {entity} "
                            "records (customers, vendors, items, accounts and invoices move "
                            "between editions)")
    carry = _Carry(data, ONLINE_OWN)
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


def _people_desktop(entity: str, data: Mapping[str, Any], carry: _Carry) -> None:
    out = carry.out
    carry.used.update({"DisplayName", "ParentRef", "PrimaryEmailAddr", "Taxable", "JobInfo",
                       "TaxIdentifier", "Vendor1099"})
    if data.get("DisplayName"):
        out["Name"] = _strip_deleted(str(data["DisplayName"]))
    parent = _online_ref(data.get("ParentRef"))
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
        out["IsVendorEligibleFor1099"] = _truthy(data["Vendor1099"])
    job = data.get("JobInfo")
    if entity == "Customer" and isinstance(job, Mapping):
        for desk, online in JOB_INFO:
            if job.get(online) not in (None, ""):
                out[desk] = job[online]


def _account_desktop(data: Mapping[str, Any], carry: _Carry) -> None:
    out = carry.out
    carry.used.update({"Name", "ParentRef", "AccountType"})
    name = _strip_deleted(str(data.get("Name") or ""))
    parent = _online_ref(data.get("ParentRef"))
    if parent is None and ":" in str(data.get("FullyQualifiedName") or ""):
        parent = str(data["FullyQualifiedName"]).rsplit(":", 1)[0]
    if name:
        out["Name"] = DESKTOP_SPECIAL_ACCOUNTS.get(name, name) if not parent else name
    if parent:
        out["ParentRef"] = {"FullName": parent}
    kind = data.get("AccountType")
    if kind:
        out["AccountType"] = DESKTOP_ACCOUNT_TYPES.get(str(kind), str(kind))


def _item_desktop(data: Mapping[str, Any], carry: _Carry) -> str:
    out = carry.out
    kind = str(data.get("Type") or "Service")
    desktop_type = DESKTOP_ITEMS.get(kind)
    if desktop_type is None:
        raise NoCounterpart(f"QuickBooks Desktop's import takes no QBO {kind} items")
    carry.used.update({"Name", "ParentRef", "Type", "Taxable"})
    carry.used.update(online for _, online in INVENTORY_PARTS + BOTH_PARTS)
    if data.get("Name"):
        out["Name"] = _strip_deleted(str(data["Name"]))
    parent = _online_ref(data.get("ParentRef"))
    if parent:
        out["ParentRef"] = {"FullName": parent}

    def carried(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        found = {}
        for desk, online in pairs:
            value = data.get(online)
            if value in (None, ""):
                continue
            if online.endswith("Ref"):
                name = _online_ref(value)
                if name:
                    found[desk] = {"FullName": name}
            else:
                found[desk] = value
        return found

    if desktop_type == "ItemInventory":
        out.update(carried(INVENTORY_PARTS))
    elif _nonzero(data.get("PurchaseCost")) or data.get("ExpenseAccountRef") or \
            data.get("PurchaseDesc"):
        out["SalesAndPurchase"] = carried(BOTH_PARTS)
    else:
        out["SalesOrPurchase"] = carried(SALES_PARTS)
    if "Taxable" in data:
        out["SalesTaxCodeRef"] = {"FullName": "Tax" if _truthy(data["Taxable"]) else "Non"}
    return desktop_type


def _invoice_desktop(data: Mapping[str, Any], carry: _Carry) -> None:
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
            item = _online_ref(detail.get("ItemRef"))
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


def looks_online(data: Mapping[str, Any]) -> bool:
    """Whether a record came from QuickBooks Online (SyncToken, no EditSequence)."""
    return "SyncToken" in data and "EditSequence" not in data and "ListID" not in data \
        and "TxnID" not in data


def looks_desktop(data: Mapping[str, Any]) -> bool:
    """Whether a record came from QuickBooks Desktop (ListID/TxnID or EditSequence)."""
    return any(k in data for k in ("ListID", "TxnID", "EditSequence")) or \
        data.get("_type") in ITEM_TYPES
