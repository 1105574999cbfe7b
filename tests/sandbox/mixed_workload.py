"""A mixed workload whose answers pin the sandbox's behaviour byte for byte.

It builds the ``small`` sample, reads every type and report of it, then writes to a copy of
it (mods, voids, deletes, payments, custom fields, special accounts, requests that fail) and
reads again; each answer and each table of the files is recorded as a SHA-256 digest.
``test_same_answers.py`` compares a fresh run with ``mixed_workload.json``: a change of the
sandbox's inside (a move, a faster path) must leave every digest as it was.

When answers change on purpose, record them again and say why in the commit:

    .venv/bin/python -m tests.sandbox.mixed_workload --write

``--dump DIR`` writes every answer and table as text, to compare two versions with ``diff``.
Only the package root of the sandbox is used, so the workload survives moves inside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.sandbox import Clock, SandboxSession, create_company

GOLDEN = Path(__file__).with_name("mixed_workload.json")
CREATED = datetime(2025, 1, 6, 8, 30, tzinfo=timezone(timedelta(hours=-7)))
VERSION = "13.0"
# Tables holding what the company file says (the rendering cache column and the derived
# stock_state table are left out: they hold no answer of their own).
TABLES = {
    "records": "id, type, seq, name_key, full_name, parent_id, namespace, doc, balance, "
               "total_balance, open_amount, edit_sequence, created, modified, is_active",
    "postings": "*", "stock_moves": "*", "links": "*", "counters": "*", "deleted": "*",
    "data_ext": "*", "data_ext_defs": "*", "meta": "*", "message_sets": "*"}
_ITERATOR = re.compile(r'iteratorID="\{[0-9a-f-]+\}"')


class Recorder:
    """Answers and tables by name, in the order they were recorded."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def add(self, name: str, text: str) -> None:
        if name in self.texts:
            raise ValueError(f"recorded twice: {name}")
        self.texts[name] = text

    def digests(self) -> dict[str, str]:
        return {name: hashlib.sha256(text.encode()).hexdigest()
                for name, text in self.texts.items()}


class Client:
    """Sends message sets to one session, recording each answer (iterator IDs, random in
    QuickBooks too, are numbered in order of appearance)."""

    def __init__(self, session: SandboxSession, clock: Clock, recorder: Recorder,
                 prefix: str) -> None:
        self.session, self.clock, self.recorder, self.prefix = session, clock, recorder, prefix
        self.iterators: dict[str, str] = {}
        self.count = 0

    def send(self, label: str, messages: list[Message], on_error: str = "continueOnError",
             ) -> list[Any]:
        self.clock.advance(1)
        try:
            text = self.session.process(build(messages, version=VERSION, on_error=on_error,
                                              check=False))
        except RequestProcessorError as error:       # a request QuickBooks cannot parse
            text = f"RequestProcessorError: {error}"
        self.count += 1
        self.recorder.add(f"{self.prefix}/{self.count:03d} {label}", self._steady(text))
        return [] if text.startswith("RequestProcessorError") else list(parse_response(text))

    def one(self, label: str, name: str, data: Any = None, **attrs: Any) -> Any:
        answers = self.send(label, [Message(name, data, **attrs)])
        return answers[0] if answers else None

    def _steady(self, text: str) -> str:
        def number(match: re.Match[str]) -> str:
            return 'iteratorID="' + self.iterators.setdefault(
                match.group(0), f"iterator-{len(self.iterators) + 1}") + '"'
        return _ITERATOR.sub(number, text)


@contextmanager
def opened(path: Path, clock: Clock) -> Iterator[SandboxSession]:
    session = SandboxSession(path, SessionOptions(company_file=str(path)), clock=clock)
    session.open()
    try:
        yield session
    finally:
        session.close()


