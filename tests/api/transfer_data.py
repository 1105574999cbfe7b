"""A small company for the export/import tests, written through the records API.

A pinned sandbox clock (UTC-05:00) moves one minute per message set, so TimeModified values
are distinct, in the past and in a time zone other than this machine's.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from qbconnector.api import Connection
from qbconnector.sandbox import Clock, SandboxSession

ZONE = timezone(timedelta(hours=-5))
START = datetime(2024, 3, 1, 9, 0, tzinfo=ZONE)

TYPES = ["customers", "vendors", "item_services", "item_non_inventories", "invoices",
         "sales_orders", "receive_payments"]


class SteppingClock(Clock):
    """A fixed clock that moves one minute each time it is read for a new message set."""

    def __init__(self, start: datetime) -> None:
        super().__init__(fixed=start)

    def step(self, minutes: int = 1) -> None:
        self.advance(60 * minutes)


def connect_pinned(path: Path, start: datetime = START) -> tuple[Connection, SteppingClock]:
    clock = SteppingClock(start)
    return Connection(SandboxSession(path, clock=clock), prefetch=False).open(), clock


def _batch(qb: Connection, clock: SteppingClock, collection: str,
           rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 25):
        with qb.batch(on_error="stopOnError") as batch:
            results = [getattr(batch, collection).add(row) for row in rows[start:start + 25]]
        for result in results:
            result.record   # raises the operation's error, if any  # noqa: B018
        clock.step()


def populate(path: Path, seed: int = 5) -> dict[str, int]:
    """Customers (with jobs and inactive ones), vendors, two item types, invoices and sales
    orders with 1-3 lines each: about 200 records. Returns how many of each."""
    rng = random.Random(seed)
    qb, clock = connect_pinned(path)
    try:
        customers = [{"Name": f"Customer {n:02d}", "CompanyName": f"Company {n:02d} Ltd",
                      "Phone": f"555-01{n:02d}", "Email": f"c{n}@example.com",
                      "BillAddress": {"Addr1": f"{n} Main St", "City": "Springfield",
                                      "State": "IL", "PostalCode": f"627{n:02d}"},
                      "IsActive": n % 7 != 3, "CreditLimit": Decimal(1000 + 50 * n),
                      "TermsRef": {"FullName": "Net 30"}}
                     for n in range(1, 31)]
        _batch(qb, clock, "customers", customers)
        jobs = [{"Name": f"Job {n}", "ParentRef": {"FullName": f"Customer {n:02d}"},
                 "JobDesc": f"Project {n}", "JobStatus": "InProgress"} for n in range(1, 11)]
        jobs += [{"Name": "Phase 2", "ParentRef": {"FullName": f"Customer {n:02d}:Job {n}"}}
                 for n in range(1, 4)]
        _batch(qb, clock, "customers", jobs)
        _batch(qb, clock, "vendors", [{"Name": f"Vendor {n}", "CompanyName": f"Supply {n}",
                                       "IsActive": n != 4} for n in range(1, 9)])
        services = [{"Name": f"Service {n}", "SalesOrPurchase": {
            "Desc": f"Hourly work {n}", "Price": Decimal(40 + 5 * n),
            "AccountRef": {"FullName": "Uncategorized Income"}}} for n in range(1, 7)]
        _batch(qb, clock, "item_services", services)
        parts = [{"Name": f"Part {n}", "SalesOrPurchase": {
            "Price": Decimal(f"{3 + n}.25"), "AccountRef": {"FullName": "Uncategorized Income"}}}
            for n in range(1, 7)]
        _batch(qb, clock, "item_non_inventories", parts)
        items = [f"Service {n}" for n in range(1, 7)] + [f"Part {n}" for n in range(1, 7)]
        active = [c["Name"] for c in customers if c["IsActive"]] + \
            [f"Customer {n:02d}:Job {n}" for n in range(1, 11) if n % 7 != 3]

        def lines(count: int) -> list[dict[str, Any]]:
            out = []
            for _ in range(count):
                line: dict[str, Any] = {"ItemRef": {"FullName": rng.choice(items)},
                                        "Quantity": Decimal(rng.randint(1, 9))}
                if rng.random() < 0.3:
                    line["Rate"] = Decimal(f"{rng.randint(10, 99)}.50")
                out.append(line)
            if rng.random() < 0.2:
                out.append({"Desc": "Thank you for your order"})
            return out

        invoices = [{"CustomerRef": {"FullName": rng.choice(active)},
                     "TxnDate": date(2024, 1, 1) + timedelta(days=rng.randint(0, 80)),
                     "RefNumber": f"INV-{n:03d}", "PONumber": f"PO{rng.randint(100, 999)}",
                     "Memo": f"Invoice {n}", "lines": lines(rng.randint(1, 3))}
                    for n in range(1, 61)]
        _batch(qb, clock, "invoices", invoices)
        orders = [{"CustomerRef": {"FullName": rng.choice(active)},
                   "TxnDate": date(2024, 2, 1) + timedelta(days=rng.randint(0, 40)),
                   "RefNumber": f"SO-{n:03d}", "lines": lines(rng.randint(1, 3))}
                  for n in range(1, 21)]
        _batch(qb, clock, "sales_orders", orders)
        payments = []
        for n, invoice in enumerate(qb.invoices.query(ref_numbers=[
                f"INV-{k:03d}" for k in range(1, 61, 4)]), start=1):
            payment: dict[str, Any] = {
                "CustomerRef": {"FullName": invoice["CustomerRef"]["FullName"]},
                "TxnDate": invoice["TxnDate"] + timedelta(days=20), "RefNumber": f"PAY-{n:02d}",
                "TotalAmount": min(invoice["BalanceRemaining"], Decimal(100 + 10 * n))}
            if n % 5 == 0:
                payment["IsAutoApply"] = False          # received, not applied yet
            else:
                payment["AppliedToTxnAdd"] = [{"TxnID": invoice.id,
                                               "PaymentAmount": payment["TotalAmount"]}]
            payments.append(payment)
        _batch(qb, clock, "receive_payments", payments)
    finally:
        qb.close()
    return {"customers": len(customers) + len(jobs), "vendors": 8, "item_services": 6,
            "item_non_inventories": 6, "invoices": 60, "sales_orders": 20,
            "receive_payments": len(payments)}


def snapshot(qb: Connection, collection: str) -> dict[str, Any]:
    """Every record of a type by ID (inactive ones and lines included)."""
    from qbconnector.api.transfer.export import query_filters
    coll = qb.collection(collection)
    return {r.id: r for r in coll.query(**query_filters(coll, None))}


IGNORED = {"ListID", "TxnID", "TxnLineID", "TimeCreated", "TimeModified", "EditSequence",
           "TxnNumber"}


def comparable(value: Any) -> Any:
    """A record without what differs between company files: IDs, times, EditSequence;
    references compared by FullName."""
    if hasattr(value, "items"):
        if set(value) <= {"ListID", "FullName"} and "FullName" in value:
            return {"FullName": value["FullName"]}
        return {k: comparable(v) for k, v in value.items() if k not in IGNORED}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def by_key(records: dict[str, Any], kind: str) -> dict[str, Any]:
    if kind == "list":
        return {r.get("FullName") or r["Name"]: comparable(r) for r in records.values()}
    return {r["RefNumber"]: comparable(r) for r in records.values()}


# -- company files for fixtures --------------------------------------------------------------
def populated_copy(blank: Path, folder: Path) -> Path:
    """A populated company made from a copy of a blank one."""
    path = folder / "shop.qbdb"
    shutil.copyfile(blank, path)
    populate(path)
    return path


def fresh_copy(template: Path, folder: Path, name: str = "shop") -> Path:
    path = folder / f"{name}.qbdb"
    shutil.copyfile(template, path)
    return path
