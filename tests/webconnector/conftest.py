"""Fixtures of the Web Connector runner's tests: a sandbox company with customers to page
through, and third-party Web Connector services served on a loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import qbconnector
from qbconnector.sandbox import create_company
from qbconnector.server.listen import bind_socket, serve_in_thread

CUSTOMERS = ["Alder Books", "Birch Bikes", "Cedar Cafe", "Dogwood Deli", "Elm Energy"]


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """A sandbox company with five customers."""
    path = create_company(tmp_path / "books.qbdb")
    with qbconnector.connect(str(path)) as qb:
        for name in CUSTOMERS:
            qb.customers.add(name=name)
    return Path(path)


@pytest.fixture
def serve_asgi() -> Iterator[Callable[[Any], str]]:
    """Serve an ASGI app on 127.0.0.1 (a free port); returns its base URL."""
    servers: list[uvicorn.Server] = []

    def serve(app: Any) -> str:
        sock = bind_socket("127.0.0.1", 0)
        server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
        servers.append(server)
        thread = serve_in_thread(server, lambda: server.run(sockets=[sock]), "service")
        assert thread is not None
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield serve
    for server in servers:
        server.should_exit = True