def record_tables(path: Path, recorder: Recorder, prefix: str) -> None:
    db = sqlite3.connect(path)
    try:
        for table, columns in TABLES.items():
            rows = db.execute(f"SELECT {columns} FROM {table} ORDER BY 1, 2, 3"  # noqa: S608
                              if table not in ("counters", "meta") else
                              f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()  # noqa: S608
            recorder.add(f"{prefix}/table {table}", "\n".join(repr(row) for row in rows))
    finally:
        db.close()


def _queries() -> list[str]:
    """Every query request of the spec at the workload's version, in name order."""
    sp = specmod.load()
    # HostQuery is left out: it names the package version, which changes on every release.
    return sorted(name[:-2] for name in sp.requests_for(VERSION)
                  if name.endswith("QueryRq") and name != "HostQueryRq")


def read_everything(client: Client) -> None:
    """Each query with no filter (lines and linked transactions included where it takes
    them, custom fields too), paged queries, TransactionQuery and the reports."""
    sp = specmod.load()
    for name in _queries():
        element = sp.message(name + "Rq")
        data: dict[str, Any] = {}
        for flag in ("IncludeLineItems", "IncludeLinkedTxns", "IncludeComponentLineItems"):
            if element.child(flag) is not None:
                data[flag] = True
        if element.child("OwnerID") is not None:
            data["OwnerID"] = ["0"]
        client.one(name, name, data)
    for name in ("Customer", "Invoice", "Item"):
        first = client.one(f"{name} page 1", f"{name}Query", {"MaxReturned": 7},
                           iterator="Start")
        if first.iterator_id:
            client.one(f"{name} page 2", f"{name}Query", {"MaxReturned": 7},
                       iterator="Continue", iterator_id=first.iterator_id)
    client.one("invoices of 2024-03", "InvoiceQuery", {
        "TxnDateRangeFilter": {"FromTxnDate": "2024-03-01", "ToTxnDate": "2024-03-31"},
        "PaidStatus": "NotPaidOnly", "IncludeLineItems": True})
    client.one("customers named like", "CustomerQuery", {
        "NameFilter": {"MatchCriterion": "Contains", "Name": "an"}, "ActiveStatus": "All"})
    client.one("transactions 2024-06", "TransactionQuery", {
        "TransactionDateRangeFilter": {"FromTxnDate": "2024-06-01", "ToTxnDate": "2024-06-30"}})
    for report in ("ProfitAndLossStandard", "BalanceSheetStandard", "TrialBalance",
                   "InventoryStockStatusByItem"):
        client.one(report, "GeneralSummaryReportQuery", {
            "GeneralSummaryReportType": report, "ReportPeriod": {
                "FromReportDate": "2024-01-01", "ToReportDate": "2024-12-31"}})
        client.one(f"{report} by month", "GeneralSummaryReportQuery", {
            "GeneralSummaryReportType": report, "ReportDateMacro": "ThisYear",
            "SummarizeColumnsBy": "Month"})


def _ids(db: sqlite3.Connection, kind: str, limit: int, skip: int = 0) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM records WHERE type=? ORDER BY seq LIMIT ? OFFSET ?",
                      (kind, limit, skip)).fetchall()


def _current(db: sqlite3.Connection, record_id: str) -> sqlite3.Row:
    return db.execute("SELECT * FROM records WHERE id=?", (record_id,)).fetchone()


