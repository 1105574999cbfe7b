"""Every connection on a bounded lease: time limits per phase, and a cap on how many are open.

uvicorn waits forever for a new connection's first byte, for headers sent one byte a minute,
for a body that never ends and for a client that never reads its answer; and at the process's
open-file limit its accept loop fails with a traceback each time. Here each connection is
always in one phase with one deadline:

- *idle* (a new connection, or between requests): ``idle_timeout`` seconds, then closed;
- *headers* (from the first byte of a request): ``header_timeout``, then 408 and closed;
- *body* (once the headers are in): ``body_timeout`` for the whole body, then 408 and closed;
- *answering* (the application has the request): no deadline — but an answer the client does
  not read for ``idle_timeout`` seconds is abandoned and the connection dropped.

Connections beyond ``max_connections`` (itself kept below the open-file limit) are answered
503 and closed at once; the log says so once, then at most once a minute with a count.
Both the data port and the admin console listen this way (:mod:`listen`).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("qbconnector.server")

_RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_REPORT_EVERY = 60.0
_EARLY = 0.001   # a timer may fire this much before its time (the loop's clock resolution)
_HOLD_AT_MOST = 64 * 1024   # bytes of an answer held back to leave with what follows


@dataclass(frozen=True)
class ConnectionLimits:
    """Time limits (seconds) and the cap on open connections of one listening port."""

    header_timeout: float = 10.0
    body_timeout: float = 60.0
    idle_timeout: float = 15.0
    max_connections: int = 1000


class RateLimitedNotice:
    """A warning logged the first time, then at most once per period with a count."""

    def __init__(self, text: str, period: float = _REPORT_EVERY) -> None:
        self.text, self.period = text, period
        self._count = 0
        self._next = 0.0
        self._lock = threading.Lock()

    def hit(self, **values: Any) -> None:
        with self._lock:
            self._count += 1
            now = time.monotonic()
            if now < self._next:
                return
            count, self._count = self._count, 0
            self._next = now + self.period
        log.warning(self.text.format(count=count, **values))


class _Phase:
    IDLE, HEADERS, BODY, ANSWERING = "idle", "headers", "body", "answering"


_TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                   b"connection: close\r\ncontent-length: %d\r\n\r\n%s")
_FULL_ANSWER = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
                b"connection: close\r\nretry-after: 5\r\ncontent-length: %d\r\n\r\n%s")


def _answer(template: bytes, text: str) -> bytes:
    body = (text + "\r\n").encode()
    return template % (len(body), body)


class _OneWritePerTurn:
    """A connection's transport whose writes in one turn of the event loop leave together.

    uvicorn writes an answer's head and its body separately, each a system call (and, with
    TLS, a record) of its own; held until the end of the turn they go out as one. What is held
    stays small (past :data:`_HOLD_AT_MOST` bytes it goes out at once), so a large answer
    still meets the transport's flow control as it is written."""

    __slots__ = ("_transport", "_loop", "_held", "_size")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._held: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)
        self._size += len(data)
        if self._size > _HOLD_AT_MOST:
            self.flush()

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        held, self._held, self._size = self._held, [], 0
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._size

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self.flush()       # an answer written just before (a 408) is still offered
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GuardedProtocol(H11Protocol):
    """uvicorn's h11 protocol with per-phase deadlines and a connection cap (see the module).

    Limits come from the config (``config.limits``, ``config.refusals``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits: ConnectionLimits = getattr(self.config, "limits", ConnectionLimits())
        self._seconds = {_Phase.IDLE: self.limits.idle_timeout,
                         _Phase.HEADERS: self.limits.header_timeout,
                         _Phase.BODY: self.limits.body_timeout}
        self._phase = _Phase.IDLE
        self._deadline: float | None = None      # when the current phase runs out
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._stalled: asyncio.TimerHandle | None = None

    # -- phases ---------------------------------------------------------------------------------
    # One timer per connection, moved only when a deadline comes sooner than it: a request
    # that arrives whole and is answered sets no timer at all (the idle timer set before it,
    # firing early, finds the new deadline and waits for that instead).
    def _enter(self, phase: str, since: float | None = None) -> None:
        self._phase = phase
        seconds = self._seconds.get(phase)
        if seconds:
            self._deadline = (self.loop.time() if since is None else since) + seconds
        else:
            self._deadline = None

    def _arm(self) -> None:
        deadline = self._deadline
        if deadline is None or (self._timer is not None and self._timer_at <= deadline):
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_at(deadline, self._expired)
        self._timer_at = deadline

    def _expired(self) -> None:
        self._timer = None
        if self.transport is None or self.transport.is_closing() or self._deadline is None:
            return
        if self._deadline - self.loop.time() > _EARLY:   # the deadline moved on meanwhile
            self._arm()
            return
        phase = self._phase
        if phase == _Phase.IDLE:
            self._drop()
            return
        limit = self.limits.header_timeout if phase == _Phase.HEADERS else \
            self.limits.body_timeout
        what = "headers" if phase == _Phase.HEADERS else "body"
        answered = self.cycle is not None and self.cycle.response_started
        if not answered:
            self.transport.write(_answer(_TIMEOUT_ANSWER, f"Request Timeout: the request's {what} "
                                         f"did not arrive within {limit:g} s."))
        self._drop()

    def _drop(self) -> None:
        """Close at once: a TLS close would wait for a client that is not listening."""
        if self.transport.get_extra_info("sslcontext") is not None:
            self.transport.abort()
        else:
            self.transport.close()

    def _sync(self, since: float | None = None) -> None:
        """The phase the client's side of the exchange is in now (h11 knows); ``since`` is
        when its first byte arrived, if it is in the headers."""
        state = self.conn.their_state
        if state is h11.IDLE:
            started = self._phase == _Phase.HEADERS or bool(self.conn.trailing_data[0])
            phase = _Phase.HEADERS if started else _Phase.IDLE
        elif state is h11.SEND_BODY:
            phase = _Phase.BODY
        else:
            phase = _Phase.ANSWERING
        if phase != self._phase or since is not None:
            self._enter(phase, since if phase == _Phase.HEADERS else None)
        self._arm()

    # -- uvicorn's protocol ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = _OneWritePerTurn(transport, self.loop)  # type: ignore[assignment]
        if len(self.connections) > self.limits.max_connections > 0:
            transport.write(_answer(_FULL_ANSWER, "Service Unavailable: the connector has "
                                    "too many open connections; try again shortly."))
            refusals = getattr(self.config, "refusals", None)
            if refusals is not None:
                refusals.hit(limit=self.limits.max_connections)
            self._phase = _Phase.ANSWERING
            self._drop()
            return
        self._enter(_Phase.IDLE)
        self._arm()

    def data_received(self, data: bytes) -> None:
        since = None
        if self._phase == _Phase.IDLE:     # a request begins: its headers' time starts now
            since = self.loop.time()
            self._phase = _Phase.HEADERS
        super().data_received(data)
        if not self.transport.is_closing():
            self._sync(since)

    def on_response_complete(self) -> None:
        if isinstance(self.transport, _OneWritePerTurn):
            self.transport.flush()     # the answer leaves now, before the log line is written
        super().on_response_complete()
        if not self.transport.is_closing():
            self._phase = ""            # the next request starts from scratch
            self._sync()

    def connection_lost(self, exc: Exception | None) -> None:
        for handle in (self._timer, self._stalled):
            if handle is not None:
                handle.cancel()
        self._timer = self._stalled = None
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stalled is None and self.limits.idle_timeout:
            self._stalled = self.loop.call_later(self.limits.idle_timeout, self._write_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None

    def _write_stalled(self) -> None:
        """The client has not read its answer for idle_timeout seconds: drop it (its unsent
        part is freed with the connection)."""
        self._stalled = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    def shutdown(self) -> None:
        idle = self.cycle is None or self.cycle.response_complete
        if idle and self.transport.get_extra_info("sslcontext") is not None:
            self.transport.abort()   # TLS would wait for the idle client's close_notify
            return
        super().shutdown()


_ACCEPT_FAILED = RateLimitedNotice(
    "cannot accept connections: the process is out of open files or memory ({count} times; "
    "it retries each second). Lower MaxConnections or raise the open-file limit (LimitNOFILE).")


def quiet_resource_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Make the event loop report accept() failing for lack of files or memory as one log
    line a minute instead of a traceback each time; other errors are reported as before."""
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in _RESOURCE_ERRNOS:
            _ACCEPT_FAILED.hit()
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
