"""Rows as values in column order (what the SQL sink takes) hold exactly what the rows by
column name hold, for every record and line of every transaction and list type of a sample
company: the two ways of flattening cannot drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest

import qbconnector
from qbconnector.api.records.record import underlying
from qbconnector.api.transfer.export import query_filters
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


@pytest.mark.parametrize("collection", TYPES)
def test_values_in_column_order_are_the_named_rows(sample: Path, collection: str) -> None:
    with qbconnector.connect(str(sample)) as qb:
        found = getattr(qb, collection)
        tables = tables_for(found.type_name)
        filters = query_filters(found, None)     # as the export asks: lines, links, fields
        records = list(found.query(values="json", **filters).plain())
        wrapped = [underlying(r) for r in found.query(values="json", **filters)]
    assert records and [dict(r) for r in records] == [dict(r) for r in wrapped]
    names = tables.records.column_names
    lines = 0
    for record in records:
        assert flatten_values(record, tables) == [flatten(record, tables)[n] for n in names]
        if tables.lines is not None:
            line_names = tables.lines.column_names
            by_name = [[row[n] for n in line_names] for row in line_rows(record, tables)]
            assert list(line_values(record, tables)) == by_name
            lines += len(by_name)
    if tables.lines is not None and collection not in ("deposits", "journal_entries"):
        assert lines > 0
