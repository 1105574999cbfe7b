"""Export into JSONL, CSV, Parquet and SQLite from a real sandbox company: full copies, typed
columns, and incremental runs that pick up exactly the changes (and the deletions)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qbconnector.api.transfer.export import export
from qbconnector.api.transfer.state import as_instant
from qbconnector.api.transfer.tables import tables_for
from tests.api.transfer_data import ZONE, connect_pinned, fresh_copy, populated_copy, snapshot

FORMATS = ["jsonl", "csv", "parquet", "sqlite"]


@pytest.fixture(scope="module")
def template(_blank_company_template, tmp_path_factory) -> Path:
    return populated_copy(_blank_company_template, tmp_path_factory.mktemp("export"))


@pytest.fixture
def shop(template, tmp_path) -> Path:
    return fresh_copy(template, tmp_path)


def destination(tmp_path: Path, fmt: str) -> str:
    if fmt == "sqlite":
        return f"sqlite:///{tmp_path / 'mirror.db'}"
    return str(tmp_path / f"mirror.{fmt}")


def read_table(dest: str, fmt: str, table: str, type_name: str) -> list[dict[str, Any]]:
    """The rows of one exported table, read back with the format's own reader."""
    if fmt == "sqlite":       # read with the exporter's column types (Decimal, aware times)
        import sqlalchemy as sa

        from qbconnector.api.transfer.sink_sql import sql_table
        from qbconnector.api.transfer.tables import DELETED
        tables = tables_for(type_name) if type_name else None
        flat = DELETED if table == "deleted" else (
            tables.records if tables.records.name == table else tables.lines)
        engine = sa.create_engine(dest)
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(table):
                return []
            rows = [dict(r._mapping) for r in connection.execute(
                sql_table(flat, sa.MetaData()).select())]
        engine.dispose()
        return rows
    path = Path(dest)
    if fmt == "jsonl":
        if table == "deleted":
            path = path.with_name(f"{path.stem}.deleted.jsonl")
            if not path.exists():
                return []
            return [json.loads(line) for line in path.read_text().splitlines()]
        return [obj for obj in map(json.loads, path.read_text().splitlines())
                if obj["_type"] == type_name]
    file = path.with_name(f"{path.stem}.{table}{path.suffix}")
    if not file.exists() and type_name and table == tables_for(type_name).records.name:
        file = path            # the one type's records are DEST itself
    if not file.exists():
        return []
    if fmt == "csv":
        with open(file, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    import pyarrow.parquet as pq
    return pq.read_table(file).to_pylist()


def ids_and_editions(dest: str, fmt: str, collection: str, type_name: str) -> dict[str, str]:
    tables = tables_for(type_name)
    rows = read_table(dest, fmt, tables.records.name, type_name)
    if fmt == "jsonl":
        return {r.get("ListID") or r["TxnID"]: r["EditSequence"] for r in rows}
    return {r[tables.records.key[0]]: r["edit_sequence"] for r in rows}


def line_count(dest: str, fmt: str, type_name: str) -> int:
    tables = tables_for(type_name)
    if fmt == "jsonl":
        return sum(len(r.get(e, [])) for r in read_table(dest, fmt, "", type_name)
                   for e in tables.line_elements)
    assert tables.lines is not None
    return len(read_table(dest, fmt, tables.lines.name, type_name))


@pytest.mark.parametrize("fmt", FORMATS)
def test_full_copy_holds_every_record_line_and_inactive_record(shop, tmp_path, fmt):
    qb, _ = connect_pinned(shop)
    customers = snapshot(qb, "customers")
    invoices = snapshot(qb, "invoices")
    dest = destination(tmp_path, fmt)
    summary = export(qb, ["customers", "invoices"], dest)
    qb.close()
    assert any(not r["IsActive"] for r in customers.values())   # the data has inactive ones
    exported = ids_and_editions(dest, fmt, "customers", "Customer")
    assert exported == {i: r["EditSequence"] for i, r in customers.items()}
    assert ids_and_editions(dest, fmt, "invoices", "Invoice") == \
        {i: r["EditSequence"] for i, r in invoices.items()}
    lines = sum(len(r["InvoiceLineRet"]) for r in invoices.values())
    assert line_count(dest, fmt, "Invoice") == lines
    by_type = {t.type_name: t for t in summary.types}
    assert (by_type["Customer"].records, by_type["Invoice"].records) == \
        (len(customers), len(invoices))
    assert by_type["Invoice"].lines == lines


@pytest.mark.parametrize("fmt", ["parquet", "sqlite"])
def test_typed_columns_read_back(shop, tmp_path, fmt):
    qb, _ = connect_pinned(shop)
    invoices = snapshot(qb, "invoices")
    dest = destination(tmp_path, fmt)
    export(qb, ["invoices"], dest)
    qb.close()
    rows = {r["txn_id"]: r for r in read_table(dest, fmt, "invoice", "Invoice")}
    for txn_id, record in invoices.items():
        row = rows[txn_id]
        assert row["subtotal"] == record["Subtotal"] and isinstance(row["subtotal"], Decimal)
        assert row["txn_date"] == record["TxnDate"] and isinstance(row["txn_date"], date)
        assert isinstance(row["time_modified"], datetime)
        assert row["time_modified"] == record["TimeModified"]   # same instant, any zone
        assert row["is_paid"] is record["IsPaid"]
        assert row["customer_ref_full_name"] == record["CustomerRef"]["FullName"]
    if fmt == "sqlite":
        # SQLite has no decimal type: money is the exact digits (its NUMERIC would keep a
        # binary float), date-times are UTC text that sorts in time order.
        import sqlalchemy as sa
        engine = sa.create_engine(dest)
        with engine.connect() as connection:
            kinds, amounts, stamps = zip(*connection.execute(sa.text(
                "SELECT typeof(subtotal), subtotal, time_modified FROM invoice")), strict=True)
        engine.dispose()
        assert set(kinds) == {"text"}
        assert sum(Decimal(a) for a in amounts) == sum(r["Subtotal"] for r in invoices.values())
        assert sorted(amounts) == sorted(format(r["Subtotal"], "f") for r in invoices.values())
        assert all(stamp.endswith("+00:00") for stamp in stamps)
    lines = read_table(dest, fmt, "invoice_line", "Invoice")
    first = next(iter(invoices.values()))
    own = sorted((r for r in lines if r["txn_id"] == first.id), key=lambda r: r["line_no"])
    assert [r["txn_line_id"] for r in own] == [x["TxnLineID"] for x in first["InvoiceLineRet"]]
    assert [r["amount"] for r in own] == [x.get("Amount") for x in first["InvoiceLineRet"]]


def test_columns_come_from_the_spec_not_the_data(shop, blank_company, tmp_path):
    headers = []
    for company in (shop, blank_company("empty")):
        qb, _ = connect_pinned(company)
        dest = tmp_path / f"{company.stem}.csv"
        export(qb, ["invoices"], str(dest))
        qb.close()
        with open(dest, newline="") as f:
            headers.append(next(csv.reader(f)))
    assert headers[0] == headers[1] == tables_for("Invoice").records.column_names
    assert "bill_address_city" in headers[0] and "customer_ref_full_name" in headers[0]
    assert "linked_txn" in headers[0]          # repeating, kept as JSON text


def _mutate(company: Path) -> dict[str, Any]:
    """Change, add, void and delete some records at a later (pinned) time."""
    qb, clock = connect_pinned(company, datetime(2024, 3, 5, 10, 0, tzinfo=ZONE))
    customers = snapshot(qb, "customers")
    invoices = snapshot(qb, "invoices")
    used = {r["CustomerRef"]["FullName"] for r in invoices.values()}
    used |= {r["CustomerRef"]["FullName"] for r in snapshot(qb, "sales_orders").values()}
    names = sorted(r["FullName"] for r in customers.values())
    changed: dict[str, set[str]] = {"Customer": set(), "Invoice": set()}
    for name in names[:3]:
        changed["Customer"].add(qb.customers.modify(qb.customers.get_by_name(name),
                                                    Phone="555-9999").id)
        clock.step()
    for n in (1, 2):
        changed["Customer"].add(qb.customers.add(Name=f"New customer {n}").id)
        clock.step()
    invoice_ids = sorted(invoices)
    for txn_id in invoice_ids[:2]:
        changed["Invoice"].add(qb.invoices.modify(txn_id, Memo="changed").id)
        clock.step()
    for n in range(3):
        changed["Invoice"].add(qb.invoices.add(
            CustomerRef={"FullName": "New customer 1"}, RefNumber=f"NEW-{n}",
            lines=[{"ItemRef": {"FullName": "Service 1"}, "Quantity": n + 1}]).id)
        clock.step()
    qb.invoices.void(invoice_ids[2])
    changed["Invoice"].add(invoice_ids[2])
    clock.step()
    deleted = {"Invoice": set(invoice_ids[3:5]), "Customer": set()}
    for txn_id in invoice_ids[3:5]:
        qb.invoices.delete(txn_id)
        clock.step()
    unused = next(r for r in customers.values()
                  if r["FullName"] not in used and r["Sublevel"] == 0
                  and r["FullName"] not in names[:3]
                  and not any(c.get("ParentRef", {}).get("FullName") == r["FullName"]
                              for c in customers.values()))
    qb.customers.delete(unused.id)
    deleted["Customer"].add(unused.id)
    qb.close()
    return {"changed": changed, "deleted": deleted}


@pytest.mark.parametrize("fmt", FORMATS)
def test_incremental_export_picks_up_exactly_the_changes(shop, tmp_path, fmt):
    dest = destination(tmp_path, fmt)
    state = tmp_path / "state.json"
    qb, _ = connect_pinned(shop)
    before = {"Customer": snapshot(qb, "customers"), "Invoice": snapshot(qb, "invoices")}
    export(qb, ["customers", "invoices"], dest, state=state)
    qb.close()
    marks = json.loads(state.read_text())["types"]
    for type_name, records in before.items():
        mark = marks[type_name]["modified"]
        assert mark.endswith("-05:00")           # QuickBooks' own offset is kept
        newest = max(r["TimeModified"] for r in records.values())
        assert newest - timedelta(seconds=5) <= as_instant(mark) <= newest

    mutation = _mutate(shop)
    qb, _ = connect_pinned(shop)
    after = {"Customer": snapshot(qb, "customers"), "Invoice": snapshot(qb, "invoices")}
    summary = export(qb, ["customers", "invoices"], dest, state=state)
    qb.close()

    results = {t.type_name: t for t in summary.types}
    for type_name in ("Customer", "Invoice"):
        result = results[type_name]
        assert result.incremental and result.since == marks[type_name]["modified"]
        changed = mutation["changed"][type_name]
        exported = ids_and_editions(dest, fmt, "", type_name)
        # the destination now mirrors the company: every record, current EditSequences
        assert exported == {i: r["EditSequence"] for i, r in after[type_name].items()}
        # this run read the changes, plus only records at the inclusive boundary
        boundary = {i for i, r in before[type_name].items()
                    if r["TimeModified"] >= as_instant(marks[type_name]["modified"])}
        assert len(boundary) < len(before[type_name]) / 2
        assert result.records == len(changed | (boundary - mutation["deleted"][type_name]))
        assert result.deleted == len(mutation["deleted"][type_name])
    deleted_rows = read_table(dest, fmt, "deleted", "")
    assert {(r["type"], r["id"]) for r in deleted_rows} == \
        {(t, i) for t, ids in mutation["deleted"].items() for i in ids}
    assert line_count(dest, fmt, "Invoice") == \
        sum(len(r.get("InvoiceLineRet", [])) for r in after["Invoice"].values())


def test_since_needs_a_time_zone(shop, tmp_path):
    qb, _ = connect_pinned(shop)
    with pytest.raises(ValueError, match="time zone"):
        export(qb, ["customers"], str(tmp_path / "x.jsonl"), since=datetime(2024, 3, 1))
    summary = export(qb, ["customers"], str(tmp_path / "x.jsonl"),
                     since=datetime(2024, 3, 1, 9, 1, tzinfo=ZONE))
    qb.close()
    assert summary.types[0].since == "2024-03-01T09:01:00-05:00"
    everyone = snapshot(connect_pinned(shop)[0], "customers")
    expected = {i for i, r in everyone.items()
                if r["TimeModified"] >= datetime(2024, 3, 1, 9, 1, tzinfo=ZONE)}
    assert 0 < len(expected) < len(everyone)
    assert set(ids_and_editions(str(tmp_path / "x.jsonl"), "jsonl", "", "Customer")) == expected


class _DropConnectionAt:
    """A progress listener that closes the session when the named type starts."""

    def __init__(self, qb, type_name: str) -> None:
        self.qb, self.type_name = qb, type_name

    def start(self, type_name: str, total: int | None) -> None:
        if type_name == self.type_name:
            self.qb.session.close()

    def advance(self, count: int) -> None:
        pass

    def finish(self) -> None:
        pass


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
def test_failed_export_keeps_the_old_content_and_state(shop, tmp_path, fmt):
    from qbconnector.api.records.errors import SessionError
    dest = destination(tmp_path, fmt)
    state = tmp_path / "state.json"
    qb, _ = connect_pinned(shop)
    export(qb, ["customers", "invoices"], dest, state=state)
    old_state = state.read_text()
    old = ids_and_editions(dest, fmt, "", "Customer")
    qb.customers.modify(next(iter(old)), Phone="123")
    with pytest.raises(SessionError):
        export(qb, ["customers", "invoices"], dest, state=state,
               progress=_DropConnectionAt(qb, "Invoice"))
    assert state.read_text() == old_state
    assert not list(tmp_path.glob("*.partial"))
    if fmt == "jsonl":     # files are replaced only when everything is written
        assert ids_and_editions(dest, fmt, "", "Customer") == old


@pytest.mark.parametrize("fmt", FORMATS)
def test_reading_values_as_json_writes_the_same_files_as_typed_values(
        shop, tmp_path, fmt, monkeypatch):
    """The export reads records with values="json" (QuickBooks' text kept, not made Decimal
    and back): what it writes must not differ by one byte or one cell from typed reading."""
    from qbconnector.api.transfer import export as export_module
    from tests.api.transfer_data import TYPES

    written = {}
    for values in ("typed", "json"):
        monkeypatch.setattr(export_module, "QUERY_VALUES", values)
        folder = tmp_path / values
        folder.mkdir()
        qb, _ = connect_pinned(shop)
        summary = export(qb, TYPES, destination(folder, fmt))
        qb.close()
        assert summary.records > 50
        if fmt == "sqlite":
            import sqlite3
            db = sqlite3.connect(folder / "mirror.db")
            tables = [r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            # the registry of tables the export created holds their creation times: the
            # two runs may straddle a second, so only its names must match
            written[values] = {t: db.execute(
                "SELECT name FROM qbconnector_tables ORDER BY 1" if t == "qbconnector_tables"
                else f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
            db.close()
        elif fmt == "parquet":
            import pyarrow.parquet as pq
            written[values] = {p.name: pq.read_table(p).to_pylist()
                               for p in sorted(folder.iterdir())}
        else:
            written[values] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    assert written["json"] == written["typed"]
    assert any(written["json"].values())
