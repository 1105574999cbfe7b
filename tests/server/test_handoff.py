"""Handing jobs to a company file's thread and outcomes back: batching, queue waits, one parse."""

from __future__ import annotations

import asyncio
import threading

import pytest

from qbconnector.qbxml import xmlsafe
from qbconnector.qbxml.session import Caller, ParsedRequest, calling_as, parsed_already
from qbconnector.server import scan
from qbconnector.server.handoff import Job, Outcomes, QueueTimeout, QueueWatch
from tests.server.helpers import HOST_QUERY, client, post


def test_outcomes_of_a_busy_worker_wake_the_loop_once_per_batch() -> None:
    async def scenario() -> tuple[list[int], int]:
        loop = asyncio.get_running_loop()
        wakes = 0
        real = loop.call_soon_threadsafe

        def counting(*args):
            nonlocal wakes
            wakes += 1
            return real(*args)

        loop.call_soon_threadsafe = counting   # counts, then does what the loop does
        outcomes = Outcomes(loop)
        futures = [loop.create_future() for _ in range(50)]
        worker = threading.Thread(target=lambda: [outcomes.put(f, n, None)
                                                  for n, f in enumerate(futures)])
        worker.start()
        worker.join()          # the loop has not run meanwhile: one wake for all fifty
        results = await asyncio.gather(*futures)
        after = loop.create_future()
        outcomes.put(after, "next", None)   # a later outcome wakes the loop again
        assert await after == "next"
        return results, wakes

    results, wakes = asyncio.run(scenario())
    assert results == list(range(50))
    assert wakes == 2


def test_an_error_outcome_is_raised_to_its_waiter() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        threading.Thread(target=Outcomes(loop).put,
                         args=(future, None, ValueError("bad"))).start()
        with pytest.raises(ValueError, match="bad"):
            await future

    asyncio.run(scenario())


def test_a_shorter_wait_queued_later_expires_first_and_started_jobs_never() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        outcomes, watch = Outcomes(loop), QueueWatch(loop)
        long_wait = Job(lambda w: None, loop.create_future(), outcomes)
        started = Job(lambda w: None, loop.create_future(), outcomes)
        short_wait = Job(lambda w: None, loop.create_future(), outcomes)
        watch.add(long_wait, 5.0)
        watch.add(started, 0.05)
        assert started.start()                  # the worker took it: it runs to the end
        watch.add(short_wait, 0.05)
        with pytest.raises(QueueTimeout):
            await asyncio.wait_for(short_wait.future, 2)
        assert not long_wait.future.done() and long_wait.queued
        assert not started.future.done()
        assert not short_wait.start()           # dropped: the worker skips it
        started.settle("done", None)
        assert await started.future == "done"

    asyncio.run(scenario())


def test_the_watch_forgets_jobs_once_they_have_started() -> None:
    async def scenario() -> int:
        loop = asyncio.get_running_loop()
        outcomes, watch = Outcomes(loop), QueueWatch(loop)
        for _ in range(1000):
            job = Job(lambda w: None, loop.create_future(), outcomes)
            watch.add(job, 60)
            job.start()
        return len(watch._jobs)

    assert asyncio.run(scenario()) == 1


def test_a_parsed_request_is_handed_over_once_and_only_for_its_own_text() -> None:
    text = HOST_QUERY
    root = xmlsafe.parse(text)
    assert parsed_already(text) is None                       # nobody parsed it
    with calling_as(Caller("alice", 0, ParsedRequest(text, root))):
        assert parsed_already(text.encode()) is None          # other text: parse it yourself
        assert parsed_already(text) is root
        assert parsed_already(text) is None                   # taken (it may have changed)
    assert parsed_already(text) is None


def test_each_request_is_parsed_once_between_the_server_and_the_sandbox(
        start_server, session_factory, monkeypatch) -> None:
    server = start_server(session_factory)
    parsed: list[object] = []
    real = xmlsafe.parse

    def counting(text, *args, **kwargs):
        parsed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(xmlsafe, "parse", counting)
    monkeypatch.setattr(scan, "_REMEMBERED", scan.Remembered())
    distinct = [HOST_QUERY.replace('requestID="1"', f'requestID="{n}"') for n in (7, 8, 9)]
    with client(server) as c:
        for body in distinct + [HOST_QUERY] * 3:
            r = post(c, body)
            assert r.status_code == 200 and 'statusCode="0"' in r.text
            assert "<HostRet>" in r.text
    # once per request; the same body a third time is not parsed at all (its scan and a copy
    # of its tree are remembered from the second)
    assert parsed == [d.encode() for d in distinct] + [HOST_QUERY.encode()] * 2
