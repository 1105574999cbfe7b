"""Inventory on a real sandbox company file: adjustments of quantity and value, assembly
builds and (switched off) transfers between sites."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import Response, parse_response
from qbconnector.qbxml.validate import validate
from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.storage.store import Clock

from .ledger_helpers import copy_company

VERSION = "13.0"
CLOCK = Clock(fixed=datetime(2024, 4, 2, 9, 0, tzinfo=timezone(timedelta(hours=-5))))
D = Decimal


def _ref(name: str) -> dict[str, str]:
    return {"FullName": name}


class Books:
    """A session on a company file spoken to in qbXML (ledger tables read back for the
    double-entry invariant)."""

    def __init__(self, session: SandboxSession, path: Path) -> None:
        self.session = session
        self.path = path

    def rq(self, name: str, data: dict[str, Any] | None = None, expect: int = 0) -> Response:
        text = self.session.process(build([Message(name, data or {})], version=VERSION))
        assert validate(text, version=VERSION) == [], text
        response = parse_response(text)[0]
        assert response.status_code == expect, (response.status_code, response.status_message)
        return response

    def add(self, kind: str, data: dict[str, Any], expect: int = 0) -> dict[str, Any]:
        response = self.rq(f"{kind}Add", data, expect)
        return response.records[0] if response.records else {}

    def balance(self, account: str) -> Decimal:
        return D(self.rq("AccountQuery", {"FullName": account}).records[0]["Balance"])

    def stock(self, name: str) -> tuple[Decimal, Decimal]:
        record = self.rq("ItemQuery", {"FullName": name}).records[0]
        return D(record["QuantityOnHand"]), D(record["AverageCost"])

    def assert_balanced(self) -> None:
        with sqlite3.connect(self.path) as db:
            rows = db.execute("SELECT txn_id, SUM(amount_cents) FROM postings "
                              "GROUP BY txn_id").fetchall()
        assert [r for r in rows if r[1] != 0] == []

    def buy(self, item: str, quantity: int, cost: str, date: str = "2024-04-01") -> None:
        self.add("Bill", {"VendorRef": _ref("Parts Co"), "TxnDate": date,
                          "ItemLineAdd": [{"ItemRef": _ref(item), "Quantity": quantity,
                                           "Cost": cost}]})


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inventory") / "template.qbdb"
    create_company(path, clock=CLOCK)
    with SandboxSession(path, clock=CLOCK) as session:
        books = Books(session, path)
        books.add("Account", {"Name": "Sales", "AccountType": "Income"})
        books.add("Account", {"Name": "Shrinkage", "AccountType": "CostOfGoodsSold"})
        books.add("Vendor", {"Name": "Parts Co"})
        accounts = {"IncomeAccountRef": _ref("Sales"),
                    "COGSAccountRef": _ref("Cost of Goods Sold"),
                    "AssetAccountRef": _ref("Inventory Asset")}
        for name in ("Bolt", "Plate"):
            books.add("ItemInventory", {"Name": name, "SalesDesc": f"{name}, steel",
                                        **accounts})
        books.add("ItemNonInventory", {"Name": "Paint", "SalesOrPurchase": {
            "Price": 5, "AccountRef": _ref("Sales")}})
        books.add("ItemInventoryAssembly", {
            "Name": "Bracket", **accounts,
            "ItemInventoryAssemblyLine": [{"ItemInventoryRef": _ref("Bolt"), "Quantity": 4},
                                          {"ItemInventoryRef": _ref("Plate"), "Quantity": 1}]})
    return path


@pytest.fixture
def books(template: Path, tmp_path: Path):
    path = copy_company(template, tmp_path / "company.qbdb")
    with SandboxSession(path, clock=CLOCK) as session:
        yield Books(session, path)


def test_quantity_adjustments_move_stock_at_average_cost(books: Books) -> None:
    books.buy("Bolt", 10, "2")
    books.buy("Bolt", 10, "3")
    record = books.add("InventoryAdjustment", {
        "AccountRef": _ref("Shrinkage"), "TxnDate": "2024-04-02", "RefNumber": "ADJ-1",
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": _ref("Bolt"), "QuantityAdjustment": {"NewQuantity": 16}}]})
    line = record["InventoryAdjustmentLineRet"][0]
    assert (line["QuantityDifference"], line["ValueDifference"]) == (D(-4), D("-10.00"))
    assert books.stock("Bolt") == (D(16), D("2.50"))
    assert books.balance("Inventory Asset") == D("40.00")
    assert books.balance("Shrinkage") == D("10.00")
    books.add("InventoryAdjustment", {
        "AccountRef": _ref("Shrinkage"),
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": _ref("Bolt"), "QuantityAdjustment": {"QuantityDifference": 4}}]})
    assert books.stock("Bolt") == (D(20), D("2.50"))
    assert books.balance("Shrinkage") == D(0)
    books.assert_balanced()


def test_out_of_stock_average_cost_is_the_last_one_or_the_purchase_cost(books: Books) -> None:
    # [008, 011, 031, 036]: never in stock -> the purchase cost; sold out -> the last average.
    books.add("ItemInventory", {"Name": "Nut", "PurchaseCost": "1.11",
                                "IncomeAccountRef": _ref("Sales"),
                                "COGSAccountRef": _ref("Cost of Goods Sold"),
                                "AssetAccountRef": _ref("Inventory Asset")})
    assert books.stock("Nut") == (D(0), D("1.11"))
    books.buy("Nut", 2, "5")
    assert books.stock("Nut") == (D(2), D("5.00"))
    books.add("InventoryAdjustment", {
        "AccountRef": _ref("Shrinkage"),
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": _ref("Nut"), "QuantityAdjustment": {"NewQuantity": 0}}]})
    assert books.stock("Nut") == (D(0), D("5.00"))
    assert books.balance("Inventory Asset") == D(0)
    books.assert_balanced()


def test_value_adjustment_changes_average_cost(books: Books) -> None:
    books.buy("Plate", 4, "10")
    record = books.add("InventoryAdjustment", {
        "AccountRef": _ref("Shrinkage"),
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": _ref("Plate"), "ValueAdjustment": {"NewValue": 50}},
            {"ItemRef": _ref("Bolt"),
             "ValueAdjustment": {"QuantityDifference": 5, "ValueDifference": "7.5"}}]})
    plate, bolt = record["InventoryAdjustmentLineRet"]
    assert (plate["QuantityDifference"], plate["ValueDifference"]) == (D(0), D("10.00"))
    assert (bolt["QuantityDifference"], bolt["ValueDifference"]) == (D(5), D("7.50"))
    assert books.stock("Plate") == (D(4), D("12.50"))
    assert books.stock("Bolt") == (D(5), D("1.50"))
    assert books.balance("Inventory Asset") == D("57.50")
    assert books.balance("Shrinkage") == D("-17.50")
    books.assert_balanced()


def test_adjustment_mod_and_delete(books: Books) -> None:
    books.buy("Bolt", 10, "2")
    record = books.add("InventoryAdjustment", {
        "AccountRef": _ref("Shrinkage"),
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": _ref("Bolt"), "QuantityAdjustment": {"QuantityDifference": -3}}]})
    line_id = record["InventoryAdjustmentLineRet"][0]["TxnLineID"]
    changed = books.rq("InventoryAdjustmentMod", {
        "TxnID": record["TxnID"], "EditSequence": record["EditSequence"],
        "InventoryAdjustmentLineMod": [{"TxnLineID": line_id, "QuantityDifference": -5}]}
    ).records[0]
    line = changed["InventoryAdjustmentLineRet"][0]
    assert (line["TxnLineID"], line["QuantityDifference"], line["ValueDifference"]) == (
        line_id, D(-5), D("-10.00"))
    assert books.stock("Bolt") == (D(5), D("2.00"))
    assert books.balance("Shrinkage") == D("10.00")
    books.rq("TxnDel", {"TxnDelType": "InventoryAdjustment", "TxnID": record["TxnID"]})
    assert books.stock("Bolt") == (D(10), D("2.00"))
    assert books.balance("Shrinkage") == D(0) and books.balance("Inventory Asset") == D("20.00")
    books.assert_balanced()


def test_only_inventory_items_can_be_adjusted(books: Books) -> None:
    response = books.rq("InventoryAdjustmentAdd", {
        "AccountRef": _ref("Shrinkage"),
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": _ref("Paint"), "QuantityAdjustment": {"QuantityDifference": 1}}]},
        expect=3140)
    assert '"Paint"' in response.status_message
    books.rq("InventoryAdjustmentQuery", {}, expect=1)


def test_build_assembly_consumes_components_at_cost(books: Books) -> None:
    books.buy("Bolt", 20, "0.5")
    books.buy("Plate", 3, "6")
    record = books.add("BuildAssembly", {"ItemInventoryAssemblyRef": _ref("Bracket"),
                                         "TxnDate": "2024-04-02", "QuantityToBuild": 2})
    assert record["RefNumber"] == "1" and record["IsPending"] is False
    assert record["QuantityOnHand"] == D(2) and record["QuantityCanBuild"] == D(1)
    assert [(x["ItemRef"]["FullName"], x["Desc"], x["QuantityNeeded"], x["QuantityOnHand"])
            for x in record["ComponentItemLineRet"]] == [
        ("Bolt", "Bolt, steel", D(8), D(12)), ("Plate", "Plate, steel", D(2), D(1))]
    assert books.stock("Bracket") == (D(2), D("8.00"))          # 4 x 0.50 + 6.00
    assert books.stock("Bolt") == (D(12), D("0.50"))
    assert books.stock("Plate") == (D(1), D("6.00"))
    assert books.balance("Inventory Asset") == D("28.00")       # value moved, not made
    books.rq("BuildAssemblyAdd", {"ItemInventoryAssemblyRef": _ref("Bracket"),
                                  "QuantityToBuild": 2}, expect=3180)
    pending = books.add("BuildAssembly", {"ItemInventoryAssemblyRef": _ref("Bracket"),
                                          "QuantityToBuild": 2, "MarkPendingIfRequired": True})
    assert pending["IsPending"] is True and books.stock("Bracket")[0] == D(2)
    books.buy("Plate", 1, "6")
    still = books.rq("BuildAssemblyMod", {"TxnID": pending["TxnID"],
                                          "EditSequence": pending["EditSequence"],
                                          "Memo": "waiting"}).records[0]
    assert still["IsPending"] is True
    built = books.rq("BuildAssemblyMod", {"TxnID": pending["TxnID"],
                                          "EditSequence": still["EditSequence"],
                                          "RemovePending": True}).records[0]
    assert built["IsPending"] is False and books.stock("Bracket") == (D(4), D("8.00"))
    books.rq("TxnDel", {"TxnDelType": "BuildAssembly", "TxnID": record["TxnID"]})
    assert books.stock("Bracket")[0] == D(2) and books.stock("Bolt")[0] == D(12)
    assert books.balance("Inventory Asset") == D("34.00")
    books.assert_balanced()


def test_transfer_inventory_needs_multiple_sites(books: Books) -> None:
    response = books.rq("TransferInventoryAdd", {
        "FromInventorySiteRef": _ref("Back room"), "ToInventorySiteRef": _ref("Front"),
        "TransferInventoryLineAdd": [{"ItemRef": _ref("Bolt"), "QuantityToTransfer": 1}]},
        expect=3250)
    assert response.status_message == ("This feature is not enabled or not available in this "
                                       "version of QuickBooks.")
    books.rq("TransferInventoryQuery", {}, expect=1)


def test_new_item_with_opening_stock(books: Books) -> None:
    books.add("ItemInventory", {"Name": "Nut", "PurchaseCost": "0.25", "QuantityOnHand": 40,
                                "InventoryDate": "2024-01-01",
                                "IncomeAccountRef": _ref("Sales"),
                                "COGSAccountRef": _ref("Cost of Goods Sold"),
                                "AssetAccountRef": _ref("Inventory Asset")})
    assert books.stock("Nut") == (D(40), D("0.25"))
    books.add("ItemInventory", {"Name": "Washer", "QuantityOnHand": 10, "TotalValue": 3,
                                "IncomeAccountRef": _ref("Sales"),
                                "COGSAccountRef": _ref("Cost of Goods Sold"),
                                "AssetAccountRef": _ref("Inventory Asset")})
    assert books.stock("Washer") == (D(10), D("0.30"))
    assert books.balance("Inventory Asset") == D("13.00")
    assert books.balance("Opening Bal Equity") == D("13.00")
    books.rq("ListDel", {"ListDelType": "ItemInventory", "ListID": books.rq(
        "ItemQuery", {"FullName": "Nut"}).records[0]["ListID"]}, expect=3170)
    books.assert_balanced()


def test_build_query_returns_component_lines_when_asked(books: Books) -> None:
    books.buy("Bolt", 4, "1")
    books.buy("Plate", 1, "2")
    build_id = books.add("BuildAssembly", {"ItemInventoryAssemblyRef": _ref("Bracket"),
                                           "QuantityToBuild": 1})["TxnID"]
    plain = books.rq("BuildAssemblyQuery", {"TxnID": build_id}).records[0]
    assert "ComponentItemLineRet" not in plain
    full = books.rq("BuildAssemblyQuery", {"TxnID": build_id,
                                           "IncludeComponentLineItems": True}).records[0]
    assert [x["QuantityOnHand"] for x in full["ComponentItemLineRet"]] == [D(0), D(0)]
    assert full["QuantityCanBuild"] == D(0) and books.stock("Bracket") == (D(1), D("6.00"))


def test_inventory_asset_account_matches_the_stock_value(books: Books) -> None:
    books.add("Customer", {"Name": "Dana"})
    books.buy("Bolt", 30, "0.7")
    books.buy("Bolt", 13, "0.9", date="2024-04-02")
    books.buy("Plate", 7, "6.5")
    books.add("VendorCredit", {"VendorRef": _ref("Parts Co"),
                               "ItemLineAdd": [{"ItemRef": _ref("Bolt"), "Quantity": 3,
                                                "Cost": "0.95"}]})
    books.add("Invoice", {"CustomerRef": _ref("Dana"), "TxnDate": "2024-04-02",
                          "InvoiceLineAdd": [{"ItemRef": _ref("Plate"), "Quantity": 2,
                                              "Rate": 20}]})
    books.add("InventoryAdjustment", {
        "AccountRef": _ref("Shrinkage"), "TxnDate": "2024-04-02",
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": _ref("Bolt"), "QuantityAdjustment": {"QuantityDifference": -1}},
            {"ItemRef": _ref("Plate"), "ValueAdjustment": {"ValueDifference": "1.25"}}]})
    books.add("BuildAssembly", {"ItemInventoryAssemblyRef": _ref("Bracket"),
                                "TxnDate": "2024-04-02", "QuantityToBuild": 3})
    value = Decimal(0)
    for name in ("Bolt", "Plate", "Bracket"):
        quantity, average = books.stock(name)
        value += quantity * average
    assert books.stock("Bolt")[0] == D(27) and books.stock("Bracket")[0] == D(3)
    assert abs(books.balance("Inventory Asset") - value) < D("0.01")
    books.assert_balanced()


def _stock_in_new_session(path: Path, names: tuple[str, ...]) -> list[tuple[Decimal, Decimal]]:
    with SandboxSession(path, clock=CLOCK) as session:
        fresh = Books(session, path)
        return [fresh.stock(name) for name in names]


def test_stored_stock_figures_match_a_full_replay_in_a_new_session(books: Books) -> None:
    """Running figures are kept in the file (stock_state); a later session must read the same
    quantities and costs as one that replays every move, also after back-dated changes."""
    books.add("Customer", {"Name": "Lee"})
    books.buy("Bolt", 10, "2", date="2024-03-01")
    books.buy("Bolt", 10, "4", date="2024-03-05")
    invoice = books.add("Invoice", {
        "CustomerRef": _ref("Lee"), "TxnDate": "2024-03-10",
        "InvoiceLineAdd": [{"ItemRef": _ref("Bolt"), "Quantity": 5, "Rate": 9}]})
    books.buy("Bolt", 5, "1", date="2024-03-02")           # back in time: recomputed
    books.rq("InvoiceMod", {"TxnID": invoice["TxnID"], "EditSequence": invoice["EditSequence"],
                            "InvoiceLineMod": [{"TxnLineID": invoice["InvoiceLineRet"][0]
                                                ["TxnLineID"], "Quantity": 6}]})
    books.buy("Plate", 3, "7", date="2024-04-01")
    names = ("Bolt", "Plate")
    in_session = [books.stock(name) for name in names]
    assert in_session[0][0] == D(19)                        # 25 bought, 6 sold
    books.session.close()
    with sqlite3.connect(books.path) as db:
        stored = {r[0] for r in db.execute("SELECT item_id FROM stock_state")}
    assert stored, "no running figures were kept in the file"
    assert _stock_in_new_session(books.path, names) == in_session
    with sqlite3.connect(books.path) as db:
        db.execute("DELETE FROM stock_state")              # replayed when first needed
    assert _stock_in_new_session(books.path, names) == in_session
    with sqlite3.connect(books.path) as db:
        db.execute("DROP TABLE stock_state")               # a file from before the table
    assert _stock_in_new_session(books.path, names) == in_session
    with sqlite3.connect(books.path) as db:
        rebuilt = {r[0] for r in db.execute("SELECT item_id FROM stock_state")}
        moved = {r[0] for r in db.execute("SELECT item_id FROM stock_moves")}
    assert rebuilt == moved and len(moved) == 2
