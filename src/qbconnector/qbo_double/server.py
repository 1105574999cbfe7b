"""Running the double: bind 127.0.0.1 (an ephemeral port with 0) and serve with uvicorn,
in the foreground (the CLI) or on a background thread (tests, embedding)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

from qbconnector.qbo_double.app import QBODouble


class DoubleServer:
    """A QBODouble on a socket; ``base_url`` is known once bound."""

    def __init__(self, double: QBODouble, host: str = "127.0.0.1", port: int = 0) -> None:
        self.double = double
        # proto=IPPROTO_TCP so asyncio sets TCP_NODELAY on accepted connections (else Nagle
        # and delayed ACKs add ~40 ms to every reply written in two parts)
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                                  socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.host, self.port = host, self.sock.getsockname()[1]
        config = uvicorn.Config(double.app, log_level="warning", access_log=False,
                                lifespan="off", timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def run(self) -> None:
        """Serve until interrupted (Ctrl+C)."""
        self.server.run(sockets=[self.sock])

    def start(self) -> DoubleServer:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])),
            name="qbo-double", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the QBO double did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> DoubleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
