"""One worker thread per company file: QuickBooks handles one request at a time.

Every call on a company file's sessions — open, process, close — runs on that file's own
thread, in arrival order, so requests never interleave and a COM session always sees the
thread that created it; different company files run in parallel on their own threads.

By default each job opens a session, uses it and closes it. Persistent sessions (interaction
101, or ``PersistentEnabled``) stay open between jobs, so QuickBooks state such as query
iterators lives on, and are closed after ``PersistentIdleTimeout`` seconds without use.
Opening applies close-and-retry (see :class:`OpenPolicy`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from qbconnector.qbxml.session import RequestProcessorError, Session, SessionOptions

log = logging.getLogger("qbconnector.server")
T = TypeVar("T")

COULD_NOT_START = 0x80040408


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


class QueueTimeout(Exception):
    """A job did not start within the queue timeout (Timeout) and was dropped; a session may
    raise it too, with a message saying why the request did not run (a Web Connector that
    did not poll in time)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class _Job:
    """A queued call: runs at most once, or is dropped when its wait expires first."""

    __slots__ = ("fn", "loop", "future", "_state", "_lock")
    QUEUED, RUNNING, DROPPED = 0, 1, 2

    def __init__(self, fn: Callable[[CompanyWorker], Any], loop: asyncio.AbstractEventLoop,
                 future: asyncio.Future) -> None:
        self.fn, self.loop, self.future = fn, loop, future
        self._state = self.QUEUED
        self._lock = threading.Lock()

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
        if not self.future.done():
            self.future.set_exception(QueueTimeout())

    def settle(self, result: Any, error: BaseException | None) -> None:
        """On the worker thread: hand the outcome to the waiting request."""
        try:
            self.loop.call_soon_threadsafe(_settle, self.future, result, error)
        except RuntimeError:   # the loop is closed: nobody is waiting any more
            pass


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


@dataclass
class _Persistent:
    session: Session
    last_used: float = field(default_factory=time.monotonic)


class CompanyWorker:
    """The thread that owns every session of one company file."""

    def __init__(self, key: str, factory: Callable[[SessionOptions], Session],
                 policy: OpenPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.key = key
        self.factory = factory
        self.policy = policy
        self._clock = clock
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._persistent: dict[SessionOptions, _Persistent] = {}
        self._thread = threading.Thread(target=self._run, name=f"company:{key or '(open)'}",
                                        daemon=True)
        self._thread.start()

    # -- scheduling (the event loop) -----------------------------------------------------------
    async def call(self, job: Callable[[CompanyWorker], T], queue_timeout: float | None) -> T:
        """Run ``job(worker)`` on this company file's thread and return its result.

        QueueTimeout when it has not *started* within ``queue_timeout`` seconds (it is then
        dropped from the queue); once running it is waited for, since QuickBooks cannot be
        interrupted mid-request.
        """
        loop = asyncio.get_running_loop()
        entry = _Job(job, loop, loop.create_future())
        self._jobs.put(entry)
        timer = (loop.call_later(queue_timeout, entry.expire) if queue_timeout else None)
        try:
            return await entry.future
        finally:
            if timer is not None:
                timer.cancel()

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
            try:
                entry = self._jobs.get(timeout=self._next_idle_check())
            except queue.Empty:
                self._close_idle()
                continue
            if entry is None:
                self._close_all()
                return
            if not entry.start():
                continue   # timed out in the queue: the waiter has already answered
            try:
                result = entry.fn(self)
            except BaseException as exc:   # handed to the waiter, never lost
                entry.settle(None, exc)
            else:
                entry.settle(result, None)
            self._close_idle()

    def _next_idle_check(self) -> float | None:
        if not self._persistent:
            return None
        oldest = min(p.last_used for p in self._persistent.values())
        return max(0.01, oldest + self.policy.idle_timeout - self._clock())

    def _close_idle(self) -> None:
        now = self._clock()
        for options, held in list(self._persistent.items()):
            if now - held.last_used >= self.policy.idle_timeout:
                log.info("closing persistent connection to %s after %g s idle",
                         self.key or "(open company file)", self.policy.idle_timeout)
                del self._persistent[options]
                _close_quietly(held.session)

    def _close_all(self) -> None:
        for held in self._persistent.values():
            _close_quietly(held.session)
        self._persistent.clear()

    # -- used by jobs, on the thread --------------------------------------------------------
    def open_session(self, options: SessionOptions, delay_after_open_ms: int = 0, *,
                     keep_open: bool = False) -> Session:
        """Create and open a session, applying close-and-retry. ``keep_open``: it will serve
        several requests (a persistent connection), which the factory is told so that a
        backend that is itself a connector keeps its own session open too."""
        policy = self.policy
        attempts = 1 + (policy.retry_count if policy.retry else 0)
        made_with = dataclasses.replace(options, keep_open=True) if keep_open else options
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
            if delay_after_open_ms:
                time.sleep(delay_after_open_ms / 1000)
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

    def use(self, options: SessionOptions, fn: Callable[[Session], T], *,
            delay_after_open_ms: int = 0, opened: bool = True) -> T:
        """Run ``fn`` on the persistent session for ``options``, or on a fresh one.

        A fresh session is opened first (unless ``opened`` is False, for questions a session
        answers without a company file open) and closed afterwards — or kept when persistent
        connections are enabled globally.
        """
        held = self._persistent.get(options)
        if held is None and opened and self.policy.persistent:
            held = self._persistent[options] = _Persistent(
                self.open_session(options, delay_after_open_ms, keep_open=True), self._clock())
        if held is not None:
            held.last_used = self._clock()
            try:
                return fn(held.session)
            except RequestProcessorError:
                raise
            except Exception:
                # Not a QuickBooks answer: the session may be broken, do not keep it.
                if self._persistent.get(options) is held:
                    del self._persistent[options]
                    _close_quietly(held.session)
                raise
            finally:
                held.last_used = self._clock()
        session = (self.open_session(options, delay_after_open_ms) if opened
                   else self.factory(options))
        try:
            return fn(session)
        finally:
            _close_quietly(session)

    def open_persistent(self, options: SessionOptions, delay_after_open_ms: int = 0) -> bool:
        """Interaction 101: open and keep a session; False when one was already open."""
        if options in self._persistent:
            self._persistent[options].last_used = self._clock()
            return False
        session = self.open_session(options, delay_after_open_ms, keep_open=True)
        self._persistent[options] = _Persistent(session, self._clock())
        return True

    def close_persistent(self, options: SessionOptions) -> bool:
        """Interaction 102: close the kept session; False when there was none."""
        held = self._persistent.pop(options, None)
        if held is None:
            return False
        _close_quietly(held.session)
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

    def __init__(self, factory: Callable[[SessionOptions], Session], policy: OpenPolicy) -> None:
        self.factory = factory
        self.policy = policy
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
                worker = self._workers[key] = CompanyWorker(key, self.factory, self.policy)
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
