"""What a writing session keeps in memory between statements (list rows, id counters, special
accounts, which renderings the file no longer holds) must never change an answer: not after
a failed request, not after another connection wrote to the same file, not after a Mod."""

from __future__ import annotations

import sqlite3
from decimal import Decimal as D
from pathlib import Path

import pytest

from qbconnector.qbxml.build import Message
from qbconnector.qbxml.parse import parse_response
from qbconnector.sandbox.storage import store as store_module
from qbconnector.sandbox.storage.store import Clock

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


# -- the cache never changes an answer ------------------------------------------------------------

def _workload(seed: int, steps: int) -> list[tuple[list[Message], str]]:
    """Message sets mixing adds, mods (renames, moved jobs, new prices), deletes, voids,
    payments, queries and requests that fail, some in one message set."""
    import random

    rng = random.Random(seed)
    sets: list[tuple[list[Message], str]] = [
        ([Message("CustomerAdd", {"Name": f"C{n}"}) for n in range(4)]
         + [Message("ItemServiceAdd", {"Name": f"I{n}", "SalesOrPurchase": {
             "Price": f"{5 + n}.00", "AccountRef": {"FullName": "Uncategorized Income"}}})
            for n in range(3)], "stopOnError")]
    customers = [f"C{n}" for n in range(4)]
    for step in range(steps):
        kind = rng.choice(["invoice", "invoice", "payment", "job", "rename", "price", "void",
                           "delete", "mixed"])
        who = rng.choice(customers)
        item = f"I{rng.randrange(3)}"
        if kind == "invoice":
            sets.append(([invoice(who, item, rng.randint(1, 4))], "stopOnError"))
        elif kind == "payment":
            sets.append(([Message("ReceivePaymentAdd", {
                "CustomerRef": {"FullName": who}, "TotalAmount": f"{rng.randint(1, 30)}.00",
                "IsAutoApply": True})], "continueOnError"))
        elif kind == "job":
            job = f"{who}:J{step}"
            sets.append(([Message("CustomerAdd", {"Name": f"J{step}",
                                                  "ParentRef": {"FullName": who}}),
                          invoice(job, item)], "stopOnError"))
            customers.append(job)
        elif kind == "rename":
            sets.append(([("rename", who)], "stopOnError"))      # filled in when run
        elif kind == "price":
            sets.append(([("price", item, f"{rng.randint(2, 40)}.00")], "stopOnError"))
        elif kind == "void":
            sets.append(([("void",)], "stopOnError"))
        elif kind == "delete":
            sets.append(([("delete-class", f"K{step}")], "stopOnError"))
        else:
            sets.append(([invoice(who, item), invoice("Nobody", item),
                          Message("CustomerQuery", {"FullName": who}), invoice(who, item, 2)],
                         rng.choice(["stopOnError", "continueOnError"])))
    return sets


def _run(qb: QB, clock: Clock, sets: list[tuple[list[Message], str]]) -> list[str]:
    """Send every message set; the answers as text (the clock is pinned, so ids repeat)."""
    from qbconnector.qbxml.build import build

    answers = []
    renamed: dict[str, str] = {}
    last_invoice: list[str] = []
    for messages, on_error in sets:
        clock.advance(1)
        ready: list[Message] = []
        for m in messages:
            if isinstance(m, Message):
                ready.append(m)
                continue
            if m[0] == "rename":
                found = qb.all("CustomerQuery", {"FullName": renamed.get(m[1], m[1])})
                if found:
                    c = found[0]
                    ready.append(Message("CustomerMod", {
                        "ListID": c["ListID"], "EditSequence": c["EditSequence"],
                        "Name": c["Name"] + "x"}))
            elif m[0] == "price":
                it = qb.ok("ItemServiceQuery", {"FullName": m[1]})
                ready.append(Message("ItemServiceMod", {
                    "ListID": it["ListID"], "EditSequence": it["EditSequence"],
                    "SalesOrPurchaseMod": {"Price": m[2]}}))
            elif m[0] == "void" and last_invoice:
                ready.append(Message("TxnVoid", {"TxnVoidType": "Invoice",
                                                 "TxnID": last_invoice.pop()}))
            elif m[0] == "delete-class":
                added = qb.ok("ClassAdd", {"Name": m[1]})
                ready.append(Message("ListDel", {"ListDelType": "Class",
                                                 "ListID": added["ListID"]}))
                # The deleted class, by its ListID, in the same message set: 3140.
                ready.append(Message("InvoiceAdd", {
                    "CustomerRef": {"FullName": "C0"},
                    "ClassRef": {"ListID": added["ListID"]},
                    "InvoiceLineAdd": [{"ItemRef": {"FullName": "I0"}}]}))
                on_error = "continueOnError"
        if not ready:
            continue
        text = qb.raw(build(ready, version=qb.version, on_error=on_error))
        answers.append(text)
        for rs in parse_response(text):
            for record in rs.records:
                if rs.name == "InvoiceAddRs":
                    last_invoice.append(record["TxnID"])
    return answers


