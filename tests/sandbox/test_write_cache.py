"""What a writing session keeps in memory between statements (list rows, id counters, special
accounts, which renderings the file no longer holds) must never change an answer: not after
a failed request, not after another connection wrote to the same file, not after a Mod."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from qbconnector.qbxml.build import Message
from qbconnector.sandbox.store import Clock

from .conftest import QB, open_session


def counter(record_id: str) -> int:
    return int(record_id.split("-")[0], 16)


def add_item(qb: QB, name: str, price: str) -> None:
    qb.ok("ItemServiceAdd", {"Name": name, "SalesOrPurchase": {
        "Price": price, "AccountRef": {"FullName": "Uncategorized Income"}}})


def invoice(name: str, item: str, quantity: int = 1) -> Message:
    return Message("InvoiceAdd", {"CustomerRef": {"FullName": name}, "InvoiceLineAdd": [
        {"ItemRef": {"FullName": item}, "Quantity": quantity}]})


def test_ids_continue_after_a_failed_request_and_in_a_new_session(
        qb: QB, company_path: Path, clock: Clock) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    add_item(qb, "Work", "10.00")
    responses = qb.send(invoice("Buyer", "Work"), invoice("Nobody", "Work"),
                        invoice("Buyer", "Work"), on_error="continueOnError")
    assert [r.status_code for r in responses] == [0, 3140, 0]
    first, third = responses[0].records[0], responses[2].records[0]
    # The failed request used no ids: the third invoice follows the first one's line.
    first_line = first["InvoiceLineRet"][0]["TxnLineID"]
    assert counter(third["TxnID"]) == counter(first_line) + 1
    # What was counted in memory reached the file: another session goes on from there.
    other = QB(open_session(company_path, clock))
    try:
        customer = other.ok("CustomerAdd", {"Name": "Second buyer"})
        again = other.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"},
                                        "InvoiceLineAdd": [{"ItemRef": {"FullName": "Work"}}]})
    finally:
        other.session.close()
    assert counter(again["TxnID"]) == counter(third["InvoiceLineRet"][0]["TxnLineID"]) + 1
    work = qb.ok("ItemServiceQuery", {"FullName": "Work"})
    assert counter(customer["ListID"]) == counter(work["ListID"]) + 1


def test_two_sessions_writing_in_turn_never_share_an_id(
        qb: QB, company_path: Path, clock: Clock) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    add_item(qb, "Work", "10.00")
    other = QB(open_session(company_path, clock))
    ids: list[str] = []
    try:
        for turn in range(6):
            writer = qb if turn % 2 == 0 else other
            record = writer.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"},
                                              "InvoiceLineAdd": [
                                                  {"ItemRef": {"FullName": "Work"}}]})
            ids += [record["TxnID"], record["InvoiceLineRet"][0]["TxnLineID"]]
            ids.append(writer.ok("ClassAdd", {"Name": f"Class {turn}"})["ListID"])
    finally:
        other.session.close()
    assert len(set(ids)) == len(ids)
    txn_counters = [counter(i) for n, i in enumerate(ids) if n % 3 != 2]
    assert txn_counters == sorted(txn_counters)


def test_a_list_record_changed_by_another_session_is_read_afresh(
        qb: QB, company_path: Path, clock: Clock) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    add_item(qb, "Work", "10.00")
    assert qb.ok("InvoiceAdd", invoice("Buyer", "Work").data)["Subtotal"] == D("10.00")
    other = QB(open_session(company_path, clock))
    try:
        work = other.ok("ItemServiceQuery", {"FullName": "Work"})
        other.ok("ItemServiceMod", {"ListID": work["ListID"],
                                    "EditSequence": work["EditSequence"],
                                    "SalesOrPurchaseMod": {"Price": "25.00"}})
    finally:
        other.session.close()
    # This session had the item in memory from its own last write.
    assert qb.ok("InvoiceAdd", invoice("Buyer", "Work").data)["Subtotal"] == D("25.00")


def test_a_rendering_saved_inside_a_write_is_cleared_by_the_next_change(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    add_item(qb, "Work", "10.00")
    query = Message("CustomerQuery", {"FullName": "Buyer"})
    # One message set: a change, a query that keeps the customer's rendering, a change.
    responses = qb.send(invoice("Buyer", "Work"), query, invoice("Buyer", "Work", 2), query)
    assert [r.records[0]["Balance"] for r in responses[1::2]] == [D("10.00"), D("30.00")]
    assert qb.ok("CustomerQuery", {"FullName": "Buyer"})["Balance"] == D("30.00")


def test_a_mod_that_fails_after_changing_rows_leaves_nothing_behind(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    add_item(qb, "Work", "10.00")
    qb.ok("InvoiceAdd", invoice("Buyer", "Work").data)
    work = qb.ok("ItemServiceQuery", {"FullName": "Work"})
    # The Mod succeeds, the next request fails, stopOnError: the Mod stays, nothing else.
    responses = qb.send(
        Message("ItemServiceMod", {"ListID": work["ListID"], "EditSequence": work["EditSequence"],
                                   "SalesOrPurchaseMod": {"Price": "40.00"}}),
        invoice("Nobody", "Work"), invoice("Buyer", "Work"))
    assert [r.status_code for r in responses] == [0, 3140, 3231]
    assert qb.ok("InvoiceAdd", invoice("Buyer", "Work").data)["Subtotal"] == D("40.00")
    assert qb.ok("CustomerQuery", {"FullName": "Buyer"})["Balance"] == D("50.00")
