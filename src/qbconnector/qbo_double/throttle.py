"""Throttling per realm (and per realm and app), off unless asked for.

Intuit's documented limits: 500 requests a minute per realm, 10 a second per realm and app,
and 120 batch requests a minute per realm. Over a limit the API answers 429 with the XML
throttle fault (code 3001) whatever the client accepts.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    per_minute: int = 500
    per_second: int = 10
    batch_per_minute: int = 120

    @classmethod
    def parse(cls, text: str) -> Limits:
        """``intuit`` for the documented limits, or ``MINUTE[/SECOND[/BATCH]]``."""
        if text in ("", "intuit", "on", "default"):
            return cls()
        try:
            parts = [int(p) for p in text.split("/")]
        except ValueError:
            parts = []
        if not parts or any(p < 1 for p in parts) or len(parts) > 3:
            raise ValueError("--throttle takes 'intuit' or PER_MINUTE[/PER_SECOND[/BATCH]]")
        defaults = [cls.per_minute, cls.per_second, cls.batch_per_minute]
        values = parts + defaults[len(parts):]
        return cls(*values)


class Throttle:
    """Sliding windows of request times per key."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._seen: dict[tuple, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, realm: str, app: str, batch: bool = False) -> bool:
        now = self.clock()
        checks = [(("realm", realm), 60.0, self.limits.per_minute),
                  (("app", realm, app), 1.0, self.limits.per_second)]
        if batch:
            checks.append((("batch", realm), 60.0, self.limits.batch_per_minute))
        with self._lock:
            for key, span, limit in checks:
                times = self._seen.setdefault(key, deque())
                while times and times[0] <= now - span:
                    times.popleft()
                if len(times) >= limit:
                    return False
            for key, _, _ in checks:
                self._seen[key].append(now)
        return True
