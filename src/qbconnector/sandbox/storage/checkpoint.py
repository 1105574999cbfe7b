"""Checkpoints off the request path: one background thread per open company file.

In WAL mode a commit appends the pages it changed to the log, and a checkpoint copies them
back into the file and syncs it twice. SQLite runs that checkpoint inside whichever commit
pushes the log past 1000 pages: on a large file one invoice in twenty paid for the other
nineteen's fsyncs. Here a thread with its own connection checkpoints (``PASSIVE``: it never
waits for nor blocks readers and writers) shortly after commits; the writers' own connections
checkpoint only when the log grows past :data:`SAFETY_PAGES` all the same (the thread fell
behind, or does not run). Durability is unchanged: a commit is in the log, as before.

Under a steady stream of commits the thread never quite catches up, so the log is restarted
only by that writer's checkpoint at :data:`SAFETY_PAGES`, and it would copy what up to
:data:`COMMITS_PER_CHECKPOINT` commits changed and sync the file inside one request (25-30 ms
on a large file). Once the log passes :data:`CATCH_UP_SHARE` of that size, the thread therefore
checkpoints after every commit, and the writer's checkpoint finds almost nothing left to copy.

The thread runs while connections opened with :func:`open_connection` are open in this
process, and is stopped, its connection closed, before the last of them closes, so that this
close still checkpoints the log into the file and removes it, as before.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

COMMITS_PER_CHECKPOINT = 16
"""Commits after which the thread checkpoints at once (else at the next tick)."""
TICK_SECONDS = 0.25
SAFETY_PAGES = 16_000
"""The writers' own automatic checkpoint: only a log this long (64 MB) is copied by them."""
CATCH_UP_SHARE = 0.8
"""Past this share of SAFETY_PAGES in the log, the thread checkpoints after every commit."""
JOIN_SECONDS = 60.0
"""How long closing the last connection waits for a checkpoint under way."""


class Checkpointer:
    """Checkpoints one company file from a background thread while it is open here."""

    def __init__(self, path: str, connect: Callable[[], sqlite3.Connection]) -> None:
        self.path = path
        self.users = 0
        self._connect = connect
        self._pending = 0
        self.log_pages = 0
        """Pages in the log after the thread's last checkpoint (for tests and diagnostics)."""
        self.catching_up = False
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """A connection committed a write: checkpoint soon (start the thread if need be)."""
        self._pending += 1
        if self._thread is None:
            with _LOCK:
                if self._thread is None and not self._stopping:
                    self._thread = threading.Thread(target=self._run, daemon=True,
                                                    name=f"checkpoint {Path(self.path).name}")
                    self._thread.start()
        if self._pending >= COMMITS_PER_CHECKPOINT or self.catching_up:
            self._wake.set()

    def stop(self) -> None:
        """Stop the thread and close its connection (waits for a checkpoint under way; not
        while the interpreter shuts down, when the thread may already be gone)."""
        with _LOCK:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread() and \
                not sys.is_finalizing():
            thread.join(JOIN_SECONDS)

    def _run(self) -> None:
        try:
            db = self._connect()
        except sqlite3.Error as exc:
            log.debug("no background checkpoints for %s: %s", self.path, exc)
            return
        try:
            while not self._stopping:
                self._wake.wait(TICK_SECONDS)
                self._wake.clear()
                if self._pending and not self._stopping:
                    self._pending = 0
                    try:
                        _busy, pages, _copied = db.execute(
                            "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    except sqlite3.Error as exc:     # e.g. a full disk: the writers still can
                        log.debug("background checkpoint of %s failed: %s", self.path, exc)
                        continue
                    self.log_pages = pages
                    self.catching_up = pages >= SAFETY_PAGES * CATCH_UP_SHARE
        finally:
            with contextlib.suppress(sqlite3.Error):
                db.close()


_LOCK = threading.Lock()
_FILES: dict[str, Checkpointer] = {}


def acquire(path: str | Path, connect: Callable[[], sqlite3.Connection]) -> Checkpointer:
    """The checkpointer of a file, counting one more open connection to it."""
    key = os.path.abspath(path)
    with _LOCK:
        checkpointer = _FILES.get(key)
        if checkpointer is None:
            checkpointer = _FILES[key] = Checkpointer(key, connect)
        checkpointer.users += 1
        return checkpointer


@atexit.register
def _stop_all() -> None:
    """At exit, before the interpreter tears threads down: stop every thread cleanly."""
    with _LOCK:
        checkpointers = list(_FILES.values())
    for checkpointer in checkpointers:
        checkpointer.stop()


def of(path: str | Path) -> Checkpointer | None:
    """The checkpointer of an open company file (for tests and diagnostics)."""
    with _LOCK:
        return _FILES.get(os.path.abspath(path))


def running(path: str | Path) -> bool:
    """Whether a checkpoint thread runs for the file (for tests and diagnostics)."""
    with _LOCK:
        checkpointer = _FILES.get(os.path.abspath(path))
        thread = checkpointer._thread if checkpointer is not None else None
    return thread is not None and thread.is_alive()


def release(checkpointer: Checkpointer) -> None:
    """One connection fewer; the last one stops the thread (before that connection closes)."""
    with _LOCK:
        checkpointer.users -= 1
        last = checkpointer.users <= 0
        if last and _FILES.get(checkpointer.path) is checkpointer:
            del _FILES[checkpointer.path]
    if last:
        checkpointer.stop()


class CompanyConnection(sqlite3.Connection):
    """A connection to a company file whose commits are checkpointed in the background."""

    checkpointer: Checkpointer | None = None

    def committed(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.committed()

    def close(self) -> None:
        checkpointer, self.checkpointer = self.checkpointer, None
        if checkpointer is not None:
            release(checkpointer)
        super().close()

    def __del__(self) -> None:
        # A connection dropped without close() still lets the thread stop.
        checkpointer, self.checkpointer = self.checkpointer, None
        if checkpointer is not None:
            release(checkpointer)
