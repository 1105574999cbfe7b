"""Serving the console: its own uvicorn server on its own socket and thread.

The console never shares the data port, and a slow page never holds up a qbXML request: it
runs on a thread of its own with its own event loop, started and stopped by the runner.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading

import uvicorn

from qbconnector.server.console.web import ConsoleApp
from qbconnector.server.listen import UvicornConfig, UvicornProtocol, serve_in_thread


class ConsoleServer:
    """The console app on a listening socket, served on a background thread."""

    def __init__(self, app: ConsoleApp, sock: socket.socket,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.app, self.socket, self.ssl_context = app, sock, ssl_context
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        host = f"[{host}]" if ":" in host else host
        return f"{'https' if self.ssl_context else 'http'}://{host}:{port}/"

    def start(self, timeout: float = 10.0) -> ConsoleServer:
        config = UvicornConfig(self.app, http=UvicornProtocol, lifespan="off", log_config=None,
                               access_log=False, server_header=False, timeout_keep_alive=5,
                               ssl_context=self.ssl_context)
        self._server = server = uvicorn.Server(config)
        self._thread = serve_in_thread(server, lambda: server.run(sockets=[self.socket]),
                                       "qbconnector-console", timeout)
        if self._thread is None:
            self.stop()
            raise RuntimeError("the admin console did not start; see the log")
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with contextlib.suppress(OSError):
            self.socket.close()
