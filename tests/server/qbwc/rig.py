"""A connector with ``Backend = "qbwc"`` on a loopback port, its Web Connector user, a sandbox
company for the Web Connector runner, and clients of every kind (shared by the tests of both
sides of the Web Connector)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from qbconnector import targets, wire
from qbconnector.qbwc_wire.qwc import QWC
from qbconnector.sandbox import create_company
from qbconnector.server import passwords
from qbconnector.server.auth import LoginBackoff
from qbconnector.server.qbwc.users import new_guid, qwc_for
from qbconnector.server.runner import ConnectorServer
from qbconnector.server.settings import dump_toml, load_settings, write_atomic
from qbconnector.webconnector import UpdateResult, WebConnectorRunner

CLIENT, CLIENT_PASSWORD = "alice", "alice-secret"
WC_USER, WC_PASSWORD = "shop", "shop-secret"
TEST_LOG_N = 10


def qbxml(body: str, version: str = "13.0") -> str:
    return (f'<?xml version="1.0"?><?qbxml version="{version}"?><QBXML><QBXMLMsgsRq '
            f'onError="stopOnError">{body}</QBXMLMsgsRq></QBXML>')


def customer_add(name: str) -> str:
    return qbxml(f'<CustomerAddRq requestID="1"><CustomerAdd><Name>{name}</Name></CustomerAdd>'
                 "</CustomerAddRq>")


def write_settings(folder: Path, *, company_file: str = "", **values: Any) -> Path:
    raw: dict[str, Any] = {
        "Port": 0, "Timeout": 10, "Backend": "qbwc", "WebConnectorKeepOpen": 0.3, **values,
        "Users": {CLIENT: {"Password": passwords.hash_password(CLIENT_PASSWORD,
                                                               log_n=TEST_LOG_N)}},
        "WebConnector": {"Users": {WC_USER: {
            "Password": passwords.hash_password(WC_PASSWORD, log_n=TEST_LOG_N),
            "OwnerID": new_guid(), "FileID": new_guid(),
            **({"CompanyFile": company_file} if company_file else {})}}}}
    path = folder / "connector.toml"
    write_atomic(path, dump_toml(raw))
    return path


@dataclass
class Rig:
    folder: Path
    settings_path: Path
    company: Path
    server: ConnectorServer | None = None
    reports: list[tuple[str, str]] = field(default_factory=list)

    def start(self) -> ConnectorServer:
        settings = load_settings(self.settings_path)
        self.server = ConnectorServer(
            settings, targets.session_factory("qbwc"), retry_pause=0.01, console_log=False,
            backoff=LoginBackoff(free_attempts=3, base=0.01, cap=0.05))
        return self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def client_url(self) -> str:
        return self.url.replace("http://", f"http://{CLIENT}:{CLIENT_PASSWORD}@")

    def qwc(self, url: str | None = None) -> QWC:
        return qwc_for(load_settings(self.settings_path), WC_USER, url=url or self.url + "qbwc")

    def runner(self, password: str = WC_PASSWORD, url: str | None = None,
               **kwargs: Any) -> WebConnectorRunner:
        return WebConnectorRunner(self.qwc(url), password, targets.session_factory(
            str(self.company)), report=lambda kind, text: self.reports.append((kind, text)),
            noop_pause=0.05, **kwargs)

    def post(self, request: str, timeout: float = 30) -> httpx.Response:
        """One request over the connector's wire protocol (interaction type 0)."""
        return httpx.post(self.url, content=request.encode(), timeout=timeout,
                          auth=(CLIENT, CLIENT_PASSWORD),
                          headers={wire.INTERACTION_HEADER: "0"})


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run ``fn`` on a thread; its result (or exception) lands in the list."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(fn())
        except Exception as exc:   # the test looks at it
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


class Polling:
    """A Web Connector runner polling every ``every`` seconds on a thread until stopped."""

    def __init__(self, runner: WebConnectorRunner, every: float = 0.1) -> None:
        self.runner, self.stop_event = runner, threading.Event()
        self.results: list[UpdateResult] = []
        self.thread = threading.Thread(target=runner.run_every, daemon=True,
                                       args=(every, self.stop_event, self.results.append))

    def __enter__(self) -> Polling:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(30)
        self.runner.close()


def make_rig(folder: Path, **values: Any) -> Rig:
    return Rig(folder, write_settings(folder, **values), create_company(folder / "shop.qbdb"))
