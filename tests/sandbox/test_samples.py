"""Sample companies: the promised sizes, deterministic per seed, and books that balance.

The ``small`` sample is built once per test session (sample_files.small_company); the
determinism tests use a smaller size of the same generator, built through the same code.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.validate import validate
from qbconnector.sandbox.books import audit
from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.company.samples import (
    SIZES,
    SampleSize,
    available_types,
    populate,
    read_report,
)
from qbconnector.sandbox.company.samples import writer as writer_module
from qbconnector.sandbox.core.objects import ITEM_TYPES
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.storage.store import Clock, Store

from .sample_files import CREATED, small_company

TINY = SampleSize(customers=30, vendors=16, employees=4, inventory_variants=1,
                  transactions=400, deposits=12)
ID = re.compile(r"^[0-9A-F]+-\d{9,10}$")


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_company(tmp_path_factory)


@pytest.fixture
def db(small: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{small}?mode=ro", uri=True)
    yield connection
    connection.close()


def ask(path: Path, *messages: Message) -> list[Any]:
    """Send requests to a session on a copy of ``path`` (queries keep the renderings they
    make in the file, and the shared sample must not change); every response must validate."""
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / path.name
        shutil.copyfile(path, copy)
        with SandboxSession(copy, clock=Clock(fixed=CREATED)) as session:
            text = session.process(build(list(messages), version="13.0"))
    assert validate(text, "13.0") == []
    responses = parse_response(text)
    for response in responses:
        assert response.status_severity != "Error", response.status_message
    return list(responses)


def tiny(path: Path, seed: int, clock: Clock, check: bool = False) -> Path:
    create_company(path, clock=clock, name="Tiny")
    with SandboxSession(path, clock=clock) as session:
        populate(session, "tiny", seed, size=TINY, check=check)
    return path


# -- sizes --------------------------------------------------------------------------------

def test_small_has_the_promised_sizes(db: sqlite3.Connection) -> None:
    size = SIZES["small"]
    count = dict(db.execute("SELECT type, COUNT(*) FROM records GROUP BY type").fetchall())
    transactions = db.execute("SELECT COUNT(*) FROM records WHERE kind='txn'").fetchone()[0]
    assert count["Customer"] == size.customers == 100
    assert transactions == size.transactions == 2000
    assert count["Vendor"] == size.vendors
    assert count["Employee"] == size.employees
    jobs = db.execute("SELECT COUNT(*) FROM records WHERE type='Customer' AND "
                      "parent_id IS NOT NULL").fetchone()[0]
    assert 5 <= jobs < 50
    for item_type in ITEM_TYPES:
        assert count.get(item_type, 0) >= 1, f"no {item_type} in the sample"
    for kind in ("Invoice", "ReceivePayment", "SalesReceipt", "CreditMemo", "Estimate",
                 "SalesOrder"):
        assert count.get(kind, 0) >= 20, f"too few {kind}"
    for kind in available_types():       # every type the sandbox has rules for is there
        assert count.get(kind, 0) >= 1, f"no {kind} in the sample"
    accounts = [json.loads(r[0])["AccountType"] for r in db.execute(
        "SELECT doc FROM records WHERE type='Account'")]
    for account_type in ("Bank", "Income", "Expense", "CostOfGoodsSold", "FixedAsset",
                         "CreditCard", "LongTermLiability", "OtherCurrentLiability", "Equity"):
        assert account_type in accounts
    assert db.execute("SELECT COUNT(*) FROM records WHERE type='Account' AND "
                      "parent_id IS NOT NULL").fetchone()[0] >= 5


def test_the_report_counts_what_was_written(small: Path, db: sqlite3.Connection) -> None:
    report = read_report(small)
    assert report is not None and (report.sample, report.seed, report.year) == \
        ("small", 0, 2024)
    count = dict(db.execute("SELECT type, COUNT(*) FROM records GROUP BY type").fetchall())
    for kind, created in report.created.items():
        assert count[kind] >= created
        if kind not in ("Account", "SalesTaxCode"):      # a new company has some already
            assert count[kind] == created, kind
    assert report.transactions == 2000
    available = available_types()
    assert set(report.skipped).isdisjoint(available)
    for kind in report.skipped:
        assert kind not in count


def test_transactions_fall_in_the_year_before_as_of(db: sqlite3.Connection) -> None:
    first, last = db.execute("SELECT MIN(txn_date), MAX(txn_date) FROM records "
                             "WHERE kind='txn'").fetchone()
    assert first >= "2024-01-01" and last <= "2024-12-31"
    months = {r[0] for r in db.execute("SELECT substr(txn_date, 1, 7) FROM records "
                                       "WHERE type='Invoice'")}
    assert len(months) == 12


def test_sales_tax_is_set_up(small: Path) -> None:
    prefs, = ask(small, Message("PreferencesQuery", {}))
    tax = prefs.records[0]["SalesTaxPreferences"]
    assert tax["DefaultItemSalesTaxRef"]["FullName"] == "Boulder Combined"
    assert tax["DefaultTaxableSalesTaxCodeRef"]["FullName"] == "Tax"
    customers, = ask(small, Message("CustomerQuery", {"MaxReturned": 20}))
    assert all(c.get("SalesTaxCodeRef") and c.get("ItemSalesTaxRef") for c in customers.records)
    invoices, = ask(small, Message("InvoiceQuery", {"MaxReturned": 200}))
    assert sum(r["SalesTaxTotal"] for r in invoices.records) > 0


# -- the books ------------------------------------------------------------------------------

def test_every_transaction_balances(db: sqlite3.Connection) -> None:
    assert audit.unbalanced_transactions(db) == []
    for kind in ("Invoice", "SalesReceipt", "CreditMemo", "ReceivePayment"):
        records, posted = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT p.txn_id) FROM records r LEFT JOIN postings p "
            "ON p.txn_id = r.id WHERE r.type=?", (kind,)).fetchone()
        assert posted == db.execute("SELECT COUNT(*) FROM records WHERE type=?",
                                    (kind,)).fetchone()[0] and posted > 0, kind
        assert records >= posted


def test_trial_balance_nets_to_zero(db: sqlite3.Connection) -> None:
    assert audit.trial_balance_cents(db) == 0
    assert audit.account_mismatches(db) == []


def _balance(records: list[Any], key: str) -> Decimal:
    return sum((r[key] for r in records), Decimal(0))


def test_receivables_equal_the_customers_balances(small: Path) -> None:
    accounts, customers = ask(
        small, Message("AccountQuery", {"AccountType": "AccountsReceivable"}),
        Message("CustomerQuery", {"ActiveStatus": "All"}))
    receivable = _balance(accounts.records, "Balance")
    top_level = [c for c in customers.records if c["Sublevel"] == 0]
    assert len(customers.records) == 100
    assert receivable > 0
    assert _balance(top_level, "TotalBalance") == receivable
    assert _balance(customers.records, "Balance") == receivable


def test_payables_equal_the_vendors_balances(small: Path) -> None:
    accounts, vendors = ask(small, Message("AccountQuery", {"AccountType": "AccountsPayable"}),
                            Message("VendorQuery", {"ActiveStatus": "All"}))
    payable = _balance(accounts.records, "Balance")
    assert _balance(vendors.records, "Balance") == payable
    if "Bill" in available_types():
        assert payable > 0


def test_invoices_are_paid_by_their_payments(small: Path, db: sqlite3.Connection) -> None:
    invoices, = ask(small, Message("InvoiceQuery", {"IncludeLinkedTxns": True}))
    paid = [i for i in invoices.records if i["IsPaid"]]
    assert len(paid) > len(invoices.records) // 2
    for invoice in paid[:50]:
        assert invoice["BalanceRemaining"] == 0
        assert -invoice["AppliedAmount"] == invoice["Subtotal"] + invoice["SalesTaxTotal"]
        assert any(link["TxnType"] == "ReceivePayment" for link in invoice["LinkedTxn"])
    open_total = _balance([i for i in invoices.records if not i["IsPaid"]],
                          "BalanceRemaining")
    credits = db.execute("SELECT COUNT(*) FROM records WHERE type='CreditMemo'").fetchone()[0]
    assert open_total > 0 and credits > 0


def test_inventory_never_goes_negative_once_purchases_exist(small: Path) -> None:
    if "Bill" not in available_types():
        pytest.skip("no purchase rules yet: stock is only the opening quantity")
    items, = ask(small, Message("ItemInventoryQuery", {}))
    assert all(i["QuantityOnHand"] >= 0 for i in items.records)


def test_sample_responses_validate(small: Path) -> None:
    """Everything the sample holds renders as valid qbXML (ask() validates)."""
    ask(small, *(Message(name, {"MaxReturned": 40, **extra}) for name, extra in (
        ("InvoiceQuery", {"IncludeLineItems": True, "IncludeLinkedTxns": True}),
        ("SalesReceiptQuery", {"IncludeLineItems": True}),
        ("CreditMemoQuery", {"IncludeLineItems": True}),
        ("EstimateQuery", {"IncludeLineItems": True, "IncludeLinkedTxns": True}),
        ("SalesOrderQuery", {"IncludeLineItems": True, "IncludeLinkedTxns": True}),
        ("ReceivePaymentQuery", {"IncludeLineItems": True}),
        ("ItemQuery", {}), ("AccountQuery", {}), ("VendorQuery", {}), ("CustomerQuery", {}),
        ("EmployeeQuery", {}), ("BillQuery", {"IncludeLineItems": True}),
        ("PurchaseOrderQuery", {"IncludeLineItems": True, "IncludeLinkedTxns": True}),
        ("BillPaymentCheckQuery", {"IncludeLineItems": True}), ("CheckQuery", {}),
        ("BuildAssemblyQuery", {}), ("SalesTaxPaymentCheckQuery", {}),
        ("ClassQuery", {}), ("SalesRepQuery", {}), ("DepositQuery", {"IncludeLineItems": True}),
        ("JournalEntryQuery", {"IncludeLineItems": True}))),
        Message("CompanyQuery", {}), Message("PreferencesQuery", {}))


# -- determinism --------------------------------------------------------------------------

def _normalised(path: Path) -> list[tuple[Any, ...]]:
    """Records in creation order, IDs replaced by their order of appearance, timestamps
    and edit sequences dropped."""
    names: dict[str, str] = {}

    def canonical(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in value.items()
                    if k not in ("TimeCreated", "TimeModified", "EditSequence")}
        if isinstance(value, list):
            return [canonical(v) for v in value]
        if isinstance(value, str) and ID.match(value):
            return names.setdefault(value, f"#{len(names)}")
        return value

    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT id, type, doc, balance, total_balance, open_amount "
                                  "FROM records ORDER BY seq").fetchall()
    finally:
        connection.close()
    return [(canonical(i), t, canonical(json.loads(d)), b, tb, o) for i, t, d, b, tb, o in rows]


def test_same_seed_same_company(tmp_path: Path) -> None:
    earlier = Clock(fixed=CREATED)
    later = Clock(fixed=CREATED + timedelta(days=40, seconds=7))
    first = _normalised(tiny(tmp_path / "a.qbdb", 7, earlier, check=True))
    second = _normalised(tiny(tmp_path / "b.qbdb", 7, later))
    assert len(first) > 400
    assert first == second
    other = _normalised(tiny(tmp_path / "c.qbdb", 8, earlier))
    assert other != first
    names = {r[2].get("Name") for r in first if r[1] == "Customer"}
    assert names != {r[2].get("Name") for r in other if r[1] == "Customer"}


def test_timestamps_follow_the_clock_not_the_seed(tmp_path: Path) -> None:
    zone = timezone(timedelta(hours=-7))
    path = tiny(tmp_path / "t.qbdb", 1, Clock(fixed=datetime(2025, 3, 1, 12, tzinfo=zone)))
    connection = sqlite3.connect(path)
    created = {r[0] for r in connection.execute("SELECT created FROM records WHERE kind='txn'")}
    connection.close()
    assert created == {"2025-03-01T12:00:00-07:00"}


def test_bulk_writer_writes_what_the_plain_store_writes(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample writer keeps rows, balances and counters in memory; the file must end up
    exactly as if every statement had gone to SQLite."""
    def tables(path: Path) -> dict[str, list[Any]]:
        connection = sqlite3.connect(path)
        try:
            return {t: connection.execute(f"SELECT * FROM {t} ORDER BY {o}").fetchall()
                    for t, o in (("records", "id"), ("postings", "rowid"),
                                 ("stock_moves", "rowid"), ("links", "rowid"),
                                 ("counters", "name"), ("meta", "key"))}
        finally:
            connection.close()

    bulk = tables(tiny(tmp_path / "bulk.qbdb", 3, Clock(fixed=CREATED)))

    class PlainStore(Store):
        def __init__(self, store: Store) -> None:
            super().__init__(store.db, store.clock)

        def flush(self) -> None:
            pass

        def forget(self) -> None:
            pass

    monkeypatch.setattr(writer_module, "BulkStore", PlainStore)
    plain = tables(tiny(tmp_path / "plain.qbdb", 3, Clock(fixed=CREATED)))
    for table in plain:
        assert bulk[table] == plain[table], table
    assert len(bulk["postings"]) > 500