def _dump(path: Path) -> list[tuple]:
    import sqlite3

    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT id, type, doc, balance, total_balance, open_amount, "
                          "edit_sequence, full_name, parent_id FROM records ORDER BY id"
                          ).fetchall() + db.execute(
            "SELECT * FROM postings ORDER BY 1, 2, 3").fetchall() + db.execute(
            "SELECT * FROM counters ORDER BY name").fetchall()
    finally:
        db.close()


def test_the_write_cache_changes_no_answer_over_a_mixed_workload(
        empty_company_template: Path, tmp_path: Path) -> None:
    import shutil

    from .conftest import SANDBOX_NOW

    sets = _workload(seed=7, steps=80)
    results = []
    for caching in (True, False):
        path = tmp_path / f"cache-{caching}.qbdb"
        shutil.copyfile(empty_company_template, path)
        clock = Clock(fixed=SANDBOX_NOW)
        session = open_session(path, clock)
        session.store.write_cache = caching
        try:
            answers = _run(QB(session), clock, sets)
        finally:
            session.close()
        results.append((answers, _dump(path)))
    (cached_answers, cached_rows), (plain_answers, plain_rows) = results
    assert len(cached_answers) > 80
    assert any('statusCode="3140"' in a for a in cached_answers)     # failures happened
    assert any("TxnVoidRs" in a for a in cached_answers)
    assert any("ListDelRs" in a and 'statusCode="3140"' in a for a in cached_answers)
    for n, (a, b) in enumerate(zip(cached_answers, plain_answers, strict=True)):
        assert a == b, f"message set {n} answered differently"
    assert cached_rows == plain_rows


def test_item_and_customer_facts_kept_between_requests_follow_a_mod(qb: QB) -> None:
    """An item's price and a customer's terms are kept in memory from one request to the
    next while the session writes; a Mod in the same session is seen by the next invoice."""
    qb.ok("StandardTermsAdd", {"Name": "Net 10", "StdDueDays": 10})
    customer = qb.ok("CustomerAdd", {"Name": "Buyer"})
    add_item(qb, "Work", "10.00")
    first = qb.ok("InvoiceAdd", {**invoice("Buyer", "Work").data, "TxnDate": "2024-03-01"})
    assert (first["Subtotal"], first["DueDate"]) == (D("10.00"), first["TxnDate"])
    work = qb.ok("ItemServiceQuery", {"FullName": "Work"})
    qb.ok("ItemServiceMod", {"ListID": work["ListID"], "EditSequence": work["EditSequence"],
                             "SalesOrPurchaseMod": {"Price": "25.00"}})
    qb.ok("CustomerMod", {"ListID": customer["ListID"], "EditSequence": customer["EditSequence"],
                          "TermsRef": {"FullName": "Net 10"}})
    second = qb.ok("InvoiceAdd", {**invoice("Buyer", "Work").data, "TxnDate": "2024-03-01"})
    assert second["Subtotal"] == D("25.00")
    assert str(second["DueDate"]) == "2024-03-11"


def test_automatic_reference_numbers_counted_in_memory(qb: QB) -> None:
    """Invoice numbers continue the highest number used, across a failed request, a message
    set of several and a new session alike."""
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    add_item(qb, "Work", "10.00")
    assert qb.ok("InvoiceAdd", invoice("Buyer", "Work").data)["RefNumber"] == "1"
    numbered = {**invoice("Buyer", "Work").data, "RefNumber": "500"}
    responses = qb.send(Message("InvoiceAdd", numbered), invoice("Nobody", "Work"),
                        on_error="stopOnError")
    assert [r.status_code for r in responses] == [0, 3140]
    responses = qb.send(invoice("Buyer", "Work"), invoice("Buyer", "Work"))
    assert [r.records[0]["RefNumber"] for r in responses] == ["501", "502"]
    # A request that fails after taking a number takes nothing: the next one is 503.
    failing = Message("InvoiceAdd", {**invoice("Buyer", "Work").data, "RefNumber": "900",
                                     "InvoiceLineAdd": [{"ItemRef": {"FullName": "Nothing"}}]})
    assert qb.send(failing)[0].status_code == 3140
    assert qb.ok("InvoiceAdd", invoice("Buyer", "Work").data)["RefNumber"] == "503"


def test_a_transaction_whose_cache_check_fails_is_not_left_open(company_path: Path) -> None:
    """BEGIN succeeded, then reading the data version failed: the writer's lock is given
    back and the store begins again cleanly once the failure is gone."""
    db = store_module.open_company_file(company_path)
    store = store_module.Store(db)
    other = sqlite3.connect(company_path, isolation_level=None, timeout=0)
    try:
        def deny_data_version(action: int, arg1: str | None, *rest: object) -> int:
            refused = action == sqlite3.SQLITE_PRAGMA and arg1 == "data_version"
            return sqlite3.SQLITE_DENY if refused else sqlite3.SQLITE_OK

        db.set_authorizer(deny_data_version)
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            store.begin(True)
        assert not db.in_transaction and not store.writing
        other.execute("BEGIN IMMEDIATE")        # the write lock is free (timeout 0)
        other.execute("ROLLBACK")
        db.set_authorizer(None)
        store.begin(True)
        assert db.in_transaction and store.writing
        store.commit()
        assert not db.in_transaction
    finally:
        other.close()
        db.close()
