"""The field mapping between Desktop and Online as tables (what goes where, both ways) and
the small conversions both directions use (references by name, addresses, flags)."""

from __future__ import annotations

from collections.abc import Mapping
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
def leaf_name(data: Mapping[str, Any]) -> str | None:
    name = data.get("Name")
    if name:
        return str(name)
    full = data.get("FullName")
    return str(full).split(":")[-1] if full else None


def parent_name(data: Mapping[str, Any]) -> str | None:
    parent = data.get("ParentRef")
    if isinstance(parent, Mapping) and parent.get("FullName"):
        return str(parent["FullName"])
    full = data.get("FullName")
    if isinstance(full, str) and ":" in full:
        return full.rsplit(":", 1)[0]
    return None


def desktop_ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("FullName") or None
    return str(value) if value else None


def online_ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("name") or None
    return str(value) if value else None


def nonzero(value: Any) -> bool:
    try:
        return value not in (None, "") and Decimal(str(value)) != 0
    except ArithmeticError:
        return False


def truthy(value: Any) -> bool:
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


class Carry:
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
        read_ref, make_ref = (online_ref, "FullName") if to_desktop else (desktop_ref, "name")
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
            self.out[dst] = truthy(self.source[src])

    def dropped(self) -> list[str]:
        return sorted(k for k, v in self.source.items()
                      if k not in self.used and v not in (None, "", [], {}))


def looks_online(data: Mapping[str, Any]) -> bool:
    """Whether a record came from QuickBooks Online (SyncToken, no EditSequence)."""
    return "SyncToken" in data and "EditSequence" not in data and "ListID" not in data \
        and "TxnID" not in data


def looks_desktop(data: Mapping[str, Any]) -> bool:
    """Whether a record came from QuickBooks Desktop (ListID/TxnID or EditSequence)."""
    return any(k in data for k in ("ListID", "TxnID", "EditSequence")) or \
        data.get("_type") in ITEM_TYPES
