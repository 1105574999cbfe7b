"""Export to a database never drops or alters a table it did not create: a table of the same
name with other columns stops the export before anything is written (unless ``replace``);
tables it created are replaced; a database that cannot be opened is one clear error."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import qbconnector
from qbconnector.api import DestinationError, export
from qbconnector.cli.main import cli


@pytest.fixture
def company(blank_company) -> Path:
    path = blank_company("books")
    with qbconnector.connect(str(path)) as qb:
        qb.customers.add(name="Ann")
        qb.customers.add(name="Bob")
    return path


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as c:
        return {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_users_table_of_another_shape_stops_the_export_before_anything_is_written(
        company, tmp_path):
    db = tmp_path / "mine.db"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE invoice (my_column TEXT)")
        c.execute("INSERT INTO invoice VALUES ('keep me')")
    with qbconnector.connect(str(company)) as qb, \
            pytest.raises(DestinationError, match="already has a table 'invoice' that the "
                                                  "export did not create"):
        export(qb, ["customers", "invoices"], f"sqlite:///{db}")
    assert tables(db) == {"invoice"}                         # customer was not written either
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT * FROM invoice").fetchall() == [("keep me",)]
    result = CliRunner().invoke(cli, ["export", "invoices", "--to", f"sqlite:///{db}",
                                      "--company", str(company), "-q"])
    assert result.exit_code == 1 and "give --replace to drop it" in result.output
    replaced = CliRunner().invoke(cli, ["export", "invoices", "--to", f"sqlite:///{db}",
                                        "--company", str(company), "-q", "--replace"])
    assert replaced.exit_code == 0, replaced.output
    with sqlite3.connect(db) as c:
        assert "txn_id" in {r[1] for r in c.execute("PRAGMA table_info(invoice)")}


def test_tables_the_export_created_are_replaced_and_others_left_alone(company, tmp_path):
    db = tmp_path / "mirror.db"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE notes (text TEXT)")
        c.execute("INSERT INTO notes VALUES ('mine')")
    with qbconnector.connect(str(company)) as qb:
        export(qb, ["customers"], f"sqlite:///{db}")
        qb.customers.add(name="Cy")
        export(qb, ["customers"], f"sqlite:///{db}")
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM customer").fetchone() == (3,)
        assert c.execute("SELECT * FROM notes").fetchall() == [("mine",)]
        owned = {r[0] for r in c.execute("SELECT name FROM qbconnector_tables")}
    assert owned == {"customer"}


def test_a_table_of_the_exports_own_shape_is_adopted(company, tmp_path):
    db = tmp_path / "mirror.db"
    with qbconnector.connect(str(company)) as qb:
        export(qb, ["customers"], f"sqlite:///{db}")
    with sqlite3.connect(db) as c:          # as an export made before tables were listed
        c.execute("DROP TABLE qbconnector_tables")
    with qbconnector.connect(str(company)) as qb:
        export(qb, ["customers"], f"sqlite:///{db}")
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM customer").fetchone() == (2,)


def test_money_keeps_exact_decimals_in_sqlite(blank_company, tmp_path):
    path = blank_company("money")
    db = tmp_path / "money.db"
    with qbconnector.connect(str(path)) as qb:
        account = qb.accounts.add(name="Fees", account_type="Income")
        qb.item_services.add(name="Tenth", sales_or_purchase={
            "price": "0.10", "account_ref": {"full_name": account.full_name}})
        qb.customers.add(name="Ann")
        for _ in range(3):
            qb.invoices.add(customer_ref="Ann", lines=[{"item_ref": "Tenth", "quantity": 1}])
        export(qb, ["invoices"], f"sqlite:///{db}")
    with sqlite3.connect(db) as c:
        amounts = [r[0] for r in c.execute("SELECT subtotal FROM invoice")]
    assert amounts == ["0.10", "0.10", "0.10"]
    assert sum(Decimal(a) for a in amounts) == Decimal("0.30")     # floats give 0.30000000004


def test_a_database_that_cannot_be_opened_is_one_line(company, tmp_path):
    result = CliRunner().invoke(cli, ["export", "customers", "--to",
                                      "sqlite:////nonexistent-folder-q13/x.db", "--company",
                                      str(company)])
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.strip()] == [
        "Error: sqlite:////nonexistent-folder-q13/x.db: no folder /nonexistent-folder-q13 for "
        "the database file"]
