"""Export from and import into QuickBooks Online through the same functions as Desktop's:
every sink, incremental runs through change data capture with deletions, the full copy past
the 30-day window (said so), a file exported from one company imported into an empty one,
re-running it changing nothing, and rows that fail without stopping the file."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import qbconnector
from qbconnector.api import DestinationError, export, import_file
from tests.qbo.conftest import login, seed


def test_export_to_every_sink(online, tmp_path):
    qb = online
    seed(qb, customers=6, invoices=5)
    summary = export(qb, ["customers", "invoices"], str(tmp_path / "all.jsonl"))
    assert [(t.type_name, t.records) for t in summary.types] == [("Customer", 6),
                                                                 ("Invoice", 5)]
    assert summary.types[1].lines == 15                     # 2 lines + QBO's subtotal each
    rows = [json.loads(x) for x in (tmp_path / "all.jsonl").read_text().splitlines()]
    invoice = next(r for r in rows if r["_type"] == "Invoice" and r["DocNumber"] == "INV-0004")
    assert invoice["TotalAmt"] == "271.00" and invoice["CustomerRef"]["name"] == "Customer 004"

    export(qb, ["invoices"], str(tmp_path / "invoices.csv"))
    header, *records = (tmp_path / "invoices.csv").read_text().splitlines()
    assert len(records) == 5 and header.startswith("id,sync_token,")
    line_header, *lines = (tmp_path / "invoices.invoice_line.csv").read_text().splitlines()
    assert len(lines) == 15 and "sales_item_line_detail_item_ref_name" in line_header

    export(qb, ["customers", "invoices"], f"sqlite:///{tmp_path / 'books.db'}")
    with sqlite3.connect(tmp_path / "books.db") as db:
        assert db.execute("SELECT count(*) FROM customer").fetchone() == (6,)
        assert db.execute("SELECT sum(total_amt) FROM invoice").fetchone()[0] == \
            pytest.approx(float(sum(Decimal(r["TotalAmt"]) for r in rows
                                    if r["_type"] == "Invoice")))
        assert db.execute("SELECT count(*) FROM invoice_line").fetchone() == (15,)

    pyarrow = pytest.importorskip("pyarrow.parquet")
    export(qb, ["invoices"], str(tmp_path / "invoices.parquet"))
    table = pyarrow.read_table(tmp_path / "invoices.parquet")
    assert table.num_rows == 5 and str(table.schema.field("total_amt").type) == \
        "decimal128(18, 2)"


def test_a_qbo_export_to_sql_only_replaces_tables_it_created(online, tmp_path):
    """Issue 13's table ownership holds for QBO's tables too (QBO's shapes, not qbXML's)."""
    qb = online
    seed(qb, customers=2, invoices=3)
    db = tmp_path / "mine.db"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE invoice (my_column TEXT)")
        c.execute("INSERT INTO invoice VALUES ('keep me')")
    with pytest.raises(DestinationError, match="already has a table 'invoice' "
                                                           "that the export did not create"):
        export(qb, ["customers", "invoices"], f"sqlite:///{db}")
    with sqlite3.connect(db) as c:                      # nothing written, the table untouched
        names = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert names == {"invoice"}
        assert c.execute("SELECT * FROM invoice").fetchall() == [("keep me",)]
    export(qb, ["customers", "invoices"], f"sqlite:///{db}", replace=True)
    qb.customers.add(display_name="Customer 999")
    export(qb, ["customers", "invoices"], f"sqlite:///{db}")       # its own: replaced
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM customer").fetchone() == (3,)
        amounts = [r[0] for r in c.execute("SELECT total_amt FROM invoice ORDER BY doc_number")]
        owned = {r[0] for r in c.execute("SELECT name FROM qbconnector_tables")}
    assert amounts == ["151.00", "271.00", "391.00"]           # exact decimals, not floats
    assert {"customer", "invoice", "invoice_line"} <= owned


def test_incremental_export_through_change_data_capture(online, tmp_path):
    qb = online
    seed(qb, customers=3, invoices=3)
    target, state = tmp_path / "books.jsonl", tmp_path / "state.json"
    first = export(qb, ["customers", "invoices"], str(target), state=state)
    assert not first.types[0].incremental and first.records == 6
    gone = qb.invoices.query(ref_numbers=["INV-0001"]).first()
    qb.invoices.delete(gone)
    qb.customers.modify(qb.customers.get_by_name("Customer 002"), notes="changed")
    second = export(qb, ["customers", "invoices"], str(target), state=state)
    assert all(t.incremental for t in second.types)
    by_type = {t.type_name: t for t in second.types}
    assert by_type["Invoice"].deleted == 1
    rows = [json.loads(x) for x in target.read_text().splitlines()]
    assert sorted(r.get("DocNumber") for r in rows if r["_type"] == "Invoice") == \
        ["INV-0000", "INV-0002"]
    assert next(r for r in rows if r.get("DisplayName") == "Customer 002")["Notes"] == \
        "changed"
    assert sum(1 for r in rows if r["_type"] == "Customer") == 3
    deleted = [json.loads(x) for x in (tmp_path / "books.deleted.jsonl").read_text()
               .splitlines()]
    assert [(d["type"], d["id"]) for d in deleted] == [("Invoice", gone.id)]

    old = json.loads(state.read_text())
    month_ago = (datetime.now(UTC) - timedelta(days=40)).replace(microsecond=0).isoformat()
    for marks in old["types"].values():
        marks["modified"] = marks["deleted"] = month_ago
    state.write_text(json.dumps(old))
    third = export(qb, ["invoices"], str(tmp_path / "again.jsonl"), state=state)
    assert not third.types[0].incremental and third.types[0].records == 2
    assert any("30-day change window" in note for note in third.notes)


def test_a_qbo_export_imports_into_an_empty_company_and_again_changes_nothing(
        online, double, tmp_path):
    source = online
    seed(source, customers=25, invoices=12)
    parent = source.customers.add(display_name="Parent Co")
    source.customers.add(display_name="Job A", parent_ref=parent)
    source.customers.delete(source.customers.get_by_name("Customer 003"))
    source.customers.add(display_name="O'Brien \\ Sons")
    export(source, ["accounts", "items", "customers", "invoices"], str(tmp_path / "x.jsonl"))

    empty = double()
    with qbconnector.connect(login(empty, "empty")) as qb:
        counts = {}
        for kind in ("accounts", "items", "customers", "invoices"):
            summary = import_file(qb, kind, tmp_path / "x.jsonl",
                                  results=tmp_path / f"{kind}.csv")
            assert summary.errors == 0, (tmp_path / f"{kind}.csv").read_text()
            counts[kind] = (summary.added, summary.modified, summary.skipped)
        assert counts["customers"] == (28, 0, 0) and counts["invoices"] == (12, 0, 0)
        assert counts["items"] == (2, 0, 0)
        job = qb.customers.get_by_name("Parent Co:Job A")
        assert job.job is True and job.parent_ref.value == \
            qb.customers.get_by_name("Parent Co").id
        assert qb.customers.get_by_name("Customer 003").active is False
        assert qb.customers.get_by_name("O'Brien \\ Sons").display_name == "O'Brien \\ Sons"
        original = {r.doc_number: r for r in source.invoices.query()}
        copied = {r.doc_number: r for r in qb.invoices.query()}
        assert original.keys() == copied.keys()
        for number, invoice in original.items():
            assert copied[number].total_amt == invoice.total_amt
            assert copied[number].customer_ref.name == invoice.customer_ref.name
            assert copied[number].txn_date == invoice.txn_date
        for kind in ("accounts", "items", "customers", "invoices"):
            again = import_file(qb, kind, tmp_path / "x.jsonl")
            assert (again.added, again.modified, again.errors) == (0, 0, 0), kind
            assert again.skipped == again.rows > 0
        qb.customers.modify(qb.customers.get_by_name("Customer 007"), company_name="Edited",
                            notes="not in the file: left alone")
        back = import_file(qb, "customers", tmp_path / "x.jsonl")
        assert (back.modified, back.skipped) == (1, 27)
        restored = qb.customers.get_by_name("Customer 007")
        assert restored.company_name == "Co 7" and restored.notes == "not in the file: left alone"


def test_csv_round_trip_and_rows_that_fail_without_stopping_the_file(online, tmp_path):
    qb = online
    seed(qb, customers=4, invoices=4)
    export(qb, ["invoices"], str(tmp_path / "invoices.csv"))
    original = qb.invoices.query(ref_numbers=["INV-0002"]).first()
    qb.invoices.delete(original)
    summary = import_file(qb, "invoices", tmp_path / "invoices.csv")
    assert (summary.added, summary.skipped) == (1, 3)
    restored = qb.invoices.query(ref_numbers=["INV-0002"]).first()
    assert restored.total_amt == original.total_amt == Decimal("391.00")
    assert [(x.detail_type, x.amount) for x in restored.line] == \
        [(x.detail_type, x.amount) for x in original.line]

    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([
        json.dumps({"DisplayName": "Good One"}),
        "{not json",
        json.dumps({"DisplayName": "Bad Ref", "SalesTermRef": {"name": "Net 999"}}),
        json.dumps({"DisplayName": "Bad Field", "Colour": "red"}),
        json.dumps({"CompanyName": "No Key"}),
        json.dumps({"DisplayName": "Good Two", "BillAddr": {"City": "Reno"}}),
    ]) + "\n")
    result = import_file(qb, "customers", bad, results=tmp_path / "r.jsonl")
    rows = {r["source_row"]: r for r in map(json.loads, (tmp_path / "r.jsonl").read_text()
                                           .splitlines())}
    assert (result.added, result.errors) == (2, 4) and len(rows) == 6
    assert "not JSON" in rows["2"]["message"]
    assert "no active Term named 'Net 999'" in rows["3"]["message"]
    assert "has no field 'Colour'" in rows["4"]["message"]
    assert "no key" in rows["5"]["message"]
    assert rows["6"]["operation"] == "add" and rows["6"]["id"]
    dry = import_file(qb, "customers", bad, dry_run=True)
    assert (dry.added, dry.skipped) == (0, 2)


def test_import_with_a_mapping_file(online, tmp_path):
    qb = online
    seed(qb, customers=1)
    (tmp_path / "orders.csv").write_text(
        "Order,Client,Date,Sku,Qty\n"
        "W-1,Customer 000,05/03/2026,Consulting,2\n"
        "W-1,Customer 000,05/03/2026,Hardware,4\n"
        "W-2,Customer 000,06/03/2026,Consulting,1\n")
    (tmp_path / "orders.toml").write_text(
        'type = "Invoice"\n'
        '[fields]\nDocNumber = "Order"\n"CustomerRef/name" = "Client"\n'
        'TxnDate = { column = "Date", type = "date", format = "%d/%m/%Y" }\n'
        '[lines]\ngroup_by = "Order"\n'
        '[lines.fields]\n"item_ref" = "Sku"\nquantity = { column = "Qty", type = "decimal" }\n')
    summary = import_file(qb, "invoices", tmp_path / "orders.csv",
                          mapping=tmp_path / "orders.toml")
    assert (summary.added, summary.errors) == (2, 0)
    first = qb.invoices.query(ref_numbers=["W-1"]).first()
    assert first.txn_date.isoformat() == "2026-03-05" and first.total_amt == Decimal("302.00")
    again = import_file(qb, "invoices", tmp_path / "orders.csv", mapping=tmp_path / "orders.toml")
    assert (again.added, again.modified, again.skipped) == (0, 0, 2)
