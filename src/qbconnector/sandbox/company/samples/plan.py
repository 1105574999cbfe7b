"""A year of business, planned before anything is written: which transactions happen when.

Planning is pure (no company file): it decides, with the sample's seeded generator, how many
transactions of each type there are (exactly the sample's total, split by fixed schedules
and weights), their dates, names and lines, and what each one follows from — an invoice from
a sales order or estimate, a payment from an invoice, a bill from a purchase order. Amounts
that the rules compute (totals, tax, open balances) are read back while executing.

Transaction types whose rules the sandbox does not have yet are left out of the plan and
their share goes to the others, so the total stays the promised one.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from itertools import accumulate
from typing import Any, TypeVar

from qbconnector.sandbox.company.samples.catalog import Catalog, Customer, Item

T = TypeVar("T")

D = Decimal

# Within one day: purchases arrive first, then quotes and orders, sales, payments, deposits.
PRIORITY = {"PurchaseOrder": 1, "Bill": 2, "BuildAssembly": 3,
            "Estimate": 4, "SalesOrder": 5, "Invoice": 6, "SalesReceipt": 7, "CreditMemo": 8,
            "ReceivePayment": 9, "BillPaymentCheck": 10, "Check": 11,
            "SalesTaxPaymentCheck": 12, "Deposit": 13, "JournalEntry": 14}

# Share of what the fixed schedules leave, per type.
FLEX_WEIGHTS = {"Invoice": 0.40, "ReceivePayment": 0.30, "SalesReceipt": 0.12,
                "Estimate": 0.045, "SalesOrder": 0.035, "CreditMemo": 0.015, "Bill": 0.035,
                "BillPaymentCheck": 0.04, "Check": 0.01}

FLAT_RATE = ("Labor:Diagnostic", "Labor:Emergency Call", "Maintenance Visit",
             "Maintenance Plan")
HOURS = (D(1), D("1.5"), D(2), D("2.5"), D(3), D(4), D(6), D(8))


@dataclass
class Line:
    item: Item
    quantity: Decimal | None = None
    amount: Decimal | None = None


@dataclass
class Event:
    """One planned transaction."""

    day: date
    kind: str
    seq: int
    customer: Customer | None = None
    vendor: str | None = None
    lines: list[Line] = field(default_factory=list)
    source: Event | None = None          # the order/estimate/invoice/bill it follows from
    data: dict[str, Any] = field(default_factory=dict)
    txn_id: str | None = None            # set once written

    @property
    def key(self) -> tuple[date, int, int]:
        return (self.day, PRIORITY[self.kind], self.seq)


@dataclass
class Plan:
    events: list[Event]
    counts: dict[str, int]
    skipped: dict[str, int]               # planned share of types without rules yet


def allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by ``weights`` exactly (largest remainder)."""
    weight_sum = sum(weights.values())
    if total <= 0 or weight_sum <= 0:
        return {k: 0 for k in weights}
    raw = {k: total * w / weight_sum for k, w in weights.items()}
    out = {k: math.floor(v) for k, v in raw.items()}
    left = total - sum(out.values())
    for key in sorted(raw, key=lambda k: (out[k] - raw[k], k))[:left]:
        out[key] += 1
    return out


