"""The kinds of target a connect string can name, and the Backend a connector serves.

A :class:`TargetKind` says which connect strings are its own (URL schemes, bare words, plain
file paths) and makes, from one, either a single :class:`Session` (``connect()``, ``request``)
or a :class:`Backend` (the sessions a connector serves); a kind that does not speak qbXML
(QuickBooks Online) makes a records-API connection instead. A new kind of backend — a Web
Connector queue, a saved QuickBooks Online connection — is one more :func:`register` call;
every door (serve, the service, request, test-connection, the records API, the CLI) then
reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from qbconnector.qbxml.session import Session, SessionOptions

SessionMaker = Callable[[str, Mapping[str, Any]], Session]
BackendMaker = Callable[[str, Mapping[str, Any]], "Backend"]
ConnectionMaker = Callable[[str, Mapping[str, Any]], Any]


class Backend:
    """The sessions a connector serves: a session factory with a name for people, the company
    file of users without one, and :meth:`close` for whatever it keeps between sessions (idle
    sandbox connections, a relay's keep-alive pool), called when the server stops.

    A backend that others reach through the connector (the Web Connector polling in) also
    gives ``serve``: called with the connector's host facts when it starts, it returns the
    paths it serves on the connector's port (``{"/qbwc": asgi_app}``); and ``interrupt``:
    called when the connector begins to stop, so that nobody waits on it any longer."""

    def __init__(self, sessions: Callable[[SessionOptions], Session], *, kind: str, target: str,
                 description: str, default_company: str = "",
                 close: Callable[[], None] | None = None,
                 serve: Callable[[Any], Mapping[str, Any]] | None = None,
                 interrupt: Callable[[], None] | None = None) -> None:
        self._sessions = sessions
        self.kind = kind
        self.target = target                  # the connect string, password masked
        self.description = description        # e.g. "QuickBooks over COM on this machine"
        self.default_company = default_company
        self._close = close
        self._serve = serve
        self._interrupt = interrupt

    def __call__(self, options: SessionOptions) -> Session:
        return self._sessions(options)

    def close(self) -> None:
        if self._close is not None:
            self._close()

    def serve(self, host: Any) -> Mapping[str, Any]:
        """The paths this backend serves on the connector's port ({} for most)."""
        return self._serve(host) if self._serve is not None else {}

    def interrupt(self) -> None:
        """The connector is stopping: answer whoever waits on this backend now."""
        if self._interrupt is not None:
            self._interrupt()

    def __str__(self) -> str:
        return self.description

    def __repr__(self) -> str:
        return f"<Backend {self.target}: {self.description}>"


@dataclass(frozen=True)
class TargetKind:
    """One kind of backend: the connect strings it claims and how it makes sessions."""

    name: str
    session: SessionMaker
    backend: BackendMaker
    schemes: tuple[str, ...] = ()     # URL schemes it claims ("https")
    words: tuple[str, ...] = ()       # bare words it claims ("sandbox")
    paths: bool = False               # plain file paths are its own (the sandbox)
    example: str = ""                 # for messages: what such a target looks like
    #: Kinds that do not speak qbXML (QuickBooks Online) make a records-API connection
    #: themselves; ``connect()`` and the record commands use it instead of a Session.
    connection: ConnectionMaker | None = None


_KINDS: list[TargetKind] = []


def register(kind: TargetKind) -> None:
    """Make every door accept ``kind``'s connect strings (a later kind wins a shared claim)."""
    _KINDS.insert(0, kind)


def by_scheme(scheme: str) -> TargetKind | None:
    return next((k for k in _KINDS if scheme in k.schemes), None)


def by_word(word: str) -> TargetKind | None:
    return next((k for k in _KINDS if word.lower() in k.words), None)


def for_paths() -> TargetKind:
    return next(k for k in _KINDS if k.paths)


def examples() -> str:
    """'shop.qbdb, https://user@host:8167, com://' - what targets look like, for messages."""
    return ", ".join(k.example for k in reversed(_KINDS) if k.example)


def schemes() -> list[str]:
    return [s + "://" for k in reversed(_KINDS) for s in k.schemes]
