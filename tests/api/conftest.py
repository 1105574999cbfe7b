"""Fixtures for the records API: connections to real sandbox company files, directly and
through a real remote connector on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import qbconnector
from qbconnector.qbxml.session import Session
from qbconnector.sandbox import SandboxSession

USER, PASSWORD = "alice", "alice-secret"


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    """``serve(company)``: a running remote connector (plain HTTP on loopback) serving
    ``company`` to user alice; returns its URL. Stopped after the test."""
    from qbconnector.server import ConnectorServer, passwords
    from qbconnector.server.settings import settings_from_dict

    servers: list[ConnectorServer] = []

    def start(company: Path) -> str:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(passwords, "MIN_LOG_N", 10)
            settings = settings_from_dict({
                "Port": 0, "Timeout": 20, "LogEnabled": False,
                "Users": {USER: {"Password": passwords.hash_password(PASSWORD, log_n=10)}}})
        server = ConnectorServer(settings, lambda options: SandboxSession(
            options.company_file or company, options), default_company=str(company),
            console_log=False)
        servers.append(server.start())
        return server.url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def connector(serve) -> Callable[[Path], Session]:
    """``connector(company)``: a session on ``company`` through a running remote connector
    (persistent QuickBooks session, so iterators live between requests)."""
    from qbconnector.targets import make_session

    def start(company: Path) -> Session:
        return make_session(serve(company).replace("://", f"://{USER}@"), password=PASSWORD,
                            persistent=True)

    return start


@pytest.fixture(params=["direct", "connector"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def qb(blank_company, connector, backend):
    """A records-API connection to a fresh company file (small iterator pages), directly or
    through the remote connector."""
    path = blank_company("api")
    session = SandboxSession(path) if backend == "direct" else connector(path)
    with qbconnector.connect(session, page_size=5) as connection:
        yield connection
