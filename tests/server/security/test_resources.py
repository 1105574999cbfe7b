"""Resources one request or one user may take: memory, the company file, connections, open files.

Each test is an attack of issue 14 that succeeded before the limits existed. The servers run
with short time limits of their own, so nothing here waits long; memory is measured on a
server in a process of its own, which a watchdog stops before it could grow far.
"""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.server.helpers import PASSWORDS, client, post
from tests.server.security.conftest import memory_kb, message_set, own_process

MB = 1024


def _auth(user: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{PASSWORDS[user]}".encode()).decode()


class Watchdog:
    """Stops a server process whose memory grows past ``limit_kb`` (the attack succeeded)."""

    def __init__(self, pid: int, limit_kb: int) -> None:
        self.pid, self.limit_kb, self.tripped = pid, limit_kb, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import os
        import signal

        while not self._stop.wait(0.05):
            try:
                if memory_kb(self.pid) > self.limit_kb:
                    self.tripped = True
                    os.kill(self.pid, signal.SIGKILL)
                    return
            except (OSError, AssertionError):
                return

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _connect(url: str) -> socket.socket:
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def _answer(sock: socket.socket) -> bytes:
    """Whatever the server sends until it closes (b'' when it just closes)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return data
        if not chunk:
            return data
        data += chunk


# -- memory ---------------------------------------------------------------------------------------
def test_oversized_message_sets_and_stalled_bodies_keep_memory_bounded(
        tmp_path, hashed, busy_company):
    with own_process(tmp_path, hashed, busy_company, MaxResponseSize=2 * MB * 1024,
                     BodyTimeout=2) as served:
        pid = served.process.pid
        with httpx.Client(base_url=served.url, auth=("reader", PASSWORDS["reader"]),
                          timeout=30) as c:
            warm = c.post("/", content=message_set("<CustomerQueryRq/>"))
            assert warm.status_code == 200 and warm.text.count("<CustomerRet>") == 100
            before = memory_kb(pid)
            # 300 queries of ~150 KB each from a read-only user: a 45 MB answer (1.2 GB for
            # the 1,000 of the issue) would be built as one string, copied, then encoded
            with Watchdog(pid, before + 400 * MB) as watchdog:
                answer = c.post("/", content=message_set("<CustomerQueryRq/>" * 300))
            assert not watchdog.tripped
            assert answer.status_code == 517
            assert "MaxResponseSize" in answer.text and "iterator" in answer.text
            grown = memory_kb(pid, "VmHWM") - before
            assert grown < 40 * MB, f"the server's peak grew by {grown} kB"
            # more requests in one message set than MaxMessageSetRequests (1000 by default)
            many = c.post("/", content=message_set("<HostQueryRq/>" * 1001))
            assert many.status_code == 413 and "MaxMessageSetRequests" in many.text
            assert c.post("/", content=message_set("<HostQueryRq/>")).status_code == 200

        # ten bodies of a declared 30 MB, each stalled after 4 MB: spooled to disk, not memory
        before = memory_kb(pid)
        stalled = []
        head = (f"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: {_auth('reader')}\r\n"
                f"Content-Length: {30 * MB * 1024}\r\n\r\n").encode()
        with Watchdog(pid, before + 400 * MB) as watchdog:
            for _ in range(10):
                sock = _connect(served.url)
                sock.sendall(head + b"<" * (4 * MB * 1024))
                stalled.append(sock)
            time.sleep(0.5)        # let the server take in what was sent
            grown = memory_kb(pid) - before
            answers = [_answer(sock) for sock in stalled]   # BodyTimeout (2 s) ends them
        for sock in stalled:
            sock.close()
        assert not watchdog.tripped
        assert grown < 25 * MB, f"stalled bodies took {grown} kB of the server's memory"
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[0][:80]
        assert served.process.poll() is None


def test_one_query_larger_than_the_limit_stops_early_and_pages_still_work(
        start_server, busy_company):
    from qbconnector.sandbox import SandboxSessions

    server = start_server(SandboxSessions(busy_company), MaxResponseSize=50_000)
    with client(server, "reader") as c:
        r = post(c, message_set("<CustomerQueryRq/>"))
        assert r.status_code == 517 and "50000 bytes" in r.text
        page = post(c, message_set('<CustomerQueryRq><MaxReturned>10</MaxReturned>'
                                   '</CustomerQueryRq>'))
        assert page.status_code == 200 and page.text.count("<CustomerRet>") == 10


def test_thousands_of_attributes_are_refused_before_validation(start_server):
    server = start_server()
    attrs = " ".join(f'a{i}="x"' for i in range(50_000))
    with client(server, "reader") as c:
        r = post(c, message_set(f'<HostQueryRq requestID="1" {attrs}/>'))
        assert r.status_code == 517 and r.text.startswith("0x80040400 ")
        assert "50001 attributes" in r.text
        assert post(c, message_set("<HostQueryRq/>")).status_code == 200


# -- connections and open files ----------------------------------------------------------------
def test_idle_and_slow_connections_at_a_low_open_file_limit(tmp_path, hashed, company_path):
    # IdleTimeout is long enough for all 320 to be open at once on a busy machine
    with own_process(tmp_path, hashed, company_path, open_files=256, HeaderTimeout=1,
                     IdleTimeout=4, BodyTimeout=1) as served:
        # 20 connections that start their headers and go no further (slowloris)...
        slow = [_connect(served.url) for _ in range(20)]
        for sock in slow:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        # ...and 300 that say nothing: more than the 256 files the process may open
        idle = [_connect(served.url) for _ in range(300)]
        answers = [_answer(sock) for sock in slow + idle]
        for sock in slow + idle:
            sock.close()
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers[:20])
        refused = [a for a in answers[20:] if a.startswith(b"HTTP/1.1 503")]
        closed = [a for a in answers[20:] if a == b""]
        assert refused and closed and len(refused) + len(closed) == 300
        with httpx.Client(base_url=served.url, auth=("alice", PASSWORDS["alice"]),
                          timeout=10) as c:
            assert c.post("/", content=message_set("<HostQueryRq/>")).status_code == 200
        assert served.process.poll() is None
        served.wait_for("refusing connections over the limit of 160 open ones")
    output = served.output()
    assert output.count("refusing connections over the limit") == 1   # said once
    assert "Too many open files" not in output and "Traceback" not in output


def test_a_silent_tls_connection_is_closed(start_server, tmp_path):
    from qbconnector.server.tls import write_self_signed

    files = write_self_signed(tmp_path / "server.pem", hosts=["127.0.0.1"])
    server = start_server(SSLEnabled=True, SSLCertStore=str(files.pem), IdleTimeout=0.5)
    context = ssl.create_default_context(cafile=str(files.crt))
    with socket.create_connection((server.host, server.port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        try:
            data = tls.recv(1024)     # the handshake is done; the client says nothing
        except (ssl.SSLError, ConnectionResetError):
            data = b""
    assert data == b""


# -- what one user may hold ------------------------------------------------------------------------
def test_a_read_only_user_cannot_hold_unlimited_persistent_sessions(start_server, hashed):
    users = {"alice": {"Password": hashed["alice"]},
             "reader": {"Password": hashed["reader"], "ReadOnly": True}}
    server = start_server(users=users, MaxPersistentSessionsPerUser=3, MaxPersistentSessions=4)
    with client(server, "reader") as c:
        opened = [post(c, b"", interaction=101, X_QBConnector_AppName=f"app{i}").status_code
                  for i in range(10)]
        assert opened == [200] * 3 + [503] * 7
        assert "MaxPersistentSessionsPerUser" in post(
            c, b"", interaction=101, X_QBConnector_AppName="one-more").text
        assert post(c).status_code == 200           # still served, one request at a time
    with client(server, "alice") as c:
        assert post(c).status_code == 200
        assert post(c, b"", interaction=101).status_code == 200     # the 4th of all
        assert "MaxPersistentSessions" in post(c, b"", interaction=101,
                                               X_QBConnector_AppName="x").text
    with client(server, "reader") as c:
        assert post(c, b"", interaction=102, X_QBConnector_AppName="app0").status_code == 200
    with client(server, "alice") as c:
        assert post(c, b"", interaction=101, X_QBConnector_AppName="x").status_code == 200


def test_one_users_delay_after_open_never_holds_up_another(start_server, hashed):
    users = {"alice": {"Password": hashed["alice"]},
             "reader": {"Password": hashed["reader"], "ReadOnly": True}}
    server = start_server(users=users, MaxDelayAfterOpen=1500, Timeout=1)
    worker = server.app.workers.for_company(server.app.default_company)
    finished: list[str] = []

    def delayed() -> int:
        with client(server, "reader") as c:
            status = post(c, X_DelayAfterOpen="60000").status_code
            finished.append("reader")
            return status

    with ThreadPoolExecutor(2) as pool:
        waits = [pool.submit(delayed) for _ in range(2)]
        deadline = time.monotonic() + 10
        while len(worker._parked) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(worker._parked) == 2       # both opened, both pausing off the thread
        with client(server, "alice") as c:
            assert post(c).status_code == 200    # within Timeout (1 s), during their pause
        finished.append("alice")
        assert [w.result() for w in waits] == [200, 200]   # cut to MaxDelayAfterOpen
    assert finished[0] == "alice"
    assert worker._parked == {}


@pytest.mark.parametrize("interaction", [1, 103])
def test_delay_after_open_applies_to_other_interactions_too(start_server, interaction):
    server = start_server(MaxDelayAfterOpen=50)
    with client(server) as c:
        assert post(c, b"", interaction=interaction, X_DelayAfterOpen="60000").status_code == 200
    worker = server.app.workers.for_company(server.app.default_company)
    assert worker._parked == {}
