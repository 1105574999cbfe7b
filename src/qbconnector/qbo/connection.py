"""A connection to one QuickBooks Online company, shaped like Desktop's
:class:`~qbconnector.api.records.connection.Connection`: collections by snake_case plural
(``qb.customers``, ``qb.journal_entries``) or entity name, batches, and — QBO's own — change
data capture and reports. ``export`` and ``import`` reach it through the same functions as
Desktop's (:func:`qbconnector.api.export`, :func:`qbconnector.api.import_file`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from qbconnector.api.records.naming import plural
from qbconnector.qbo.batch import QBOBatch
from qbconnector.qbo.changes import Change, changes
from qbconnector.qbo.collections import QBOCollection
from qbconnector.qbo.references import References
from qbconnector.qbo.reports import Report, run_report
from qbconnector.qbo.session import QBOSession
from qbconnector.qbo.typed import QBORecord
from qbconnector.qbo_wire import spec

IRREGULAR = {"CompanyInfo": "company_info", "Preferences": "preferences"}
#: Desktop collection names for the QBO entity that plays the same part.
DESKTOP_ALIASES = {"receive_payments": "Payment", "standard_terms": "Term",
                   "bill_payment_checks": "BillPayment", "time_trackings": "TimeActivity"}


def collection_name(entity: str) -> str:
    return IRREGULAR.get(entity) or plural(entity)


class QBOConnection:
    """A QuickBooks Online company through the records API."""

    edition = "online"

    def __init__(self, session: QBOSession, *, page_size: int = 1000, prefetch: bool = True,
                 name: str = "") -> None:
        self.session = session
        self.page_size = page_size
        self.prefetch = prefetch
        self.name = name
        self.references = References(self)
        self._collections: dict[str, QBOCollection] = {}
        self._open = False

    def __repr__(self) -> str:
        return f"<QBOConnection {self.name or ''} realm {self.session.realm_id}>"

    # -- life cycle -----------------------------------------------------------------------------
    def open(self) -> QBOConnection:
        """Check that the connection has its authorization (read locally, nothing sent)."""
        if not self._open:
            self.session.credentials.tokens()
            self._open = True
        return self

    def close(self) -> None:
        self._open = False
        self.session.close()

    def __enter__(self) -> QBOConnection:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def realm_id(self) -> str:
        return self.session.realm_id

    # -- collections ----------------------------------------------------------------------------
    @cached_property
    def _index(self) -> dict[str, str]:
        index = {collection_name(e): e for e in spec.API_ENTITIES}
        index.update({e: e for e in spec.API_ENTITIES})
        index.update(DESKTOP_ALIASES)
        return index

    def collection(self, name: str) -> QBOCollection:
        """A collection by plural name (``journal_entries``) or entity name (``JournalEntry``)."""
        entity = self._index.get(name) or self._index.get(plural(name))
        if entity is None:
            names = self.collection_names()
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.75)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise AttributeError(f"no collection {name!r} in QuickBooks Online{hint}; see "
                                 "QBOConnection.collection_names()")
        if entity not in self._collections:
            self._collections[entity] = QBOCollection(self, entity)
        return self._collections[entity]

    def collection_names(self) -> list[str]:
        return sorted(collection_name(e) for e in spec.API_ENTITIES)

    def __getattr__(self, name: str) -> QBOCollection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.collection(name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.collection_names()})

    # -- more than one record -------------------------------------------------------------------
    def batch(self, on_error: str = "continueOnError") -> QBOBatch:
        """Many operations in few requests: ``with qb.batch() as b: b.customers.add(...)``."""
        return QBOBatch(self, on_error)

    def changes(self, types: Iterable[str], since: datetime) -> Iterator[Change]:
        """What changed (deletions included) since ``since``, within QBO's 30 days."""
        return changes(self, types, since)

    def report(self, name: str, **params: Any) -> Report:
        """A report by QBO's name (``ProfitAndLoss``) or Desktop's (``ProfitAndLossStandard``)."""
        return run_report(self, name, **params)

    def company_info(self) -> QBORecord:
        return self.collection("CompanyInfo").get(self.realm_id)

    # -- bulk transfer (called by qbconnector.api.export / import_file) -------------------------
    def export(self, types: Iterable[str], destination: str, **options: Any) -> Any:
        """See :func:`qbconnector.qbo.export.export`."""
        from qbconnector.qbo.export import export

        return export(self, list(types), destination, **options)

    def import_file(self, type_name: str, source: str | Path, **options: Any) -> Any:
        """See :func:`qbconnector.qbo.importing.import_file`."""
        from qbconnector.qbo.importing import import_file

        return import_file(self, type_name, source, **options)
