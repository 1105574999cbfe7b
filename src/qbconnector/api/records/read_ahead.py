"""Reading a QuickBooks iterator while its next pages are fetched.

A whole-collection read (an export) has two halves that can run at once: the company file
answering the next page, and this process parsing and writing the last one. Page N+1 is asked
for as soon as page N's text has come — before anyone parses it — so the company file (a worker
process, a connector, QuickBooks) is never left waiting for the reader, and the reader never
waits for a page it could have had. Memory stays bounded: at most a page or two of text waits
in between.

Two ways to ask ahead:

- a session that takes requests before their answers are read (the sandbox worker's pipe,
  :meth:`Connection.requests_ahead`) gets the requests for the next :data:`PAGES_AHEAD` pages
  from the reading thread itself, each as soon as the page before has come; no thread is
  needed, the worker answers into the pipe while this process parses, and the reader may make
  other calls on the connection in between (their answers find their way);
- any other session is asked by a thread, one page ahead. Only the thread talks to the session
  while it runs; it is stopped and joined before anything else is sent (the iterator's Stop).
"""

from __future__ import annotations

import collections
import queue
import re
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from qbconnector.api.records import errors
from qbconnector.qbxml.build import Message
from qbconnector.qbxml.parse import Response

if TYPE_CHECKING:
    from qbconnector.api.records.connection import Connection, RequestsAhead

_REMAINING = re.compile(r'\biteratorRemainingCount="(\d+)"')
_REMAINING_BYTES = re.compile(rb'\biteratorRemainingCount="(\d+)"')
_WAIT = 0.1
PAGES_AHEAD = 2
"""Pages asked for ahead of the one being read, where requests can be sent ahead."""


def remaining_in(text: str | bytes, response_name: str) -> int:
    """The iteratorRemainingCount of a response's text (or its UTF-8 bytes), read from the
    response's own opening tag only (a record's text cannot fake it); 0 where there is none
    (an error status)."""
    if isinstance(text, bytes):
        start = text.find(b"<" + response_name.encode())
        end = text.find(b">", start)
        pattern: re.Pattern[Any] = _REMAINING_BYTES
    else:
        start = text.find("<" + response_name)
        end = text.find(">", start)
        pattern = _REMAINING
    if start < 0 or end < 0:
        return 0
    found = pattern.search(text, start, end)
    return int(found.group(1)) if found else 0


class ReadAhead:
    """The pages after ``first`` of iterator ``iterator_id`` of query ``name``, each
    checked with ``check``; :attr:`remaining` is what the iterator still holds when the
    reading stops (for the caller's Stop)."""

    def __init__(self, connection: Connection, name: str, first: Response, iterator_id: str,
                 next_page: Callable[[int, int, int], int], page: int, values: str,
                 check: Callable[[Response, str], Response]) -> None:
        self.connection = connection
        self.name = name
        self.response_name = name[:-2] + "Rs"
        self.iterator_id = iterator_id
        self.values = values
        self.check = check
        self.remaining = first.iterator_remaining_count or 0
        self._next_page = next_page
        self._page = page
        self._last = (first.size or 0, len(first.records))
        self._pages: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fetch, daemon=True,
                                        name=f"qbconnector read-ahead {name}")
        self._pipelined = connection.takes_requests_ahead
        self._ahead: RequestsAhead | None = None
        self._unasked = 0       # records of the iterator no page has been asked for yet
        self._asked: collections.deque[int] = collections.deque()   # sizes of pages asked
        self._started = False

    def start(self) -> None:
        """Ask for the next page now (before the first page's records are read)."""
        if self._started:
            return
        self._started = True
        if not self._pipelined:
            self._thread.start()
            return
        self._ahead = self.connection.requests_ahead()
        self._unasked = self.remaining
        self._ask(*self._last)

    def __iter__(self) -> Iterator[Response]:
        self.start()
        if self._pipelined:
            yield from self._answers()
            return
        try:
            while True:
                kind, value = self._pages.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield self.check(self.connection.read(value, values=self.values)[0], self.name)
        finally:
            self.close()

    # -- asking ahead without a thread ---------------------------------------------------------
    def _ask(self, size: int, count: int) -> None:
        """Ask for pages until :data:`PAGES_AHEAD` are on their way or none is left."""
        assert self._ahead is not None
        while self._unasked and self._ahead.waiting < PAGES_AHEAD:
            self._page = self._next_page(self._page, size, count)
            self._ahead.send([Message(self.name, {"MaxReturned": self._page},
                                      iterator="Continue", iteratorID=self.iterator_id)])
            self._asked.append(self._page)
            self._unasked = max(0, self._unasked - self._page)

    def _answers(self) -> Iterator[Response]:
        try:
            while self._ahead is not None and self._ahead.waiting:
                text = self._ahead.receive()
                asked = self._asked.popleft()
                self.remaining = remaining_in(text, self.response_name)
                self._unasked = min(self._unasked, self.remaining)   # as the company file says
                self._ask(len(text), asked)          # made while this one is parsed
                yield self.check(self.connection.read(text, values=self.values)[0], self.name)
        finally:
            self.close()

    def close(self) -> None:
        """Stop asking ahead: take the answers still on their way (the iterator moved on for
        them), or stop the thread and wait for it (it finishes the page it is fetching)."""
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            try:
                while ahead.waiting:
                    self.remaining = remaining_in(ahead.receive(), self.response_name)
            except errors.SessionError:     # the session is gone: no iterator to stop
                self.remaining = 0
            finally:
                ahead.close()
            return
        if self._pipelined:
            return
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._pages.get_nowait()          # a thread blocked on a full queue goes on
            except queue.Empty:
                pass
            self._thread.join(_WAIT)

    # -- the thread ---------------------------------------------------------------------------
    def _fetch(self) -> None:
        size, count = self._last
        try:
            while self.remaining and not self._stop.is_set():
                self._page = self._next_page(self._page, size, count)
                follow = Message(self.name, {"MaxReturned": self._page}, iterator="Continue",
                                 iteratorID=self.iterator_id)
                text = self.connection.exchange([follow])
                self.remaining = remaining_in(text, self.response_name)
                size, count = len(text), self._page   # a full page, but for the last
                self._put(("page", text))
            self._put(("end", None))
        except BaseException as exc:   # noqa: BLE001 - handed to the reader, raised there
            self._put(("error", exc))

    def _put(self, item: tuple[str, Any]) -> None:
        while not self._stop.is_set():
            try:
                self._pages.put(item, timeout=_WAIT)
                return
            except queue.Full:
                continue
