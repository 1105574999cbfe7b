"""Listening: a TCP socket for the connector or its console, and uvicorn set up to serve it.

Both the data port (:mod:`runner`) and the admin console (:mod:`console.server`) listen the
same way (:func:`uvicorn_server`): our own SSLContext (TLS 1.2+, PFX support), the time limits
and connection cap of :mod:`connections`, client addresses taken from proxy headers only when
the proxy is trusted, and idle TLS connections dropped at stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from qbconnector.errors import QBConnectorError
from qbconnector.server.connections import (
    ConnectionLimits,
    GuardedProtocol,
    RateLimitedNotice,
    quiet_resource_errors,
)

ACCEPT_BURST = 512
"""Connections accepted in one go at most (and the listen backlog): the files held beyond
the cap before the protocol can refuse the surplus; a quarter of the open-file limit when
that is smaller."""
SPARE_FILES = 64
"""Open files kept for everything but connections (company files, logs, certificates); an
eighth of the open-file limit when that is smaller."""


def _open_file_limit() -> int | None:
    try:
        import resource
    except ImportError:       # Windows: no per-process descriptor limit to respect here
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def accept_burst() -> int:
    """How many connections one accept round takes (the listen backlog too)."""
    limit = _open_file_limit()
    return ACCEPT_BURST if limit is None else max(16, min(ACCEPT_BURST, limit // 4))


class NotReady(QBConnectorError, RuntimeError):
    """The server cannot start as configured; the message says what to do."""


class UvicornConfig(uvicorn.Config):
    """uvicorn's Config with our own SSLContext (TLS 1.2+, PFX support) and the limits the
    protocol (:class:`~qbconnector.server.connections.GuardedProtocol`) reads."""

    def __init__(self, *args: Any, ssl_context: ssl.SSLContext | None = None,
                 limits: ConnectionLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ssl_context = ssl_context
        self.limits = limits or ConnectionLimits()
        self.refusals = RateLimitedNotice(
            "refusing connections over the limit of {limit} open ones ({count} since the "
            "last notice): raise MaxConnections, or look for a client holding connections")

    def load(self) -> None:
        super().load()
        if self._ssl_context is not None:
            self.ssl = self._ssl_context


class GuardedServer(uvicorn.Server):
    """uvicorn's Server whose event loop reports running out of files in one line a minute,
    whose TLS handshakes must end within the header timeout (asyncio allows 60 s), and which
    calls ``on_exit`` when a signal (Ctrl+C, SIGTERM) stops it."""

    def __init__(self, config: uvicorn.Config,
                 on_exit: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self._on_exit is not None:
            self._on_exit()
        super().handle_exit(sig, frame)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        loop = asyncio.get_running_loop()
        quiet_resource_errors(loop)
        limits = getattr(self.config, "limits", None)
        if self.config.ssl is None or limits is None or not limits.header_timeout:
            await super().startup(sockets=sockets)
            return
        try:
            loop.create_server = functools.partial(  # type: ignore[method-assign]
                type(loop).create_server, loop, ssl_handshake_timeout=limits.header_timeout)
        except AttributeError:    # an event loop that takes no attributes (uvloop)
            await super().startup(sockets=sockets)
            return
        try:
            await super().startup(sockets=sockets)
        finally:
            del loop.create_server


def uvicorn_server(app: Any, *, limits: ConnectionLimits, ssl_context: ssl.SSLContext | None,
                   lifespan: str = "on", trusted_proxies: str = "",
                   on_exit: Callable[[], None] | None = None) -> uvicorn.Server:
    """uvicorn set up to serve ``app`` the way every port of ours listens (see the module).

    ``trusted_proxies`` (comma-separated addresses or networks) are the only peers whose
    X-Forwarded-For / X-Forwarded-Proto replace the client's address; empty = nobody's."""
    capped = ConnectionLimits(limits.header_timeout, limits.body_timeout, limits.idle_timeout,
                              connection_cap(limits.max_connections))
    trusted = ",".join(p.strip() for p in trusted_proxies.split(",") if p.strip())
    config = UvicornConfig(app, http=GuardedProtocol, lifespan=lifespan, log_config=None,
                           access_log=False, server_header=False, date_header=True,
                           timeout_keep_alive=max(1, int(limits.idle_timeout or 15)),
                           proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None,
                           backlog=accept_burst(), ssl_context=ssl_context, limits=capped)
    return GuardedServer(config, on_exit)


def connection_cap(wanted: int) -> int:
    """``wanted`` (0 = as many as the process can hold), kept below the open-file limit."""
    limit = _open_file_limit()
    if limit is None:
        return wanted or 1_000_000
    room = max(1, limit - min(SPARE_FILES, limit // 8) - accept_burst())
    return min(wanted, room) if wanted else room


def raise_open_file_limit() -> int:
    """Raise this process's soft open-file limit to its hard limit (what the service unit's
    LimitNOFILE, or the shell's ``ulimit -Hn``, allows); returns the limit now in force."""
    try:
        import resource
    except ImportError:
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0 = any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (else Nagle and
    # delayed ACKs add 40 ms to every response written in two parts)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(accept_burst())
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
