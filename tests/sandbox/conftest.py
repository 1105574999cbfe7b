"""Shared fixtures of the sandbox tests: a fresh company file per test, a pinned clock, and
``qb``, which sends requests built with the codec and checks every response validates."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import Record, Response, ResponseSet, parse_response
from qbconnector.qbxml.session import SessionOptions
from qbconnector.qbxml.validate import validate
from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.storage.store import Clock

# The company's time zone and "now" for every sandbox test (a Friday, mid-month, mid-quarter).
SANDBOX_TZ = timezone(timedelta(hours=-5))
SANDBOX_NOW = datetime(2024, 3, 15, 10, 30, 0, tzinfo=SANDBOX_TZ)
SANDBOX_VERSION = "13.0"


@pytest.fixture(scope="session")
def empty_company_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One new company (``sample="none"``) created at SANDBOX_NOW, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.qbdb"
    create_company(path, sample="none", clock=Clock(fixed=SANDBOX_NOW))
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return path


@pytest.fixture
def clock() -> Clock:
    """The sandbox clock, pinned at SANDBOX_NOW; tests move it with ``clock.advance(s)``."""
    return Clock(fixed=SANDBOX_NOW)


@pytest.fixture
def company_path(tmp_path: Path, empty_company_template: Path) -> Path:
    """A fresh company file holding only what a new QuickBooks company has."""
    path = tmp_path / "company.qbdb"
    shutil.copyfile(empty_company_template, path)
    return path


def open_session(path: Path, clock: Clock, **options: Any) -> SandboxSession:
    session = SandboxSession(path, SessionOptions(company_file=str(path), **options),
                             clock=clock)
    session.open()
    return session


@pytest.fixture
def session(company_path: Path, clock: Clock) -> Iterator[SandboxSession]:
    """An open session on the test's company file."""
    opened = open_session(company_path, clock)
    yield opened
    opened.close()


class QB:
    """Sends requests to a sandbox session and reads the answers.

    Every response message set is checked against the spec (at the request's version): the
    sandbox must never answer anything our own validator would reject (except for required
    elements left out because the request named others in IncludeRetElement).
    """

    def __init__(self, session: SandboxSession, version: str = SANDBOX_VERSION) -> None:
        self.session = session
        self.version = version

    def raw(self, text: str, version: str | None = None) -> str:
        """Process request text; the response must validate at ``version``."""
        answer = self.session.process(text)
        problems = validate(answer, version or self.version)
        if "<IncludeRetElement>" in text:
            # QuickBooks returns only the elements asked for, even those the schema requires.
            problems = [p for p in problems
                        if not p.message.startswith("missing required element")]
        assert problems == [], f"invalid response: {problems}\n{answer}"
        return answer

    def send(self, *messages: Message | tuple[str, Any], on_error: str = "stopOnError",
             version: str | None = None) -> ResponseSet:
        """Build a message set of ``messages`` and return the parsed responses."""
        version = version or self.version
        text = build(list(messages), version=version, on_error=on_error)
        return parse_response(self.raw(text, version))

    def one(self, name: str, data: Any = None, version: str | None = None,
            **attrs: Any) -> Response:
        """One request, its one response (any status)."""
        responses = self.send(Message(name, data, **attrs), version=version)
        assert len(responses) == 1
        return responses[0]

    def ok(self, name: str, data: Any = None, version: str | None = None,
           **attrs: Any) -> Record:
        """One request that must succeed with status 0; its first record."""
        rs = self.one(name, data, version=version, **attrs)
        assert (rs.status_code, rs.status_severity) == (0, "Info"), rs.status_message
        assert rs.records, f"{name}: no record returned"
        return rs.records[0]

    def all(self, name: str, data: Any = None, **attrs: Any) -> list[Record]:
        """A query that must succeed (0) or find nothing (1); its records."""
        rs = self.one(name, data, **attrs)
        assert rs.status_code in (0, 1), rs.status_message
        return rs.records


@pytest.fixture
def qb(session: SandboxSession) -> QB:
    """Requests against the test's session (qbXML 13.0 unless a call says otherwise)."""
    return QB(session)
