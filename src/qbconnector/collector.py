"""Fewer passes of Python's cycle collector while bulk work makes short-lived, acyclic data.

Writing a sample company or exporting records makes millions of dicts, lists and tuples
that reference counting frees at once; the cycle collector would only walk them, and its
older generations walk the whole growing heap. :func:`fewer_collections` raises the youngest
generation's threshold meanwhile (a collection every 50,000 net allocations instead of 700)
and puts it back afterwards; cycles made meanwhile are still collected, later. Only for work
that makes no large cyclic garbage.

An httpx response sits in such a cycle (the response and the stream bound to it), so its body
would wait for a collection: :func:`qbconnector.responses.release` breaks it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLD = 50_000
"""The youngest generation's threshold while bulk work runs."""

_LOCK = threading.Lock()
_users = 0
_before: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with the raised threshold. Nested and concurrent blocks share it: the
    first to enter raises it, the last to leave restores what it was."""
    global _users, _before
    with _LOCK:
        if _users == 0:
            _before = gc.get_threshold()
            gc.set_threshold(max(_before[0], BULK_THRESHOLD), *_before[1:])
        _users += 1
    try:
        yield
    finally:
        with _LOCK:
            _users -= 1
            if _users == 0 and _before is not None:
                gc.set_threshold(*_before)
                _before = None

