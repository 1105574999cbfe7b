"""Running the connector: bind the socket, set up TLS and logging, hand the app to uvicorn.

``ConnectorServer(settings, factory).serve_forever()`` is what ``qbconnector serve`` does;
``start()`` / ``stop()`` run the same server on a background thread (tests, the demo).
With ``AdminPort`` (or ``admin_port=``) the admin console runs beside it on its own port; it
may ask the server to apply the settings file live (:meth:`ConnectorServer.reload_settings`)
or to restart with it (:meth:`ConnectorServer.request_restart`).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvicorn

from qbconnector._version import __version__
from qbconnector.qbxml.session import SessionOptions
from qbconnector.server.app import ConnectorApp, SessionFactory
from qbconnector.server.auth import LoginBackoff
from qbconnector.server.clients import AllowedClients
from qbconnector.server.connections import ConnectionLimits
from qbconnector.server.console import ConsoleApp, ConsoleControl, ConsoleServer, LogFeed
from qbconnector.server.listen import (
    NotReady,
    bind_socket,
    raise_open_file_limit,
    serve_in_thread,
    uvicorn_server,
)
from qbconnector.server.logs import LOGGER_NAME, configure_logging
from qbconnector.server.probe import ProbeResult, probe
from qbconnector.server.reload import LIVE_KEYS, needs_restart
from qbconnector.server.settings import Settings, SettingsError, load_settings, start_warnings
from qbconnector.server.state import ConnectorState
from qbconnector.server.tls import CertificateError, describe_certificate, server_context

log = logging.getLogger(LOGGER_NAME)

BackendFor = Callable[[Settings], "tuple[SessionFactory, str]"]
"""Settings -> the session factory their Backend names and its default company file."""


class ConnectorServer:
    """The connector on one socket: settings + a session factory -> a running server.

    ``admin_port`` overrides AdminPort: None keeps the setting (0 = no console), a number
    serves the console there, 0 meaning any free port (tests, the demo). ``backend_for``
    makes the sessions (and default company file) a settings file's ``Backend`` names, so a
    restart with a changed Backend serves the new one; the server itself imports no backend.
    """

    def __init__(self, settings: Settings, session_factory: SessionFactory, *,
                 default_company: str = "", max_body: int | None = None,
                 retry_pause: float = 2.0, backoff: LoginBackoff | None = None,
                 configure_logs: bool = True, console_log: bool = True,
                 admin_port: int | None = None,
                 state: ConnectorState | None = None,
                 backend_for: BackendFor | None = None) -> None:
        if not settings.Users:
            raise NotReady("no users are configured: add one first "
                           "(qbconnector users add NAME)")
        self.session_factory = session_factory
        self.default_company = default_company
        self._backend_for = backend_for
        self._app_options: dict[str, Any] = {"default_company": default_company,
                                             "max_body": max_body, "backoff": backoff,
                                             "retry_pause": retry_pause}
        self._configure_logs, self._console_log = configure_logs, console_log
        self.state = state or ConnectorState()
        self.state.backend = describe_backend(session_factory)
        self.state.default_company = default_company
        self.admin_port = settings.AdminPort if admin_port is None else admin_port
        self._admin_from_settings = admin_port is None
        self.console_enabled = admin_port is not None or bool(settings.AdminPort)
        if self.console_enabled and self.admin_port and self.admin_port == settings.Port:
            raise NotReady(f"AdminPort {self.admin_port} is the data port; the console needs "
                           "its own")
        if self.console_enabled and not settings.path:
            raise NotReady("the admin console edits the settings file: start the server from "
                           "one (load_settings(path))")
        self.settings = settings
        self._set_up_logging(settings)
        self.ssl_context = self._tls(settings)
        self.app = self._new_app(settings)
        self.console: Any = None
        self.log_feed: Any = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._bound: tuple[str, int] | None = None
        self._restart = False
        self._stopping = False

    def _set_up_logging(self, settings: Settings) -> None:
        if self._configure_logs:
            configure_logging(level=settings.LogLevel, enabled=settings.LogEnabled,
                              directory=settings.LogDir, log_format=settings.LogFormat,
                              max_size=settings.MaxLogSize, console=self._console_log)

    @staticmethod
    def _tls(settings: Settings) -> ssl.SSLContext | None:
        if not settings.SSLEnabled:
            return None
        return server_context(settings.SSLCertStore, settings.SSLCertType,
                              settings.SSLCertPassword, settings.SSLCertSubject)

    def _new_app(self, settings: Settings) -> ConnectorApp:
        return ConnectorApp(settings, self.session_factory, state=self.state,
                            **self._app_options)

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"

    @property
    def host(self) -> str:
        return self.settings.bind_host

    @property
    def port(self) -> int:
        if self._bound is None:
            return int(self.settings.Port)
        return int(self._bound[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}/"

    @property
    def console_url(self) -> str:
        """The admin console's address ('' when it does not run)."""
        return self.console.url if self.console is not None else ""

    def _uvicorn(self) -> uvicorn.Server:
        return uvicorn_server(self.app, limits=connection_limits(self.settings),
                              ssl_context=self.ssl_context,
                              trusted_proxies=self.settings.TrustedProxies,
                              on_exit=self._interrupt_backend)

    def _interrupt_backend(self) -> None:
        """Stopping: a backend others wait on (the Web Connector's queue) answers them now,
        so that finishing the requests under way does not wait for their Timeout."""
        interrupt = getattr(self.session_factory, "interrupt", None)
        if callable(interrupt):
            try:
                interrupt()
            except Exception as exc:
                log.warning("error while interrupting the backend: %s", exc)

    def bind(self) -> socket.socket:
        if self._socket is None:
            raise_open_file_limit()
            self._socket = bind_socket(self.host, int(self.settings.Port))
            self._bound = self._socket.getsockname()[:2]
            self._describe_listening()
        return self._socket

    def _describe_listening(self) -> None:
        self.state.listening = [self.url]
        self.state.tls = None
        if self.ssl_context is not None:
            try:
                info = describe_certificate(self.settings.SSLCertStore, self.settings.SSLCertType,
                                            self.settings.SSLCertPassword)
                self.state.tls = info.as_dict()
            except CertificateError as exc:
                self.state.tls = {"error": str(exc)}

    # -- the admin console ---------------------------------------------------------------------
    def start_console(self) -> None:
        """Start the admin console if it is on and not running (binds its port)."""
        if not self.console_enabled or self.console is not None:
            return
        if self.log_feed is None:
            self.log_feed = LogFeed()
            logging.getLogger(LOGGER_NAME).addHandler(self.log_feed)
        control = ConsoleControl(
            settings_path=Path(self.settings.path), state=self.state, log_feed=self.log_feed,
            in_force=lambda: self.settings, reload=self.reload_settings,
            restart=self.request_restart, test_connection=self.test_connection)
        port = int(self.admin_port)
        if port and port == self.port:
            raise NotReady(f"AdminPort {port} is the data port; the console needs its own")
        sock = bind_socket(self.settings.admin_host, port)
        app = ConsoleApp(control, secure_cookies=self.ssl_context is not None)
        limits = replace(connection_limits(self.settings), idle_timeout=5, max_connections=100)
        self.console = ConsoleServer(app, sock, self.ssl_context, limits).start()
        self.state.console_url = self.console.url
        log.info("admin console on %s", self.console.url)

    def _stop_console(self) -> None:
        if self.console is not None:
            self.console.stop()
            self.console = None
            self.state.console_url = ""

    async def test_connection(self, options: SessionOptions, user: str | None) -> ProbeResult:
        """Open a company file with ``options`` on its worker thread, as a request would."""
        worker = self.app.workers.for_company(options.company_file)
        return await worker.call(lambda w: probe(w.factory(options), options, user),
                                 float(self.settings.Timeout) or None)

    # -- settings while running ----------------------------------------------------------------
    def reload_settings(self) -> list[str]:
        """Apply the settings file's live settings now; return the keys awaiting a restart."""
        try:
            fresh = load_settings(self.settings.path)
        except SettingsError as exc:
            log.error("settings file is invalid; nothing applied: %s", exc)
            return []
        live = replace(self.settings, Users=fresh.Users, WebConnectorUsers=fresh.WebConnectorUsers,
                       **{key: getattr(fresh, key) for key in LIVE_KEYS})
        logging_changed = any(getattr(live, k) != getattr(self.settings, k) for k in (
            "LogLevel", "LogEnabled", "LogDir", "LogFormat", "MaxLogSize"))
        self.settings = live
        self.app.settings = live
        self.app.clients = AllowedClients(live.AllowedClients)
        self.app.users.refresh()
        if logging_changed:
            self._set_up_logging(live)
            log.info("log settings applied: level %s, files %s", live.LogLevel,
                     "on" if live.LogEnabled else "off")
        return needs_restart(live, fresh)

    def request_restart(self) -> None:
        """Stop serving and start again with the settings file (on the serving thread)."""
        self._restart = True
        self._interrupt_backend()
        if self._server is not None:
            self._server.should_exit = True

    def _rebuild(self) -> None:
        """Between two runs of the server: take the settings file as it is now."""
        try:
            fresh = load_settings(self.settings.path)
            if not fresh.Users:
                raise NotReady("no users are configured")
            context = self._tls(fresh)
        except (SettingsError, CertificateError, NotReady) as exc:
            log.error("restart: keeping the settings in force: %s", exc)
            fresh, context = self.settings, self.ssl_context
        self.app.close()
        if self._backend_for is not None and fresh.Backend != self.settings.Backend:
            self._change_backend(fresh)
        console_moved = (fresh.admin_host, fresh.AdminPort, fresh.SSLEnabled) != (
            self.settings.admin_host, self.settings.AdminPort, self.settings.SSLEnabled)
        self.settings, self.ssl_context = fresh, context
        self._set_up_logging(fresh)
        self.app = self._new_app(fresh)
        # uvicorn closed the listening socket when it stopped: listen again
        previous, self._socket = self._bound, None
        try:
            self.bind()
        except NotReady as exc:
            if previous is None:
                raise
            log.error("restart: %s; listening on the previous address again", exc)
            self._socket = bind_socket(str(previous[0]), int(previous[1]))
            self._bound = previous
        self._describe_listening()
        if console_moved and self._admin_from_settings:
            self._stop_console()
            self.admin_port = fresh.AdminPort
            self.console_enabled = bool(fresh.AdminPort)
            try:
                self.start_console()
            except (NotReady, RuntimeError) as exc:
                log.error("restart: the admin console cannot start: %s", exc)
        self.state.restart_needed = []
        log.info("restarted: serving on %s", self.url)

    def _change_backend(self, fresh: Settings) -> None:
        assert self._backend_for is not None
        try:
            factory, company = self._backend_for(fresh)
        except Exception as exc:   # whatever the backend says; the one in force stays
            log.error("restart: still serving %s; the new Backend cannot be served: %s",
                      self.backend, exc)
            return
        self.session_factory, self.default_company = factory, company
        self._app_options["default_company"] = company
        self.state.backend = describe_backend(factory)
        self.state.default_company = company
        log.info("restart: now serving %s", self.backend)

    def _serve_loop(self, sock: socket.socket) -> None:
        while True:
            assert self._server is not None
            self._server.run(sockets=[sock])
            if not self._restart or self._stopping:
                return
            self._restart = False
            self._rebuild()
            sock = self.bind()
            self._server = self._uvicorn()

    # -- running -------------------------------------------------------------------------------
    @property
    def backend(self) -> str:
        """What is served, in a person's words (the log's start line says it too)."""
        return self.state.backend

    def _announce(self) -> None:
        log.info("qbconnector %s serving %s on %s", __version__, self.backend, self.url)
        for problem in start_warnings(self.settings):
            log.warning("%s", problem)

    def serve_forever(self) -> None:
        """Serve until interrupted (Ctrl+C / SIGTERM)."""
        sock = self.bind()
        self._announce()
        self._server = self._uvicorn()
        try:
            self.start_console()
            self._serve_loop(sock)
        finally:
            self._stop_console()
            self.app.close()
            if self._socket is not None:
                self._socket.close()

    def start(self, timeout: float = 10.0) -> ConnectorServer:
        """Serve on a background thread; returns once the server accepts connections."""
        sock = self.bind()
        self._announce()
        self._server = server = self._uvicorn()
        self._thread = serve_in_thread(server, lambda: self._serve_loop(sock),
                                       "qbconnector-server", timeout)
        if self._thread is None:
            self.stop()
            raise NotReady("the server did not start; see the log")
        try:
            self.start_console()
        except (NotReady, RuntimeError):
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start` and close every session."""
        self._stopping = True
        self._interrupt_backend()
        self._stop_console()
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
        if self.log_feed is not None:
            logging.getLogger(LOGGER_NAME).removeHandler(self.log_feed)

    def __enter__(self) -> ConnectorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def connection_limits(settings: Settings) -> ConnectionLimits:
    """The time limits and connection cap the settings give the data port and the console."""
    return ConnectionLimits(header_timeout=float(settings.HeaderTimeout),
                            body_timeout=float(settings.BodyTimeout),
                            idle_timeout=float(settings.IdleTimeout),
                            max_connections=int(settings.MaxConnections))


def describe_backend(factory: SessionFactory) -> str:
    """A person's words for what a session factory serves (its ``description`` if it has
    one, else its class)."""
    described = getattr(factory, "description", None)
    if isinstance(described, str) and described:
        return described
    name = type(factory).__name__
    return {"SandboxSessions": "sandbox company file"}.get(name, name)
