"""What the running connector is doing, kept for the admin console (which only reads it).

The server feeds it: :meth:`ConnectorState.begin` / :meth:`finish` around each request, the
runner sets where it listens and what it serves, and anything that holds work for later (the
company files' queues today, the Web Connector's queue later) registers a *queue source*: a
function returning a JSON-ready summary, called when the console asks.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from qbconnector.qbxml.session import SessionOptions

RECENT_SECONDS = 60.0
"""A user who made a request this recently still counts as connected."""


@dataclass
class _Activity:
    """One user's traffic."""

    in_flight: int = 0
    last_request: float = 0.0
    day: str = ""
    today: int = 0
    options: set[SessionOptions] = field(default_factory=set)
    last_options: SessionOptions | None = None


class ConnectorState:
    """Counters and facts of a running connector; thread-safe, cheap to update."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.started_at = clock()
        self.requests = 0
        self.errors = 0
        self.refused = 0
        self._users: dict[str, _Activity] = {}
        self._today: tuple[float, float, str] = (0.0, 0.0, "")   # [start, end) and its date
        # Set by the runner:
        self.backend = ""
        self.default_company = ""
        self.listening: list[str] = []
        self.tls: Mapping[str, Any] | None = None
        self.console_url = ""
        self.restart_needed: list[str] = []
        self.persistent_sessions: Callable[[], Collection[SessionOptions]] = frozenset
        self._queues: dict[str, Callable[[], Mapping[str, Any]]] = {}

    # -- fed by the server --------------------------------------------------------------------
    def begin(self, user: str) -> None:
        """An authenticated request of ``user`` is being served."""
        with self._lock:
            self._activity_of(user).in_flight += 1

    def finish(self, user: str | None, status: int, options: SessionOptions | None = None,
               *, began: bool = False) -> None:
        """A request ended with ``status``; ``began`` when :meth:`begin` was called for it."""
        now = self._clock()
        day = self._day_of(now)
        with self._lock:
            self.requests += 1
            if status >= 500 or status == 517:
                self.errors += 1
            elif status in (401, 403):
                self.refused += 1
            if user is None or not began:
                return
            activity = self._activity_of(user)
            activity.in_flight = max(0, activity.in_flight - 1)
            activity.last_request = now
            if activity.day != day:
                activity.day, activity.today = day, 0
            activity.today += 1
            if options is not None and options is not activity.last_options:
                activity.options.add(options)     # (the same options: already in)
                activity.last_options = options

    def _activity_of(self, user: str) -> _Activity:
        """(With the lock held.) The user's traffic, made on first use."""
        activity = self._users.get(user)
        if activity is None:
            activity = self._users[user] = _Activity()
        return activity

    def _day_of(self, moment: float) -> str:
        """The local date of ``moment``, worked out once a day rather than per request."""
        start, end, day = self._today
        if not start <= moment < end:
            date = dt.date.fromtimestamp(moment)
            midnight = dt.datetime.combine(date, dt.time()).timestamp()
            following = dt.datetime.combine(date + dt.timedelta(days=1), dt.time()).timestamp()
            day = date.isoformat()
            self._today = (midnight, following, day)
        return day

    def add_queue(self, name: str, summary: Callable[[], Mapping[str, Any]]) -> None:
        """Show ``summary()`` under ``name`` among the queues (replaces an earlier one)."""
        with self._lock:
            self._queues[name] = summary

    # -- read by the console ------------------------------------------------------------------
    def user_activity(self, user: str) -> dict[str, Any]:
        """Live columns of one user: connected, persistent connections, last request, today."""
        now = self._clock()
        today = dt.date.fromtimestamp(now).isoformat()
        open_sessions = _safe_collection(self.persistent_sessions)
        with self._lock:
            activity = self._users.get(user) or _Activity()
            persistent = sum(1 for options in activity.options if options in open_sessions)
            recent = bool(activity.last_request) and now - activity.last_request < RECENT_SECONDS
            return {
                "connected": activity.in_flight > 0 or persistent > 0 or recent,
                "in_flight": activity.in_flight,
                "persistent": persistent,
                "last_request": _iso(activity.last_request),
                "requests_today": activity.today if activity.day == today else 0,
            }

    def snapshot(self) -> dict[str, Any]:
        """Everything at a glance, JSON-ready."""
        now = self._clock()
        with self._lock:
            queues = dict(self._queues)
            values = {
                "started_at": _iso(self.started_at),
                "uptime_seconds": round(now - self.started_at, 1),
                "requests": self.requests,
                "errors": self.errors,
                "refused": self.refused,
            }
        values.update({
            "backend": self.backend,
            "default_company": self.default_company,
            "listening": list(self.listening),
            "tls": dict(self.tls) if self.tls else None,
            "console_url": self.console_url,
            "restart_needed": list(self.restart_needed),
            "persistent_connections": len(_safe_collection(self.persistent_sessions)),
            "queues": {name: _safe_summary(summary) for name, summary in queues.items()},
        })
        return values


def _iso(moment: float) -> str | None:
    if not moment:
        return None
    return dt.datetime.fromtimestamp(moment).astimezone().isoformat(timespec="seconds")


def _safe_collection(source: Callable[[], Collection[SessionOptions]]
                     ) -> Collection[SessionOptions]:
    try:
        return source()
    except Exception:   # a source being torn down must not break the console
        return frozenset()


def _safe_summary(summary: Callable[[], Mapping[str, Any]]) -> Mapping[str, Any]:
    try:
        return dict(summary())
    except Exception as exc:
        return {"error": str(exc)}
