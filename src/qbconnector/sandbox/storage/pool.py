"""Idle connections to company files, handed from one short session to the next.

Opening a company file costs more than answering a small request: connecting, reading the
schema and opening the write-ahead log take about 0.5 ms, and closing the last connection
checkpoints the log. The remote connector opens a session per request by default, so its
sessions return their connection here when they close and the next session on the same file
takes it. Nothing a session can see is kept: each session still has its own iterators and
its own cache (a :class:`~qbconnector.sandbox.storage.store.Store` is made per session).

A connection is reused only while the file is the very file it was opened on (same device,
inode, size and modification time as when it was handed back) and for at most
``idle_seconds``; after that, or on :meth:`ConnectionPool.close`, it is closed, which
checkpoints the log into the file as a plain session close does.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sqlite3
import threading
import time
import weakref
from pathlib import Path

from qbconnector.sandbox.storage.store import open_company_file

IDLE_SECONDS = 30.0
PER_FILE = 4
LENT_AT_MOST = 1000


def _key(path: str | Path) -> str:
    """The pool's name for a file: its absolute path (worked out once per absolute spelling;
    a relative one depends on the working directory, so it is worked out every time)."""
    text = path if path.__class__ is str else os.fspath(path)
    found = _ABSOLUTE.get(text)
    if found is None:
        found = os.path.abspath(text)
        if found == text and len(_ABSOLUTE) < 4096:
            _ABSOLUTE[text] = found
    return found


_ABSOLUTE: dict[str, str] = {}


def _identity(path: str | Path) -> tuple[int, int, int, int]:
    """What tells a file apart from a replaced or rewritten one (raises when it is gone)."""
    facts = os.stat(path)
    return facts.st_dev, facts.st_ino, facts.st_size, facts.st_mtime_ns


class ConnectionPool:
    """Idle company-file connections, at most ``per_file`` per file, kept ``idle_seconds``."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS, per_file: int = PER_FILE) -> None:
        self.idle_seconds = idle_seconds
        self.per_file = per_file
        self._idle: dict[str, list[tuple[sqlite3.Connection, tuple, float]]] = {}
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        # Reused connections out with a session: (connection, file identity, changes made).
        self._lent: dict[int, tuple[sqlite3.Connection, tuple, int]] = {}
        _POOLS.add(self)

    def take(self, path: str | Path) -> sqlite3.Connection:
        """An open connection to ``path``: an idle one still valid, else a new one."""
        key = (_ABSOLUTE.get(path) if path.__class__ is str else None) or _key(path)
        try:
            facts = os.stat(key)     # _identity(), inline: this runs for every session
            identity = (facts.st_dev, facts.st_ino, facts.st_size, facts.st_mtime_ns)
        except OSError:
            identity = None
        found = None
        stale = []
        with self._lock:
            entries = self._idle.get(key, [])
            while entries and found is None:
                db, seen, since = entries.pop()
                if identity == seen and time.monotonic() - since < self.idle_seconds:
                    found = db
                else:
                    stale.append(db)
            if found is not None and identity is not None:
                if len(self._lent) > LENT_AT_MOST:   # sessions that never gave theirs back
                    self._lent.clear()
                self._lent[id(found)] = (found, identity, found.total_changes)
        for db in stale:
            _close(db)
        if found is None:
            return open_company_file(path)
        return found

    def give(self, path: str | Path, db: sqlite3.Connection) -> None:
        """Take back a session's connection (closed instead when it cannot be reused)."""
        if db.in_transaction:
            _close(db)
            return
        key = (_ABSOLUTE.get(path) if path.__class__ is str else None) or _key(path)
        with self._lock:
            lent = self._lent.pop(id(db), None)
            if lent is not None and lent[0] is db and lent[2] == db.total_changes:
                # Nothing written through it: the file is as this connection found it,
                # unless someone else changed it, which the next take() sees and reopens
                # for. The usual case, kept with this one look at the lock.
                if self._keep(key, db, lent[1]):
                    return
                full = True
            else:
                full = False
        if not full:
            try:
                identity = _identity(path)
            except OSError:
                _close(db)
                return
            with self._lock:
                if self._keep(key, db, identity):
                    return
        _close(db)

    def _keep(self, key: str, db: sqlite3.Connection, identity: tuple) -> bool:
        """(With the lock held.) Keep ``db`` idle, unless the file has enough already."""
        entries = self._idle.get(key)
        if entries is None:
            entries = self._idle[key] = []
        if len(entries) >= self.per_file:
            return False
        entries.append((db, identity, time.monotonic()))
        if self._timer is None:
            self._schedule()
        return True

    def close(self) -> None:
        """Close every idle connection now (a server that stops; the pool stays usable)."""
        with self._lock:
            entries = [e for idle in self._idle.values() for e in idle]
            self._idle.clear()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        for db, _, _ in entries:
            _close(db)

    @property
    def idle_count(self) -> int:
        with self._lock:
            return sum(len(e) for e in self._idle.values())

    # -- expiry ---------------------------------------------------------------------------------
    def _schedule(self) -> None:
        """(With the lock held.) Make sure a sweep will close what stays idle too long."""
        if self._timer is None:
            self._timer = threading.Timer(self.idle_seconds, self._sweep)
            self._timer.daemon = True
            self._timer.start()

    def _sweep(self) -> None:
        expired = []
        with self._lock:
            self._timer = None
            now = time.monotonic()
            for key, entries in list(self._idle.items()):
                keep = [e for e in entries if now - e[2] < self.idle_seconds]
                expired += [e[0] for e in entries if now - e[2] >= self.idle_seconds]
                if keep:
                    self._idle[key] = keep
                else:
                    del self._idle[key]
            if self._idle:
                self._schedule()
        for db in expired:
            _close(db)


_POOLS: weakref.WeakSet[ConnectionPool] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """At exit, close what is idle: the last close checkpoints the log into the file."""
    for pool in list(_POOLS):
        pool.close()


def _close(db: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        db.close()
