"""A real HTTP proxy on a loopback port in front of the double, that can lose answers: it
forwards a request, lets the double process it, then closes the client's connection without
a byte of the answer (as a network that breaks after a create was sent) — or answers 503
instead of forwarding. The client under test goes through it like through any network."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Rule = Callable[[str, str], str | None]     # (method, path) -> "drop" | "503" | None


class _Handler(BaseHTTPRequestHandler):
    server: LossyProxy
    protocol_version = "HTTP/1.1"

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        action = self.server.decide(self.command, self.path)
        if action == "503":
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "content-length", "connection")}
        reply = self.server.upstream.request(self.command, self.path, headers=headers,
                                             content=body)
        if action == "drop":
            self.close_connection = True
            self.connection.close()             # the double did it; the answer is lost
            return
        self.send_response(reply.status_code)
        for key, value in reply.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                   "content-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)

    do_GET = do_POST = _any  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class LossyProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, rule: Rule) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = httpx.Client(base_url=upstream, timeout=30)
        self.rule = rule
        self.seen: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()

    def decide(self, method: str, path: str) -> str | None:
        with self._lock:
            action = self.rule(method, path)
            self.seen.append((method, path, action))
            return action

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> LossyProxy:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self.upstream.close()


def first_time(method: str, path_part: str, action: str) -> Rule:
    """A rule that answers the first ``method`` to a path containing ``path_part`` with
    ``action`` and lets everything else through."""
    done: list[bool] = []

    def rule(seen_method: str, path: str) -> str | None:
        if not done and seen_method == method and path_part in path.split("?")[0]:
            done.append(True)
            return action
        return None

    return rule
