"""Where an export writes: one interface over JSONL, CSV, Parquet files and SQL databases.

A sink receives the records of one type at a time (:meth:`Sink.begin`, :meth:`Sink.write`,
:meth:`Sink.remove`, :meth:`Sink.end`) and is closed once at the end. A full export replaces
what the destination held for that type; an incremental one (``merge=True``) upserts: rows of
records written in this run replace their earlier rows (lines too), removed records disappear,
everything else stays.

Flat formats (CSV, Parquet, SQL) share :class:`TableSink`: it flattens records into rows with
:mod:`qbconnector.api.transfer.tables` and hands them, in batches, to one handle per table.

File names for flat formats: with one type, DEST holds its records and the other tables go
beside it as ``<stem>.<table><suffix>`` (``invoices.csv``, ``invoices.invoice_line.csv``,
``invoices.deleted.csv``); with several types, every table goes beside it that way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qbconnector.api.records.record import underlying
from qbconnector.api.transfer.tables import (
    DELETED,
    Table,
    TypeTables,
    flatten,
    flatten_values,
    line_rows,
    line_values,
)
from qbconnector.errors import QBConnectorError

BATCH = 500


class DestinationError(QBConnectorError, ValueError):
    """A destination the export cannot write; the message says what it takes."""


class TableHandle(ABC):
    """Rows of one table: appended in batches, committed once."""

    takes_values = False
    """True: :meth:`append` also takes rows as lists of values in column order (the sink then
    flattens records that way: no dict per row)."""

    def __init__(self, table: Table, match: tuple[str, ...], merge: bool) -> None:
        self.table = table
        self.match = match      # columns whose values identify the rows a record owns
        self.merge = merge

    @abstractmethod
    def append(self, rows: list[dict[str, Any]], keys: list[tuple[Any, ...]]) -> None:
        """Write rows; in merge mode earlier rows matching ``keys`` are replaced."""

    @abstractmethod
    def remove(self, keys: list[tuple[Any, ...]]) -> None:
        """Drop earlier rows matching ``keys`` (deleted records)."""

    @abstractmethod
    def commit(self) -> None:
        """Make the table's new content visible (atomically where the format allows)."""

    @abstractmethod
    def abort(self) -> None:
        """Forget what was written; the destination keeps its earlier content."""


class Sink(ABC):
    """An export destination."""

    description = ""

    def prepare(self, types: list[TypeTables]) -> None:  # noqa: B027 - optional hook
        """Check, before anything is read or written, that every type can be written."""

    @abstractmethod
    def begin(self, tables: TypeTables, merge: bool) -> None:
        """Start writing the records of one type."""

    @abstractmethod
    def write(self, record: Mapping[str, Any]) -> int:
        """Write one record (with its lines); returns the number of line rows written."""

    @abstractmethod
    def remove(self, deleted: list[dict[str, Any]]) -> None:
        """Record deleted records (rows of the ``deleted`` table) and drop their rows."""

    @abstractmethod
    def end(self) -> None:
        """Finish the current type."""

    @abstractmethod
    def close(self) -> None:
        """Finish the export: everything written becomes visible."""

    @abstractmethod
    def abort(self) -> None:
        """Give up: the destination keeps what it held before."""

    def tables_written(self) -> list[str]:
        return []


class TableSink(Sink):
    """A sink of flat tables; subclasses say how to open a table."""

    def __init__(self) -> None:
        self._tables: TypeTables | None = None
        self._handles: list[TableHandle] = []
        self._record_handle: TableHandle | None = None
        self._line_handle: TableHandle | None = None
        self._deleted: TableHandle | None = None
        self._rows: list[dict[str, Any]] = []
        self._lines: list[dict[str, Any]] = []
        self._keys: list[tuple[Any, ...]] = []
        self._written: list[str] = []

    @abstractmethod
    def open_table(self, table: Table, match: tuple[str, ...], merge: bool) -> TableHandle:
        """A handle on ``table`` (created or replaced unless ``merge``)."""

    def location(self, table: Table) -> str:
        return table.name

    def begin(self, tables: TypeTables, merge: bool) -> None:
        self._tables = tables
        id_column = tables.records.key[0]
        self._record_handle = self.open_table(tables.records, (id_column,), merge)
        self._handles.append(self._record_handle)
        self._written.append(self.location(tables.records))
        self._line_handle = None
        if tables.lines is not None:
            self._line_handle = self.open_table(tables.lines, ("txn_id",), merge)
            self._handles.append(self._line_handle)
            self._written.append(self.location(tables.lines))

    def write(self, record: Mapping[str, Any]) -> int:
        assert self._tables is not None
        tables = self._tables
        record = underlying(record)
        values = self._record_handle is not None and self._record_handle.takes_values
        self._rows.append(flatten_values(record, tables) if values else flatten(record, tables))
        self._keys.append((record.get(tables.id_field),))
        count = 0
        if tables.lines is not None:
            for row in line_values(record, tables) if values else line_rows(record, tables):
                self._lines.append(row)
                count += 1
        if len(self._rows) >= BATCH:
            self._flush()
        return count

    def _flush(self) -> None:
        if self._record_handle is not None and (self._rows or self._keys):
            self._record_handle.append(self._rows, self._keys)
        if self._line_handle is not None and self._keys:
            self._line_handle.append(self._lines, self._keys)
        self._rows, self._lines, self._keys = [], [], []

    def remove(self, deleted: list[dict[str, Any]]) -> None:
        if not deleted:
            return
        self._flush()
        keys = [(row["id"],) for row in deleted]
        for handle in (self._record_handle, self._line_handle):
            if handle is not None:
                handle.remove(keys)
        if self._deleted is None:
            self._deleted = self.open_table(DELETED, DELETED.key, merge=True)
            self._written.append(self.location(DELETED))
        self._deleted.append(deleted, [(row["type"], row["id"]) for row in deleted])

    def end(self) -> None:
        self._flush()
        for handle in (self._record_handle, self._line_handle):
            if handle is not None:
                handle.commit()
                self._handles.remove(handle)
        self._record_handle = self._line_handle = None

    def close(self) -> None:
        if self._deleted is not None:
            self._deleted.commit()
            self._deleted = None

    def abort(self) -> None:
        for handle in [*self._handles, *([self._deleted] if self._deleted else [])]:
            handle.abort()
        self._handles = []
        self._deleted = None

    def tables_written(self) -> list[str]:
        return list(dict.fromkeys(self._written))


def table_path(destination: Path, table: Table, main: str | None) -> Path:
    """The file of ``table``: DEST for the one type's records, else ``<stem>.<table><suffix>``."""
    if table.name == main:
        return destination
    return destination.with_name(f"{destination.stem}.{table.name}{destination.suffix}")
