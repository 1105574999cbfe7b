"""``export --all`` then ``import --all`` into a new company file reproduces the company: the
same records of every type, the same account, customer and vendor balances, the same stock.
Run on a reduced sample company (the small sample's shape, fewer records) to stay quick."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import qbconnector
from qbconnector.api.transfer.whole import whole_company_types
from qbconnector.cli.main import cli


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    from qbconnector.sandbox import create_company
    from qbconnector.sandbox.company import samples

    folder = tmp_path_factory.mktemp("whole")
    reduced = samples.SampleSize(customers=14, vendors=6, employees=3, inventory_variants=1,
                                 transactions=240, deposits=8)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(samples.SIZES, "small", reduced)
        return create_company(folder / "original.qbdb", sample="small", seed=3)


def picture(path: Path) -> dict[str, object]:
    """What a company is: records per type, balances per account and name, stock."""
    with qbconnector.connect(str(path)) as qb:
        counts = {}
        for type_name in whole_company_types():
            collection = qb.collection(type_name)
            counts[type_name] = collection.count(
                **({"active": "all"} if collection.query_takes("ActiveStatus") else {}))
        accounts = {a.full_name: a.balance for a in qb.accounts.query(active="all")}
        customers = {c.full_name: c.total_balance for c in qb.customers.query(active="all")}
        vendors = {v.name: v.balance for v in qb.vendors.query(active="all")}
        stock = {i.full_name: (i.quantity_on_hand, i.average_cost)
                 for i in qb.item_inventories.query(active="all")}
    return {"counts": counts, "accounts": accounts, "customers": customers,
            "vendors": vendors, "stock": stock}


def test_a_whole_company_round_trips(original, blank_company, tmp_path):
    backup = tmp_path / "backup.jsonl"
    exported = CliRunner().invoke(cli, ["export", "--all", "--to", str(backup), "--company",
                                        str(original), "-q"])
    assert exported.exit_code == 0, exported.output
    kinds = {json.loads(line)["_type"] for line in backup.read_text().splitlines()}
    assert {"Account", "Customer", "ItemInventory", "Invoice", "ReceivePayment", "Bill",
            "BillPaymentCheck", "Deposit"} <= kinds
    copy = blank_company("copy")
    imported = CliRunner().invoke(cli, ["import", "--all", str(backup), "--company", str(copy),
                                        "--results", str(tmp_path / "r.csv"), "-q"])
    assert imported.exit_code == 0, (imported.output, (tmp_path / "r.csv").read_text())
    before, after = picture(original), picture(copy)
    # Opening balances and opening stock are no transaction of the export: they come back
    # as one journal entry and one inventory adjustment (RefNumber OPENING, against Opening
    # Bal Equity), the only records added.
    with qbconnector.connect(str(copy)) as qb:
        for kind, collection in (("JournalEntry", qb.journal_entries),
                                 ("InventoryAdjustment", qb.inventory_adjustments)):
            assert len(collection.query(ref_numbers=["OPENING"]).all()) == 1
            assert after["counts"][kind] == before["counts"][kind] + 1
            after["counts"][kind] -= 1
    assert after["counts"] == before["counts"]
    assert after["accounts"] == before["accounts"]
    assert after["customers"] == before["customers"]
    assert after["vendors"] == before["vendors"]
    assert after["stock"] == before["stock"]
    assert sum(before["accounts"].values(), Decimal(0)) != 0      # there was something to copy
