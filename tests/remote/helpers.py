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


def wait_for_record(records: list[logging.LogRecord], text: str, within: float = 10.0) -> bool:
    """Whether a record containing ``text`` arrives (the connector logs a request after it has
    answered it, so the line can come a moment after the client has its answer)."""
    import time

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if any(text in r.getMessage() for r in records):
            return True
        time.sleep(0.01)
    return False
