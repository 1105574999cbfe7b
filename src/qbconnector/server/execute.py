"""Interaction 0 on the company file's thread: read the body, apply the rules, process, answer.

Everything that parses or builds XML for a request runs here, in the job its company file's
worker runs: on that file's thread, so a slow parse holds up that file's queue, not every
client (a job the worker judges quick may run on the event loop: :mod:`workers`). The rules
in order: the body must be well-formed qbXML free of DTDs and entities (517 0x80040400), hold
at most ``MaxMessageSetRequests`` requests (413), and a read-only user may send neither writes
nor error-recovery attributes (3260 on every request: a read-only session stores, reads and
clears no status). The session's answer may take at most
``MaxResponseSize`` bytes (:class:`~qbconnector.qbxml.session.ResponseTooLarge`, 517).

Bodies and answers larger than :data:`IN_MEMORY` bytes wait in temporary files, so a client
uploading slowly or reading slowly holds disk, not memory.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from qbconnector import wire
from qbconnector.qbxml.session import (
    Caller,
    ParsedRequest,
    ResponseTooLarge,
    SessionOptions,
    calling_as,
)
from qbconnector.server import protocol
from qbconnector.server.protocol import Reply
from qbconnector.server.readonly import refusal, writes_in
from qbconnector.server.scan import PARSE_ERROR, HostileOrMalformed, RequestScan, scan_request
from qbconnector.server.workers import CompanyWorker

IN_MEMORY = 1024 * 1024
"""Bytes of a body or an answer kept in memory; beyond, a temporary file holds them."""
CHUNK = 256 * 1024

log = logging.getLogger("qbconnector.server")


class Spool:
    """Bytes written in pieces: in memory up to :data:`IN_MEMORY`, then in a temporary file."""

    __slots__ = ("_chunks", "_file", "size")

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._file: IO[bytes] | None = None
        self.size = 0

    @classmethod
    def of(cls, data: bytes) -> Spool:
        spool = cls()
        spool.write(data)
        return spool

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self._file is None and self.size > IN_MEMORY:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
            for chunk in self._chunks:
                self._file.write(chunk)
            self._chunks = []
        if self._file is not None:
            self._file.write(data)
        else:
            self._chunks.append(data)

    def read(self) -> bytes:
        """Everything written (for the worker thread: it may read a file)."""
        if self._file is None:
            return b"".join(self._chunks)
        self._file.seek(0)
        return self._file.read()

    def pieces(self) -> Any:
        """The bytes in pieces of at most :data:`CHUNK` (to send)."""
        if self._file is None:
            yield from self._chunks
            return
        self._file.seek(0)
        while chunk := self._file.read(CHUNK):
            yield chunk

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._chunks = []


class Outcome:
    """What happened to one request, for the log line."""

    __slots__ = ("user", "interaction", "requests", "company", "options", "authenticated",
                 "detail")

    def __init__(self) -> None:
        self.user: str | None = None
        self.interaction: int | None = None
        self.requests: tuple[str, ...] = ()
        self.company: str | None = None
        self.options: SessionOptions | None = None
        self.authenticated = False
        self.detail = ""


@dataclass(slots=True)
class Limits:
    """What one message set may hold and answer (0 = no limit)."""

    max_requests: int = 0
    max_response: int = 0


QUICK_BODY = 4096
"""Bytes a request may have and still be run on the event loop (see :func:`looks_quick`)."""
QUICK_REQUESTS = 8
"""Requests a message set may hold and still be run on the event loop."""
CHEAP_QUERIES = frozenset({b"Host", b"Company", b"Preferences"})
"""Queries that answer one small record whatever the company file holds."""
QUICK_RECORDS = 100
"""A query asking for at most this many records (MaxReturned) is answered quickly."""
_REQUEST_TAG = re.compile(rb"<(\w+)Rq[\s>/]")
_MAX_RETURNED = re.compile(rb"<MaxReturned>\s*(\d{1,9})\s*</MaxReturned>")
JUDGED_AT_MOST = 256
"""Request bodies whose verdict :func:`looks_quick` keeps."""
_JUDGED: dict[bytes, bool] = {}


def looks_quick(body: Spool) -> bool:
    """Whether a request's own text says it should be answered quickly: a small body of a
    few requests, whose queries each ask for a handful of records at most (MaxReturned) or
    answer one record anyway (HostQuery...); a report, or a query that may read a whole list,
    is not. Only a hint for where a job runs (:meth:`CompanyWorker.call`): such a request
    runs on the company file's thread even after a run of quick jobs, so the event loop keeps
    serving everyone else meanwhile."""
    if body.size > QUICK_BODY:
        return False
    data = body.read()
    known = _JUDGED.get(data)
    if known is None:        # a client sends the same bytes over and over: judged once
        names = [name for name in _REQUEST_TAG.findall(data) if not name.endswith(b"Msgs")]
        queries = sum(1 for name in names
                      if name.endswith(b"Query") and name[:-5] not in CHEAP_QUERIES)
        bounded = sum(1 for count in _MAX_RETURNED.findall(data)
                      if int(count) <= QUICK_RECORDS) if queries else 0
        known = len(names) <= QUICK_REQUESTS and bounded >= queries
        if len(_JUDGED) >= JUDGED_AT_MOST:
            _JUDGED.clear()
        _JUDGED[data] = known
    return known



def execute_job(body: Spool, options: SessionOptions, user: str, limits: Limits,
                outcome: Outcome, parked: int | None = None
                ) -> Callable[[CompanyWorker], tuple[Reply, Spool | None]]:
    """The worker job answering interaction 0: the reply, and the spool holding a large
    answer's body (then the reply's own body is empty)."""

    def job(worker: CompanyWorker) -> tuple[Reply, Spool | None]:
        scan = _check(body.read(), options, limits, outcome)
        if isinstance(scan, Reply):
            return scan, None
        text = scan.text
        # The session may take the scan's tree instead of parsing the text again.
        parsed = ParsedRequest(text, scan.tree)
        with calling_as(Caller(user, limits.max_response, parsed)):
            result = worker.use(options, lambda s: s.process(text), user=user, parked=parked)
        if limits.max_response and len(result) > limits.max_response:
            raise ResponseTooLarge(limits.max_response)   # a backend that built it anyway
        if log.isEnabledFor(logging.DEBUG):
            log.debug("response body to %s:\n%s", user, result)
        data = result.encode("utf-8")
        del result
        if len(data) <= IN_MEMORY:
            return Reply(wire.OK, data, wire.XML), None
        return Reply(wire.OK, b"", wire.XML), Spool.of(data)

    return job


def _check(data: bytes, options: SessionOptions, limits: Limits,
           outcome: Outcome) -> RequestScan | Reply:
    """The request to process, or the reply refusing it."""
    try:
        scan = scan_request(data)
    except HostileOrMalformed as exc:
        outcome.detail = str(exc)
        return protocol.processor_error(PARSE_ERROR, _parse_error_text(exc))
    outcome.requests = scan.names
    if limits.max_requests and len(scan.requests) > limits.max_requests:
        outcome.detail = f"{len(scan.requests)} requests in one message set"
        return protocol.too_many_requests(len(scan.requests), limits.max_requests)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("request body from %s:\n%s", outcome.user, scan.text)
    if options.read_only:
        family = "qbposxml" if options.pos else "qbxml"
        refused = writes_in(scan.names, family)
        if scan.recovery:
            refused = (*refused, "error recovery (" + ",".join(scan.recovery) + ")")
        if refused:
            outcome.detail = "read-only user: refused " + ",".join(refused)
            return protocol.reply_for(protocol.EXECUTE, refusal(
                scan.requests, family, scan.message_set))
    return scan


def _parse_error_text(exc: HostileOrMalformed) -> str:
    from qbconnector.qbxml.status import hresult_message

    return f"{hresult_message(PARSE_ERROR)} ({exc})"