class Planner:
    """Plans one year of a sample company's transactions."""

    def __init__(self, catalog: Catalog, rng: random.Random, year: int, transactions: int,
                 deposits: int, available: set[str]) -> None:
        self.catalog = catalog
        self.rng = rng
        self.year = year
        self.total = transactions
        self.deposit_count = deposits
        self.available = available
        self.scale = max(D(1), D(transactions) / D(2000))
        self.events: list[Event] = []
        self._seq = 0
        self._days, self._day_weights = self._calendar()
        self._sums: dict[str, list[float]] = {}

    # -- helpers -----------------------------------------------------------------------------
    def _calendar(self) -> tuple[list[date], list[float]]:
        """Business days weighted by weekday and season (heating and cooling peaks)."""
        start = date(self.year, 1, 2)
        days, weights = [], []
        day = start
        while day.year == self.year:
            if (day.month, day.day) not in ((12, 25), (7, 4)):
                weekday = (1.0, 1.0, 1.0, 1.0, 0.9, 0.3, 0.05)[day.weekday()]
                season = 1 + 0.35 * abs(math.cos(2 * math.pi * (day.timetuple().tm_yday - 20)
                                                 / 365))
                days.append(day)
                weights.append(weekday * season)
            day += timedelta(days=1)
        return days, weights

    def _event(self, day: date, kind: str, **fields: Any) -> Event:
        self._seq += 1
        event = Event(day, kind, self._seq, **fields)
        self.events.append(event)
        return event

    def _dates(self, count: int) -> list[date]:
        return sorted(self.rng.choices(self._days, weights=self._day_weights, k=count))

    def _later(self, day: date, low: int, high: int) -> date:
        moved = day + timedelta(days=self.rng.randint(low, high))
        return min(moved, date(self.year, 12, 31))

    def _amount(self, low: float, high: float, scaled: bool = True) -> Decimal:
        value = D(str(round(self.rng.uniform(low, high), 2))) * (self.scale if scaled else 1)
        return value.quantize(D("0.01"))

    def has(self, kind: str) -> bool:
        return kind in self.available

    # -- counts ------------------------------------------------------------------------------
    def _fixed_counts(self, everything: bool = False) -> dict[str, int]:
        """Transactions on fixed schedules (monthly bills, quarterly restocking...)."""
        def has(kind: str) -> bool:
            return everything or self.has(kind)
        inventory_vendors = {i.vendor for i in self.catalog.items["inventory"]}
        restocks = 4 * len(inventory_vendors) if has("Bill") else 0
        return {"JournalEntry": (12 + 24) if has("JournalEntry") else 0,
                "Deposit": self.deposit_count if has("Deposit") else 0,
                "Bill": (56 + restocks) if has("Bill") else 0,
                "PurchaseOrder": (restocks * 3 // 5) if has("PurchaseOrder") else 0,
                "Check": 36 if has("Check") else 0,
                "SalesTaxPaymentCheck": 12 if has("SalesTaxPaymentCheck") else 0,
                "BuildAssembly": (4 * len(self.catalog.items["assembly"])
                                  if has("BuildAssembly") else 0)}

    def counts(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        """(fixed counts, flexible counts, skipped shares) that add up to the total."""
        fixed = self._fixed_counts()
        flex_total = self.total - sum(fixed.values())
        if flex_total < 0:
            raise ValueError(f"{self.total} transactions are too few for a year of the "
                             f"fixed schedules ({sum(fixed.values())})")
        weights = {k: w for k, w in FLEX_WEIGHTS.items() if self.has(k)}
        skipped = {k: v for k, v in allocate(flex_total, FLEX_WEIGHTS).items()
                   if not self.has(k) and v}
        for kind, count in self._fixed_counts(everything=True).items():
            if not self.has(kind) and count:
                skipped[kind] = skipped.get(kind, 0) + count
        flex = allocate(flex_total, weights)
        flex.setdefault("Invoice", 0)
        spill = "SalesReceipt" if self.has("SalesReceipt") else "Invoice"
        if flex.get("ReceivePayment", 0) > flex["Invoice"]:
            flex[spill] = flex.get(spill, 0) + flex["ReceivePayment"] - flex["Invoice"]
            flex["ReceivePayment"] = flex["Invoice"]
        if self.has("BillPaymentCheck"):
            # Most bills of the year are paid in it: the payments follow the bills' count.
            bills = fixed.get("Bill", 0) + flex.get("Bill", 0)
            wanted = min(bills * 17 // 20, flex.get("BillPaymentCheck", 0) + flex.get(spill, 0))
            flex[spill] = flex.get(spill, 0) + flex.get("BillPaymentCheck", 0) - wanted
            flex["BillPaymentCheck"] = wanted
        linked = flex.get("SalesOrder", 0) * 4 // 5 + flex.get("Estimate", 0) * 2 // 5
        if linked > flex["Invoice"]:
            flex[spill] = flex.get(spill, 0) + flex.get("SalesOrder", 0) + \
                flex.get("Estimate", 0)
            flex["SalesOrder"] = flex["Estimate"] = 0
        return fixed, flex, skipped

    # -- lines ---------------------------------------------------------------------------------
    def _pick(self, kind: str) -> Item:
        pool = self.catalog.items[kind]
        # The running sums choices() would add up from the weights, added up once: the same
        # draw (and the same use of the generator), without the sums on every line.
        sums = self._sums.get(kind)
        if sums is None or len(sums) != len(pool):
            sums = self._sums[kind] = list(accumulate(i.weight for i in pool))
        return _one_of(self.rng, pool, sums)

    def _line(self, category: str, commercial: bool) -> Line:
        rng = self.rng
        item = self._pick(category)
        if category == "service":
            quantity = D(1) if item.name in FLAT_RATE else rng.choice(HOURS)
        elif category == "subcontract":
            quantity = D(rng.randint(2, 16))
        elif category == "material":
            quantity = D(rng.randint(*item.per_job))
        elif category == "inventory":
            cheap = item.price is not None and item.price < 100
            quantity = D(rng.randint(1, 6 if cheap else (3 if commercial else 1)))
        else:
            quantity = D(1)
        return Line(item, quantity)

    def sale_lines(self, customer: Customer, kind: str) -> list[Line]:
        rng = self.rng
        commercial = customer.commercial
        sizes = (15, 25, 25, 20, 15) if commercial else (30, 30, 22, 12, 6)
        if kind == "Estimate":
            sizes = (0, 20, 30, 30, 20)
        count = _one_of(rng, (1, 2, 3, 4, 5), _running_sums(sizes))
        categories = ["service", "inventory", "material", "charge", "subcontract"]
        weights = [45, 30, 12, 7, 4]
        if self.catalog.items.get("assembly") and self.has("BuildAssembly"):
            categories.append("assembly")
            weights.append(2)
        if kind == "SalesOrder":
            weights = [15, 70, 10, 5, 0] + weights[5:]
        sums = _running_sums(tuple(weights))
        lines = [self._line(_one_of(rng, categories, sums), commercial) for _ in range(count)]
        lines = [x for x in lines if x.item.price is not None or x.item.kind != "charge"] or \
            [self._line("service", commercial)]
        if kind in ("Invoice", "SalesReceipt") and len(lines) >= 2:
            roll = rng.random()
            subtotal = Item(self.catalog.subtotal, "subtotal", "Subtotal", None)
            if roll < 0.04 and not commercial:
                lines += [Line(subtotal), Line(Item(self.catalog.discount_percent, "discount",
                                                    "Loyalty Discount", None))]
            elif roll < 0.06 and _list_total(lines) > 100:
                lines.append(Line(Item(self.catalog.discount_fixed, "discount", "Coupon",
                                       None)))
            elif roll < 0.10 and commercial:
                surcharge = next(i for i in self.catalog.items["charge"] if i.price is None)
                lines.append(Line(surcharge))
        return lines

    # -- sales ---------------------------------------------------------------------------------
    def _customers(self, count: int) -> list[Customer]:
        pool = self.catalog.customers
        return self.rng.choices(pool, weights=[c.weight for c in pool], k=count)

    def sales(self, flex: dict[str, int]) -> None:
        rng = self.rng
        invoices_left = flex.get("Invoice", 0)
        sources: list[Event] = []
        for kind in ("SalesOrder", "Estimate"):
            count = flex.get(kind, 0)
            for day, customer in zip(self._dates(count), self._customers(count), strict=True):
                event = self._event(day, kind, customer=customer,
                                    lines=self.sale_lines(customer, kind))
                share = 0.8 if kind == "SalesOrder" else 0.4
                if rng.random() < share and invoices_left > 0 and day.month < 12:
                    sources.append(event)
                    invoices_left -= 1
        for source in sources:
            day = self._later(source.day, 2, 30)
            self._event(day, "Invoice", customer=source.customer, lines=source.lines,
                        source=source)
        for day, customer in zip(self._dates(invoices_left), self._customers(invoices_left),
                                 strict=True):
            self._event(day, "Invoice", customer=customer,
                        lines=self.sale_lines(customer, "Invoice"))
        count = flex.get("SalesReceipt", 0)
        for day, customer in zip(self._dates(count), self._customers(count), strict=True):
            self._event(day, "SalesReceipt", customer=customer,
                        lines=self.sale_lines(customer, "SalesReceipt"))
        self.payments(flex.get("ReceivePayment", 0), flex.get("CreditMemo", 0))

    def payments(self, count: int, credits: int) -> None:
        rng = self.rng
        invoices = [e for e in self.events if e.kind == "Invoice"]
        end = date(self.year, 12, 31)
        due: list[tuple[date, Event]] = []
        for invoice in invoices:
            customer = invoice.customer
            assert customer is not None
            lag = customer.terms_days + rng.randint(-5, 25 if customer.commercial else 12)
            due.append((invoice.day + timedelta(days=max(lag, 0)), invoice))
        in_year = [d for d in due if d[0] <= end]
        late = [d for d in due if d[0] > end]
        chosen = rng.sample(in_year, min(count, len(in_year)))
        chosen += [(end, inv) for _, inv in late[: count - len(chosen)]]
        by_customer: dict[str, list[Event]] = defaultdict(list)
        for day, invoice in sorted(chosen, key=lambda d: (d[0], d[1].seq)):
            partial = rng.random() < 0.04
            payment = self._event(day, "ReceivePayment", customer=invoice.customer,
                                  source=invoice, data={"partial": partial})
            assert invoice.customer is not None
            by_customer[invoice.customer.id].append(payment)
        for day, customer in zip(self._dates(credits), self._customers(credits), strict=True):
            if rng.random() < 0.6:
                lines = [Line(self._pick("inventory"), D(1))]
            else:
                lines = [Line(self._pick("service"), None, self._amount(25, 150, scaled=False))]
            memo = self._event(day, "CreditMemo", customer=customer, lines=lines)
            later = [p for p in by_customer.get(customer.id, [])
                     if p.day > day and "credit" not in p.data]
            if later and rng.random() < 0.5:
                later[0].data["credit"] = memo

    # -- purchases -----------------------------------------------------------------------------
    def _restock_days(self) -> list[date]:
        starts = [date(self.year, 1, 2)]
        for month in (4, 7, 10):
            starts.append(date(self.year, month, 1) - timedelta(days=self.rng.randint(0, 6)))
        return starts

    def purchases(self, fixed: dict[str, int], flex: dict[str, int]) -> None:
        rng = self.rng
        if not self.has("Bill"):
            return
        starts = self._restock_days()
        # What each stocked item sells in each quarter (invoices and sales receipts).
        demand: dict[tuple[str, int], Decimal] = defaultdict(D)
        for event in self.events:
            if event.kind not in ("Invoice", "SalesReceipt"):
                continue
            quarter = sum(1 for s in starts[1:] if event.day >= s)
            for line in event.lines:
                if line.item.kind in ("inventory", "assembly") and line.quantity:
                    demand[(line.item.id, quarter)] += line.quantity
        builds: list[Event] = []
        if self.has("BuildAssembly"):
            for assembly in self.catalog.items.get("assembly", []):
                for quarter, start in enumerate(starts):
                    quantity = demand[(assembly.id, quarter)] + 1
                    builds.append(self._event(start, "BuildAssembly",
                                              data={"item": assembly, "quantity": quantity}))
                    for part, per_unit in assembly.parts.items():
                        demand[(part, quarter)] += per_unit * quantity
        by_vendor: dict[str, list[Item]] = defaultdict(list)
        for item in self.catalog.items["inventory"]:
            assert item.vendor is not None
            by_vendor[item.vendor].append(item)
        restocks = []
        for quarter, start in enumerate(starts):
            for vendor in sorted(by_vendor):
                lines = []
                for item in by_vendor[vendor]:
                    need = demand[(item.id, quarter)]
                    quantity = need + (need / 10).to_integral_value(rounding="ROUND_CEILING") + 2
                    lines.append(Line(item, quantity))
                restocks.append((start, vendor, lines))
        orders = fixed.get("PurchaseOrder", 0)
        for index, (start, vendor, lines) in enumerate(restocks):
            source = None
            if index % 5 < 3 and orders > 0:
                orders -= 1
                source = self._event(start - timedelta(days=rng.randint(7, 14)) if start.month > 1
                                     else start, "PurchaseOrder", vendor=vendor, lines=lines)
            self._event(start, "Bill", vendor=vendor, lines=lines, source=source,
                        data={"freight": rng.random() < 0.3})
        self._expense_bills(flex.get("Bill", 0))
        self._bill_payments(flex.get("BillPaymentCheck", 0))

    def _expense_bills(self, extra: int) -> None:
        rng = self.rng
        vendors = self.catalog.vendors
        accounts = self.catalog.accounts
        for month in range(1, 13):
            day = date(self.year, month, rng.randint(3, 8))
            for role, account, low, high in (("power", "power", 380, 920),
                                             ("telephone", "telephone", 210, 260),
                                             ("internet", "internet", 129, 129),
                                             ("advertising", "advertising", 600, 2400)):
                self._event(day, "Bill", vendor=vendors[role],
                            data={"expense": [(accounts[account], self._amount(low, high))]})
            if month % 3 == 1:
                self._event(day, "Bill", vendor=vendors["insurance"], data={"expense": [
                    (accounts["liability_ins"], self._amount(1800, 1800)),
                    (accounts["workers_comp"], self._amount(950, 1400))]})
                self._event(day + timedelta(days=10), "Bill", vendor=vendors["accountant"],
                            data={"expense": [(accounts["professional"],
                                               self._amount(750, 1500))]})
        materials = self.catalog.items["material"]
        subcontract = self.catalog.items["subcontract"]
        for day in self._dates(extra):
            if rng.random() < 0.7:
                item = rng.choice(materials)
                line = Line(item, D(rng.randint(50, 500)))
            else:
                item = rng.choice(subcontract)
                line = Line(item, D(rng.randint(4, 40)))
            self._event(day, "Bill", vendor=item.vendor, lines=[line])

    def _bill_payments(self, count: int) -> None:
        rng = self.rng
        end = date(self.year, 12, 31)
        bills = [e for e in self.events if e.kind == "Bill"]
        plans = []
        for bill in bills:
            day = bill.day + timedelta(days=rng.randint(5, 35))
            plans.append((min(day, end), bill))
        plans.sort(key=lambda p: (p[0], p[1].seq))
        for day, bill in plans[:count]:
            self._event(day, "BillPaymentCheck", vendor=bill.vendor, source=bill)

    # -- banking ---------------------------------------------------------------------------------
    def banking(self, flex: dict[str, int]) -> None:
        rng = self.rng
        vendors = self.catalog.vendors
        accounts = self.catalog.accounts
        owner = self.catalog.employees[0]
        if self.has("Check"):
            for month in range(1, 13):
                first = date(self.year, month, 1)
                self._event(first, "Check", vendor=vendors["landlord"], data={
                    "expense": [(accounts["rent"], self._amount(4500, 4500))], "memo": "Rent"})
                principal = self._amount(610, 640)
                self._event(first + timedelta(days=14), "Check", vendor=vendors["bank"], data={
                    "expense": [(accounts["loan"], principal),
                                (accounts["interest_expense"], self._amount(180, 230))],
                    "memo": "Van loan"})
                self._event(date(self.year, month, 25), "Check", vendor=owner, data={
                    "expense": [(accounts["draws"], self._amount(2500, 4000))],
                    "memo": "Owner draw"})
            misc = (("fuel", "fuel", 150, 900), ("garage", "vehicle_repairs", 90, 1400),
                    ("office", "office", 25, 380))
            for day in self._dates(flex.get("Check", 0)):
                role, account, low, high = rng.choice(misc)
                self._event(day, "Check", vendor=vendors[role],
                            data={"expense": [(accounts[account], self._amount(low, high))]})
        if self.has("JournalEntry"):
            for month in range(1, 13):
                last = date(self.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
                amount = self._amount(850, 850)
                self._event(last, "JournalEntry", data={
                    "debits": [(accounts["depreciation"], amount)],
                    "credits": [(accounts["depreciation_acc"], amount)],
                    "memo": "Monthly depreciation"})
                for day in (15, last.day):
                    wages = self._amount(9000, 12500)
                    self._event(date(self.year, month, day), "JournalEntry", data={
                        "debits": [(accounts["payroll"], wages)],
                        "credits": [(accounts["checking"], wages)],
                        "memo": "Payroll (outsourced payroll service)"})
        if self.has("SalesTaxPaymentCheck"):
            for month in range(1, 13):
                day = date(self.year + month // 12, month % 12 + 1, 20) \
                    if month < 12 else date(self.year, 12, 31)
                self._event(day, "SalesTaxPaymentCheck", vendor=vendors["tax_agency"],
                            data={"through": date(self.year, month, 1)})
        if self.has("Deposit") and self.deposit_count:
            days = self._days
            step = len(days) / self.deposit_count
            for index in range(self.deposit_count):
                self._event(days[min(int(index * step + step - 1), len(days) - 1)], "Deposit")

    def plan(self) -> Plan:
        fixed, flex, skipped = self.counts()
        self.sales(flex)
        self.purchases(fixed, flex)
        self.banking(flex)
        self.events.sort(key=lambda e: e.key)
        counts: dict[str, int] = defaultdict(int)
        for event in self.events:
            counts[event.kind] += 1
        return Plan(self.events, dict(counts), skipped)


def _list_total(lines: list[Line]) -> Decimal:
    """What the lines come to at list prices (before the rules price them)."""
    return sum(((x.item.price or D(0)) * (x.quantity or D(1)) for x in lines), D(0))


@cache
def _running_sums(weights: tuple[int, ...]) -> list[int]:
    return list(accumulate(weights))


def _one_of(rng: random.Random, population: Sequence[T], sums: list[int]) -> T:
    """``rng.choices(population, cum_weights=sums)[0]``, the same draw from the same one call
    of the generator, without the list and the checks around it (hundreds of thousands of
    draws plan the large sample)."""
    return population[bisect_right(sums, rng.random() * (sums[-1] + 0.0), 0,
                                   len(population) - 1)]
