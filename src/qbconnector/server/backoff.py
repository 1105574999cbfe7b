"""Failed logins slow the next attempts down, per account and per address, in parallel too.

Each password check first takes a *turn*: it may start no earlier than the account's and the
address's next free moment, and pushes those moments on by the pause that follows one more
failure (none for the first ``free_attempts``, then ``base`` seconds doubling up to ``cap``).
Turns are handed out as attempts arrive, before their outcome is known, so a hundred guesses
sent at once wait in line exactly as a hundred sent one after another would; rotating
addresses does not reset the account's count, and rotating accounts does not reset the
address's; an attempt that would wait longer than ``cap`` is refused without a check. A
success clears the account's count and the failures *that account* made from that address —
never another user's — and every count is forgotten ``forget_after`` seconds after its last
failure, so nothing is locked out for good.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Count:
    failures: int = 0
    pending: int = 0           # turns handed out whose outcome is not known yet
    next_free: float = 0.0
    last: float = 0.0


@dataclass(frozen=True)
class Turn:
    """One password check's place in line: wait ``wait`` seconds, then check, then report.
    A ``refused`` turn is not checked at all: the line is longer than ``cap`` seconds."""

    account: str
    address: str
    wait: float
    refused: bool = False
    moved: tuple[tuple[float, float], ...] = ()   # (before, after) of each next free moment


class LoginBackoff:
    """Failed-login counts per account and per address, handing out turns (see the module)."""

    def __init__(self, free_attempts: int = 3, base: float = 0.5, cap: float = 30.0,
                 forget_after: float = 900.0, max_keys: int = 10000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free_attempts, self.base, self.cap = free_attempts, base, cap
        self.forget_after, self.max_keys = forget_after, max_keys
        self._clock = clock
        self._accounts: OrderedDict[str, _Count] = OrderedDict()
        self._addresses: OrderedDict[str, _Count] = OrderedDict()
        self._pairs: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def pause_after(self, failures: int) -> float:
        """The pause that follows the ``failures``-th failure in a row."""
        extra = failures - self.free_attempts
        return 0.0 if extra <= 0 else min(self.cap, self.base * 2 ** (extra - 1))

    def _count(self, table: OrderedDict[str, _Count], key: str, now: float) -> _Count:
        count = table.get(key)
        if count is None or (not count.pending and now - count.last > self.forget_after):
            count = table[key] = _Count(last=now)
        table.move_to_end(key)
        while len(table) > self.max_keys:
            table.popitem(last=False)
        return count

    def turn(self, account: str, address: str) -> Turn:
        """Take a place in line for checking ``account``'s password from ``address``."""
        with self._lock:
            now = self._clock()
            counts = (self._count(self._accounts, account, now),
                      self._count(self._addresses, address, now))
            start = max(now, *(c.next_free for c in counts))
            if start - now > self.cap:
                return Turn(account, address, 0.0, refused=True)
            moved = []
            for count in counts:
                count.pending += 1
                before = count.next_free
                count.next_free = start + self.pause_after(count.failures + count.pending)
                moved.append((before, count.next_free))
            return Turn(account, address, start - now, moved=tuple(moved))

    def failed(self, turn: Turn) -> int:
        """The check failed; returns the failures in a row now counted against the address."""
        with self._lock:
            now = self._clock()
            for table, key in ((self._accounts, turn.account), (self._addresses, turn.address)):
                count = self._count(table, key, now)
                count.failures += 1
                count.pending = max(0, count.pending - 1)
                count.last = now
            pair = (turn.address, turn.account)
            self._pairs[pair] = self._pairs.get(pair, 0) + 1
            self._pairs.move_to_end(pair)
            while len(self._pairs) > self.max_keys:
                self._pairs.popitem(last=False)
            return max(self._accounts[turn.account].failures,
                       self._addresses[turn.address].failures)

    def succeeded(self, turn: Turn) -> None:
        """The check succeeded: the account starts afresh, and the address forgets the
        failures this account made from it (not other accounts')."""
        with self._lock:
            now = self._clock()
            self._accounts.pop(turn.account, None)
            mine = self._pairs.pop((turn.address, turn.account), 0)
            count = self._count(self._addresses, turn.address, now)
            count.pending = max(0, count.pending - 1)
            count.failures = max(0, count.failures - mine)
            if count.failures <= self.free_attempts and not count.pending:
                count.next_free = 0.0

    def abandoned(self, turn: Turn) -> None:
        """The check never ran (the client went away while waiting its turn): its place is
        given back, and the line moves up when it was the last one."""
        if turn.refused:
            return
        with self._lock:
            tables = ((self._accounts, turn.account), (self._addresses, turn.address))
            for (table, key), (before, after) in zip(tables, turn.moved, strict=False):
                count = table.get(key)
                if count is not None:
                    count.pending = max(0, count.pending - 1)
                    if count.next_free == after:
                        count.next_free = before

    def failures(self, address: str | None = None, account: str | None = None) -> int:
        """Failures in a row counted against an address or an account (0 once forgotten)."""
        with self._lock:
            table, key = ((self._addresses, address) if address is not None
                          else (self._accounts, account or ""))
            count = table.get(key)
            if count is None or self._clock() - count.last > self.forget_after:
                return 0
            return count.failures
