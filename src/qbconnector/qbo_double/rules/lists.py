"""Name lists: people (one DisplayName namespace), accounts, items, terms, payment methods,
classes, departments, tax codes and rates, and the company's own records.

Lists are deactivated, never deleted: ``Active: false`` appends " (deleted)" to the display
name (recorded: "Emily Platt (deleted)", PrintOnCheckName unchanged), and reactivating takes it
off. Names are unique (6240 "Duplicate Name Exists Error").
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from qbconnector.qbo_double.rules.base import Rules
from qbconnector.qbo_wire.faults import fault
from qbconnector.qbo_wire.values import money

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company

SUFFIX = " (deleted)"
HOME_CURRENCY = {"value": "USD", "name": "United States Dollar"}

#: AccountType -> (Classification, default AccountSubType)
ACCOUNT_TYPES = {
    "Bank": ("Asset", "Checking"),
    "Accounts Receivable": ("Asset", "AccountsReceivable"),
    "Other Current Asset": ("Asset", "OtherCurrentAssets"),
    "Fixed Asset": ("Asset", "MachineryAndEquipment"),
    "Other Asset": ("Asset", "OtherLongTermAssets"),
    "Accounts Payable": ("Liability", "AccountsPayable"),
    "Credit Card": ("Liability", "CreditCard"),
    "Other Current Liability": ("Liability", "OtherCurrentLiabilities"),
    "Long Term Liability": ("Liability", "OtherLongTermLiabilities"),
    "Equity": ("Equity", "OpeningBalanceEquity"),
    "Income": ("Revenue", "SalesOfProductIncome"),
    "Other Income": ("Revenue", "OtherMiscellaneousIncome"),
    "Cost of Goods Sold": ("Expense", "SuppliesMaterialsCogs"),
    "Expense": ("Expense", "OtherMiscellaneousServiceCost"),
    "Other Expense": ("Expense", "OtherMiscellaneousExpense"),
    "Non-Posting": ("Asset", "OtherCurrentAssets"),
}
#: Balance-sheet accounts carry a CurrentBalance; profit-and-loss accounts show 0, as in QBO.
BALANCE_SHEET = {"Asset", "Liability", "Equity"}


def strip_suffix(name: str) -> str:
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name


class NamedList(Rules):
    """Name, optional parent, unique name, " (deleted)" when inactive."""

    entities = ("Class", "Department", "Term", "PaymentMethod")
    name_field = "Name"
    sub_flag: str | None = None

    def fill(self, company: Company, body: dict, old: dict | None) -> None:
        name = body.get(self.name_field)
        if not name:
            raise fault("2020", element=self.name_field, name=self.name_field)
        base = strip_suffix(name.strip())
        if not base:
            raise fault("2020", element=self.name_field, name=self.name_field)
        if len(base) > 100:
            raise fault("2050", f"String length is {len(base)}, which exceeds the maximum of 100"
                                f" for {self.name_field}", element=self.name_field)
        body.setdefault("Active", True)
        self.fill_parent(company, body)
        self.check_unique(company, body, base, old)
        body[self.name_field] = base + (SUFFIX if body["Active"] is False else "")
        if "FullyQualifiedName" in self.spec.fields:
            parent = body.get("ParentRef")
            prefix = ""
            if parent:
                parent_row = company.row(self.name, parent["value"])
                if parent_row is not None:
                    prefix = strip_suffix(parent_row.body.get("FullyQualifiedName", "")) + ":"
            body["FullyQualifiedName"] = prefix + body[self.name_field]
        self.fill_more(company, body, old)

    def fill_parent(self, company: Company, body: dict) -> None:
        if self.sub_flag is None:
            return
        parent = body.get("ParentRef")
        if parent:
            body["ParentRef"] = company.resolve(parent, self.name, "ParentRef", names=False)
        body[self.sub_flag] = bool(parent)

    def fill_more(self, company: Company, body: dict, old: dict | None) -> None:
        """Type-specific defaults."""

    def check_unique(self, company: Company, body: dict, base: str, old: dict | None) -> None:
        own_id = old["Id"] if old else None
        parent = (body.get("ParentRef") or {}).get("value")
        for other in self.namespace():
            for row in company.rows(other):
                if row.id == own_id and other == self.name:
                    continue
                if not row.active:
                    continue
                if (row.body.get("ParentRef") or {}).get("value") != parent:
                    continue
                if strip_suffix(row.body.get(self.name_field, "")).lower() == base.lower():
                    raise fault("6240", name=base)

    def namespace(self) -> tuple[str, ...]:
        return (self.name,)


class ClassLike(NamedList):
    entities = ("Class",)
    sub_flag = "SubClass"


class DepartmentLike(NamedList):
    entities = ("Department",)
    sub_flag = "SubDepartment"


class Term(NamedList):
    entities = ("Term",)

    def fill_more(self, company: Company, body: dict, old: dict | None) -> None:
        body.setdefault("Type", "DATE_DRIVEN" if body.get("DayOfMonthDue") else "STANDARD")
        if body["Type"] == "STANDARD":
            body.setdefault("DueDays", 0)


class PaymentMethod(NamedList):
    entities = ("PaymentMethod",)

    def fill_more(self, company: Company, body: dict, old: dict | None) -> None:
        body.setdefault("Type", "NON_CREDIT_CARD")


class People(NamedList):
    """Customer, Vendor and Employee share one DisplayName namespace."""

    entities = ("Customer", "Vendor", "Employee")
    name_field = "DisplayName"
    id_sequence = "Name"

    def fill(self, company: Company, body: dict, old: dict | None) -> None:
        if not body.get("DisplayName"):
            parts = [body.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName",
                                           "Suffix") if body.get(k)]
            body["DisplayName"] = " ".join(parts) or body.get("CompanyName") or ""
        if not body["DisplayName"]:
            raise fault("2020", element="DisplayName", name="DisplayName")
        if old is not None and body.get("Active", True) and \
                strip_suffix(body["DisplayName"]) != body["DisplayName"]:
            body["DisplayName"] = strip_suffix(body["DisplayName"])
        super().fill(company, body, old)

    def namespace(self) -> tuple[str, ...]:
        return ("Customer", "Vendor", "Employee")

    def fill_parent(self, company: Company, body: dict) -> None:
        if self.name != "Customer":
            return
        parent = body.get("ParentRef")
        if parent:
            body["ParentRef"] = company.resolve(parent, "Customer", "ParentRef")
            parent_row = company.row("Customer", parent["value"])
            body["Job"] = True
            body.setdefault("BillWithParent", False)
            body["Level"] = int(parent_row.body.get("Level", 0) if parent_row else 0) + 1
        else:
            body["Job"] = False
            body.pop("Level", None)

    def check_unique(self, company: Company, body: dict, base: str, old: dict | None) -> None:
        own_id = old["Id"] if old else None
        for other in self.namespace():
            for row in company.rows(other):
                if row.id == own_id and other == self.name:
                    continue
                if row.active and strip_suffix(row.body.get("DisplayName", "")).lower() \
                        == base.lower():
                    raise fault("6240", name="null")

    def fill_more(self, company: Company, body: dict, old: dict | None) -> None:
        base = strip_suffix(body["DisplayName"])
        if self.name == "Employee":
            body.setdefault("PrintOnCheckName", base)
            body.setdefault("BillableTime", False)
            body.pop("FullyQualifiedName", None)
            return
        if old is None or strip_suffix(old.get("DisplayName", "")) != base or \
                "PrintOnCheckName" not in body:
            body["PrintOnCheckName"] = body.get("PrintOnCheckName") if old is None and \
                body.get("PrintOnCheckName") else base
        body.setdefault("CurrencyRef", dict(HOME_CURRENCY))
        body.setdefault("Balance", Decimal(0))
        if self.name == "Vendor":
            body.pop("FullyQualifiedName", None)
            body.setdefault("Vendor1099", False)
            if body.get("TermRef"):
                body["TermRef"] = company.resolve(body["TermRef"], "Term", "TermRef")
            return
        body.setdefault("Taxable", True)
        if body["Taxable"]:
            body.setdefault("DefaultTaxCodeRef", {"value": "TAX"})
        body.setdefault("BillWithParent", False)
        body.setdefault("BalanceWithJobs", Decimal(0))
        body.setdefault("PreferredDeliveryMethod", "Print")
        for key, target in (("SalesTermRef", "Term"), ("PaymentMethodRef", "PaymentMethod")):
            if body.get(key):
                body[key] = company.resolve(body[key], target, key)

    def derive(self, company: Company, body: dict) -> bool:
        if self.name == "Employee":
            return False
        from qbconnector.qbo_double.ledger import party_balance

        before = (body.get("Balance"), body.get("BalanceWithJobs"))
        balance = party_balance(company, self.name, body["Id"])
        body["Balance"] = balance
        if self.name == "Customer":
            total = balance
            for row in company.rows("Customer"):
                if (row.body.get("ParentRef") or {}).get("value") == body["Id"]:
                    total += Decimal(str(row.body.get("BalanceWithJobs", 0)))
            body["BalanceWithJobs"] = money(total)
        return before != (body.get("Balance"), body.get("BalanceWithJobs"))

    def derived_parents(self, company: Company, body: dict) -> list[tuple]:
        parent = body.get("ParentRef")
        return [("Customer", parent["value"])] if parent and self.name == "Customer" else []


class Account(NamedList):
    entities = ("Account",)
    sub_flag = "SubAccount"

    def fill_more(self, company: Company, body: dict, old: dict | None) -> None:
        kind = body.get("AccountType")
        if not kind:
            raise fault("2020", element="AccountType", name="AccountType")
        classification, subtype = ACCOUNT_TYPES[kind]
        body["Classification"] = classification
        body.setdefault("AccountSubType", subtype)
        body.setdefault("CurrencyRef", dict(HOME_CURRENCY))
        body.setdefault("CurrentBalance", Decimal(0))
        body.setdefault("CurrentBalanceWithSubAccounts", Decimal(0))

    def derive(self, company: Company, body: dict) -> bool:
        from qbconnector.qbo_double.ledger import account_balance

        before = (body.get("CurrentBalance"), body.get("CurrentBalanceWithSubAccounts"))
        if body.get("Classification") not in BALANCE_SHEET:
            body["CurrentBalance"] = body["CurrentBalanceWithSubAccounts"] = Decimal(0)
        else:
            own = account_balance(company, body)
            total = own
            for row in company.rows("Account"):
                if (row.body.get("ParentRef") or {}).get("value") == body["Id"]:
                    total += Decimal(str(row.body.get("CurrentBalanceWithSubAccounts", 0)))
            body["CurrentBalance"] = own
            body["CurrentBalanceWithSubAccounts"] = money(total)
        return before != (body.get("CurrentBalance"), body.get("CurrentBalanceWithSubAccounts"))

    def derived_parents(self, company: Company, body: dict) -> list[tuple]:
        parent = body.get("ParentRef")
        return [("Account", parent["value"])] if parent else []


class Item(NamedList):
    entities = ("Item",)
    sub_flag = "SubItem"

    def fill_more(self, company: Company, body: dict, old: dict | None) -> None:
        kind = body.setdefault("Type", "Service")
        if kind in ("Service", "NonInventory", "Inventory"):
            self.require(body, "IncomeAccountRef")
        if kind == "Inventory":
            self.require(body, "ExpenseAccountRef", "AssetAccountRef", "InvStartDate")
            body["TrackQtyOnHand"] = True
            body.setdefault("QtyOnHand", Decimal(0))
        elif kind in ("Service", "NonInventory"):
            body.setdefault("TrackQtyOnHand", False)
        if kind == "Group":
            detail = body.get("ItemGroupDetail") or {}
            for line in detail.get("ItemGroupLine", []):
                if line.get("ItemRef"):
                    line["ItemRef"] = company.resolve(line["ItemRef"], "Item",
                                                      "ItemGroupDetail.ItemGroupLine.ItemRef")
        for key in ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"):
            if body.get(key):
                body[key] = company.resolve(body[key], "Account", key)
        body.setdefault("Taxable", False)
        body.setdefault("UnitPrice", Decimal(0))
        if kind not in ("Category", "Group"):
            body.setdefault("PurchaseCost", Decimal(0))
        if body.get("SubItem"):
            parent = company.row("Item", body["ParentRef"]["value"])
            body["Level"] = int(parent.body.get("Level", 0)) + 1 if parent else 1


class ReadOnlyList(NamedList):
    """Tax codes and rates: read and query only (QBO creates them through TaxService)."""

    entities = ("TaxCode", "TaxRate")
    creatable = False


class Attachable(Rules):
    """Notes and file metadata linked to other records; deleted for real."""

    entities = ("Attachable",)
    deletable = True

    def fill(self, company: Company, body: dict, old: dict | None) -> None:
        from qbconnector.qbo_wire import spec
        from qbconnector.qbo_wire.faults import business_error

        for ref in body.get("AttachableRef") or []:
            entity = ref.get("EntityRef") or {}
            kind, value = entity.get("type"), entity.get("value")
            if kind not in spec.API_ENTITIES or company.row(kind, str(value)) is None:
                raise business_error(f"The entity {kind} {value} that you are trying to link "
                                     f"does not exist. {kind} {value}")
            ref.setdefault("IncludeOnSend", False)


class CompanyRecord(Rules):
    """CompanyInfo and Preferences: one record per realm, read and updated, never created."""

    entities = ("CompanyInfo", "Preferences")
    creatable = False
