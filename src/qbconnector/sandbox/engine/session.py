"""The sandbox Session: QuickBooks' request processor contract over a company file."""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.sandbox.engine.meta import SUPPORTED_VERSIONS
from qbconnector.sandbox.engine.processor import Engine
from qbconnector.sandbox.records.queries import IteratorState
from qbconnector.sandbox.storage.pool import ConnectionPool
from qbconnector.sandbox.storage.store import Clock, Store, check_company_file, open_company_file


class CompanyFileFacts:
    """What a session on a sandbox file answers without asking the file's engine: the versions,
    the path, authorization (always) and whether the file can be opened now."""

    path: Path

    def versions(self) -> list[str]:
        return list(SUPPORTED_VERSIONS)

    def company_file(self) -> str:
        return str(self.path.resolve())

    def is_authorized(self) -> bool:
        return True

    def is_company_accessible(self) -> bool:
        try:
            check_company_file(self.path)
        except (OSError, ValueError):
            return False
        return True


class SandboxSession(CompanyFileFacts):
    """A session on a sandbox company file (``*.qbdb``).

    Like QuickBooks' ``RequestProcessor``: :meth:`open` begins the session, :meth:`process`
    answers message sets, :meth:`close` ends it. Query iterators live as long as the session.
    ``options.read_only`` makes every write answer 3260, as QuickBooks does for an
    application that asked for read-only access.
    """

    def __init__(self, path: str | Path, options: SessionOptions | None = None, *,
                 clock: Clock | None = None, connections: ConnectionPool | None = None) -> None:
        # The file as text (what the pool and SQLite take); its Path only when asked for.
        if path.__class__ is str:
            self._where, self._path = path, None
        else:
            self._path = path if isinstance(path, Path) else Path(path)
            self._where = os.fspath(self._path)
        self.connections = connections   # reuse idle connections (the connector's sessions)
        self.options = options or SessionOptions(company_file=str(path))
        self.clock = clock or Clock()
        self.iterators: dict[str, IteratorState] = {}
        self._engine: Engine | None = None
        self._store: Store | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:  # type: ignore[override]
        """The company file."""
        found = self._path
        if found is None:
            found = self._path = Path(self._where)
        return found

    # -- the Session protocol -----------------------------------------------------------------
    def open(self) -> None:
        if self._engine is not None:
            return
        if self.options.pos:
            raise RequestProcessorError(
                catalogue.HR_COULD_NOT_ACCESS,
                "QuickBooks Point of Sale is not available: a sandbox company file holds "
                "QuickBooks Desktop data only.")
        try:
            if self.connections is not None:
                db = self.connections.take(self._where)
            else:
                db = open_company_file(self._where)
        except (OSError, ValueError) as exc:
            raise RequestProcessorError(
                catalogue.HR_COULD_NOT_OPEN_FILE,
                f"{catalogue.hresult_message(catalogue.HR_COULD_NOT_OPEN_FILE)} ({exc})") from None
        self._store = Store(db, self.clock)
        self._engine = Engine(self._store, self)

    def close(self) -> None:
        if self._store is not None:
            if self.connections is not None:
                self.connections.give(self._where, self._store.db)
            else:
                self._store.db.close()
        self._store = None
        self._engine = None
        self.iterators.clear()

    def process(self, request: str | bytes) -> str:
        if self._engine is None:
            raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
        with self._lock:
            return self._engine.process(request)

    # -- conveniences -------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
        return self._store

    def __enter__(self) -> SandboxSession:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


PLACED_AT_MOST = 256
"""Options objects a :class:`SandboxSessions` remembers with their company file filled in."""


class SandboxSessions:
    """A session factory for a server: sandbox sessions on each user's CompanyFile, else on
    ``company`` (always on ``company`` when ``fixed``). The sessions hand their connection on
    to the next one (:mod:`qbconnector.sandbox.storage.pool`); :meth:`close` when the server
    stops."""

    any_thread = True
    """Its sessions may be opened, used and closed on any thread, one thread at a time (the
    connector then runs quick jobs on its event loop: :mod:`qbconnector.server.workers`)."""

    def __init__(self, company: str | Path = "", *, fixed: bool = False,
                 connections: ConnectionPool | None = None) -> None:
        self.company = str(company)
        self.fixed = fixed
        self.connections = connections or ConnectionPool()
        self.clock = Clock()      # one for all its sessions (a clock caches per second)
        # Options naming no company file, with this factory's file filled in: per options
        # object (the connector hands the same one for the same facts), since
        # dataclasses.replace costs more than opening a pooled session.
        self._placed: dict[int, tuple[SessionOptions, SessionOptions]] = {}

    def __call__(self, options: SessionOptions) -> SandboxSession:
        path = self.company if self.fixed else (options.company_file or self.company)
        if not path:
            raise RequestProcessorError(
                catalogue.HR_COULD_NOT_OPEN_FILE,
                "no company file: the sandbox needs one (serve --company FILE or the user's "
                "CompanyFile)")
        if options.company_file != path:
            options = self._with_file(options, path)
        # The path as text: a session makes its Path only if asked for it (not per request).
        return SandboxSession(path, options, clock=self.clock, connections=self.connections)

    def _with_file(self, options: SessionOptions, path: str) -> SessionOptions:
        """``options`` naming ``path`` as their company file (remembered per options object;
        the entry holds the object, so its id is not reused while remembered)."""
        found = self._placed.get(id(options))
        if found is not None and found[0] is options and found[1].company_file == path:
            return found[1]
        placed = dataclasses.replace(options, company_file=path)
        if len(self._placed) >= PLACED_AT_MOST:
            self._placed.clear()
        self._placed[id(options)] = (options, placed)
        return placed

    def close(self) -> None:
        self.connections.close()
