"""Whole reads fetch the next page on a thread while the reader reads one (read_ahead.py):
every record once and in order, the iterator stopped when the reader stops early, no thread
left behind, and a failure of a later page raised where the reader is."""

from __future__ import annotations

import threading

import pytest

import qbconnector
from qbconnector.api.records.connection import RequestsAhead
from qbconnector.api.records.read_ahead import PAGES_AHEAD, remaining_in
from qbconnector.api.records.record import Record, underlying
from qbconnector.qbxml.session import TransportError
from qbconnector.sandbox import SandboxSession


class Counting(SandboxSession):
    """A sandbox session that records the requests it is sent, and can fail the N-th."""

    def __init__(self, *args, fail_at: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.requests: list[str] = []
        self.fail_at = fail_at

    def process(self, request: str) -> str:
        self.requests.append(request)
        if self.fail_at and len(self.requests) >= self.fail_at:
            raise TransportError("the line went dead")
        return super().process(request)


def _threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("qbconnector read-ahead")]


@pytest.fixture
def company(blank_company):
    path = blank_company()
    with qbconnector.connect(path) as qb, qb.batch() as batch:
        for n in range(23):
            batch.customers.add(name=f"Customer {n:02d}")
    return path


def test_a_whole_read_gives_every_record_once_in_order(company):
    with qbconnector.connect(Counting(company), page_size=5) as qb:
        ahead = [c.name for c in qb.customers.query()]
        pages = sum('iterator="Continue"' in r for r in qb.session.requests)
    with qbconnector.connect(company, page_size=5, prefetch=False) as qb:
        plain = [c.name for c in qb.customers.query()]
    assert ahead == plain == [f"Customer {n:02d}" for n in range(23)]
    assert pages == 4                      # 5 + 4 x 5 (the last holds 3)
    assert _threads() == []


def test_stopping_early_stops_the_iterator_and_the_thread(company):
    with qbconnector.connect(Counting(company), page_size=5) as qb:
        query = iter(qb.customers.query())
        first = [next(query).name for _ in range(7)]
        query.close()                      # the reader stops in the second page
        stops = [r for r in qb.session.requests if 'iterator="Stop"' in r]
        assert first[-1] == "Customer 06"
        assert len(stops) == 1
        assert _threads() == []
        assert qb.customers.count() == 23  # the session is still usable


def test_a_later_page_that_fails_is_raised_to_the_reader(company):
    with qbconnector.connect(Counting(company, fail_at=3), page_size=5, retries=1) as qb:
        seen: list[str] = []
        with pytest.raises(qbconnector.SessionError, match="the line went dead"):
            for customer in qb.customers.query():
                seen.append(customer.name)
        assert seen[:5] == [f"Customer {n:02d}" for n in range(5)]
    assert _threads() == []


def test_remaining_is_read_from_the_response_tag_only():
    text = ('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="0" '
            'iteratorRemainingCount="12" iteratorID="{x}"><CustomerRet><Name>'
            'iteratorRemainingCount="99"</Name></CustomerRet></CustomerQueryRs>')
    assert remaining_in(text, "CustomerQueryRs") == 12
    fake = text.replace('iteratorRemainingCount="12" ', "")
    assert remaining_in(fake, "CustomerQueryRs") == 0
    assert remaining_in("<QBXML/>", "CustomerQueryRs") == 0
    # The same from the UTF-8 bytes a worker sends (what the read-ahead gets from it).
    assert remaining_in(text.encode(), "CustomerQueryRs") == 12
    assert remaining_in(fake.encode(), "CustomerQueryRs") == 0
    assert remaining_in(b"<QBXML/>", "CustomerQueryRs") == 0


def test_a_worker_is_asked_for_pages_ahead_without_a_thread(blank_company, monkeypatch):
    """Through the sandbox worker process the next pages are asked for on its pipe while the
    reader parses (two at a time, no thread), each taken as the UTF-8 bytes that came down the
    pipe, and the records read the same, non-ASCII text included, as a session in this
    process gives."""
    path = blank_company()
    with qbconnector.connect(path) as qb, qb.batch() as batch:
        for n in range(23):
            batch.customers.add(name=f"Käufer {n:02d} — ☃", notes="Grüße " * n)
    with qbconnector.connect(path, page_size=5) as qb:
        here = [dict(underlying(r)) for r in qb.customers.query(values="json")]
    taken: list[type] = []
    most_waiting = 0
    threads_seen: set[str] = set()
    send, receive = RequestsAhead.send, RequestsAhead.receive

    def counting_send(self, messages):
        nonlocal most_waiting
        send(self, messages)
        most_waiting = max(most_waiting, self.waiting)

    def taking(self):
        threads_seen.update(_threads())
        answer = receive(self)
        taken.append(type(answer))
        return answer

    monkeypatch.setattr(RequestsAhead, "send", counting_send)
    monkeypatch.setattr(RequestsAhead, "receive", taking)
    with qbconnector.connect(path, worker=True, page_size=5) as qb:
        there = [dict(underlying(r)) for r in qb.customers.query(values="json")]
    assert there == here and len(here) == 23
    assert here[7]["Name"] == "Käufer 07 — ☃"
    assert taken == [bytes] * 4                 # the four pages after the first
    assert most_waiting == PAGES_AHEAD == 2
    assert threads_seen == set()


def test_a_worker_read_stopped_early_takes_what_was_asked_and_stops_the_iterator(company):
    with qbconnector.connect(company, worker=True, page_size=5) as qb:
        query = iter(qb.customers.query())
        first = [next(query).name for _ in range(7)]
        query.close()                      # two pages were on their way
        assert first[-1] == "Customer 06"
        assert qb.customers.count() == 23  # the pipe is free, the iterator stopped
        assert [c.name for c in qb.customers.query()][-1] == "Customer 22"


def test_other_calls_inside_the_loop_over_a_worker_read_are_answered(company):
    """Queries inside the loop over another (counts, a second query read to its end) while
    that loop's pages are on their way on the worker's pipe: every answer reaches its caller."""
    with qbconnector.connect(company, worker=True, page_size=5) as qb:
        outer, counts, inner = [], [], []
        for customer in qb.customers.query():
            outer.append(customer.name)
            counts.append(qb.customers.count())
            if len(outer) in (3, 12):
                inner.append([c.name for c in qb.customers.query(page_size=4)])
    expected = [f"Customer {n:02d}" for n in range(23)]
    assert outer == expected
    assert counts == [23] * 23
    assert inner == [expected, expected]


@pytest.mark.parametrize("page_size", [5, 500])
def test_plain_gives_each_record_as_the_parser_made_it(company, page_size):
    """Query.plain() (what the export's flat formats read) gives the same records, in the same
    order, as iterating the query, as the parser's own mappings, not Record objects."""
    with qbconnector.connect(company) as qb:
        wrapped = qb.customers.query(values="json", page_size=page_size).all()
        plain = list(qb.customers.query(values="json", page_size=page_size).plain())
    assert len(plain) == len(wrapped) == 23
    assert not any(isinstance(record, Record) for record in plain)
    assert [dict(record) for record in plain] == [dict(underlying(r)) for r in wrapped]
