"""Rows as values in column order (what the SQL sink takes) are stored exactly as the rows by
column name (what CSV and Parquet take, and the deleted-records rows still give the SQL sink)
are: the two ways into ``_SqlHandle.append`` cannot drift apart. Checked on every record and
line of 17 types of a sample company, read the way the export reads them (``Query.plain``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

import qbconnector
from qbconnector.api.records.record import underlying
from qbconnector.api.transfer.export import query_filters
from qbconnector.api.transfer.sink_sql import _SqlHandle
from qbconnector.api.transfer.tables import (
    flatten,
    flatten_values,
    line_rows,
    line_values,
    tables_for,
)
from qbconnector.sandbox import create_company

TYPES = ["customers", "vendors", "accounts", "item_inventories", "item_services", "invoices",
         "sales_receipts", "receive_payments", "credit_memos", "sales_orders", "estimates",
         "bills", "bill_payment_checks", "checks", "deposits", "journal_entries",
         "purchase_orders"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_company(tmp_path_factory.mktemp("values") / "small.qbdb", sample="small")


def _stored(path: Path, table, rows: list) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        handle = _SqlHandle(connection, table, table.key, merge=False)
        for start in range(0, len(rows), 500):            # the sink's batches
            handle.append(rows[start:start + 500], [])
    engine.dispose()
    with sqlite3.connect(path) as db:
        return db.execute(f'SELECT * FROM "{table.name}"').fetchall()  # noqa: S608


@pytest.mark.parametrize("collection", TYPES)
def test_values_in_column_order_are_stored_as_the_named_rows(sample: Path, tmp_path: Path,
                                                             collection: str) -> None:
    with qbconnector.connect(str(sample)) as qb:
        found = getattr(qb, collection)
        tables = tables_for(found.type_name)
        filters = query_filters(found, None)     # as the export asks: lines, links, fields
        records = list(found.query(values="json", **filters).plain())
        wrapped = [underlying(r) for r in found.query(values="json", **filters)]
    assert records and [dict(r) for r in records] == [dict(r) for r in wrapped]
    as_values = _stored(tmp_path / "values.db", tables.records,
                        [flatten_values(r, tables) for r in records])
    by_name = _stored(tmp_path / "names.db", tables.records, [flatten(r, tables) for r in records])
    assert as_values == by_name and len(as_values) == len(records)
    if tables.lines is not None:
        lines_as_values = _stored(tmp_path / "values.db", tables.lines,
                                  [row for r in records for row in line_values(r, tables)])
        lines_by_name = _stored(tmp_path / "names.db", tables.lines,
                                [row for r in records for row in line_rows(r, tables)])
        assert lines_as_values == lines_by_name
        if collection not in ("deposits", "journal_entries"):
            assert len(lines_as_values) > 0
