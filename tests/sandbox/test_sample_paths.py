"""The sample written in bulk is what the rules make one request at a time.

The ``small`` sample is created twice with the same seed and clock: in bulk (the default, as
every other test uses it) and with every record sent as its own ``*AddRq`` message set
through the session, as a client would. Every table holds the same rows, byte for byte (the
cached renderings and the stock figures too), and every query and report answers the same.
Only how SQLite lays the rows out in pages may differ (bulk writes fewer, larger
transactions), so the comparison is of rows, not of pages.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.storage.store import Clock

from .mixed_workload import Client, Recorder, opened, read_everything
from .sample_files import CREATED, small_company

# Tables keyed by name are compared in key order (the order in which the bulk writer first
# writes its in-memory counters, or an item's figures are first stored, is not content); the
# others in the order rows were written.
KEYS = {"counters": "name", "meta": "key", "stock_state": "item_id"}


def rows(path: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                           "ORDER BY name")]
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY "  # noqa: S608
                              f"{KEYS.get(t, 'rowid')}").fetchall() for t in tables}
    finally:
        db.close()


def answers(path: Path, workdir: Path) -> dict[str, str]:
    copy = workdir / f"read-{path.name}"
    shutil.copyfile(path, copy)
    recorder = Recorder()
    clock = Clock(fixed=CREATED)
    with opened(copy, clock) as session:
        read_everything(Client(session, clock, recorder, "read"))
    return recorder.texts


@pytest.fixture(scope="module")
def one_by_one(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("one-by-one") / "small.qbdb"
    create_company(path, sample="small", seed=0, clock=Clock(fixed=CREATED), one_by_one=True)
    return path


def test_every_table_holds_the_same_rows(tmp_path_factory: pytest.TempPathFactory,
                                         one_by_one: Path) -> None:
    bulk = rows(small_company(tmp_path_factory))
    slow = rows(one_by_one)
    assert list(bulk) == list(slow)
    for table in ("records", "postings", "stock_moves", "stock_state", "links", "counters",
                  "meta"):
        assert len(bulk[table]) > 5, table
    for table in bulk:
        assert bulk[table] == slow[table], table


def test_every_query_and_report_answers_alike(tmp_path_factory: pytest.TempPathFactory,
                                              one_by_one: Path, tmp_path: Path) -> None:
    bulk = answers(small_company(tmp_path_factory), tmp_path)
    slow = answers(one_by_one, tmp_path)
    assert len(bulk) > 100
    assert list(bulk) == list(slow)
    differing = [name for name in bulk if bulk[name] != slow[name]]
    assert not differing, differing[:5]
    assert any("<InvoiceRet>" in text for text in bulk.values())
