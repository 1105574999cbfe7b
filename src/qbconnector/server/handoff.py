"""Handing a job from the event loop to a worker thread, and its outcome back.

Every request on a company file crosses threads twice, so the crossing is kept cheap:

- a :class:`Job` carries the call and the future its request awaits; it runs at most once, or is
  dropped when its wait in the queue expires first (:class:`QueueTimeout`);
- outcomes go back through one :class:`Outcomes` per event loop: the first outcome of a batch
  wakes the loop, the ones that follow while it has not run yet ride along, so a busy worker
  wakes the loop once per batch instead of once per request;
- waits are watched by one :class:`QueueWatch` per loop — a single timer for the job that
  expires first — instead of a timer set and cancelled for every job.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Callable
from typing import Any

_EARLY = 0.001   # a timer may fire this much before its time (the loop's clock resolution)


class QueueTimeout(Exception):
    """A job did not start within the queue timeout (Timeout) and was dropped; a session may
    raise it too, with a message saying why the request did not run (a Web Connector that
    did not poll in time)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class Outcomes:
    """Outcomes of jobs waiting to be handed to their futures on one event loop."""

    __slots__ = ("loop", "_items", "_scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._items: collections.deque[tuple[asyncio.Future, Any, BaseException | None]] = \
            collections.deque()
        self._scheduled = False

    def put(self, future: asyncio.Future, result: Any, error: BaseException | None) -> None:
        """From any thread: settle ``future`` on its loop soon."""
        self._items.append((future, result, error))
        if not self._scheduled:
            # The drain clears the flag before it takes the items, so an outcome added after
            # its last look always finds the flag clear and schedules the next drain.
            self._scheduled = True
            try:
                self.loop.call_soon_threadsafe(self._drain)
            except RuntimeError:   # the loop is closed: nobody is waiting any more
                pass

    def _drain(self) -> None:
        self._scheduled = False
        items = self._items
        while items:
            future, result, error = items.popleft()
            if future.done():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)


class Job:
    """A queued call: runs at most once, or is dropped when its wait expires first."""

    __slots__ = ("fn", "future", "outcomes", "deadline", "_state", "_lock")
    QUEUED, RUNNING, DROPPED = 0, 1, 2

    def __init__(self, fn: Callable[[Any], Any], future: asyncio.Future,
                 outcomes: Outcomes) -> None:
        self.fn, self.future, self.outcomes = fn, future, outcomes
        self.deadline = 0.0
        self._state = self.QUEUED
        self._lock = threading.Lock()

    @property
    def queued(self) -> bool:
        return self._state == self.QUEUED

    def start(self) -> bool:
        """On the worker thread: claim the job; False when it was dropped."""
        with self._lock:
            if self._state != self.QUEUED:
                return False
            self._state = self.RUNNING
            return True

    def expire(self) -> None:
        """On the event loop: the wait is over; drop the job unless it already runs."""
        with self._lock:
            if self._state != self.QUEUED:
                return
            self._state = self.DROPPED
        self.fn = None   # what the job would have used is not kept until the queue moves
        if not self.future.done():
            self.future.set_exception(QueueTimeout())

    def settle(self, result: Any, error: BaseException | None) -> None:
        """On the worker thread: hand the outcome to the waiting request."""
        self.fn = None
        self.outcomes.put(self.future, result, error)


class QueueWatch:
    """Drops the jobs of one event loop that wait longer than their deadline, with one timer.

    Jobs start in the order they were queued, so the ones at the front that have started are
    forgotten as new ones arrive; what is left is what still waits."""

    __slots__ = ("loop", "_jobs", "_timer", "_timer_at")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._jobs: collections.deque[Job] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def add(self, job: Job, seconds: float) -> None:
        """Watch ``job``, queued now, for ``seconds`` (on the loop's thread)."""
        job.deadline = self.loop.time() + seconds
        jobs = self._jobs
        while jobs and not jobs[0].queued:
            jobs.popleft()
        jobs.append(job)
        if self._timer is None or job.deadline < self._timer_at:
            self._arm(job.deadline)

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_at(when, self._sweep)
        self._timer_at = when

    def _sweep(self) -> None:
        self._timer = None
        now = self.loop.time()
        waiting: collections.deque[Job] = collections.deque()
        for job in self._jobs:
            if not job.queued:
                continue
            if job.deadline - now <= _EARLY:
                job.expire()
            else:
                waiting.append(job)
        self._jobs = waiting
        if waiting:
            self._arm(min(job.deadline for job in waiting))
