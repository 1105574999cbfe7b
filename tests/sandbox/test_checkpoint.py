"""Checkpoints off the request path (storage/checkpoint.py): commits reach the company file
without a request paying for it, and closing the last connection still folds the log into
the file and removes it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.storage import checkpoint
from qbconnector.sandbox.storage.store import Clock


def add_customers(session: SandboxSession, count: int, prefix: str) -> None:
    for n in range(count):
        text = session.process(build([Message("CustomerAdd", {"Name": f"{prefix} {n}"})],
                                     version="13.0"))
        assert parse_response(text)[0].status_code == 0


def file_customers(path: Path) -> int:
    """Customers in the company file itself, the log left out (as a copy of the file alone
    would have them)."""
    copy = path.with_name("file-only.qbdb")
    copy.write_bytes(path.read_bytes())
    db = sqlite3.connect(copy)
    try:
        return db.execute("SELECT COUNT(*) FROM records WHERE type='Customer'").fetchone()[0]
    except sqlite3.DatabaseError:        # copied while a checkpoint was writing it
        return -1
    finally:
        db.close()
        copy.unlink()


def test_commits_reach_the_file_from_the_background(company_path: Path, clock: Clock) -> None:
    with SandboxSession(company_path, clock=clock) as session:
        add_customers(session, checkpoint.COMMITS_PER_CHECKPOINT + 4, "Background")
        assert checkpoint.running(company_path)
        deadline = time.monotonic() + 10
        while file_customers(company_path) < checkpoint.COMMITS_PER_CHECKPOINT and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        # The writer's own automatic checkpoint waits for SAFETY_PAGES: these few commits
        # are in the file because the background thread copied them there.
        assert file_customers(company_path) >= checkpoint.COMMITS_PER_CHECKPOINT
    assert not checkpoint.running(company_path)


def test_the_last_close_folds_the_log_into_the_file(company_path: Path, clock: Clock) -> None:
    first = SandboxSession(company_path, clock=clock)
    second = SandboxSession(company_path, clock=clock)
    first.open()
    second.open()
    add_customers(first, 3, "First")
    add_customers(second, 3, "Second")
    first.close()
    assert checkpoint.running(company_path)        # the file is still open in `second`
    second.close()
    assert not checkpoint.running(company_path)
    assert not Path(f"{company_path}-wal").exists()
    assert file_customers(company_path) == 6


def test_a_session_that_only_reads_starts_no_thread(company_path: Path, clock: Clock) -> None:
    with SandboxSession(company_path, clock=clock) as session:
        text = session.process(build([Message("AccountQuery", {})], version="13.0"))
        assert parse_response(text)[0].status_code == 0
        assert not checkpoint.running(company_path)


def test_near_the_safety_size_the_thread_checkpoints_every_commit(
        company_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a steady stream of commits the log nears SAFETY_PAGES; from CATCH_UP_SHARE of
    it the thread checkpoints after every commit, so the writer that restarts the log at
    SAFETY_PAGES has almost nothing left to copy — and the log does restart."""
    monkeypatch.setattr(checkpoint, "SAFETY_PAGES", 120)   # read when the file is opened
    with SandboxSession(company_path, clock=clock) as session:
        add_customers(session, 1, "Warm")
        checkpointer = checkpoint.of(company_path)
        assert checkpointer is not None
        caught_up = restarted = False
        highest = 0
        deadline = time.monotonic() + 30
        n = 0
        while not (caught_up and restarted) and time.monotonic() < deadline:
            add_customers(session, 1, f"Stream {n}")
            n += 1
            time.sleep(0.002)            # let the thread run between commits
            caught_up = caught_up or checkpointer.catching_up
            pages = checkpointer.log_pages
            if pages < highest and caught_up:
                restarted = True         # the writer restarted the log after catching up
            highest = max(highest, pages)
        assert caught_up, f"never caught up (log at most {highest} pages after {n} commits)"
        assert restarted, f"the log never restarted (at most {highest} pages)"
        assert highest >= 120 * checkpoint.CATCH_UP_SHARE
