"""One worker thread per company file: QuickBooks handles one request at a time.

Every call on a company file's sessions — open, process, close — runs on that file's own
thread, in arrival order, so requests never interleave and a COM session always sees the
thread that created it; different company files run in parallel on their own threads.

By default each job opens a session, uses it and closes it. Persistent sessions (interaction
101, or ``PersistentEnabled``) stay open between jobs, so QuickBooks state such as query
iterators lives on, and are closed after ``PersistentIdleTimeout`` seconds without use; how
many may be open, per user and in all, is bounded (:class:`PersistentQuota`). Opening applies
close-and-retry (see :class:`OpenPolicy`). A session opened for a request that asked for a
pause after opening (the delay-after-open header) is *parked* while the request waits off
the thread, so one client's pause never holds up another's turn.

Quick jobs skip the thread. Handing a job to the thread and its answer back costs two thread
wake-ups (about 100 microseconds on a 2-core virtual machine, more than a HostQuery takes on a
sandbox file). When the factory says its sessions may run on any thread (``any_thread``, as the
sandbox's do; never COM), the file's thread is idle with nothing queued, and the last
:data:`QUICK_RUN` jobs on the file each took at most :data:`QUICK_JOB` seconds, a job runs on
the event loop itself, still one at a time with every other job on the file. A slow job puts the
file back on its thread for the next :data:`QUICK_RUN` jobs, so long queries and exports keep
off the event loop. A job whose request says it may take long (a query that may return many
records, a report, many requests or a large body: ``quick`` in :meth:`CompanyWorker.call`)
never skips the thread, so it is not the one that finds out.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from qbconnector.errors import QBConnectorError
from qbconnector.qbxml.session import RequestProcessorError, Session, SessionOptions
from qbconnector.server.handoff import Job, Outcomes, QueueTimeout, QueueWatch

__all__ = ["CompanyWorker", "OpenPolicy", "PersistentLimit", "PersistentQuota", "QueueTimeout",
           "Workers"]

log = logging.getLogger("qbconnector.server")
T = TypeVar("T")

COULD_NOT_START = 0x80040408
QUICK_JOB = 0.002
"""Seconds a job may take and still count as quick (see the module's notes)."""
QUICK_RUN = 16
"""Quick jobs in a row on a company file before one may run on the event loop."""
IDLE_POLL = 1.0
"""Seconds between the thread's looks at idle sessions when jobs may run on the event loop
(a persistent session opened there does not wake the thread)."""


@dataclass(frozen=True)
class OpenPolicy:
    """How sessions are opened and kept: close-and-retry and persistence settings."""

    retry: bool = False
    retry_timeout: float = 30.0
    retry_count: int = 3
    retry_hresults: frozenset[int] | None = frozenset({0x80040402, COULD_NOT_START})
    retry_pause: float = 2.0
    instance_file: str = ""
    persistent: bool = False
    idle_timeout: float = 300.0

    def retries_on(self, hresult: int) -> bool:
        return self.retry_hresults is None or (hresult & 0xFFFFFFFF) in self.retry_hresults


class PersistentLimit(QBConnectorError):
    """A persistent session was asked for while the user (or everyone) holds the most allowed."""


class PersistentQuota:
    """How many persistent sessions are open, per user and in all, against the limits
    (0 = no limit); shared by every company file's worker."""

    def __init__(self, total: int = 0, per_user: int = 0) -> None:
        self.total, self.per_user = total, per_user
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, user: str) -> None:
        """Count one more for ``user``; PersistentLimit when that is over a limit."""
        with self._lock:
            mine = self._held.get(user, 0)
            if self.per_user and mine >= self.per_user:
                raise PersistentLimit(f"user {user or '(local)'} already holds {mine} persistent "
                                      f"connections, the most allowed "
                                      "(MaxPersistentSessionsPerUser): close one (102) first")
            if self.total and sum(self._held.values()) >= self.total:
                raise PersistentLimit(f"{self.total} persistent connections are open, the most "
                                      "allowed (MaxPersistentSessions); try again later")
            self._held[user] = mine + 1

    def give_back(self, user: str) -> None:
        with self._lock:
            left = self._held.get(user, 0) - 1
            if left > 0:
                self._held[user] = left
            else:
                self._held.pop(user, None)


