"""Small qbXML helpers for the remote tests (built and read with the project's codec)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from qbconnector.qbxml.build import build_one
from qbconnector.qbxml.parse import Response, parse_response
from qbconnector.qbxml.session import Session


def ask(session: Session, name: str, data: dict[str, Any] | None = None, **attrs: Any
        ) -> Response:
    """Send one request through ``session``; its parsed response."""
    return parse_response(session.process(build_one(name, data, **attrs)))[0]


def add_customer(session: Session, name: str) -> Response:
    response = ask(session, "CustomerAdd", {"CustomerAdd": {"Name": name}})
    assert response.status_code == 0, response.status_message
    return response


@contextlib.contextmanager
def server_log() -> Iterator[list[logging.LogRecord]]:
    """Every record the connector logs (logger qbconnector.server) while the block runs."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(level=logging.DEBUG)
    logger = logging.getLogger("qbconnector.server")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
