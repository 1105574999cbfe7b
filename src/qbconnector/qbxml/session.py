"""The Session contract every backend implements: qbXML request text in, response text out.

It mirrors QuickBooks' own ``RequestProcessor``: open a connection and a session on a company
file, ``process`` message sets, close. Failures of the request processor itself (parse errors,
unsupported versions, a company file that cannot be opened) raise :class:`RequestProcessorError`
carrying the HRESULT QuickBooks would return; business errors are statuses inside the response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from qbconnector.errors import RequestProcessorError, TransportError

CONNECTION_MODES = ("DontCare", "Single", "Multi")

__all__ = ["CONNECTION_MODES", "RequestProcessorError", "Session", "SessionFactory",
           "SessionOptions", "TransportError"]


@dataclass(frozen=True)
class SessionOptions:
    """What a caller asks of a session: which company file, as which application, how."""

    company_file: str = ""
    app_name: str = "qbconnector"
    app_id: str = ""
    read_only: bool = False
    connection_mode: str = "DontCare"
    auth_flags: int = 0xF
    unattended: bool = True
    pos: bool = False
    pos_practice: bool = False
    pos_version: str | None = None
    #: The caller keeps this session open across requests (a connector's persistent
    #: connection); a backend that is itself a connector keeps its own session open too.
    keep_open: bool = False


@runtime_checkable
class Session(Protocol):
    """Anything that answers qbXML like QuickBooks' request processor."""

    def open(self) -> None:
        """Open the connection and begin a session on the company file."""

    def close(self) -> None:
        """End the session and close the connection; safe to call twice."""

    def process(self, request: str) -> str:
        """Process one request message set and return the response message set."""

    def versions(self) -> list[str]:
        """The qbXML versions this session supports, oldest first."""

    def company_file(self) -> str:
        """The path of the company file this session has open."""

    def is_authorized(self) -> bool:
        """Whether this application is authorized to use the company file."""

    def is_company_accessible(self) -> bool:
        """Whether the company file can be opened now."""


SessionFactory = Callable[[SessionOptions], Session]
