"""Idle connections handed from one sandbox session to the next (what the connector's
per-request sessions use): reused only for the very same file, never across a replaced or
deleted one, and closed (log checkpointed into the file) when the pool closes."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.sandbox import ConnectionPool, SandboxSession, SandboxSessions
from qbconnector.sandbox.engine import session as session_module
from qbconnector.sandbox.storage.store import Clock

from .conftest import SANDBOX_VERSION


def ask(session: SandboxSession, name: str, data: dict | None = None) -> list:
    session.open()
    try:
        answer = session.process(build([Message(name, data)], version=SANDBOX_VERSION))
    finally:
        session.close()
    response = parse_response(answer)[0]
    assert response.status_code in (0, 1), response.status_message
    return response.records


def customers(session: SandboxSession) -> list[str]:
    return [r["Name"] for r in ask(session, "CustomerQuery")]


def test_the_next_session_on_the_file_takes_the_connection(company_path: Path,
                                                          clock: Clock) -> None:
    pool = ConnectionPool()
    try:
        first = SandboxSession(company_path, clock=clock, connections=pool)
        ask(first, "CustomerAdd", {"Name": "Pooled"})
        assert pool.idle_count == 1
        second = SandboxSession(company_path, clock=clock, connections=pool)
        second.open()
        reused = second.store.db
        assert pool.idle_count == 0
        second.close()
        third = SandboxSession(company_path, clock=clock, connections=pool)
        third.open()
        assert third.store.db is reused       # one connection, session after session
        # Each session is new all the same: no iterator or cache of the one before.
        assert third.iterators == {} and third.store.cache == {}
        third.close()
        assert customers(SandboxSession(company_path, clock=clock, connections=pool)) == [
            "Pooled"]
    finally:
        pool.close()
    assert pool.idle_count == 0


def _customer_added_beside_a_copy_without(pool: ConnectionPool, company_path: Path,
                                          clock: Clock, tmp_path: Path) -> Path:
    """A copy of the company as it is, then a customer added through the pool: the copy is
    the other file that later takes the company's place."""
    copy = tmp_path / "before.qbdb"
    shutil.copyfile(company_path, copy)          # the company without any customer
    ask(SandboxSession(company_path, clock=clock, connections=pool), "CustomerAdd",
        {"Name": "Only in the first file"})
    return copy


