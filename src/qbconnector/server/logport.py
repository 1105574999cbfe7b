"""LogPort: the live log, streamed to local clients on 127.0.0.1 (``qbconnector log tail --live``).

The original connector's user interface watches a running service through a local port; here a
client connects to 127.0.0.1:LogPort, sends ``AUTH <LocalAuth>`` on its first line, and then
receives every log line as it is written. Without a LocalAuth secret the port stays closed.
Wrong secrets slow further attempts down as failed logins do (:mod:`backoff`), however many
connections they come on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Iterator

from qbconnector.server.backoff import LoginBackoff
from qbconnector.server.logs import SafeFormatter, WritesLines, takes_lines

MAX_QUEUED_LINES = 1000
ACCOUNT = "\x00LogPort"
"""The login backoff's account for the LocalAuth secret (no user can be named so)."""


@takes_lines
class LogBroadcast(WritesLines, logging.Handler):
    """A logging handler that copies each formatted line to every connected client (the
    connector's request lines come without a record: :meth:`write_line`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.queues: set[asyncio.Queue[str]] = set()

    def emit(self, record: logging.LogRecord) -> None:
        if not self.queues:
            return
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._send(line)

    def write_line(self, levelname: str, message: str, created: float, *,
                   safe: bool = False, user: str | None = None) -> None:
        """Send what :meth:`emit` sends for a record of these fields (nothing to format
        while no client listens)."""
        if self.queues:
            super().write_line(levelname, message, created, safe=safe, user=user)

    def _put(self, line: str, created: float) -> None:
        self._send(line)

    def _send(self, line: str) -> None:
        for queue in list(self.queues):
            with contextlib.suppress(RuntimeError):   # loop closed during shutdown
                self.loop.call_soon_threadsafe(_offer, queue, line)


def _offer(queue: asyncio.Queue[str], line: str) -> None:
    if queue.full():          # a slow client loses old lines, never slows the server
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(line)


class LogPortServer:
    """The listening side of LogPort."""

    def __init__(self, port: int, secret: str, logger: logging.Logger,
                 formatter: logging.Formatter | None = None,
                 backoff: LoginBackoff | None = None) -> None:
        self.port, self.secret, self.logger = port, secret, logger
        self.backoff = backoff or LoginBackoff()
        self.formatter = formatter or SafeFormatter("%(asctime)s %(levelname)s %(message)s")
        self.server: asyncio.Server | None = None
        self.handler: LogBroadcast | None = None

    async def start(self) -> None:
        if not self.secret:
            self.logger.error("LogPort %d is not opened: set LocalAuth, the secret log "
                              "clients must send", self.port)
            return
        self.handler = LogBroadcast(asyncio.get_running_loop())
        self.handler.setFormatter(self.formatter)
        self.logger.addHandler(self.handler)
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self.handler is not None:
            self.logger.removeHandler(self.handler)
        if self.server is not None:
            self.server.close()
            if self.handler is not None:
                for queue in list(self.handler.queues):
                    _offer(queue, "")
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self.handler is not None
        queue: asyncio.Queue[str] = asyncio.Queue(MAX_QUEUED_LINES)
        try:
            first = await asyncio.wait_for(reader.readline(), 5)
            word, _, given = first.decode("utf-8", "replace").strip().partition(" ")
            peer = (writer.get_extra_info("peername") or ("-",))[0]
            turn = self.backoff.turn(ACCOUNT, peer)
            if not turn.refused and turn.wait:
                try:
                    await asyncio.sleep(turn.wait)
                except BaseException:
                    self.backoff.abandoned(turn)
                    raise
            granted = not turn.refused and word == "AUTH" and hmac.compare_digest(
                given.encode(), self.secret.encode())
            if not granted:
                if not turn.refused:
                    failures = self.backoff.failed(turn)
                    if failures > self.backoff.free_attempts:
                        self.logger.warning("LogPort: wrong secret from %s (%d in a row)", peer,
                                            failures)
                writer.write(b"DENIED\n")
                await writer.drain()
                return
            self.backoff.succeeded(turn)
            writer.write(b"OK\n")
            await writer.drain()
            self.handler.queues.add(queue)
            while True:
                line = await queue.get()
                if not line:
                    return
                writer.write(line.encode("utf-8") + b"\n")
                await writer.drain()
        except (TimeoutError, ConnectionError):
            return
        finally:
            self.handler.queues.discard(queue)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def read_live(port: int, secret: str, *, timeout: float | None = None) -> Iterator[str]:
    """Yield lines from a running connector's LogPort (blocking; for ``log tail --live``)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(f"AUTH {secret}\n".encode())
        stream = sock.makefile("r", encoding="utf-8", newline="\n")
        answer = stream.readline().strip()
        if answer != "OK":
            raise PermissionError("the connector refused the LocalAuth secret")
        for line in stream:
            yield line.rstrip("\n")
