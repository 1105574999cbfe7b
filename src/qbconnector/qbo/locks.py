"""A lock shared by every process on this machine: an OS file lock on a lock file.

Refreshing a QuickBooks Online token rotates it, so two processes refreshing at once must
take turns: the second then finds the first one's new tokens and uses them instead of
spending the old refresh token again. ``flock`` on POSIX, ``msvcrt.locking`` on Windows;
the lock goes with the process, so a crash never leaves it held.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qbconnector.errors import TransportError

_THREADS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


class LockTimeout(TransportError):
    """Another process held the lock for longer than we wait."""


def _thread_lock(path: Path) -> threading.Lock:
    with _GUARD:
        return _THREADS.setdefault(str(path), threading.Lock())


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _release(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _release(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def file_lock(path: str | os.PathLike[str], timeout: float = 120.0) -> Iterator[None]:
    """Hold the lock on ``path`` (created, readable by this user only) for the block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    local = _thread_lock(path)
    if not local.acquire(timeout=timeout):
        raise LockTimeout(f"waited {timeout:.0f} s for {path}")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout
            while not _try(fd):
                if time.monotonic() > deadline:
                    raise LockTimeout(f"another process held {path} for over {timeout:.0f} s")
                time.sleep(0.02)
            try:
                yield
            finally:
                _release(fd)
        finally:
            os.close(fd)
    finally:
        local.release()