def _move_into_place(copy: Path, company_path: Path) -> None:
    """Another file moved into the company's place (a restore from backup, say)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{company_path}{suffix}").unlink(missing_ok=True)
    copy.replace(company_path)


def test_a_replaced_file_is_opened_afresh(company_path: Path, clock: Clock,
                                          tmp_path: Path) -> None:
    pool = ConnectionPool()
    try:
        copy = _customer_added_beside_a_copy_without(pool, company_path, clock, tmp_path)
        assert pool.idle_count == 1
        pool_db = pool._idle[str(company_path.absolute())][0][0]
        _move_into_place(copy, company_path)
        assert customers(SandboxSession(company_path, clock=clock, connections=pool)) == []
        with pytest.raises(sqlite3.ProgrammingError):
            pool_db.execute("SELECT 1")               # the stale connection was closed
    finally:
        pool.close()


def test_a_file_replaced_while_a_reading_session_holds_the_connection_is_opened_afresh(
        company_path: Path, clock: Clock, tmp_path: Path) -> None:
    """A session that wrote nothing hands its connection back as the file was when it took it
    (without looking again), so the next session notices the file changed under it."""
    pool = ConnectionPool()
    try:
        copy = _customer_added_beside_a_copy_without(pool, company_path, clock, tmp_path)
        reader = SandboxSession(company_path, clock=clock, connections=pool)
        reader.open()                                # a reused connection, writing nothing
        held = reader.store.db
        assert "<HostRet>" in reader.process(build([Message("HostQuery")],
                                                   version=SANDBOX_VERSION))
        _move_into_place(copy, company_path)         # while the session is open
        reader.close()
        assert pool.idle_count == 1
        assert customers(SandboxSession(company_path, clock=clock, connections=pool)) == []
        with pytest.raises(sqlite3.ProgrammingError):
            held.execute("SELECT 1")                 # the stale connection was closed
    finally:
        pool.close()


def test_a_deleted_file_cannot_be_opened(company_path: Path, clock: Clock) -> None:
    pool = ConnectionPool()
    try:
        ask(SandboxSession(company_path, clock=clock, connections=pool), "HostQuery")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{company_path}{suffix}").unlink(missing_ok=True)
        with pytest.raises(RequestProcessorError) as caught:
            SandboxSession(company_path, clock=clock, connections=pool).open()
        assert caught.value.hresult == catalogue.HR_COULD_NOT_OPEN_FILE
        assert pool.idle_count == 0
    finally:
        pool.close()


def test_closing_the_pool_puts_everything_in_the_file(company_path: Path, clock: Clock,
                                                      tmp_path: Path) -> None:
    pool = ConnectionPool()
    ask(SandboxSession(company_path, clock=clock, connections=pool), "CustomerAdd",
        {"Name": "Written"})
    pool.close()
    # The company file alone, without its log, holds the customer: the log was checkpointed.
    alone = tmp_path / "alone.qbdb"
    shutil.copyfile(company_path, alone)
    assert customers(SandboxSession(alone, clock=clock)) == ["Written"]
    # A closed pool can still be used (a server started again).
    ask(SandboxSession(company_path, clock=clock, connections=pool), "HostQuery")
    assert pool.idle_count == 1
    pool.close()


def test_idle_connections_are_closed_after_the_idle_time(company_path: Path,
                                                        clock: Clock) -> None:
    pool = ConnectionPool(idle_seconds=0.05)
    try:
        ask(SandboxSession(company_path, clock=clock, connections=pool), "HostQuery")
        deadline = time.monotonic() + 10
        while pool.idle_count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pool.idle_count == 0
    finally:
        pool.close()


def test_at_most_per_file_idle_connections_are_kept(company_path: Path, clock: Clock) -> None:
    pool = ConnectionPool(per_file=2)
    try:
        sessions = [SandboxSession(company_path, clock=clock, connections=pool)
                    for _ in range(4)]
        for session in sessions:
            session.open()
        for session in sessions:
            session.close()
        assert pool.idle_count == 2
    finally:
        pool.close()


def test_the_server_factory_names_the_file_and_refuses_none(company_path: Path) -> None:
    factory = SandboxSessions()
    try:
        with pytest.raises(RequestProcessorError) as caught:
            factory(SessionOptions())
        assert caught.value.hresult == catalogue.HR_COULD_NOT_OPEN_FILE
        session = factory(SessionOptions(company_file=str(company_path)))
        assert session.connections is factory.connections
        assert ask(session, "HostQuery")
        fixed = SandboxSessions(company_path, fixed=True, connections=factory.connections)
        assert fixed(SessionOptions(company_file="elsewhere.qbdb")).path == company_path
    finally:
        factory.close()
    assert factory.connections.idle_count == 0


def test_the_server_factory_fills_in_its_file_once_per_options_object(
        company_path: Path) -> None:
    """Options naming no file get the factory's, as a copy made once per options object;
    everything else they say is kept, and other options get a copy of their own."""
    factory = SandboxSessions(company_path)
    try:
        asked = SessionOptions(app_name="Shop", read_only=True)
        first, second = factory(asked), factory(asked)
        assert first.options is second.options
        assert first.options == dataclasses.replace(asked, company_file=str(company_path))
        assert asked.company_file == ""                  # the caller's options untouched
        other = factory(SessionOptions(app_name="Other"))
        assert other.options.app_name == "Other"
        assert other.options.company_file == str(company_path)
        assert not other.options.read_only
        named = SessionOptions(company_file=str(company_path))
        assert factory(named).options is named          # already naming it: as given
        for n in range(session_module.PLACED_AT_MOST + 10):   # bounded, still right
            options = SessionOptions(app_id=str(n))
            placed = factory(options).options
            assert (placed.app_id, placed.company_file) == (str(n), str(company_path))
        assert len(factory._placed) <= session_module.PLACED_AT_MOST
    finally:
        factory.close()


def test_a_reused_connection_given_back_to_a_full_pool_is_closed(company_path: Path,
                                                                 clock: Clock) -> None:
    pool = ConnectionPool(per_file=1)
    try:
        first = SandboxSession(company_path, clock=clock, connections=pool)
        first.open()
        first.close()
        reusing = SandboxSession(company_path, clock=clock, connections=pool)
        reusing.open()                       # takes the idle one: lent, nothing written
        lent = reusing.store.db
        other = SandboxSession(company_path, clock=clock, connections=pool)
        other.open()                         # a new connection
        other.close()                        # fills the pool
        reusing.close()
        assert pool.idle_count == 1
        with pytest.raises(sqlite3.ProgrammingError):
            lent.execute("SELECT 1")         # closed, not left open
    finally:
        pool.close()
