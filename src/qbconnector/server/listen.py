"""Listening: a TCP socket for the connector or its console, and uvicorn set up to serve it.

Both the data port (:mod:`runner`) and the admin console (:mod:`console.server`) listen the
same way: our own SSLContext (TLS 1.2+, PFX support) and idle TLS connections dropped at stop.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from qbconnector.errors import QBConnectorError


class NotReady(QBConnectorError, RuntimeError):
    """The server cannot start as configured; the message says what to do."""


class UvicornConfig(uvicorn.Config):
    """uvicorn's Config with our own SSLContext (TLS 1.2+, PFX support)."""

    def __init__(self, *args: Any, ssl_context: ssl.SSLContext | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ssl_context = ssl_context

    def load(self) -> None:
        super().load()
        if self._ssl_context is not None:
            self.ssl = self._ssl_context


class UvicornProtocol(H11Protocol):
    """uvicorn's h11 protocol, except that stopping drops an idle TLS connection at once.

    Closing TLS politely waits for the client's close_notify, which an idle keep-alive client
    never sends (it is not reading): stop() used to give up after its 10 s join with the server
    thread still running. An idle connection has nothing in flight; a busy one still finishes."""

    def shutdown(self) -> None:
        idle = self.cycle is None or self.cycle.response_complete
        if idle and self.transport.get_extra_info("sslcontext") is not None:
            self.transport.abort()
            return
        super().shutdown()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0 = any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (else Nagle and
    # delayed ACKs add 40 ms to every response written in two parts)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise NotReady(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return sock


def serve_in_thread(server: uvicorn.Server, target: Callable[[], Any], name: str,
                    timeout: float = 10.0) -> threading.Thread | None:
    """Run ``target`` (which runs ``server``) on a daemon thread; the thread once the server
    accepts connections, or None when it stopped or did not start within ``timeout``."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            return None
        time.sleep(0.01)
    return thread
