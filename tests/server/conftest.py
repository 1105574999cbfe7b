"""Fixtures for the connector's tests: a session factory, settings files, running servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from qbconnector.qbxml.session import RequestProcessorError, Session, SessionOptions
from qbconnector.server import passwords
from qbconnector.server.auth import LoginBackoff
from qbconnector.server.runner import ConnectorServer
from qbconnector.server.settings import dump_toml, load_settings, write_atomic
from tests.server.helpers import PASSWORDS, TEST_LOG_N


# --------------------------------------------------------------------------------------------
# TEMPORARY: a provisional session until qbconnector.sandbox lands on main. When it does,
# replace the body of the `session_factory` fixture with the sandbox session and delete this
# class. It answers HostQueryRq only and fails on unparsable XML like the request processor.
# --------------------------------------------------------------------------------------------
class _ProvisionalSession:
    VERSIONS = ["1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0", "6.0", "7.0", "8.0",
                "9.0", "10.0", "11.0", "12.0", "13.0"]

    def __init__(self, company_file: str, options: SessionOptions) -> None:
        self.path = company_file
        self.options = options
        self.is_open = False

    def open(self) -> None:
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    def process(self, request: str) -> str:
        if not self.is_open:
            raise RequestProcessorError(0x80040401, "session not open")
        try:
            root = etree.fromstring(request.encode("utf-8"))
        except etree.XMLSyntaxError:
            raise RequestProcessorError(0x80040400) from None
        out = ['<?xml version="1.0" ?>', "<QBXML>", "<QBXMLMsgsRs>"]
        for rq in root[0]:
            rs = rq.tag[:-2] + "Rs"
            rid = f' requestID="{rq.get("requestID")}"' if rq.get("requestID") else ""
            if rq.tag == "HostQueryRq":
                out.append(f'<{rs}{rid} statusCode="0" statusSeverity="Info" '
                           f'statusMessage="Status OK"><HostRet><ProductName>provisional'
                           f'</ProductName></HostRet></{rs}>')
            else:
                out.append(f'<{rs}{rid} statusCode="0" statusSeverity="Info" '
                           f'statusMessage="Status OK" />')
        out += ["</QBXMLMsgsRs>", "</QBXML>", ""]
        return "\n".join(out)

    def versions(self) -> list[str]:
        return list(self.VERSIONS)

    def company_file(self) -> str:
        return self.path

    def is_authorized(self) -> bool:
        return True

    def is_company_accessible(self) -> bool:
        return True


@pytest.fixture(scope="session")
def company_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A company file shared by the tests (the sandbox will create a real one here)."""
    return str(tmp_path_factory.mktemp("company") / "sample.qbdb")


@pytest.fixture(scope="session")
def session_factory(company_path: str) -> Callable[[SessionOptions], Session]:
    """Sessions on ``company_path`` (or the file the options name)."""
    return lambda options: _ProvisionalSession(options.company_file or company_path, options)


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


