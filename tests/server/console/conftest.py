"""Fixtures for the admin console: a connector with its console on a free loopback port."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from qbconnector.server import passwords
from qbconnector.server.admin import add_user, set_admin_password
from qbconnector.server.auth import LoginBackoff
from qbconnector.server.runner import ConnectorServer
from qbconnector.server.settings import load_settings, update_settings_file
from tests.server.helpers import TEST_LOG_N

ADMIN_PASSWORD = "console-secret"


def make_settings(folder: Path, **values: Any) -> Path:
    """A settings file with users alice (full) and reader (read-only) and a console password."""
    path = folder / "connector.toml"
    update_settings_file(path, lambda raw: raw.update({"Port": 0, "Timeout": 10, **values}))
    add_user(path, "alice", password="alice-secret")
    add_user(path, "reader", password="reader-secret", read_only=True)
    set_admin_password(path, ADMIN_PASSWORD)
    return path


def start_console(path: Path, factory: Any, company: str, **kwargs: Any) -> ConnectorServer:
    server = ConnectorServer(load_settings(path), factory, default_company=company,
                             admin_port=0, console_log=False, retry_pause=0.01, **kwargs)
    server.start()
    # failed sign-ins are slowed down; in tests by milliseconds
    server.console.app.backoff = LoginBackoff(free_attempts=3, base=0.01, cap=0.05)
    return server


@pytest.fixture(scope="module")
def cheap_scrypt() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "MIN_LOG_N", TEST_LOG_N)
        yield


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory, cheap_scrypt: None,
                   session_factory: Any, company_path: str) -> Iterator[ConnectorServer]:
    """A connector with its console, shared by a test module."""
    path = make_settings(tmp_path_factory.mktemp("console"))
    server = start_console(path, session_factory, company_path)
    yield server
    server.stop()


@pytest.fixture
def fresh_console(tmp_path: Path, cheap_scrypt: None, session_factory: Any,
                  company_path: str) -> Iterator[Callable[..., ConnectorServer]]:
    """Start a connector + console of one's own: ``fresh_console(LogLevel=4)``."""
    servers: list[ConnectorServer] = []

    def start(**values: Any) -> ConnectorServer:
        server = start_console(make_settings(tmp_path, **values), session_factory, company_path)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


class Admin:
    """A signed-in console client: ``admin.get(path)``, ``admin.change("PUT", path, json)``."""

    def __init__(self, server: ConnectorServer) -> None:
        self.client = httpx.Client(base_url=server.console_url, timeout=10)
        answer = self.client.post("/signin", data={"password": ADMIN_PASSWORD})
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        page = self.client.get("/").text
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def change(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return self.client.request(method, path, json=json, headers={"X-CSRF-Token": self.csrf})

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def admin(console_server: ConnectorServer) -> Iterator[Admin]:
    client = Admin(console_server)
    yield client
    client.close()


def console_routes(server: ConnectorServer) -> list[tuple[str, str]]:
    """(method, path) of every route the running console serves, path parameters filled in."""
    found = []
    for route in server.console.app.app.routes:
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, re.sub(r"\{name(:path)?\}", "alice", route.path)))
    assert len(found) > 15
    return found
