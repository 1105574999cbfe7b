"""``--sample small``: a year of a small landscaping and design business, made through the
same rules as any API call (so balances, postings and reports agree), deterministic.

About 60 customers, 12 vendors, 4 employees, 14 items; over the twelve months up to today
some 1,040 invoices (most paid, some partly, some overdue), sales receipts, credit memos,
estimates, bills and bill payments, card and check purchases, monthly deposits, transfers,
journal entries, purchase orders and time activities.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from qbconnector.qbo_double.ledger import default_account

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company

FIRST = ("Amy", "Bill", "Cathy", "Dylan", "Emily", "Frank", "Grace", "Hector", "Iris", "Jack",
         "Kate", "Liam", "Mona", "Nate", "Olga", "Pete", "Quinn", "Rosa", "Sam", "Tara")
LAST = ("Lauterbach", "Dukes", "Cool", "Sonnenschein", "Platt", "Fischer", "Gevelber",
        "Jeffrey", "Kookies", "Lopez", "Mason", "Nguyen", "Ortiz", "Patel", "Rondonuwu")
BUSINESS = ("Bird Sanctuary", "Basketball Camp", "Cars", "Family Fun", "Finch Creek Farms",
            "Geeta's Garden", "Jeff's Jalopies", "John Melton Dental", "Kookies by Kathy",
            "Mark Cho Architects", "Paulsen Medical", "Pye's Cakes", "Rago Travel",
            "Red Rock Diner", "Shara Barnett", "Sushi by Katsuyuki", "Travis Waldron",
            "Video Games by Dan", "Wedding Planning by Whitney", "Weiskopf Consulting")
CITIES = (("Bayshore", "CA", "94326"), ("Tucson", "AZ", "85719"), ("Middlefield", "CA", "94482"),
          ("Sunnyvale", "CA", "94086"), ("Palo Alto", "CA", "94303"), ("Menlo Park", "CA", "94025"))
VENDORS = ("Brosnahan Insurance Agency", "Cal Telephone", "Computers by Jenni",
           "Diego's Road Warrior Bodyshop", "Ellis Equipment Rental", "Hall Properties",
           "Lee Advertising", "Norton Lumber and Building Materials", "PG&E",
           "Robertson & Associates", "Squeaky Kleen Car Wash", "Tania's Nursery")
ACCOUNTS = (("Checking", "Bank", "Checking"), ("Savings", "Bank", "Savings"),
            ("Mastercard", "Credit Card", "CreditCard"),
            ("Landscaping Services", "Income", "ServiceFeeIncome"),
            ("Design income", "Income", "ServiceFeeIncome"),
            ("Advertising", "Expense", "AdvertisingPromotional"),
            ("Automobile", "Expense", "Auto"), ("Insurance", "Expense", "Insurance"),
            ("Rent or Lease", "Expense", "RentOrLeaseOfBuildings"),
            ("Utilities", "Expense", "Utilities"),
            ("Office Supplies", "Expense", "OfficeGeneralAdministrativeExpenses"),
            ("Job Materials", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
            ("Truck", "Fixed Asset", "Vehicles"),
            ("Notes Payable", "Long Term Liability", "NotesPayable"),
            ("Interest Earned", "Other Income", "InterestEarned"))


def build_small(company: Company, *, seed: int = 7) -> None:
    """Fill a new realm with a year of activity (deterministic for a given seed and day)."""
    rng = random.Random(seed)
    today = company.now().date()
    start = today - timedelta(days=364)
    real_clock = company.clock
    accounts = {name: company.create("Account", {"Name": name, "AccountType": kind,
                                                 "AccountSubType": sub}).id
                for name, kind, sub in ACCOUNTS}
    ref = lambda key: {"value": accounts[key]}  # noqa: E731
    classes = [company.create("Class", {"Name": n}).id for n in ("Landscaping", "Design")]
    for name in ("North", "South"):
        company.create("Department", {"Name": name})
    items = _items(company, ref)
    customers = _customers(company, rng)
    vendors = [company.create("Vendor", {
        "DisplayName": name, "CompanyName": name, "TermRef": {"value": "4"},
        "BillAddr": {"Line1": f"{rng.randint(10, 999)} Market St.", "City": "San Francisco",
                     "CountrySubDivisionCode": "CA", "PostalCode": "94103"}}).id
        for name in VENDORS]
    employees = [company.create("Employee", {"GivenName": g, "FamilyName": f,
                                             "HiredDate": start.isoformat()}).id
                 for g, f in (("Emily", "Platt"), ("John", "Johnson"), ("Kari", "Steblay"),
                              ("Lee", "Chan"))]

    def at(day: date) -> Callable[[], datetime]:
        moment = datetime.combine(day, time(9 + rng.randint(0, 8), rng.randint(0, 59)),
                                  company.zone)
        return lambda: moment.astimezone(UTC)

    company.clock = at(start)
    company.create("JournalEntry", {"TxnDate": start.isoformat(), "PrivateNote":
                                    "Opening Balance", "Line": [
        _je(25000, "Debit", accounts["Checking"], "Opening Balance"),
        _je(25000, "Credit", accounts["Notes Payable"], "Opening Balance")]})
    undeposited = default_account(company, "undeposited")["value"]
    open_payments: list[tuple[str, Decimal]] = []
    day = start
    while day <= today:
        company.clock = at(day)
        for _ in range(4 if day.weekday() < 5 else 0):
            customer = rng.choice(customers)
            invoice = _invoice(company, rng, day, customer, items, classes)
            if rng.random() < 0.2:
                continue
            if day + timedelta(days=20) <= today:
                pay_day = day + timedelta(days=rng.randint(5, 20))
                company.clock = at(pay_day)
                total = Decimal(str(invoice.body["TotalAmt"]))
                amount = total if rng.random() < 0.9 else (total / 2).quantize(Decimal("0.01"))
                payment = company.create("Payment", {
                    "TxnDate": pay_day.isoformat(), "CustomerRef": {"value": customer},
                    "TotalAmt": amount, "PaymentMethodRef": {"value": str(rng.randint(1, 5))},
                    "Line": [{"Amount": amount, "LinkedTxn": [
                        {"TxnId": invoice.id, "TxnType": "Invoice"}]}]})
                open_payments.append((payment.id, amount))
                company.clock = at(day)
        if day.weekday() == 5:
            company.create("SalesReceipt", {"TxnDate": day.isoformat(),
                                            "CustomerRef": {"value": rng.choice(customers)},
                                            "Line": [_sales_line(rng, items)]})
            company.create("Purchase", {
                "TxnDate": day.isoformat(), "PaymentType": "CreditCard",
                "AccountRef": ref("Mastercard"), "EntityRef": {"value": rng.choice(vendors)},
                "Line": [_expense_line(rng, accounts["Automobile"], 20, 90)]})
        if day.day in (1, 15):
            vendor = rng.choice(vendors)
            bill = company.create("Bill", {
                "TxnDate": day.isoformat(), "VendorRef": {"value": vendor},
                "Line": [_expense_line(rng, accounts[rng.choice(
                    ("Advertising", "Insurance", "Utilities", "Office Supplies",
                     "Job Materials"))], 80, 900)]})
            if day + timedelta(days=25) <= today and rng.random() < 0.85:
                paid = day + timedelta(days=25)
                company.clock = at(paid)
                company.create("BillPayment", {
                    "TxnDate": paid.isoformat(), "VendorRef": {"value": vendor},
                    "PayType": "Check", "CheckPayment": {"BankAccountRef": ref("Checking")},
                    "TotalAmt": bill.body["TotalAmt"],
                    "Line": [{"Amount": bill.body["TotalAmt"],
                              "LinkedTxn": [{"TxnId": bill.id, "TxnType": "Bill"}]}]})
                company.clock = at(day)
        if day.day == 1:
            company.create("Purchase", {
                "TxnDate": day.isoformat(), "PaymentType": "Check",
                "AccountRef": ref("Checking"),
                "EntityRef": {"value": vendors[VENDORS.index("Hall Properties")]},
                "Line": [_expense_line(rng, accounts["Rent or Lease"], 900, 900)]})
        if day.day == 28 and open_payments:
            lines = [{"Amount": amount, "LinkedTxn": [{"TxnId": pid, "TxnType": "Payment"}]}
                     for pid, amount in open_payments]
            company.create("Deposit", {"TxnDate": day.isoformat(),
                                       "DepositToAccountRef": ref("Checking"), "Line": lines})
            open_payments = []
            company.create("Transfer", {"TxnDate": day.isoformat(), "Amount": 500,
                                        "FromAccountRef": ref("Checking"),
                                        "ToAccountRef": ref("Savings")})
        if day.day == 10:
            company.create("Estimate", {"TxnDate": day.isoformat(),
                                        "CustomerRef": {"value": rng.choice(customers)},
                                        "Line": [_sales_line(rng, items)]})
            company.create("PurchaseOrder", {
                "TxnDate": day.isoformat(), "VendorRef": {"value": rng.choice(vendors)},
                "Line": [{"Amount": 150, "DetailType": "ItemBasedExpenseLineDetail",
                          "ItemBasedExpenseLineDetail": {"ItemRef": {"value": items[-1]},
                                                         "Qty": 10, "UnitPrice": 15}}]})
            company.create("TimeActivity", {
                "TxnDate": day.isoformat(), "NameOf": "Employee",
                "EmployeeRef": {"value": rng.choice(employees)},
                "CustomerRef": {"value": rng.choice(customers)}, "Hours": rng.randint(1, 8),
                "Minutes": 0, "Description": "Garden maintenance"})
        if day.day == 20 and rng.random() < 0.5:
            company.create("CreditMemo", {"TxnDate": day.isoformat(),
                                          "CustomerRef": {"value": rng.choice(customers)},
                                          "Line": [_sales_line(rng, items[:1])]})
        day += timedelta(days=1)
    company.clock = real_clock
    assert undeposited


def _je(amount: int, side: str, account: str, memo: str) -> dict:
    return {"Description": memo, "Amount": amount, "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": side, "AccountRef": {"value": account}}}


def _items(company: Company, ref: Callable[[str], dict]) -> list[str]:
    inventory = default_account(company, "inventory")
    cogs = default_account(company, "cogs")
    out = []
    for name, price, account in (("Gardening", 25, "Landscaping Services"),
                                 ("Hours", 15, "Landscaping Services"),
                                 ("Trimming", 35, "Landscaping Services"),
                                 ("Sod", 4, "Landscaping Services"),
                                 ("Sprinkler Heads", 2, "Landscaping Services"),
                                 ("Design", 75, "Design income"),
                                 ("Installation", 50, "Landscaping Services"),
                                 ("Maintenance & Repair", 45, "Landscaping Services"),
                                 ("Pest Control", 35, "Landscaping Services"),
                                 ("Lighting", 85, "Design income"),
                                 ("Concrete", 15, "Landscaping Services"),
                                 ("Services", 100, "Design income")):
        out.append(company.create("Item", {"Name": name, "Type": "Service", "UnitPrice": price,
                                           "IncomeAccountRef": ref(account)}).id)
    for name, price, cost in (("Rock Fountain", 275, 125), ("Pump", 15, 10)):
        out.append(company.create("Item", {
            "Name": name, "Type": "Inventory", "UnitPrice": price, "PurchaseCost": cost,
            "TrackQtyOnHand": True, "QtyOnHand": 500, "InvStartDate": "2020-01-01",
            "IncomeAccountRef": ref("Landscaping Services"), "ExpenseAccountRef": cogs,
            "AssetAccountRef": inventory}).id)
    return out


def _customers(company: Company, rng: random.Random) -> list[str]:
    out = []
    for index in range(60):
        city, state, postal = CITIES[index % len(CITIES)]
        given, family = FIRST[index % len(FIRST)], LAST[index % len(LAST)]
        business = BUSINESS[index % len(BUSINESS)]
        name = f"{given}'s {business}" if index < len(BUSINESS) else \
            f"{given} {family} {index}"
        address = {"Line1": f"{rng.randint(10, 9999)} {rng.choice(('Finch', 'Court', 'Easy'))}"
                            f" St.", "City": city, "CountrySubDivisionCode": state,
                   "PostalCode": postal}
        out.append(company.create("Customer", {
            "DisplayName": name, "GivenName": given, "FamilyName": family,
            "CompanyName": business, "BillAddr": address, "ShipAddr": dict(address),
            "PrimaryEmailAddr": {"Address": f"{given.lower()}.{family.lower()}@example.com"},
            "PrimaryPhone": {"FreeFormNumber": f"(555) 555-{1000 + index:04d}"},
            "SalesTermRef": {"value": str(rng.choice((2, 3, 4)))}}).id)
    return out


def _sales_line(rng: random.Random, items: list[str]) -> dict:
    qty = rng.randint(1, 12)
    price = Decimal(rng.choice((15, 25, 35, 45, 75)))
    return {"Amount": qty * price, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": rng.choice(items)}, "Qty": qty,
                                    "UnitPrice": price}}


def _expense_line(rng: random.Random, account: str, low: int, high: int) -> dict:
    amount = Decimal(rng.randint(low * 100, high * 100)) / 100
    return {"Amount": amount, "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}}}


def _invoice(company: Company, rng: random.Random, day: date, customer: str,
             items: list[str], classes: list[str]):  # noqa: ANN202 - a Row
    lines = [_sales_line(rng, items) for _ in range(rng.randint(1, 3))]
    body = {"TxnDate": day.isoformat(), "CustomerRef": {"value": customer}, "Line": lines,
            "ClassRef": {"value": rng.choice(classes)}}
    return company.create("Invoice", body)
