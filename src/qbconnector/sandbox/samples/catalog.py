"""The lists of a sample company: chart of accounts, sales tax, classes, names and items.

"Front Range Home Comfort" installs and services heating, cooling, plumbing and electrical
equipment around Boulder and Denver: it sells labour (services), materials bought per job
(non-inventory parts), charges (delivery, disposal, a fuel surcharge), stocked equipment
(inventory parts and kits assembled from them) to homeowners and businesses, and collects
Colorado sales tax through one group per tax district.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from qbconnector.sandbox.context import Context
from qbconnector.sandbox.rules.lists import special_account
from qbconnector.sandbox.samples import names
from qbconnector.sandbox.samples.writer import SampleWriter

BUSINESS = "Front Range Home Comfort"
D = Decimal

# key, name, account type, number, parent key, description
CHART: tuple[tuple[str, str, str, str, str | None, str], ...] = (
    ("checking", "Operating Checking", "Bank", "1000", None, "Main operating account"),
    ("savings", "Savings", "Bank", "1010", None, "Money market savings"),
    ("prepaid", "Prepaid Expenses", "OtherCurrentAsset", "1400", None, ""),
    ("advances", "Employee Advances", "OtherCurrentAsset", "1410", None, ""),
    ("equipment", "Furniture and Equipment", "FixedAsset", "1500", None, ""),
    ("vehicles", "Vehicles", "FixedAsset", "1510", None, "Service vans"),
    ("depreciation_acc", "Accumulated Depreciation", "FixedAsset", "1700", None, ""),
    ("card", "Business Visa", "CreditCard", "2100", None, ""),
    ("customer_deposits", "Customer Deposits", "OtherCurrentLiability", "2300", None, ""),
    ("loan", "Van Loan", "LongTermLiability", "2700", None, "First Foothills Bank"),
    ("owner", "Owner's Equity", "Equity", "3000", None, ""),
    ("contributions", "Owner's Contributions", "Equity", "3010", "owner", ""),
    ("draws", "Owner's Draws", "Equity", "3020", "owner", ""),
    ("services", "Service Income", "Income", "4000", None, "Labour"),
    ("install", "Installation", "Income", "4010", "services", ""),
    ("repair", "Repairs", "Income", "4020", "services", ""),
    ("maintenance", "Maintenance Plans", "Income", "4030", "services", ""),
    ("products", "Product Sales", "Income", "4100", None, "Equipment and parts"),
    ("materials_income", "Materials Income", "Income", "4150", None, ""),
    ("fees", "Fees and Charges", "Income", "4200", None, "Delivery, disposal"),
    ("discounts", "Discounts Given", "Income", "4900", None, ""),
    ("subcontracted", "Subcontracted Services", "CostOfGoodsSold", "5100", None, ""),
    ("freight", "Freight In", "CostOfGoodsSold", "5200", None, ""),
    ("job_materials", "Job Materials", "CostOfGoodsSold", "5300", None, ""),
    ("advertising", "Advertising", "Expense", "6000", None, ""),
    ("bank_fees", "Bank Service Charges", "Expense", "6100", None, ""),
    ("depreciation", "Depreciation Expense", "Expense", "6150", None, ""),
    ("insurance", "Insurance", "Expense", "6200", None, ""),
    ("liability_ins", "Liability Insurance", "Expense", "6210", "insurance", ""),
    ("workers_comp", "Workers Compensation", "Expense", "6220", "insurance", ""),
    ("office", "Office Supplies", "Expense", "6300", None, ""),
    ("professional", "Professional Fees", "Expense", "6400", None, ""),
    ("rent", "Rent", "Expense", "6500", None, ""),
    ("repairs_maint", "Repairs and Maintenance", "Expense", "6600", None, ""),
    ("small_tools", "Small Tools and Equipment", "Expense", "6650", None, ""),
    ("utilities", "Utilities", "Expense", "6700", None, ""),
    ("power", "Gas and Electric", "Expense", "6710", "utilities", ""),
    ("telephone", "Telephone", "Expense", "6720", "utilities", ""),
    ("internet", "Internet", "Expense", "6730", "utilities", ""),
    ("vehicle", "Vehicle Expenses", "Expense", "6800", None, ""),
    ("fuel", "Fuel", "Expense", "6810", "vehicle", ""),
    ("vehicle_repairs", "Vehicle Repairs", "Expense", "6820", "vehicle", ""),
    ("interest_income", "Interest Income", "OtherIncome", "7000", None, ""),
    ("interest_expense", "Interest Expense", "OtherExpense", "8000", None, ""),
)

# Balances on the day before the sample year, entered with the accounts (QuickBooks posts
# them against Opening Bal Equity); scaled with the sample's size.
OPENING = {"checking": "60000", "savings": "25000", "vehicles": "41850",
           "equipment": "12400", "depreciation_acc": "9800", "loan": "32000"}

SPECIAL = {"ar": "AccountsReceivable", "ap": "AccountsPayable",
           "undeposited": "UndepositedFunds", "inventory": "InventoryAssets",
           "sales_tax": "SalesTaxPayable", "cogs": "CostOfGoodsSold",
           "opening": "OpeningBalanceEquity", "payroll": "PayrollExpenses"}

# name, rate %; the agency is the Colorado Department of Revenue for all of them
TAX_ITEMS = (("CO State", "2.9"), ("RTD", "1.0"), ("Boulder County", "0.985"),
             ("City of Boulder", "3.86"), ("City of Denver", "4.81"),
             ("Metro City", "3.75"), ("Northern City", "3.85"), ("Out of State", "0"))
# tax district -> group name, members
TAX_GROUPS = {
    "Boulder": ("Boulder Combined", ("CO State", "RTD", "Boulder County", "City of Boulder")),
    "Boulder County": ("Boulder County Combined", ("CO State", "RTD", "Boulder County")),
    "Denver": ("Denver Combined", ("CO State", "RTD", "City of Denver")),
    "Metro": ("Metro Combined", ("CO State", "RTD", "Metro City")),
    "Northern": ("Northern Combined", ("CO State", "Northern City")),
}

CLASSES = ("Residential", "Commercial", "Commercial:Retail", "Commercial:Office",
           "Commercial:Multi-family", "New Construction")
CUSTOMER_TYPES = ("Residential", "Commercial", "Property Manager", "Builder", "Referral")
VENDOR_TYPES = ("Supplier", "Subcontractor", "Utilities", "Tax Agency", "Services")
JOB_TYPES = ("Installation", "Repair", "Maintenance", "Remodel", "New Construction")
SHIP_METHODS = ("UPS", "FedEx", "Our Truck", "Customer Pickup")

# name, rate, income account key, description
SERVICES = (("Labor", None, "services", "Labour"),
            ("Labor:Installation", "125", "install", "Installation labour, per hour"),
            ("Labor:Repair", "115", "repair", "Repair labour, per hour"),
            ("Labor:Diagnostic", "89", "repair", "Diagnostic visit"),
            ("Labor:Emergency Call", "195", "repair", "After-hours emergency call"),
            ("Labor:Design Consultation", "95", "install", "System design, per hour"),
            ("Maintenance Visit", "149", "maintenance", "Seasonal tune-up and inspection"),
            ("Maintenance Plan", "299", "maintenance", "Annual maintenance agreement"))
# name, sales price, cost, description (bought from a subcontractor)
SUBCONTRACTED = (("Subcontract:Electrical", "140", "92", "Licensed electrician, per hour"),
                 ("Subcontract:Excavation", "165", "110", "Trenching and excavation, per hour"))
# name, sales price, purchase cost, description, quantity per job (bought per job)
MATERIALS = (("Duct Materials", "4.75", "2.10", "Duct, fittings and sealant, per foot",
              (10, 120)),
             ("Copper Fittings", "3.25", "1.35", "Assorted copper fittings", (2, 30)),
             ("Misc Hardware", "1.00", "0.45", "Fasteners and hardware", (5, 60)),
             ("Refrigerant R-410A", "85", "38", "Refrigerant, per pound", (1, 8)),
             ("Wire 12/2 NM-B", "1.15", "0.52", "Cable, per foot", (25, 250)))
# name, price, percent, income account key, description
CHARGES = (("Delivery Fee", "45", None, "fees", "Delivery of equipment"),
           ("Disposal Fee", "75", None, "fees", "Haul-away of old equipment"),
           ("Trip Charge", "35", None, "fees", "Travel outside service area"),
           ("Fuel Surcharge", None, "2", "fees", "Fuel surcharge on the subtotal"))
# short name, sales price, cost (stocked equipment and parts)
INVENTORY = (
    ("Filter 16x25x1 MERV 8", "12.99", "5.20"), ("Filter 20x25x1 MERV 11", "18.99", "7.40"),
    ("Filter 16x25x4 MERV 13", "49", "21"), ("Thermostat Programmable", "69", "32"),
    ("Thermostat Smart Wi-Fi", "249", "148"), ("Zone Controller", "389", "210"),
    ("Water Heater 50 Gal Gas", "1295", "780"), ("Water Heater 40 Gal Elec", "895", "520"),
    ("Tankless Water Heater", "2450", "1480"), ("Gas Furnace 80k BTU", "3150", "1890"),
    ("Condenser 3 Ton 16 SEER", "3890", "2350"), ("Evaporator Coil 3 Ton", "1150", "690"),
    ("Mini-Split 12k BTU", "1980", "1190"), ("Whole-House Humidifier", "495", "245"),
    ("UV Air Purifier", "650", "310"), ("Ceiling Fan 52in", "229", "118"),
    ("LED Fixture 4ft", "89", "41"), ("GFCI Outlet", "24", "9.50"),
    ("Circuit Breaker 20A", "18", "7.20"), ("Sump Pump 1/2 HP", "289", "152"),
    ("Garbage Disposal 3/4 HP", "319", "171"), ("Ball Valve 3/4in", "22", "8.75"),
    ("PEX Pipe 1/2in 100ft", "59", "31"), ("Smoke/CO Detector", "59", "26"))
# assembly name, price, [(component short name, quantity)]
ASSEMBLIES = (("Furnace Install Kit", "3695", (("Gas Furnace 80k BTU", 1),
                                               ("Thermostat Smart Wi-Fi", 1),
                                               ("Filter 16x25x4 MERV 13", 1))),
              ("Water Heater Kit", "1449", (("Water Heater 50 Gal Gas", 1),
                                            ("Ball Valve 3/4in", 2),
                                            ("PEX Pipe 1/2in 100ft", 1))))
TERMS_DAYS = {"Due on receipt": 0, "Net 15": 15, "Net 30": 30, "2% 10 Net 30": 30}
JOB_TITLES = ("Lead Technician", "Technician", "Technician", "Apprentice", "Installer",
              "Dispatcher", "Sales", "Estimator")


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
        doc.update({"LegalCompanyName": doc.get("LegalCompanyName") or BUSINESS,
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
            from qbconnector.sandbox import preferences
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
