"""The console's view of the running connector: the few things it reads and may ask for.

The runner builds one :class:`ConsoleControl`; the console never touches the server's insides.
Settings are read from and written to the settings file (through :mod:`admin` and
:func:`update_settings_file`, like the command line), then ``reload`` applies what can be
applied live.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qbconnector.qbxml.session import SessionOptions
from qbconnector.server.console.guard import ConsoleSession, Sessions
from qbconnector.server.console.logfeed import LogFeed
from qbconnector.server.probe import ProbeResult
from qbconnector.server.settings import Settings
from qbconnector.server.state import ConnectorState

TestConnection = Callable[[SessionOptions, "str | None"], Awaitable[ProbeResult]]


@dataclass
class ConsoleControl:
    """What the console needs from the connector it administers."""

    settings_path: Path
    state: ConnectorState
    log_feed: LogFeed
    in_force: Callable[[], Settings]
    """The settings the server runs with now."""
    reload: Callable[[], list[str]]
    """Re-read the settings file, apply what applies live; returns keys awaiting a restart."""
    restart: Callable[[], None]
    """Restart the connector with the settings file (after the answer is sent)."""
    test_connection: TestConnection
    """Open a company file with these options as the connector does, and report."""


@dataclass
class Call:
    """One API call: the request, its session and the connector's control."""

    request: Request
    session: ConsoleSession
    control: ConsoleControl
    sessions: Sessions

    async def json(self) -> dict[str, Any]:
        """The JSON object sent ({} when the body is not one)."""
        try:
            body = await self.request.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}


Handler = Callable[[Call], Awaitable[Response]]


def refused(errors: dict[str, str], status: int = 400) -> JSONResponse:
    """A change not made: a message per field ('' for the form as a whole)."""
    return JSONResponse({"errors": errors}, status)
