"""The answer leaves before the connector's bookkeeping: a client does not wait for the log."""

from __future__ import annotations

import base64
import logging
import socket
import threading
from collections.abc import Callable

from qbconnector.server.logs import LOGGER_NAME
from qbconnector.server.runner import ConnectorServer
from tests.server.helpers import HOST_QUERY, PASSWORDS, raw_connection


class _PeekAtLogTime(logging.Handler):
    """When the request's log line is written, looks whether the answer is already in the
    client's socket (without taking it)."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(logging.INFO)
        self.sock = sock
        self.seen: list[bytes] = []
        self.looked = threading.Semaphore(0)    # the client reads only after each look

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("client="):
            try:
                self.seen.append(self.sock.recv(65536, socket.MSG_PEEK | socket.MSG_DONTWAIT))
            except BlockingIOError:
                self.seen.append(b"")
            self.looked.release()


def test_the_answer_is_in_the_clients_hands_before_the_log_line_is_written(
        start_server: Callable[..., ConnectorServer]) -> None:
    server = start_server()
    body = HOST_QUERY.encode()
    auth = base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()
    request = (f"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
               f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    logger = logging.getLogger(LOGGER_NAME)
    with raw_connection(server) as sock:
        peek = _PeekAtLogTime(sock)
        logger.addHandler(peek)
        try:
            for _ in range(3):            # keep-alive: each answer before its own line
                sock.sendall(request)
                assert peek.looked.acquire(timeout=10), "no log line for the request"
                answer = b""
                while b"</QBXML>" not in answer:
                    chunk = sock.recv(65536)
                    assert chunk, "the connection closed before the answer was whole"
                    answer += chunk
        finally:
            logger.removeHandler(peek)
    assert len(peek.seen) == 3
    for seen in peek.seen:
        assert seen.startswith(b"HTTP/1.1 200"), seen[:80]
        assert b"<HostRet>" in seen
