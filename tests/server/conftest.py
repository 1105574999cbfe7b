"""Fixtures for the connector's tests: a session factory, settings files, running servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qbconnector.qbxml.session import Session, SessionOptions
from qbconnector.sandbox import SandboxSessions, create_company
from qbconnector.server import passwords
from qbconnector.server.auth import LoginBackoff
from qbconnector.server.runner import ConnectorServer
from qbconnector.server.settings import dump_toml, load_settings, write_atomic
from tests.server.helpers import PASSWORDS, TEST_LOG_N


@pytest.fixture(scope="session")
def company_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("company")


@pytest.fixture(scope="session")
def company_path(company_folder: Path) -> str:
    """A sandbox company file shared by the tests."""
    return str(create_company(company_folder / "sample.qbdb"))


@pytest.fixture(scope="session")
def other_company_path(company_folder: Path) -> str:
    """A second company file, for tests of several files at once."""
    return str(create_company(company_folder / "other.qbdb"))


@pytest.fixture(scope="session")
def session_factory(company_path: str) -> Callable[[SessionOptions], Session]:
    """Sandbox sessions on ``company_path`` (or the file the options name), handing their
    connection on as ``qbconnector serve``'s do."""
    return SandboxSessions(company_path)


# --------------------------------------------------------------------------------------------
# Settings files and servers
# --------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "MIN_LOG_N", TEST_LOG_N)


@pytest.fixture(scope="session")
def hashed() -> dict[str, str]:
    return {name: passwords.hash_password(pw, log_n=TEST_LOG_N) for name, pw in PASSWORDS.items()}


def default_users(hashed: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "alice": {"Password": hashed["alice"]},
        "reader": {"Password": hashed["reader"], "ReadOnly": True},
    }


def _write_settings(folder: Path, hashed: dict[str, str],
                    users: dict[str, dict[str, Any]] | None = None, **values: Any) -> Path:
    raw: dict[str, Any] = {"Port": 0, "Timeout": 10, **values}
    raw["Users"] = default_users(hashed) if users is None else users
    path = folder / "connector.toml"
    write_atomic(path, dump_toml(raw))
    return path


def _server_kwargs(extra: dict | None = None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"retry_pause": 0.01, "console_log": False,
                              "backoff": LoginBackoff(free_attempts=3, base=0.01, cap=0.05)}
    kwargs.update(extra or {})
    return kwargs


@pytest.fixture
def write_settings(tmp_path: Path, hashed: dict[str, str]) -> Callable[..., Path]:
    """Write a settings file: ``write_settings(Port=0, Users={...})`` -> its path."""
    return lambda users=None, **values: _write_settings(tmp_path, hashed, users, **values)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, hashed: dict[str, str],
           session_factory: Any) -> Iterator[ConnectorServer]:
    """A connector with the default settings, shared by a test module."""
    path = _write_settings(tmp_path_factory.mktemp("settings"), hashed)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "MIN_LOG_N", TEST_LOG_N)
        server = ConnectorServer(load_settings(path), session_factory, **_server_kwargs())
        server.start()
        yield server
        server.stop()


@pytest.fixture
def start_server(write_settings: Callable[..., Path], session_factory: Any
                 ) -> Iterator[Callable[..., ConnectorServer]]:
    """Start a connector on 127.0.0.1 (any free port); stopped at the end of the test."""
    servers: list[ConnectorServer] = []

    def start(factory: Callable[[SessionOptions], Session] | None = None, *,
              users: dict[str, dict[str, Any]] | None = None, server_kwargs: dict | None = None,
              **values: Any) -> ConnectorServer:
        path = write_settings(users, **values)
        server = ConnectorServer(load_settings(path), factory or session_factory,
                                 **_server_kwargs(server_kwargs))
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


