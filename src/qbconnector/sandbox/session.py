"""The sandbox Session: QuickBooks' request processor contract over a company file."""

from __future__ import annotations

import threading
from pathlib import Path

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.sandbox.engine import Engine
from qbconnector.sandbox.meta import SUPPORTED_VERSIONS
from qbconnector.sandbox.queries import IteratorState
from qbconnector.sandbox.store import Clock, Store, check_company_file, open_company_file


class SandboxSession:
    """A session on a sandbox company file (``*.qbdb``).

    Like QuickBooks' ``RequestProcessor``: :meth:`open` begins the session, :meth:`process`
    answers message sets, :meth:`close` ends it. Query iterators live as long as the session.
    ``options.read_only`` makes every write answer 3260, as QuickBooks does for an
    application that asked for read-only access.
    """

    def __init__(self, path: str | Path, options: SessionOptions | None = None, *,
                 clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.options = options or SessionOptions(company_file=str(path))
        self.clock = clock or Clock()
        self.iterators: dict[str, IteratorState] = {}
        self._engine: Engine | None = None
        self._store: Store | None = None
        self._lock = threading.Lock()

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
            db = open_company_file(self.path)
        except (OSError, ValueError) as exc:
            raise RequestProcessorError(
                catalogue.HR_COULD_NOT_OPEN_FILE,
                f"{catalogue.hresult_message(catalogue.HR_COULD_NOT_OPEN_FILE)} ({exc})") from None
        self._store = Store(db, self.clock)
        self._engine = Engine(self._store, self)

    def close(self) -> None:
        if self._store is not None:
            self._store.db.close()
        self._store = None
        self._engine = None
        self.iterators.clear()

    def process(self, request: str | bytes) -> str:
        if self._engine is None:
            raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
        with self._lock:
            return self._engine.process(request)

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
