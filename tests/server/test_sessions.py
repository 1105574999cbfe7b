"""How the connector uses sessions: queueing, persistent connections, close-and-retry."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qbconnector.qbxml.session import RequestProcessorError
from tests.server.helpers import Journal, client, post, recording


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_fifty_concurrent_clients_on_one_company_file_never_interleave(
        start_server, session_factory):
    journal = Journal()
    threads: set[str] = set()
    server = start_server(recording(session_factory, journal, work=0.002, threads=threads))

    def one(_: int) -> int:
        with client(server) as c:
            return post(c).status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(one, range(50)))
    assert statuses == [200] * 50
    events = [(what, ident) for what, ident, _ in journal.events]
    # one session after another: open, enter, exit, close — never two at once
    assert len(events) == 200
    for i in range(0, 200, 4):
        ident = events[i][1]
        assert events[i:i + 4] == [("open", ident), ("enter", ident), ("exit", ident),
                                   ("close", ident)], events[i:i + 4]
    assert len(threads) == 1   # every call on the company file's own thread


def test_different_company_files_run_in_parallel(start_server, session_factory, hashed,
                                                 company_path, other_company_path):
    both_inside = threading.Barrier(2, timeout=5)

    class MeetInside:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def process(self, request):
            both_inside.wait()   # breaks (-> 500/517) unless the other file is in too
            return self.inner.process(request)

    users = {"alice": {"Password": hashed["alice"], "CompanyFile": company_path},
             "bob": {"Password": hashed["bob"], "CompanyFile": other_company_path}}
    server = start_server(lambda o: MeetInside(session_factory(o)), users=users)

    def run(user: str) -> int:
        with client(server, user) as c:
            return post(c).status_code

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(run, ["alice", "bob"])) == [200, 200]


def test_each_request_opens_and_closes_by_default(start_server, session_factory):
    journal = Journal()
    server = start_server(recording(session_factory, journal))
    with client(server) as c:
        for _ in range(3):
            assert post(c).status_code == 200
    assert journal.created == 3
    assert journal.count("open") == journal.count("close") == 3


def test_persistent_connection_101_keeps_one_session_until_102(start_server, session_factory):
    journal = Journal()
    server = start_server(recording(session_factory, journal))
    with client(server) as c:
        assert post(c, b"", interaction=101).status_code == 200
        assert journal.count("open") == 1
        for _ in range(3):
            assert post(c).status_code == 200
        assert post(c, b"", interaction=1).status_code == 200
        assert journal.created == 1 and journal.count("close") == 0
        # the same session object answered every request: its state lives on
        assert {ident for what, ident, _ in journal.events if what == "enter"} == {1}
        assert post(c, b"", interaction=102).status_code == 200
        assert journal.count("close") == 1
        assert post(c).status_code == 200
    assert journal.created == 2


def test_persistent_session_is_shared_by_users_with_the_same_options(
        start_server, session_factory, hashed):
    journal = Journal()
    users = {"alice": {"Password": hashed["alice"]}, "bob": {"Password": hashed["bob"]}}
    server = start_server(recording(session_factory, journal), users=users)
    with client(server, "alice") as c:
        post(c, b"", interaction=101)
    with client(server, "bob") as c:
        post(c)
    assert journal.created == 1


def test_idle_persistent_connection_is_closed(start_server, session_factory):
    journal = Journal()
    server = start_server(recording(session_factory, journal), PersistentIdleTimeout=0.2)
    with client(server) as c:
        post(c, b"", interaction=101)
        post(c)
        assert wait_until(lambda: journal.count("close") == 1)
        post(c)
    assert journal.created == 2


def test_persistent_enabled_globally(start_server, session_factory):
    journal = Journal()
    server = start_server(recording(session_factory, journal), PersistentEnabled=True)
    with client(server) as c:
        for _ in range(3):
            post(c)
        assert journal.created == 1 and journal.count("close") == 0
        post(c, b"", interaction=102)      # leaves it open when enabled globally
        post(c, b"", interaction=101)      # no effect
        post(c)
    assert journal.created == 1 and journal.count("close") == 0
    server.stop()                          # shutting down closes it
    assert journal.count("close") == 1


def test_queue_timeout_is_a_clear_error(start_server, session_factory):
    release = threading.Event()
    entered = threading.Event()

    class Slow:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def process(self, request):
            entered.set()
            release.wait(10)
            return self.inner.process(request)

    server = start_server(lambda o: Slow(session_factory(o)), Timeout=0.3)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(lambda: post(client(server)).status_code)
        assert entered.wait(5)
        with client(server) as c:
            r = post(c)
        release.set()
        assert first.result() == 200
    assert r.status_code == 503
    assert "Timed out after 0.3 s" in r.text and "Timeout" in r.text
    with client(server) as c:           # the queue moves again
        assert post(c).status_code == 200


class FailingOpens:
    """Fails the first ``failures`` opens with ``hresult`` (shared across instances)."""

    def __init__(self, factory, failures: int, hresult: int = 0x80040408) -> None:
        self.factory, self.left, self.hresult = factory, failures, hresult
        self.attempts = self.closes = 0
        self.lock = threading.Lock()

    def __call__(self, options):
        outer = self
        inner = self.factory(options)

        class Session:
            def __getattr__(self, name):
                return getattr(inner, name)

            def open(self):
                with outer.lock:
                    outer.attempts += 1
                    fail = outer.left > 0
                    outer.left -= fail
                if fail:
                    raise RequestProcessorError(outer.hresult, "Could not start QuickBooks.")
                inner.open()

            def close(self):
                with outer.lock:
                    outer.closes += 1
                inner.close()

        return Session()


def test_close_and_retry_on_listed_errors(start_server, session_factory, tmp_path: Path):
    instance = tmp_path / "qb.instance"
    instance.write_text("stale")
    failing = FailingOpens(session_factory, failures=2)
    server = start_server(failing, CloseAndRetryConnect=True, CloseAndRetryCount=3,
                          QBInstanceFile=str(instance))
    with client(server) as c:
        assert post(c).status_code == 200
    assert failing.attempts == 3
    assert failing.closes == 3          # both failed sessions closed, then the good one
    assert not instance.exists()


def test_close_and_retry_gives_up_after_the_count(start_server, session_factory):
    failing = FailingOpens(session_factory, failures=10)
    server = start_server(failing, CloseAndRetryConnect=1, CloseAndRetryCount=2)
    with client(server) as c:
        r = post(c)
    assert r.status_code == 517 and r.text.startswith("0x80040408")
    assert failing.attempts == 3


def test_unlisted_error_is_not_retried(start_server, session_factory):
    failing = FailingOpens(session_factory, failures=1, hresult=0x80040403)
    server = start_server(failing, CloseAndRetryConnect=True)
    with client(server) as c:
        assert post(c).status_code == 517
    assert failing.attempts == 1


def test_star_retries_every_error(start_server, session_factory):
    failing = FailingOpens(session_factory, failures=1, hresult=0x80040403)
    server = start_server(failing, CloseAndRetryConnect=True, CloseAndRetryErrorList="*")
    with client(server) as c:
        assert post(c).status_code == 200
    assert failing.attempts == 2


def test_no_retry_when_disabled(start_server, session_factory):
    failing = FailingOpens(session_factory, failures=1)
    server = start_server(failing)
    with client(server) as c:
        assert post(c).status_code == 517
    assert failing.attempts == 1


def test_open_that_hangs_is_closed_after_the_timeout_and_retried(start_server, session_factory):
    attempts = []

    def factory(options):
        inner = session_factory(options)
        closed = threading.Event()
        attempts.append(closed)
        first = len(attempts) == 1

        class Session:
            def __getattr__(self, name):
                return getattr(inner, name)

            def open(self):
                if first:   # QuickBooks hangs until it is stopped
                    closed.wait(10)
                    raise RequestProcessorError(0x80040401, "Could not access QuickBooks.")
                inner.open()

            def close(self):
                closed.set()
                inner.close()

        return Session()

    server = start_server(factory, CloseAndRetryConnect=True, CloseAndRetryTimeout=0.2,
                          CloseAndRetryErrorList="0x80040402")
    with client(server) as c:
        assert post(c).status_code == 200
    assert len(attempts) == 2 and attempts[0].is_set()


@pytest.mark.parametrize("delay", ["0", "30"])
def test_delay_after_open_is_applied_after_opening(start_server, session_factory, delay):
    journal = Journal()
    server = start_server(recording(session_factory, journal))
    with client(server) as c:
        assert post(c, X_DelayAfterOpen=delay).status_code == 200
    opened = next(t for what, _, t in journal.events if what == "open")
    entered = next(t for what, _, t in journal.events if what == "enter")
    assert entered >= opened + int(delay) / 1000


def _customer_query(**attrs: str) -> str:
    attributes = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
            f'onError="stopOnError"><CustomerQueryRq requestID="1"{attributes}><MaxReturned>2'
            '</MaxReturned></CustomerQueryRq></QBXMLMsgsRq></QBXML>')


def test_query_iterators_live_on_across_http_requests_on_a_persistent_connection(
        start_server, session_factory, hashed, tmp_path):
    from lxml import etree

    from qbconnector.qbxml.build import Message, build
    from qbconnector.sandbox import create_company

    company = str(create_company(tmp_path / "iter.qbdb"))
    server = start_server(users={"alice": {"Password": hashed["alice"], "CompanyFile": company}})
    adds = build([Message("CustomerAdd", {"Name": f"Iterating {n}"}) for n in range(5)],
                 version="13.0")
    with client(server) as c:
        assert post(c, adds).status_code == 200
        assert post(c, b"", interaction=101).status_code == 200
        first = etree.fromstring(post(c, _customer_query(iterator="Start")).content)[0][0]
    assert first.get("statusCode") == "0" and first.get("iteratorRemainingCount") == "3"
    with client(server) as other_connection:
        rs = etree.fromstring(post(other_connection, _customer_query(
            iterator="Continue", iteratorID=first.get("iteratorID"))).content)[0][0]
        assert rs.get("statusCode") == "0" and rs.get("iteratorRemainingCount") == "1"
        assert len(rs.findall("CustomerRet")) == 2
        post(other_connection, b"", interaction=102)
        gone = etree.fromstring(post(other_connection, _customer_query(
            iterator="Continue", iteratorID=first.get("iteratorID"))).content)[0][0]
    assert gone.get("statusCode") != "0"    # a new session knows no such iterator


def test_per_request_sessions_hand_one_connection_on_and_stop_closes_it(
        start_server, company_path):
    from qbconnector.sandbox import SandboxSessions

    factory = SandboxSessions(company_path)
    server = start_server(factory)
    with client(server) as c:
        assert [post(c).status_code for _ in range(3)] == [200, 200, 200]
    # Three sessions opened and closed; one connection was kept for the next.
    assert factory.connections.idle_count == 1
    server.stop()
    assert factory.connections.idle_count == 0