def write_many_kinds(client: Client, path: Path) -> None:
    """Changes of many kinds to the sample, each followed by what it changed."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        _write(client, db)
    finally:
        db.close()


def _write(client: Client, db: sqlite3.Connection) -> None:   # noqa: PLR0915
    doc = json.loads
    customer = _ids(db, "Customer", 1, 3)[0]
    client.one("rename customer", "CustomerMod", {
        "ListID": customer["id"], "EditSequence": customer["edit_sequence"],
        "Name": doc(customer["doc"])["Name"] + " Renamed"})
    client.one("stale edit sequence", "CustomerMod", {
        "ListID": customer["id"], "EditSequence": customer["edit_sequence"], "Name": "Stale"})
    client.one("renamed customer's invoices", "InvoiceQuery", {
        "EntityFilter": {"ListID": customer["id"]}, "IncludeLineItems": True})

    invoice = _ids(db, "Invoice", 1, 10)[0]
    lines = doc(invoice["doc"]).get("InvoiceLineRet") or []
    first_line = lines[0] if isinstance(lines, list) and lines else None
    mod: dict[str, Any] = {"TxnID": invoice["id"], "EditSequence": invoice["edit_sequence"],
                           "Memo": "changed by the workload"}
    if first_line and first_line.get("TxnLineID"):
        mod["InvoiceLineMod"] = [{"TxnLineID": first_line["TxnLineID"]},
                                 {"TxnLineID": "-1", "ItemRef": {"FullName": "Labor:Repair"},
                                  "Desc": "Extra", "Amount": "12.34"}]
    client.one("invoice mod", "InvoiceMod", mod)

    for kind in ("Invoice", "Bill", "Check", "SalesReceipt", "CreditMemo"):
        row = _ids(db, kind, 1, 20)
        if row:
            client.one(f"void {kind}", "TxnVoid", {"TxnVoidType": kind, "TxnID": row[0]["id"]})
    for kind in ("SalesReceipt", "ReceivePayment", "Estimate", "JournalEntry", "Deposit",
                 "PurchaseOrder", "BuildAssembly", "SalesOrder", "BillPaymentCheck",
                 "SalesTaxPaymentCheck"):
        row = _ids(db, kind, 1, 2)
        if row:
            client.one(f"delete {kind}", "TxnDel", {"TxnDelType": kind, "TxnID": row[0]["id"]})
    used_class = _ids(db, "Class", 1)[0]
    client.one("delete a class in use", "ListDel", {"ListDelType": "Class",
                                                    "ListID": used_class["id"]})
    added = client.one("class to delete", "ClassAdd", {"Name": "Workload class"})
    client.one("delete a new class", "ListDel", {"ListDelType": "Class",
                                                 "ListID": added.records[0]["ListID"]})

    open_invoice = db.execute("SELECT * FROM records WHERE type='Invoice' AND "
                              "CAST(open_amount AS REAL) > 50 "
                              "ORDER BY seq LIMIT 1").fetchone()
    payer = doc(open_invoice["doc"])["CustomerRef"]
    client.one("payment applied", "ReceivePaymentAdd", {
        "CustomerRef": {"ListID": payer["ListID"]}, "TxnDate": "2024-12-30",
        "TotalAmount": "10.00",
        "AppliedToTxnAdd": [{"TxnID": open_invoice["id"], "PaymentAmount": "10.00"}]})
    client.one("payment auto-applied", "ReceivePaymentAdd", {
        "CustomerRef": {"ListID": payer["ListID"]}, "TxnDate": "2024-12-30",
        "TotalAmount": "25.00", "IsAutoApply": True})
    client.one("paid invoice", "InvoiceQuery", {"TxnID": open_invoice["id"],
                                                "IncludeLinkedTxns": True})

    open_bill = db.execute("SELECT * FROM records WHERE type='Bill' AND "
                           "CAST(open_amount AS REAL) > 50 "
                           "ORDER BY seq LIMIT 1").fetchone()
    if open_bill is not None:
        bank = db.execute("SELECT full_name FROM records WHERE type='Account' AND "
                          "json_extract(doc, '$.AccountType')='Bank' ORDER BY seq").fetchone()
        client.one("bill payment", "BillPaymentCheckAdd", {
            "PayeeEntityRef": doc(open_bill["doc"])["VendorRef"], "TxnDate": "2024-12-30",
            "BankAccountRef": {"FullName": bank[0]}, "IsToBePrinted": True,
            "AppliedToTxnAdd": [{"TxnID": open_bill["id"], "PaymentAmount": "5.00"}]})
        client.one("paying more than is due", "BillPaymentCheckAdd", {
            "PayeeEntityRef": doc(open_bill["doc"])["VendorRef"], "TxnDate": "2024-12-30",
            "BankAccountRef": {"FullName": bank[0]}, "IsToBePrinted": True,
            "AppliedToTxnAdd": [{"TxnID": open_bill["id"], "PaymentAmount": "999999.00"}]})

    stocked = _ids(db, "ItemInventory", 1)[0]
    shrinkage = db.execute("SELECT full_name FROM records WHERE type='Account' AND "
                           "json_extract(doc, '$.AccountType')='CostOfGoodsSold' ORDER BY seq"
                           ).fetchone()
    client.one("inventory adjustment", "InventoryAdjustmentAdd", {
        "AccountRef": {"FullName": shrinkage[0]}, "TxnDate": "2024-12-31",
        "InventoryAdjustmentLineAdd": [{"ItemRef": {"ListID": stocked["id"]},
                                        "QuantityAdjustment": {"QuantityDifference": -2}}]})
    item = _current(db, stocked["id"])
    client.one("new price", "ItemInventoryMod", {
        "ListID": item["id"], "EditSequence": item["edit_sequence"], "SalesPrice": "199.99"})
    client.one("invoice of the changed item", "InvoiceAdd", {
        "CustomerRef": {"ListID": payer["ListID"]}, "TxnDate": "2024-12-31",
        "InvoiceLineAdd": [{"ItemRef": {"ListID": stocked["id"]}, "Quantity": 1},
                           {"ItemRef": {"FullName": "Labor:Repair"}, "Desc": "Travel",
                            "Amount": "40.00"}]})
    client.one("invoice of nobody", "InvoiceAdd", {
        "CustomerRef": {"FullName": "Nobody at all"},
        "InvoiceLineAdd": [{"Desc": "x", "Amount": "1.00"}]})

    client.one("custom field defined", "DataExtDefAdd", {
        "OwnerID": "0", "DataExtName": "Region", "DataExtType": "STR255TYPE",
        "AssignToObject": ["Customer", "Invoice"]})
    client.one("custom field on a customer", "DataExtAdd", {
        "OwnerID": "0", "DataExtName": "Region", "ListDataExtType": "Customer",
        "ListObjRef": {"ListID": customer["id"]}, "DataExtValue": "Front Range"})
    client.one("custom field on an invoice", "DataExtAdd", {
        "OwnerID": "0", "DataExtName": "Region", "TxnDataExtType": "Invoice",
        "TxnID": invoice["id"], "DataExtValue": "North"})
    client.one("custom field changed", "DataExtMod", {
        "OwnerID": "0", "DataExtName": "Region", "ListDataExtType": "Customer",
        "ListObjRef": {"ListID": customer["id"]}, "DataExtValue": "Plains"})
    client.one("special account", "SpecialAccountAdd", {"SpecialAccountType": "RetainedEarnings"})
    client.one("journal entry", "JournalEntryAdd", {
        "TxnDate": "2024-12-31", "JournalDebitLine": [{"AccountRef": {"FullName": bank[0]},
                                                       "Amount": "100.00"}],
        "JournalCreditLine": [{"AccountRef": {"FullName": shrinkage[0]}, "Amount": "100.00"}]})
    client.send("several in one set, stop on error", [
        Message("CustomerAdd", {"Name": "Workload One"}),
        Message("CustomerAdd", {"Name": "Workload One"}),
        Message("CustomerAdd", {"Name": "Workload Two"})], on_error="stopOnError")
    client.one("job of the new customer", "CustomerAdd", {
        "Name": "Job", "ParentRef": {"FullName": "Workload One"}, "OpenBalance": "75.00",
        "OpenBalanceDate": "2024-12-31"})
    client.one("deleted lists", "ListDeletedQuery", {"ListDelType": ["Class", "Customer"]})
    client.one("deleted transactions", "TxnDeletedQuery", {"TxnDelType": [
        "SalesReceipt", "ReceivePayment", "Estimate", "JournalEntry", "Deposit",
        "PurchaseOrder", "BuildAssembly", "SalesOrder", "BillPaymentCheck",
        "SalesTaxPaymentCheck"]})
    client.one("customers with custom fields", "CustomerQuery", {
        "ListID": customer["id"], "OwnerID": ["0"]})


def record(workdir: Path) -> Recorder:
    """Run the whole workload in ``workdir``."""
    recorder = Recorder()
    sample = workdir / "small.qbdb"
    create_company(sample, sample="small", seed=0, clock=Clock(fixed=CREATED))
    record_tables(sample, recorder, "sample")
    reads = workdir / "reads.qbdb"
    shutil.copyfile(sample, reads)
    clock = Clock(fixed=CREATED + timedelta(days=1))
    with opened(reads, clock) as session:
        read_everything(Client(session, clock, recorder, "read"))
    writes = workdir / "writes.qbdb"
    shutil.copyfile(sample, writes)
    clock = Clock(fixed=CREATED + timedelta(days=2))
    with opened(writes, clock) as session:
        client = Client(session, clock, recorder, "write")
        write_many_kinds(client, writes)
        client.prefix = "after writes"
        client.count = 0
        read_everything(client)
    record_tables(writes, recorder, "after writes")
    many_small_sets(workdir, recorder)
    return recorder


def many_small_sets(workdir: Path, recorder: Recorder) -> None:
    """The write-cache test's workload on a new company: adds, renames, moved jobs, new
    prices, voids, deletes and failures in small message sets."""
    from .conftest import QB, SANDBOX_NOW
    from .test_write_cache import _run, _workload

    path = workdir / "sets.qbdb"
    clock = Clock(fixed=SANDBOX_NOW)
    create_company(path, sample="none", clock=clock)
    with opened(path, clock) as session:
        for n, answer in enumerate(_run(QB(session), clock, _workload(seed=7, steps=80))):
            recorder.add(f"sets/{n:03d}", answer)
    record_tables(path, recorder, "sets")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"record {GOLDEN.name} again")
    parser.add_argument("--dump", type=Path, help="write every answer and table as text here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        recorder = record(Path(tmp))
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for n, (name, text) in enumerate(recorder.texts.items()):
            safe = re.sub(r"[^A-Za-z0-9]+", "_", name)
            (args.dump / f"{n:04d}_{safe}.txt").write_text(text)
    if args.write:
        GOLDEN.write_text(json.dumps(recorder.digests(), indent=0) + "\n")
        print(f"{len(recorder.texts)} digests written to {GOLDEN}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
