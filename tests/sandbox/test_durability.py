"""Several processes on one company file; writers killed at any moment.

Writes are serialised by SQLite's write lock, reads see a snapshot and never wait for a
writer (WAL), and a write that was answered survives the writer being killed (SIGKILL) at
any moment; the file keeps passing SQLite's integrity check.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.validate import validate
from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.engine.session import SandboxSession

WORKER = Path(__file__).with_name("durability_worker.py")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")


@pytest.fixture
def company(tmp_path: Path) -> Path:
    return create_company(tmp_path / "shared.qbdb")


def worker(*args: str, stdin: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WORKER), *args], stdout=subprocess.PIPE,
                            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def customers(path: Path) -> list[dict]:
    with SandboxSession(path) as session:
        text = session.process(build([Message("CustomerQuery", {"ActiveStatus": "All"})],
                                     version="13.0"))
    assert validate(text, "13.0") == []
    response = parse_response(text)[0]
    return list(response.records)


def integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def test_concurrent_writers_are_serialised(company: Path) -> None:
    writers, each = 4, 30
    processes = [worker("add", str(company), f"Writer {w}", str(each)) for w in range(writers)]
    acknowledged = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        lines = out.split("\n")
        assert lines[0] == "ready" and "done" in lines
        answers = [line.split() for line in lines[1:] if line and line not in ("done",)]
        assert len(answers) == each
        assert all(code == "0" for code, _ in answers), answers
        acknowledged += [list_id for _, list_id in answers]
    found = customers(company)
    ids = [c["ListID"] for c in found]
    assert len(found) == writers * each
    assert len(set(ids)) == len(ids) == len(set(acknowledged))
    assert set(ids) == set(acknowledged)
    names = {c["Name"] for c in found}
    assert names == {f"Writer {w} {i:05d}" for w in range(writers) for i in range(each)}
    assert integrity(company) == "ok"
    db = sqlite3.connect(company)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_readers_do_not_wait_for_a_writer(company: Path) -> None:
    """A reader queries while another process holds the write lock (and an uncommitted
    customer): the query is answered at once, from the last committed state."""
    before = len(customers(company))
    holder = worker("hold", str(company), "Uncommitted Customer", stdin=True)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "holding"
        # The write lock is held now; this query must be answered while it still is.
        during = customers(company)
        assert holder.poll() is None                     # still holding the lock
        assert len(during) == before
        assert "Uncommitted Customer" not in {c["Name"] for c in during}
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "committed"
    finally:
        holder.kill() if holder.poll() is None else None
        holder.wait(timeout=30)
    after = customers(company)
    assert "Uncommitted Customer" in {c["Name"] for c in after}
    assert len(after) == before + 1


def test_a_second_writer_waits_for_the_first(company: Path) -> None:
    """While one process holds the write lock, another's write is not answered; it is once
    the lock is released (SQLite's busy timeout makes it wait rather than fail)."""
    holder = worker("hold", str(company), "First Writer", stdin=True)
    answered = threading.Event()
    result: dict[str, str] = {}
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "holding"

        def second() -> None:
            with SandboxSession(company) as session:
                text = session.process(build([Message("CustomerAdd",
                                                      {"Name": "Second Writer"})],
                                             version="13.0"))
            result["status"] = parse_response(text)[0].status_code
            answered.set()

        thread = threading.Thread(target=second)
        thread.start()
        # Not answered while the first writer holds the lock (it holds it until told).
        assert not answered.wait(1.0)
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "committed"
        thread.join(timeout=60)
        assert answered.is_set() and result["status"] == 0
    finally:
        holder.kill() if holder.poll() is None else None
        holder.wait(timeout=30)
    names = [c["Name"] for c in customers(company)]
    assert "First Writer" in names and "Second Writer" in names


def test_killed_writers_lose_no_acknowledged_write(company: Path) -> None:
    """Kill a writer with SIGKILL at random moments, many times: every write it reported
    as answered is in the file, and the file passes SQLite's integrity check."""
    rng = random.Random(20240607)
    acknowledged: list[str] = []
    rounds = 20
    for round_number in range(rounds):
        process = worker("add", str(company), f"Round {round_number:02d}", "100000")
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.35))   # a random moment to kill it at
        os.kill(process.pid, signal.SIGKILL)
        out, _ = process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        # Only complete lines were acknowledged: the last one may be cut by the kill.
        complete = out.split("\n")[:-1]
        for line in complete:
            code, list_id = line.split()
            assert code == "0"
            acknowledged.append(list_id)
        assert integrity(company) == "ok"
    assert len(acknowledged) > rounds             # writers did get answers before dying
    found = {c["ListID"] for c in customers(company)}
    missing = [i for i in acknowledged if i not in found]
    assert missing == []
    assert len(set(acknowledged)) == len(acknowledged)
    # The file is still a working company file.
    with SandboxSession(company) as session:
        text = session.process(build([Message("CustomerAdd", {"Name": "After The Kills"})],
                                     version="13.0"))
    assert parse_response(text)[0].status_code == 0
    assert integrity(company) == "ok"


def test_a_connection_sees_what_another_committed(company: Path) -> None:
    """Figures a session keeps between its writes (running stock) follow what another
    connection committed in between."""
    def ask(session: SandboxSession, *messages: Message) -> list:
        text = session.process(build(list(messages), version="13.0"))
        assert validate(text, "13.0") == []
        responses = list(parse_response(text))
        assert all(r.status_code == 0 for r in responses), [r.status_message for r in responses]
        return [r.records[0] for r in responses]

    first = SandboxSession(company)
    second = SandboxSession(company)
    with first, second:
        ask(first, Message("AccountAdd", {"Name": "Sales", "AccountType": "Income"}),
            Message("CustomerAdd", {"Name": "Stock Buyer"}))
        item, = ask(first, Message("ItemInventoryAdd", {
            "Name": "Widget", "SalesPrice": Decimal("9.00"), "PurchaseCost": Decimal("4.00"),
            "IncomeAccountRef": {"FullName": "Sales"},
            "COGSAccountRef": {"FullName": "Cost of Goods Sold"},
            "AssetAccountRef": {"FullName": "Inventory Asset"},
            "QuantityOnHand": Decimal(10)}))

        def sell(session: SandboxSession, quantity: int) -> None:
            ask(session, Message("InvoiceAdd", {
                "CustomerRef": {"FullName": "Stock Buyer"},
                "InvoiceLineAdd": [{"ItemRef": {"FullName": "Widget"},
                                    "Quantity": Decimal(quantity)}]}))

        sell(first, 2)
        sell(second, 3)          # another connection, between two writes of the first
        modified, = ask(first, Message("ItemInventoryMod", {
            "ListID": item["ListID"], "EditSequence": item["EditSequence"],
            "SalesDesc": "Blue widget"}))
        assert modified["QuantityOnHand"] == 5
