"""Helpers for the connector's tests: clients, raw sockets, session wrappers that record."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from qbconnector.qbxml.session import Session, SessionOptions
from qbconnector.server.runner import ConnectorServer

PASSWORDS = {"alice": "alice-secret", "reader": "reader-secret", "bob": "bob-secret"}
TEST_LOG_N = 10   # cheap scrypt for tests; one test checks the real default

HOST_QUERY = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>'
              '<QBXMLMsgsRq onError="stopOnError"><HostQueryRq requestID="1"/>'
              '</QBXMLMsgsRq></QBXML>')


# --------------------------------------------------------------------------------------------
# Session wrappers used by behaviour tests (they wrap whatever session_factory returns).
# --------------------------------------------------------------------------------------------
@dataclass
class Journal:
    """Records what sessions did, across threads."""

    events: list[tuple[str, int, float]] = field(default_factory=list)
    created: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, ident: int) -> None:
        with self.lock:
            self.events.append((what, ident, time.monotonic()))

    def count(self, what: str) -> int:
        with self.lock:
            return sum(1 for e in self.events if e[0] == what)


class RecordingSession:
    """Wraps a session and records open/close/process enter and exit in a journal."""

    def __init__(self, inner: Session, journal: Journal, *, work: float = 0.0,
                 threads: set[str] | None = None) -> None:
        self.inner, self.journal, self.work = inner, journal, work
        with journal.lock:
            journal.created += 1
            self.ident = journal.created
        self.threads = threads

    def _note_thread(self) -> None:
        if self.threads is not None:
            self.threads.add(threading.current_thread().name)

    def open(self) -> None:
        self._note_thread()
        self.inner.open()
        self.journal.add("open", self.ident)

    def close(self) -> None:
        self.inner.close()
        self.journal.add("close", self.ident)

    def process(self, request: str) -> str:
        self._note_thread()
        self.journal.add("enter", self.ident)
        try:
            if self.work:
                time.sleep(self.work)
            return self.inner.process(request)
        finally:
            self.journal.add("exit", self.ident)

    def versions(self) -> list[str]:
        return self.inner.versions()

    def company_file(self) -> str:
        return self.inner.company_file()

    def is_authorized(self) -> bool:
        return self.inner.is_authorized()

    def is_company_accessible(self) -> bool:
        return self.inner.is_company_accessible()


def recording(factory: Callable[[SessionOptions], Session], journal: Journal,
              **kwargs: Any) -> Callable[[SessionOptions], Session]:
    return lambda options: RecordingSession(factory(options), journal, **kwargs)


_PLAIN_CONTEXT = ssl.create_default_context()   # built once: httpx would load CAs per client


def client(server: ConnectorServer, user: str | None = "alice", password: str | None = None,
           **kwargs: Any) -> httpx.Client:
    auth = None
    if user is not None:
        auth = (user, password if password is not None else PASSWORDS[user])
    kwargs.setdefault("timeout", 10)
    kwargs.setdefault("verify", _PLAIN_CONTEXT)
    return httpx.Client(base_url=server.url, auth=auth, **kwargs)


def post(c: httpx.Client, body: str | bytes = HOST_QUERY, interaction: int | None = None,
         **headers: str) -> httpx.Response:
    hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
    if interaction is not None:
        hdrs["X-AcctSyncInteractionType"] = str(interaction)
    return c.post("/", content=body, headers=hdrs)


@contextlib.contextmanager
def raw_connection(server: ConnectorServer, source: str | None = None) -> Iterator[Any]:
    sock = socket.create_connection((server.host, server.port), timeout=5,
                                    source_address=(source, 0) if source else None)
    try:
        yield sock
    finally:
        sock.close()


def raw_exchange(server: ConnectorServer, data: bytes) -> bytes:
    """Send raw bytes and read until the server closes or a full response arrived."""
    with raw_connection(server) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            joined = b"".join(chunks)
            head, sep, body = joined.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
        return b"".join(chunks)