def test_kept_stock_figures_are_those_a_replay_of_the_moves_gives(db: sqlite3.Connection
                                                                    ) -> None:
    """The running figures the sample kept (orders received and invoiced from sales orders
    take their quantities back as sums) equal a replay of every item's moves in date order;
    the kept 'last move' is never earlier than the real last one."""
    from qbconnector.sandbox.storage.stock_state import StockFigures, read_state

    replayed: dict[str, StockFigures] = {}
    for item_id, quantity, cost, kind, txn_date, seq in db.execute(
            "SELECT item_id, quantity, cost, kind, txn_date, seq FROM stock_moves "
            "ORDER BY item_id, txn_date, seq"):
        replayed.setdefault(item_id, StockFigures()).add(Decimal(quantity), Decimal(cost), kind,
                                                         (txn_date, seq))
    kinds = {r[0] for r in db.execute("SELECT DISTINCT kind FROM stock_moves")}
    assert {"onhand", "onsalesorder"} <= kinds      # (purchase orders are all received)
    checked = 0
    for item_id, truth in replayed.items():
        kept = read_state(db, item_id)
        if kept is None:
            continue                        # not kept: replayed when next needed
        assert (kept.on_hand, kept.value, kept.on_order, kept.on_sales_order,
                kept.last_average) == (truth.on_hand, truth.value, truth.on_order,
                                       truth.on_sales_order, truth.last_average), item_id
        assert kept.last >= truth.last
        checked += 1
    assert checked > 10
