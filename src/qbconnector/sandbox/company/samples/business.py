"""The sample business, as data: "Front Range Home Comfort" installs and services heating,
cooling, plumbing and electrical equipment around Boulder and Denver, Colorado.

Its chart of accounts, Colorado sales tax (one item per authority, one group per district),
the lists it keeps and the items it sells: labour (services), materials bought per job
(non-inventory parts), charges (delivery, disposal, a fuel surcharge), stocked equipment
(inventory parts) and kits assembled from it. Prices, rates and names are plausible, not
real. :mod:`.catalog` turns these tables into records.
"""

from __future__ import annotations

BUSINESS = "Front Range Home Comfort"

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