def _log_failure(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("clean-up on a company file failed: %s", future.exception())


@dataclass
class _Persistent:
    session: Session
    last_used: float = field(default_factory=time.monotonic)
    owner: str = ""          # the user it counts against


PARKED_FOR = 120.0
"""Seconds a parked session waits for its request before it is closed anyway."""


class CompanyWorker:
    """The thread that owns every session of one company file."""

    def __init__(self, key: str, factory: Callable[[SessionOptions], Session],
                 policy: OpenPolicy, clock: Callable[[], float] = time.monotonic,
                 quota: PersistentQuota | None = None) -> None:
        self.key = key
        self.factory = factory
        self.policy = policy
        self.quota = quota or PersistentQuota()
        self._clock = clock
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                               tuple[Outcomes, QueueWatch]] = \
            weakref.WeakKeyDictionary()
        self._loops_lock = threading.Lock()
        self._persistent: dict[SessionOptions, _Persistent] = {}
        self._parked: dict[int, tuple[Session, float]] = {}
        self._tickets = itertools.count(1)
        self.any_thread = bool(getattr(factory, "any_thread", False))
        self._turn = threading.Lock()        # held by whoever runs a job on the file
        self._slow_left = QUICK_RUN          # jobs to go before one may skip the thread
        self._thread = threading.Thread(target=self._run, name=f"company:{key or '(open)'}",
                                        daemon=True)
        self._thread.start()

    # -- scheduling (the event loop) -----------------------------------------------------------
    async def call(self, job: Callable[[CompanyWorker], T], queue_timeout: float | None, *,
                   quick: Callable[[], bool] | None = None) -> T:
        """Run ``job(worker)`` on this company file's thread and return its result.

        QueueTimeout when it has not *started* within ``queue_timeout`` seconds (it is then
        dropped from the queue); once running it is waited for, since QuickBooks cannot be
        interrupted mid-request. ``quick``, asked only when the job could skip the thread,
        says whether the job itself looks quick (a request's text: see the module).
        """
        if not self._slow_left and self.any_thread and self._jobs.empty() \
                and (quick is None or quick()) and self._turn.acquire(blocking=False):
            try:   # quick, and nobody else's turn: on the event loop (see the module)
                if not self._slow_left:
                    return self._timed(job)
            finally:
                self._turn.release()
        loop = asyncio.get_running_loop()
        outcomes, watch = self._for_loop(loop)
        entry = Job(job, loop.create_future(), outcomes)
        self._jobs.put(entry)
        if queue_timeout:
            watch.add(entry, queue_timeout)
        return await entry.future

    def post(self, job: Callable[[CompanyWorker], Any]) -> None:
        """Queue ``job`` with nobody waiting for it (clean-up); its errors are logged."""
        loop = asyncio.get_running_loop()
        entry = Job(job, loop.create_future(), self._for_loop(loop)[0])
        entry.future.add_done_callback(_log_failure)
        self._jobs.put(entry)

    def _for_loop(self, loop: asyncio.AbstractEventLoop) -> tuple[Outcomes, QueueWatch]:
        """Where outcomes for ``loop`` go and who watches its waits (made on first use)."""
        found = self._loops.get(loop)
        if found is None:
            with self._loops_lock:
                found = self._loops.get(loop)
                if found is None:
                    found = self._loops[loop] = (Outcomes(loop), QueueWatch(loop))
        return found

    def stop(self, timeout: float = 10.0) -> None:
        """Close every persistent session and end the thread (queued jobs still run first)."""
        self._jobs.put(None)
        self._thread.join(timeout)

    @property
    def persistent_count(self) -> int:
        return len(self._persistent)

    @property
    def waiting(self) -> int:
        """Requests queued for this company file and not started yet."""
        return self._jobs.qsize()

    # -- the thread -------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._turn:
                wait = self._next_idle_check()
            if self.any_thread:
                wait = IDLE_POLL if wait is None else min(wait, IDLE_POLL)
            try:
                entry = self._jobs.get(timeout=wait)
            except queue.Empty:
                with self._turn:
                    self._close_idle()
                continue
            with self._turn:
                if entry is None:
                    self._close_all()
                    return
                if not entry.start():
                    continue   # timed out in the queue: the waiter has already answered
                try:
                    result = self._timed(entry.fn)
                except BaseException as exc:   # handed to the waiter, never lost
                    entry.settle(None, exc)
                else:
                    entry.settle(result, None)
                self._close_idle()

    def _timed(self, job: Callable[[CompanyWorker], T]) -> T:
        """``job(self)``, counting whether it was quick (with the turn held)."""
        started = time.perf_counter()
        try:
            return job(self)
        finally:
            if time.perf_counter() - started > QUICK_JOB:
                self._slow_left = QUICK_RUN
            elif self._slow_left:
                self._slow_left -= 1

    def _next_idle_check(self) -> float | None:
        if not self._persistent and not self._parked:
            return None
        due = [p.last_used + self.policy.idle_timeout for p in self._persistent.values()]
        due += [parked_at + PARKED_FOR for _, parked_at in self._parked.values()]
        if not due:
            return None
        return max(0.01, min(due) - self._clock())

    def _close_idle(self) -> None:
        if not self._persistent and not self._parked:
            return
        now = self._clock()
        for options, held in list(self._persistent.items()):
            if now - held.last_used >= self.policy.idle_timeout:
                log.info("closing persistent connection to %s after %g s idle",
                         self.key or "(open company file)", self.policy.idle_timeout)
                self._forget(options)
        for ticket, (session, parked_at) in list(self._parked.items()):
            if now - parked_at >= PARKED_FOR:
                del self._parked[ticket]
                _close_quietly(session)

    def _forget(self, options: SessionOptions) -> None:
        """Close the persistent session of ``options`` and give its place back."""
        held = self._persistent.pop(options, None)
        if held is not None:
            self.quota.give_back(held.owner)
            _close_quietly(held.session)

    def _close_all(self) -> None:
        for options in list(self._persistent):
            self._forget(options)
        for session, _ in self._parked.values():
            _close_quietly(session)
        self._parked.clear()

    # -- used by jobs, on the thread --------------------------------------------------------
    def open_session(self, options: SessionOptions, *, keep_open: bool = False) -> Session:
        """Create and open a session, applying close-and-retry. ``keep_open``: it will serve
        several requests (a persistent connection), which the factory is told so that a
        backend that is itself a connector keeps its own session open too."""
        policy = self.policy
        made_with = dataclasses.replace(options, keep_open=True) if keep_open else options
        if not policy.retry:        # one attempt: what the loop below does for it
            session = self.factory(made_with)
            try:
                session.open()
            except RequestProcessorError:
                _close_quietly(session)
                raise
            return session
        attempts = 1 + policy.retry_count
        for attempt in range(1, attempts + 1):
            session = self.factory(made_with)
            try:
                self._open_watched(session)
            except RequestProcessorError as exc:
                _close_quietly(session)
                if attempt == attempts or not (policy.retry and (
                        policy.retries_on(exc.hresult) or isinstance(exc, OpenTimeout))):
                    raise
                log.warning("opening %s failed (%s); closing QuickBooks and retrying "
                            "(%d of %d)", self.key or "(open company file)", exc, attempt,
                            policy.retry_count)
                self._clear_instance_file()
                time.sleep(policy.retry_pause)
                continue
            return session
        raise AssertionError("unreachable")

    def _open_watched(self, session: Session) -> None:
        """session.open(); with close-and-retry, give up after CloseAndRetryTimeout seconds."""
        if not (self.policy.retry and self.policy.retry_timeout > 0):
            session.open()
            return
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            _close_quietly(session)   # stops QuickBooks; a blocked open() then fails

        timer = threading.Timer(self.policy.retry_timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            session.open()
        except Exception as exc:
            if not timed_out.is_set():
                raise
            raise OpenTimeout(self.policy.retry_timeout) from exc
        finally:
            timer.cancel()
        if timed_out.is_set():
            raise OpenTimeout(self.policy.retry_timeout)

    def _clear_instance_file(self) -> None:
        path = self.policy.instance_file
        if path:
            try:
                os.remove(path)
                log.info("cleared QBInstanceFile %s", path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not clear QBInstanceFile %s: %s", path, exc)

    def _keep(self, options: SessionOptions, user: str) -> _Persistent:
        """Open a session for ``options`` and keep it as ``user``'s persistent session
        (PersistentLimit when the user, or everyone, holds the most allowed)."""
        self.quota.take(user)
        try:
            session = self.open_session(options, keep_open=True)
        except BaseException:
            self.quota.give_back(user)
            raise
        held = self._persistent[options] = _Persistent(session, self._clock(), user)
        return held

    def use(self, options: SessionOptions, fn: Callable[[Session], T], *,
            opened: bool = True, user: str = "", parked: int | None = None) -> T:
        """Run ``fn`` on the persistent session for ``options``, or on a fresh one.

        A fresh session is opened first (unless ``opened`` is False, for questions a session
        answers without a company file open) and closed afterwards — or kept when persistent
        connections are enabled globally and ``user`` may hold one more. ``parked`` names a
        session :meth:`park` opened for this request.
        """
        session = self._parked.pop(parked)[0] if parked in self._parked else None
        held = self._persistent.get(options) if self._persistent else None
        if held is None and session is None and opened and self.policy.persistent:
            try:
                held = self._keep(options, user)
            except PersistentLimit as exc:   # served all the same, by a session of its own
                log.info("not kept open: %s", exc)
        if held is not None and session is None:
            held.last_used = self._clock()
            try:
                return fn(held.session)
            except RequestProcessorError:
                raise
            except Exception:
                # Not a QuickBooks answer: the session may be broken, do not keep it.
                if self._persistent.get(options) is held:
                    self._forget(options)
                raise
            finally:
                held.last_used = self._clock()
        if session is None:
            session = self.open_session(options) if opened else self.factory(options)
        try:
            return fn(session)
        finally:
            _close_quietly(session)

    def park(self, options: SessionOptions, user: str = "") -> tuple[bool, int | None]:
        """Open what a request will use and hold it while the request pauses off this thread
        (the delay-after-open header): (whether a session was opened now, the parked ticket for
        :meth:`use`). A persistent session is opened and kept instead of parked."""
        if options in self._persistent:
            return False, None
        if self.policy.persistent:
            try:
                self._keep(options, user)
                return True, None
            except PersistentLimit as exc:
                log.info("not kept open: %s", exc)
        ticket = next(self._tickets)
        self._parked[ticket] = (self.open_session(options), self._clock())
        return True, ticket

    def unpark(self, ticket: int) -> None:
        """Close a parked session its request will not use after all."""
        found = self._parked.pop(ticket, None)
        if found is not None:
            _close_quietly(found[0])

    def open_persistent(self, options: SessionOptions, user: str = "") -> bool:
        """Interaction 101: open and keep a session; False when one was already open."""
        if options in self._persistent:
            self._persistent[options].last_used = self._clock()
            return False
        self._keep(options, user)
        return True

    def close_persistent(self, options: SessionOptions) -> bool:
        """Interaction 102: close the kept session; False when there was none."""
        if options not in self._persistent:
            return False
        self._forget(options)
        return True


class OpenTimeout(RequestProcessorError):
    """Opening took longer than CloseAndRetryTimeout; QuickBooks was closed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(COULD_NOT_START, f"QuickBooks did not open the company file within "
                                          f"{seconds:g} s (CloseAndRetryTimeout)")


def _close_quietly(session: Session) -> None:
    try:
        session.close()
    except Exception as exc:  # closing must never hide the real outcome
        log.warning("error while closing a session: %s", exc)


class Workers:
    """The company-file workers of one server, created on first use."""

    def __init__(self, factory: Callable[[SessionOptions], Session], policy: OpenPolicy,
                 quota: PersistentQuota | None = None) -> None:
        self.factory = factory
        self.policy = policy
        self.quota = quota or PersistentQuota()
        self._workers: dict[str, CompanyWorker] = {}
        self._by_spelling: dict[str, CompanyWorker] = {}
        self._lock = threading.Lock()

    def for_company(self, company_file: str) -> CompanyWorker:
        with self._lock:
            worker = self._by_spelling.get(company_file)
            if worker is not None:
                return worker
        key = _company_key(company_file)     # resolves symlinks: once per spelling
        with self._lock:
            worker = self._workers.get(key)
            if worker is None:
                worker = self._workers[key] = CompanyWorker(key, self.factory, self.policy,
                                                            quota=self.quota)
            self._by_spelling[company_file] = worker
            return worker

    def persistent_options(self) -> frozenset[SessionOptions]:
        """The options of every persistent session open now (read from any thread)."""
        with self._lock:
            workers = list(self._workers.values())
        found: set[SessionOptions] = set()
        for worker in workers:
            for _ in range(3):   # the worker's thread may change its table meanwhile
                try:
                    found.update(list(worker._persistent))
                    break
                except RuntimeError:
                    continue
        return frozenset(found)

    def queue_summary(self) -> dict[str, int]:
        """Requests waiting for their turn, per company file ('' = the open one)."""
        with self._lock:
            workers = list(self._workers.values())
        return {worker.key or "(the open company file)": worker.waiting for worker in workers}

    def stop(self) -> None:
        with self._lock:
            workers, self._workers = list(self._workers.values()), {}
            self._by_spelling = {}
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.stop()
        # A factory that keeps something between sessions (idle sandbox connections, a
        # relay's keep-alive pool) lets it go when the server stops.
        close = getattr(self.factory, "close", None)
        if callable(close):
            try:
                close()
            except Exception as exc:
                log.warning("error while closing the session factory: %s", exc)


def _company_key(company_file: str) -> str:
    """One worker per file however its path is spelled ('' = the file QuickBooks has open)."""
    if not company_file:
        return ""
    path = os.path.abspath(os.path.expanduser(company_file))
    return os.path.normcase(os.path.realpath(path))
