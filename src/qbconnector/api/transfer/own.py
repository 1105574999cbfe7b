"""The narrow door through which a connection that is not a qbXML Connection (QuickBooks
Online's) does its own export and import: :func:`~qbconnector.api.transfer.export.export`
and :func:`~qbconnector.api.transfer.importing.import_file` hand such a connection the whole
job, with the same arguments, and return what it returns (the same summaries)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class OwnTransfer(Protocol):
    """A connection that exports and imports by itself, with the arguments of
    :func:`~qbconnector.api.transfer.export.export` and
    :func:`~qbconnector.api.transfer.importing.import_file`."""

    def export(self, types: list[str], destination: str, **options: Any) -> Any: ...

    def import_file(self, type_name: str, source: str | Path, **options: Any) -> Any: ...
