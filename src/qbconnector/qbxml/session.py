"""The Session contract every backend implements: qbXML request text in, response text out.

It mirrors QuickBooks' own ``RequestProcessor``: open a connection and a session on a company
file, ``process`` message sets, close. Failures of the request processor itself (parse errors,
unsupported versions, a company file that cannot be opened) raise :class:`RequestProcessorError`
carrying the HRESULT QuickBooks would return; business errors are statuses inside the response.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from qbconnector.errors import RequestProcessorError, TransportError
from qbconnector.qbxml.status import HR_UNEXPECTED

CONNECTION_MODES = ("DontCare", "Single", "Multi")

__all__ = ["CONNECTION_MODES", "Caller", "ParsedRequest", "RequestProcessorError",
           "ResponseTooLarge", "Session", "SessionFactory", "SessionOptions", "TransportError",
           "calling_as", "current_caller", "parsed_already"]


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


# -- who a call is made for ----------------------------------------------------------------------
@dataclass(slots=True)
class Caller:
    """Who one ``process`` call is made for and what its answer may take: set by a server
    around each call, since one (persistent) session may serve several users in turn.

    ``user`` is the server's user ('' when a program uses the session directly); a backend
    keeps per-user state, such as stored error-recovery statuses, under it.
    ``max_response_size`` bounds the answer in bytes (0 = no limit): a backend that can stop
    early raises :class:`ResponseTooLarge` instead of building more. (Not frozen: one is made
    per request, and a frozen dataclass pays a setattr per field.)
    """

    user: str = ""
    max_response_size: int = 0
    parsed: ParsedRequest | None = None


class ParsedRequest:
    """A request message set the caller has already parsed safely (``xmlsafe.parse``), so a
    backend need not parse it again: the server reads every request before any session does.

    :meth:`take` hands the tree over once, and only for the very text it was parsed from; the
    taker may change it. Anything else parses the text itself, as before.
    """

    __slots__ = ("_text", "_root")

    def __init__(self, text: str, root: Any) -> None:
        self._text, self._root = text, root

    def take(self, text: str | bytes) -> Any:
        """The parsed document element of ``text``, or None (other text, or taken already)."""
        if text is not self._text or self._root is None:
            return None
        root, self._root = self._root, None
        return root


_CALLER: ContextVar[Caller | None] = ContextVar("qbconnector_caller", default=None)
_NOBODY = Caller()


def current_caller() -> Caller:
    """The :class:`Caller` of the call under way (the default one outside a server)."""
    return _CALLER.get() or _NOBODY


class calling_as:  # noqa: N801 - used as a function: ``with calling_as(caller):``
    """Make ``caller`` the :func:`current_caller` for the calls inside the block."""

    __slots__ = ("_caller", "_token")

    def __init__(self, caller: Caller) -> None:
        self._caller = caller

    def __enter__(self) -> None:
        self._token = _CALLER.set(self._caller)

    def __exit__(self, *exc: object) -> None:
        _CALLER.reset(self._token)


def parsed_already(text: str | bytes) -> Any:
    """The tree of ``text`` when the current caller parsed it already (see
    :class:`ParsedRequest`), else None: the backend then parses it itself."""
    caller = _CALLER.get()
    if caller is None or caller.parsed is None:
        return None
    return caller.parsed.take(text)


class ResponseTooLarge(RequestProcessorError):
    """The answer would exceed the caller's ``max_response_size``; nothing of the message set
    was kept (a backend that processes it as one transaction rolls it back)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(HR_UNEXPECTED, f"The response would be larger than {limit} bytes, the "
                         "connector's limit (MaxResponseSize); nothing was done. Ask for fewer "
                         "records (MaxReturned) or read them page by page with an iterator.")
