"""Running the connector: bind the socket, set up TLS and logging, hand the app to uvicorn.

``ConnectorServer(settings, factory).serve_forever()`` is what ``qbconnector serve`` does;
``start()`` / ``stop()`` run the same server on a background thread (tests, the demo).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from qbconnector._version import __version__
from qbconnector.errors import QBConnectorError
from qbconnector.server.app import DEFAULT_MAX_BODY, ConnectorApp, SessionFactory
from qbconnector.server.auth import LoginBackoff
from qbconnector.server.logs import LOGGER_NAME, configure_logging
from qbconnector.server.settings import Settings
from qbconnector.server.tls import server_context

log = logging.getLogger(LOGGER_NAME)


def backend_name(factory: SessionFactory) -> str:
    """What a session factory serves, for people: its ``description``, else its type."""
    description = getattr(factory, "description", None)
    return str(description) if description else f"sessions from {factory!r}"


class NotReady(QBConnectorError, RuntimeError):
    """The server cannot start as configured; the message says what to do."""


class _Config(uvicorn.Config):
    """uvicorn's Config with our own SSLContext (TLS 1.2+, PFX support)."""

    def __init__(self, *args: Any, ssl_context: ssl.SSLContext | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ssl_context = ssl_context

    def load(self) -> None:
        super().load()
        if self._ssl_context is not None:
            self.ssl = self._ssl_context


class _Protocol(H11Protocol):
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


class ConnectorServer:
    """The connector on one socket: settings + a session factory -> a running server."""

    def __init__(self, settings: Settings, session_factory: SessionFactory, *,
                 default_company: str = "", max_body: int = DEFAULT_MAX_BODY,
                 retry_pause: float = 2.0, backoff: LoginBackoff | None = None,
                 configure_logs: bool = True, console_log: bool = True,
                 keep_alive: int = 15) -> None:
        if not settings.Users:
            raise NotReady("no users are configured: add one first "
                           "(qbconnector users add NAME)")
        self.settings = settings
        if configure_logs:
            configure_logging(level=settings.LogLevel, enabled=settings.LogEnabled,
                              directory=settings.LogDir, log_format=settings.LogFormat,
                              max_size=settings.MaxLogSize, console=console_log)
        self.ssl_context = None
        if settings.SSLEnabled:
            self.ssl_context = server_context(settings.SSLCertStore, settings.SSLCertType,
                                              settings.SSLCertPassword, settings.SSLCertSubject)
        self.app = ConnectorApp(settings, session_factory, default_company=default_company,
                                max_body=max_body, backoff=backoff, retry_pause=retry_pause)
        self.keep_alive = keep_alive
        self.backend = backend_name(session_factory)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"

    @property
    def host(self) -> str:
        return self.settings.bind_host

    @property
    def port(self) -> int:
        if self._socket is None:
            return int(self.settings.Port)
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}/"

    def _uvicorn(self) -> uvicorn.Server:
        config = _Config(self.app, http=_Protocol, lifespan="on", log_config=None,
                         access_log=False,
                         server_header=False, timeout_keep_alive=self.keep_alive,
                         ssl_context=self.ssl_context)
        return uvicorn.Server(config)

    def bind(self) -> socket.socket:
        if self._socket is None:
            self._socket = bind_socket(self.host, int(self.settings.Port))
        return self._socket

    def _announce(self) -> None:
        log.info("qbconnector %s serving %s on %s", __version__, self.backend, self.url)

    def serve_forever(self) -> None:
        """Serve until interrupted (Ctrl+C / SIGTERM)."""
        sock = self.bind()
        self._announce()
        self._server = self._uvicorn()
        try:
            self._server.run(sockets=[sock])
        finally:
            self.app.close()
            sock.close()

    def start(self, timeout: float = 10.0) -> ConnectorServer:
        """Serve on a background thread; returns once the server accepts connections."""
        sock = self.bind()
        self._announce()
        self._server = server = self._uvicorn()
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                        name="qbconnector-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise NotReady("the server did not start; see the log")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start` and close every session."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.app.close()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None

    def __enter__(self) -> ConnectorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
