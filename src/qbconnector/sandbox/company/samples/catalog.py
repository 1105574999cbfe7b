"""The lists of a sample company: chart of accounts, sales tax, classes, names and items.

The business itself is data (:mod:`.business`); this module writes it as records with the
sample's seeded generator — the fixed lists as they are, customers, vendors, employees and
stocked items drawn in the numbers the sample's size asks for — and keeps what the year's
transactions need to refer to (:class:`Catalog`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from qbconnector.sandbox.company import preferences
from qbconnector.sandbox.company.samples import names
from qbconnector.sandbox.company.samples.business import (
    ASSEMBLIES,
    BUSINESS,
    CHARGES,
    CHART,
    CLASSES,
    CUSTOMER_TYPES,
    INVENTORY,
    JOB_TITLES,
    JOB_TYPES,
    MATERIALS,
    OPENING,
    SERVICES,
    SHIP_METHODS,
    SPECIAL,
    SUBCONTRACTED,
    TAX_GROUPS,
    TAX_ITEMS,
    TERMS_DAYS,
    VENDOR_TYPES,
)
from qbconnector.sandbox.company.samples.writer import SampleWriter
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.rules.lists import special_account

D = Decimal


@dataclass
class Item:
    """What the activity generator needs to know of an item."""

    id: str
    kind: str                   # service | subcontract | material | charge | inventory | assembly
    name: str
    price: Decimal | None
    cost: Decimal | None = None
    vendor: str | None = None
    weight: float = 1.0
    parts: dict[str, Decimal] = field(default_factory=dict)    # assembly components
    per_job: tuple[int, int] = (1, 1)                           # quantity sold per line


@dataclass
class Customer:
    """A name invoices go to: a customer without jobs, or a job."""

    id: str
    commercial: bool
    class_id: str
    weight: float
    payment_method: str
    terms_days: int


@dataclass
class Catalog:
    """Every list record the activity generator refers to, by role."""

    accounts: dict[str, str] = field(default_factory=dict)
    tax_code: dict[str, str] = field(default_factory=dict)
    payment_methods: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)
    items: dict[str, list[Item]] = field(default_factory=dict)
    discount_percent: str = ""
    discount_fixed: str = ""
    subtotal: str = ""
    customers: list[Customer] = field(default_factory=list)
    suppliers: list[str] = field(default_factory=list)
    subcontractors: list[str] = field(default_factory=list)
    vendors: dict[str, str] = field(default_factory=dict)        # role -> vendor id
    types: dict[str, str] = field(default_factory=dict)          # "customer:Builder" -> id
    sales_reps: list[str] = field(default_factory=list)
    employees: list[str] = field(default_factory=list)
    customer_count: int = 0


def _ref(record_id: str) -> dict[str, str]:
    return {"ListID": record_id}


def _existing(ctx: Context, type_name: str) -> dict[str, str]:
    rows = ctx.db.execute("SELECT id, full_name FROM records WHERE type=?", (type_name,))
    return {row["full_name"]: row["id"] for row in rows}


class CatalogBuilder:
    """Creates the lists of the sample company with a seeded random generator."""

    def __init__(self, writer: SampleWriter, rng: random.Random, year: int,
                 customers: int, vendors: int, employees: int, inventory_variants: int,
                 progress: Callable[[str, int, int], None] | None = None,
                 scale: Decimal = Decimal(1)) -> None:
        self.writer = writer
        self.rng = rng
        self.year = year
        self.n_customers = customers
        self.n_vendors = vendors
        self.n_employees = employees
        self.variants = inventory_variants
        self.progress = progress
        self.scale = scale
        self.opening_day = date(year - 1, 12, 31)
        self.names = names.UniqueNames()
        self.catalog = Catalog()

    def add(self, type_name: str, data: dict[str, Any]) -> str:
        return self.writer.add(type_name, data)

    # -- company, accounts, tax ------------------------------------------------------------
    def company(self) -> None:
        store = self.writer.store
        doc = json.loads(store.meta("company", "{}") or "{}")
        address = {"Addr1": "2150 Pearl St, Suite 200", "City": "Boulder", "State": "CO",
                   "PostalCode": "80302", "Country": "US"}
        doc.update({"LegalCompanyName": f"{BUSINESS} LLC",
                    "Address": address, "LegalAddress": address,
                    "Phone": "(303) 555-0142", "Email": "office@frontrangehomecomfort.example",
                    "CompanyWebSite": "https://frontrangehomecomfort.example",
                    "CompanyType": "Construction/Contractor", "EIN": "84-1234567",
                    "TaxForm": "Form1120S"})
        store.set_meta("company", json.dumps(doc))

    def accounts(self) -> None:
        ctx = self.writer._ctx
        assert ctx is not None
        for key, special in SPECIAL.items():
            row = special_account(ctx, special)
            if row is not None:
                self.catalog.accounts[key] = row["id"]
        for key, name, kind, number, parent, desc in CHART:
            data: dict[str, Any] = {"Name": name, "AccountType": kind, "AccountNumber": number}
            if parent:
                data["ParentRef"] = _ref(self.catalog.accounts[parent])
            if desc:
                data["Desc"] = desc
            if kind == "Bank":
                data["BankNumber"] = str(self.rng.randint(10**8, 10**9 - 1))
            if key in OPENING:
                amount = D(OPENING[key]) * self.scale
                data["OpenBalance"] = -amount if key == "depreciation_acc" else amount
                data["OpenBalanceDate"] = self.opening_day
            self.catalog.accounts[key] = self.add("Account", data)

    def sales_tax(self) -> dict[str, Any]:
        """A tax agency, tax items and one group per district; returns the preferences that
        turn sales tax on with them."""
        agency = self.add("Vendor", {
            "Name": self.names.take("Colorado Department of Revenue", self.rng),
            "CompanyName": "Colorado Department of Revenue",
            "VendorAddress": {"Addr1": "PO Box 17087", "City": "Denver", "State": "CO",
                              "PostalCode": "80217", "Country": "USA"},
            "VendorTypeRef": _ref(self.catalog.types["vendor:Tax Agency"]),
            "NameOnCheck": "Colorado Department of Revenue"})
        self.catalog.vendors["tax_agency"] = agency
        self.catalog.tax_code["Res"] = self.add("SalesTaxCode", {
            "Name": "Res", "IsTaxable": False, "Desc": "Sales for resale"})
        taxes: dict[str, str] = {}
        for name, rate in TAX_ITEMS:
            taxes[name] = self.add("ItemSalesTax", {
                "Name": name, "ItemDesc": f"{name} sales tax", "TaxRate": D(rate),
                "TaxVendorRef": _ref(agency)})
        groups = {}
        for district, (group, members) in TAX_GROUPS.items():
            groups[district] = self.add("ItemSalesTaxGroup", {
                "Name": group, "ItemDesc": f"Sales tax for {district}",
                "ItemSalesTaxRef": [_ref(taxes[m]) for m in members]})
        self.catalog.tax_code.update({f"group:{k}": v for k, v in groups.items()})
        self.catalog.tax_code["group:Out of State"] = taxes["Out of State"]
        self.catalog.tax_code.update({f"item:{k}": v for k, v in taxes.items()})
        ctx = self.writer._ctx
        assert ctx is not None
        codes = _existing(ctx, "SalesTaxCode")
        self.catalog.tax_code.update(codes)
        return {"SalesTaxPreferences": {
            "DefaultItemSalesTaxRef": {"ListID": groups["Boulder"],
                                       "FullName": TAX_GROUPS["Boulder"][0]},
            "PaySalesTax": "Monthly",
            "DefaultTaxableSalesTaxCodeRef": {"ListID": codes["Tax"], "FullName": "Tax"},
            "DefaultNonTaxableSalesTaxCodeRef": {"ListID": codes["Non"], "FullName": "Non"},
            "IsUsingVendorTaxCode": "false", "IsUsingCustomerTaxCode": "true",
            "IsUsingAmountsIncludeTax": "false"}}

    # -- small lists -----------------------------------------------------------------------
    def small_lists(self) -> None:
        ctx = self.writer._ctx
        assert ctx is not None
        for full in CLASSES:
            parent, _, name = full.rpartition(":")
            data: dict[str, Any] = {"Name": name}
            if parent:
                data["ParentRef"] = _ref(self.catalog.classes[parent])
            self.catalog.classes[full] = self.add("Class", data)
        for name in CUSTOMER_TYPES:
            self.catalog.types[f"customer:{name}"] = self.add("CustomerType", {"Name": name})
        for name in VENDOR_TYPES:
            self.catalog.types[f"vendor:{name}"] = self.add("VendorType", {"Name": name})
        for name in JOB_TYPES:
            self.catalog.types[f"job:{name}"] = self.add("JobType", {"Name": name})
        for name in SHIP_METHODS:
            self.add("ShipMethod", {"Name": name})
        self.catalog.terms = {k: v for k, v in _existing(ctx, "StandardTerms").items()}
        self.catalog.payment_methods = _existing(ctx, "PaymentMethod")

    # -- people -----------------------------------------------------------------------------
    def employees(self) -> None:
        rng = self.rng
        for index in range(self.n_employees):
            first, last = names.person(rng)
            full = self.names.take(f"{first} {last}", rng)
            title = "Owner" if index == 0 else (
                "Office Manager" if index == 1 else rng.choice(JOB_TITLES))
            hired = date(self.year - rng.randint(0, 12), rng.randint(1, 12), rng.randint(1, 28))
            data: dict[str, Any] = {
                "FirstName": first[:25], "LastName": last[:25], "JobTitle": title,
                "PrintAs": full, "EmployeeAddress": _employee_address(names.address(rng)),
                "Phone": names.phone(rng), "Email": names.email_for(full, "frhc.example"),
                "EmployeeType": "Owner" if index == 0 else "Regular",
                "HiredDate": hired}
            employee = self.add("Employee", data)
            self.catalog.employees.append(employee)
            if title in ("Owner", "Sales", "Estimator"):
                initials = (first[0] + last[0]).upper()
                self.catalog.sales_reps.append(self.add("SalesRep", {
                    "Initial": f"{initials}{index}"[:5], "SalesRepEntityRef": _ref(employee)}))

    def vendors(self) -> None:
        rng = self.rng
        fixed = (("landlord", "Flatiron Business Park LLC", "Services", "rent"),
                 ("power", "Front Range Power & Gas", "Utilities", "power"),
                 ("telephone", "Peak Telecom", "Utilities", "telephone"),
                 ("internet", "Summit Fiber Internet", "Utilities", "internet"),
                 ("insurance", "Rocky Mountain Mutual Insurance", "Services", "liability_ins"),
                 ("bank", "First Foothills Bank", "Services", "interest_expense"),
                 ("accountant", "Miller & Park CPAs", "Services", "professional"),
                 ("fuel", "Summit Fuel Cards", "Services", "fuel"),
                 ("office", "Mesa Office Supply", "Supplier", "office"),
                 ("advertising", "Front Range Media Group", "Services", "advertising"),
                 ("garage", "Canyon Fleet Repair", "Services", "vehicle_repairs"))
        for role, name, vtype, account in fixed:
            self.catalog.vendors[role] = self.add("Vendor", self._vendor(name, vtype, account))
        remaining = max(self.n_vendors - len(fixed) - 1, 4)
        subcontractors = max(2, remaining // 5)
        for index in range(remaining):
            if index < subcontractors:
                last = rng.choice(names.LAST_NAMES)
                trade = rng.choice(("Electric", "Excavating", "Sheet Metal", "Concrete",
                                    "Drywall", "Insulation"))
                vendor = self.add("Vendor", self._vendor(f"{last} {trade}", "Subcontractor",
                                                         "subcontracted", eligible_1099=True))
                self.catalog.subcontractors.append(vendor)
            else:
                name = names.business(rng, names.SUPPLIER_TRADES)
                vendor = self.add("Vendor", self._vendor(name, "Supplier", "job_materials"))
                self.catalog.suppliers.append(vendor)

    def _vendor(self, name: str, vendor_type: str, account: str,
                eligible_1099: bool = False) -> dict[str, Any]:
        rng = self.rng
        unique = self.names.take(name, rng)
        terms = "Net 30" if vendor_type in ("Supplier", "Subcontractor") else "Due on receipt"
        return {"Name": unique, "CompanyName": name[:41], "VendorAddress": names.address(rng),
                "Phone": names.phone(rng), "Email": names.email_for(name, "vendor.example"),
                "NameOnCheck": name[:41], "AccountNumber": str(rng.randint(10000, 999999)),
                "VendorTypeRef": _ref(self.catalog.types[f"vendor:{vendor_type}"]),
                "TermsRef": _ref(self.catalog.terms[terms]),
                "IsVendorEligibleFor1099": eligible_1099,
                "PrefillAccountRef": [_ref(self.catalog.accounts[account])]}

    def customers(self) -> None:
        """``n_customers`` Customer records; about one in five is a job of another."""
        rng = self.rng
        reps = self.catalog.sales_reps
        made = 0
        while made < self.n_customers:
            commercial = rng.random() < 0.4
            town = rng.choice(names.TOWNS)
            first, last = names.person(rng)
            if commercial:
                company = names.business(rng)
                name = self.names.take(company, rng)
                class_key = rng.choice(("Commercial:Retail", "Commercial:Office",
                                        "Commercial:Multi-family", "New Construction"))
                ctype = rng.choice(("Commercial", "Property Manager", "Builder"))
            else:
                company = None
                name = self.names.take(f"{last}, {first}", rng)
                class_key = "Residential"
                ctype = rng.choice(("Residential", "Residential", "Referral"))
            address = names.address(rng, town)
            resale = commercial and rng.random() < 0.1
            out_of_state = rng.random() < 0.02
            district = "Out of State" if out_of_state else town[2]
            terms = rng.choice(("Net 30", "Net 15", "2% 10 Net 30")) if commercial else \
                rng.choice(("Due on receipt", "Due on receipt", "Net 15"))
            data: dict[str, Any] = {
                "Name": name, "FirstName": first, "LastName": last,
                "BillAddress": address, "ShipAddress": dict(address),
                "Phone": names.phone(rng), "Email": names.email_for(company or f"{first} {last}",
                                                                    "mail.example"),
                "Contact": f"{first} {last}",
                "CustomerTypeRef": _ref(self.catalog.types[f"customer:{ctype}"]),
                "TermsRef": _ref(self.catalog.terms[terms]),
                "SalesTaxCodeRef": _ref(self.catalog.tax_code["Res" if resale or out_of_state
                                                              else "Tax"]),
                "ItemSalesTaxRef": _ref(self.catalog.tax_code[f"group:{district}"]),
                "AccountNumber": f"C{10000 + made}",
                "PreferredPaymentMethodRef": _ref(self.catalog.payment_methods[rng.choice(
                    ("Check", "Visa", "MasterCard", "American Express", "Cash", "E-Check"))]),
                "PreferredDeliveryMethod": rng.choice(("Email", "Email", "None"))}
            if company:
                data["CompanyName"] = company[:41]
                data["CreditLimit"] = D(rng.choice((5000, 10000, 25000, 50000)))
            if resale:
                data["ResaleNumber"] = f"{rng.randint(10**7, 10**8 - 1)}"
            if reps and rng.random() < 0.5:
                data["SalesRepRef"] = _ref(rng.choice(reps))
            customer = self.add("Customer", data)
            made += 1
            class_id = self.catalog.classes[class_key]
            weight = min(rng.paretovariate(1.6), 25.0) * (2.0 if commercial else 1.0)
            method = data["PreferredPaymentMethodRef"]["ListID"]
            jobs = 0
            if made < self.n_customers and rng.random() < 0.22:
                jobs = min(rng.choice((1, 1, 2, 2, 3, 4)), self.n_customers - made)
            days = TERMS_DAYS[terms]
            if not jobs:
                self.catalog.customers.append(Customer(customer, commercial, class_id, weight,
                                                       method, days))
            for job_name in rng.sample(names.JOB_NAMES, jobs):
                start = date(self.year, 1, 1) + timedelta(days=rng.randint(-60, 300))
                inherited = {k: data[k] for k in (
                    "CustomerTypeRef", "TermsRef", "SalesTaxCodeRef", "ItemSalesTaxRef",
                    "PreferredPaymentMethodRef", "SalesRepRef", "ResaleNumber") if k in data}
                job = self.add("Customer", {
                    **inherited, "Name": job_name, "ParentRef": _ref(customer),
                    "BillAddress": address, "ShipAddress": names.address(rng, town),
                    "JobStatus": rng.choice(("InProgress", "InProgress", "Awarded", "Closed")),
                    "JobStartDate": start, "JobDesc": f"{job_name} for {name}"[:99],
                    "JobTypeRef": _ref(self.catalog.types[f"job:{rng.choice(JOB_TYPES)}"])})
                made += 1
                self.catalog.customers.append(Customer(job, commercial, class_id,
                                                       weight / jobs, method, days))
            if self.progress is not None and (made % 500 < jobs + 1 or made == self.n_customers):
                self.progress("lists", made, self.n_customers)
        self.catalog.customer_count = made

    # -- items ------------------------------------------------------------------------------
    def items(self) -> None:
        rng = self.rng
        acc = self.catalog.accounts
        items: dict[str, list[Item]] = {k: [] for k in (
            "service", "subcontract", "material", "charge", "inventory", "assembly")}
        ids: dict[str, str] = {}
        for full, rate, account, desc in SERVICES:
            parent, _, name = full.rpartition(":")
            data: dict[str, Any] = {"Name": name, "SalesOrPurchase": {
                "Desc": desc, "AccountRef": _ref(acc[account])}}
            if rate:
                data["SalesOrPurchase"]["Price"] = D(rate)
            if parent:
                data["ParentRef"] = _ref(ids[parent])
            ids[full] = self.add("ItemService", data)
            if rate:
                items["service"].append(Item(ids[full], "service", full, D(rate)))
        for full, price, cost, desc in SUBCONTRACTED:
            parent, _, name = full.rpartition(":")
            if parent not in ids:
                ids[parent] = self.add("ItemService", {"Name": parent, "SalesOrPurchase": {
                    "Desc": "Subcontracted work", "AccountRef": _ref(acc["install"])}})
            vendor = rng.choice(self.catalog.subcontractors)
            ids[full] = self.add("ItemService", {
                "Name": name, "ParentRef": _ref(ids[parent]), "SalesAndPurchase": {
                    "SalesDesc": desc, "SalesPrice": D(price), "IncomeAccountRef":
                    _ref(acc["install"]), "PurchaseDesc": desc, "PurchaseCost": D(cost),
                    "ExpenseAccountRef": _ref(acc["subcontracted"]),
                    "PrefVendorRef": _ref(vendor)}})
            items["subcontract"].append(Item(ids[full], "subcontract", full, D(price), D(cost),
                                             vendor))
        for name, price, cost, desc, per_job in MATERIALS:
            vendor = rng.choice(self.catalog.suppliers)
            item = self.add("ItemNonInventory", {"Name": name, "SalesAndPurchase": {
                "SalesDesc": desc, "SalesPrice": D(price),
                "IncomeAccountRef": _ref(acc["materials_income"]), "PurchaseDesc": desc,
                "PurchaseCost": D(cost), "ExpenseAccountRef": _ref(acc["job_materials"]),
                "PrefVendorRef": _ref(vendor)}})
            items["material"].append(Item(item, "material", name, D(price), D(cost), vendor,
                                          per_job=per_job))
        for name, price, percent, account, desc in CHARGES:
            part: dict[str, Any] = {"Desc": desc, "AccountRef": _ref(acc[account])}
            if price:
                part["Price"] = D(price)
            else:
                part["PricePercent"] = D(percent)
            item = self.add("ItemOtherCharge", {"Name": name, "SalesOrPurchase": part})
            items["charge"].append(Item(item, "charge", name, D(price) if price else None))
        stocked = self._inventory(items["inventory"])
        for name, price, parts in ASSEMBLIES:
            cost = sum((stocked[p].cost * q for p, q in parts), D(0))
            item = self.add("ItemInventoryAssembly", {
                "Name": name, "SalesDesc": name, "SalesPrice": D(price),
                "IncomeAccountRef": _ref(acc["products"]), "PurchaseDesc": name,
                "PurchaseCost": cost, "COGSAccountRef": _ref(acc["cogs"]),
                "AssetAccountRef": _ref(acc["inventory"]), "BuildPoint": D(2),
                "ItemInventoryAssemblyLine": [{"ItemInventoryRef": _ref(stocked[p].id),
                                               "Quantity": D(q)} for p, q in parts]})
            items["assembly"].append(Item(item, "assembly", name, D(price), cost, weight=0.3,
                                          parts={stocked[p].id: D(q) for p, q in parts}))
        self.catalog.discount_percent = self.add("ItemDiscount", {
            "Name": "Loyalty Discount", "ItemDesc": "10% off for plan members",
            "DiscountRatePercent": D(10), "AccountRef": _ref(acc["discounts"])})
        self.catalog.discount_fixed = self.add("ItemDiscount", {
            "Name": "Coupon", "ItemDesc": "Mailer coupon", "DiscountRate": D(25),
            "AccountRef": _ref(acc["discounts"])})
        self.catalog.subtotal = self.add("ItemSubtotal", {"Name": "Subtotal",
                                                          "ItemDesc": "Subtotal"})
        self.add("ItemPayment", {"Name": "Deposit Received", "ItemDesc": "Deposit received",
                                 "DepositToAccountRef": _ref(acc["undeposited"]),
                                 "PaymentMethodRef": _ref(self.catalog.payment_methods["Check"])})
        tune_up = next(i for i in items["service"] if i.name == "Maintenance Visit")
        filters = next(i for i in items["inventory"] if i.name.startswith("Filter 16x25x1"))
        self.add("ItemGroup", {"Name": "Tune-up Package", "ItemDesc": "Tune-up with filters",
                               "IsPrintItemsInGroup": True, "ItemGroupLine": [
                                   {"ItemRef": _ref(tune_up.id), "Quantity": D(1)},
                                   {"ItemRef": _ref(filters.id), "Quantity": D(2)}]})
        self.add("ItemFixedAsset", {"Name": "Service Van 3", "AcquiredAs": "New",
                                    "PurchaseDesc": "Cargo van with shelving",
                                    "PurchaseDate": date(self.year - 1, 6, 15),
                                    "PurchaseCost": D("41850"),
                                    "AssetAccountRef": _ref(acc["vehicles"])})
        self.catalog.items = items

    def _inventory(self, out: list[Item]) -> dict[str, Item]:
        """Stocked parts: the base list, and for bigger samples model variants of each."""
        rng = self.rng
        acc = self.catalog.accounts
        by_name: dict[str, Item] = {}
        series = ("", "-A", "-B", "-C", "-D", "-E", "-F", "-G", "-H", "-K", "-M", "-P")
        for variant in range(self.variants):
            for short, price, cost in INVENTORY:
                suffix = series[variant] if variant < len(series) else f"-{variant}"
                name = f"{short}{suffix}"[:31]
                factor = D(1) if not variant else D(rng.randint(85, 135)) / 100
                sale = (D(price) * factor).quantize(D("0.01"))
                buy = (D(cost) * factor).quantize(D("0.01"))
                vendor = rng.choice(self.catalog.suppliers)
                item = self.add("ItemInventory", {
                    "Name": name, "ManufacturerPartNumber": f"FR-{rng.randint(1000, 99999)}",
                    "SalesDesc": short, "SalesPrice": sale,
                    "IncomeAccountRef": _ref(acc["products"]), "PurchaseDesc": short,
                    "PurchaseCost": buy, "COGSAccountRef": _ref(acc["cogs"]),
                    "PrefVendorRef": _ref(vendor), "AssetAccountRef": _ref(acc["inventory"]),
                    "ReorderPoint": D(rng.choice((2, 5, 10, 20))), "Max": D(50),
                    "QuantityOnHand": D(rng.randint(10, 40) if D(price) < 100 else
                                        rng.randint(2, 8)),
                    "InventoryDate": self.opening_day})
                weight = 3.0 if D(price) < 100 else 1.0
                entry = Item(item, "inventory", name, sale, buy, vendor, weight)
                out.append(entry)
                by_name.setdefault(short, entry)
        return by_name

    def build(self) -> Catalog:
        """Preferences first (account numbers decide how accounts sort), then the lists;
        sales tax is turned on once its items exist, before the names and items that take
        their default tax codes from it."""
        session = self.writer.session

        def set_preferences(changes: dict[str, Any]) -> None:
            preferences.set_preferences(session, changes)
            # Written through the session's store: the writer's must read them afresh.
            self.writer.store.cache.pop("meta:preferences", None)

        set_preferences({"AccountingPreferences": {"IsUsingAccountNumbers": "true",
                                                   "IsUsingClassTracking": "true"}})
        with self.writer.batch():
            self.company()
            self.accounts()
            self.small_lists()
            tax_preferences = self.sales_tax()
        set_preferences(tax_preferences)
        with self.writer.batch():
            self.employees()
            self.vendors()
            self.items()
            self.customers()
        return self.catalog


def _employee_address(address: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in address.items() if k != "Country"}
