"""Quick jobs on a sandbox file skip the company file's thread; slow ones and COM never do."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from qbconnector.qbxml.session import Session, SessionOptions
from qbconnector.sandbox import SandboxSessions
from qbconnector.server import execute, workers
from qbconnector.server.execute import (
    QUICK_BODY,
    QUICK_RECORDS,
    QUICK_REQUESTS,
    Spool,
    looks_quick,
)
from qbconnector.server.workers import QUICK_JOB, QUICK_RUN, CompanyWorker, OpenPolicy
from tests.server.helpers import HOST_QUERY, Journal, RecordingSession, client, post

LOOP_THREAD = "qbconnector-server"     # the thread ConnectorServer.start() serves on


class Watched:
    """A session factory recording the thread of every request (and, on demand, slow ones);
    ``any_thread`` as the factory it wraps says."""

    def __init__(self, factory: Callable[[SessionOptions], Session], *,
                 journal: Journal | None = None) -> None:
        self.factory = factory
        self.any_thread = getattr(factory, "any_thread", False)
        self.threads: list[str] = []
        self.journal = journal or Journal()
        self.slow_next = False

    def __call__(self, options: SessionOptions) -> Session:
        watched = self

        class _Session(RecordingSession):
            def process(self, request: str) -> str:
                watched.threads.append(threading.current_thread().name)
                if watched.slow_next:
                    watched.slow_next = False
                    time.sleep(QUICK_JOB * 5)
                return super().process(request)

        return _Session(self.factory(options), self.journal)


def _ask(server: Any, count: int) -> None:
    with client(server) as c:
        for _ in range(count):
            assert post(c).status_code == 200


def test_sandbox_sessions_say_they_may_run_on_any_thread(company_path: str) -> None:
    assert SandboxSessions(company_path).any_thread is True


def _ask_until_on_the_loop(server: Any, factory: Watched, most: int = 300) -> None:
    """Ask until a request runs on the event loop (a job slower than QUICK_JOB, as a garbage
    collection may make one, starts the count again)."""
    with client(server) as c:
        for _ in range(most):
            assert post(c).status_code == 200
            if factory.threads[-1] == LOOP_THREAD:
                return
    raise AssertionError(f"no request ran on the event loop in {most}")


def test_after_a_run_of_quick_jobs_the_next_ones_run_on_the_event_loop(
        start_server, company_path: str) -> None:
    factory = Watched(SandboxSessions(company_path))
    server = start_server(factory)
    _ask_until_on_the_loop(server, factory)
    first = factory.threads[:-1]
    assert len(first) >= QUICK_RUN
    assert all(name.startswith("company:") for name in first)


def test_a_slow_job_puts_the_file_back_on_its_thread(start_server, company_path: str) -> None:
    factory = Watched(SandboxSessions(company_path))
    server = start_server(factory)
    _ask_until_on_the_loop(server, factory)
    factory.slow_next = True
    _ask(server, 1)                         # predicted quick: ran on the loop, took long
    assert factory.threads[-1] == LOOP_THREAD
    _ask(server, QUICK_RUN)
    after = factory.threads[-QUICK_RUN:]
    assert all(name.startswith("company:") for name in after), after
    _ask_until_on_the_loop(server, factory)


def _message_set(*requests: str) -> str:
    return ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
            f'onError="continueOnError">{"".join(requests)}</QBXMLMsgsRq></QBXML>')


CUSTOMERS = _message_set('<CustomerQueryRq requestID="1"><ActiveStatus>All</ActiveStatus>'
                         '</CustomerQueryRq>')


def _customers(max_returned: int) -> str:
    return _message_set(f'<CustomerQueryRq requestID="1"><MaxReturned>{max_returned}'
                        '</MaxReturned></CustomerQueryRq>')


def test_what_a_request_says_of_its_own_length() -> None:
    assert looks_quick(Spool.of(HOST_QUERY.encode()))
    assert looks_quick(Spool.of(_message_set('<CompanyQueryRq requestID="1"/>',
                                             '<PreferencesQueryRq/>').encode()))
    assert looks_quick(Spool.of(_message_set(
        '<CustomerAddRq><CustomerAdd><Name>A</Name></CustomerAdd></CustomerAddRq>').encode()))
    assert not looks_quick(Spool.of(CUSTOMERS.encode()))        # a list may be long
    assert looks_quick(Spool.of(_customers(QUICK_RECORDS).encode()))   # a page of a few
    assert not looks_quick(Spool.of(_customers(QUICK_RECORDS + 1).encode()))
    assert not looks_quick(Spool.of(_message_set(            # one bounded, one not
        '<CustomerQueryRq><MaxReturned>5</MaxReturned></CustomerQueryRq>',
        '<InvoiceQueryRq><IncludeLineItems>true</IncludeLineItems></InvoiceQueryRq>').encode()))
    assert not looks_quick(Spool.of(_message_set(
        '<GeneralSummaryReportQueryRq requestID="2">'
        '<GeneralSummaryReportType>ProfitAndLossStandard</GeneralSummaryReportType>'
        '</GeneralSummaryReportQueryRq>').encode()))
    many = _message_set(*['<HostQueryRq/>'] * (QUICK_REQUESTS + 1))
    assert not looks_quick(Spool.of(many.encode()))
    big = HOST_QUERY.replace("<HostQueryRq", " " * QUICK_BODY + "<HostQueryRq")
    assert not looks_quick(Spool.of(big.encode()))
    for n in range(execute.JUDGED_AT_MOST + 10):      # verdicts kept per body, bounded
        body = HOST_QUERY if n % 2 else CUSTOMERS
        assert looks_quick(Spool.of(body.replace('"1"', f'"{n}"').encode())) == (n % 2 == 1)
    assert len(execute._JUDGED) <= execute.JUDGED_AT_MOST


def test_a_request_that_may_read_a_whole_list_never_skips_the_thread(
        start_server, company_path: str) -> None:
    factory = Watched(SandboxSessions(company_path))
    server = start_server(factory)
    _ask_until_on_the_loop(server, factory)
    with client(server) as c:
        assert post(c, CUSTOMERS).status_code == 200
        assert factory.threads[-1].startswith("company:")
        for _ in range(50):        # quick on the thread: the run goes on, the next skips it
            assert post(c).status_code == 200
            if factory.threads[-1] == LOOP_THREAD:
                break
    assert factory.threads[-1] == LOOP_THREAD


def test_factories_that_need_their_thread_keep_every_job_on_it(start_server,
                                                               session_factory) -> None:
    factory = Watched(lambda options: session_factory(options))   # says nothing: COM-like
    assert factory.any_thread is False
    server = start_server(factory)
    _ask(server, QUICK_RUN + 10)
    assert len(factory.threads) == QUICK_RUN + 10
    assert all(name.startswith("company:") for name in factory.threads)


def test_jobs_never_overlap_while_some_run_on_the_event_loop(start_server,
                                                             company_path: str) -> None:
    journal = Journal()
    factory = Watched(SandboxSessions(company_path), journal=journal)
    server = start_server(factory)
    _ask_until_on_the_loop(server, factory)     # from here quick jobs may skip the thread
    before = len(factory.threads)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: _ask(server, 10), range(8)))
    assert LOOP_THREAD in factory.threads[before:]
    events = [(what, ident) for what, ident, _ in journal.events]
    assert len(events) == 4 * (before + 80)
    for i in range(0, len(events), 4):      # one session after another, never two at once
        ident = events[i][1]
        assert events[i:i + 4] == [("open", ident), ("enter", ident), ("exit", ident),
                                   ("close", ident)], events[i:i + 4]


def test_a_persistent_session_opened_on_the_event_loop_is_still_closed_when_idle(
        company_path: str, monkeypatch) -> None:
    monkeypatch.setattr(workers, "IDLE_POLL", 0.05)
    journal = Journal()
    factory = Watched(SandboxSessions(company_path), journal=journal)
    worker = CompanyWorker(company_path, factory, OpenPolicy(idle_timeout=0.2))
    options = SessionOptions(company_file=company_path)
    seen: list[str] = []

    here = threading.current_thread().name

    async def run() -> None:
        for _ in range(300):       # until the quick jobs in a row let one skip the thread
            if await worker.call(lambda w: threading.current_thread().name, 5) == here:
                break
        opened = await worker.call(
            lambda w: (seen.append(threading.current_thread().name),
                       w.open_persistent(options))[1], 5)
        assert opened is True

    try:
        asyncio.run(run())
        assert seen == [here]                # opened on the event loop
        assert worker.persistent_count == 1
        deadline = time.monotonic() + 5
        while worker.persistent_count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert worker.persistent_count == 0
        assert journal.count("close") == 1
    finally:
        worker.stop()
