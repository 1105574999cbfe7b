"""Bulk export: every record of some types into files or a database, fully or incrementally.

    from qbconnector.api.transfer.export import export
    with qbconnector.connect("shop.qbdb") as qb:
        summary = export(qb, ["customers", "invoices"], "sqlite:///shop.db",
                         state="shop.state.json")

Records are read through the records API's paging queries (constant memory): list types with
``active="all"`` (a full copy includes inactive records), transactions with their lines and
linked transactions. See :mod:`qbconnector.api.transfer.sinks` for the destinations.

Incremental runs (``since=``, or a state file from an earlier run) ask QuickBooks for records
modified at or after the mark (inclusive) and upsert them by ID, so a record seen twice is
stored once; records deleted since then (ListDeletedQuery / TxnDeletedQuery) are removed and
listed in the ``deleted`` table. The new mark is the newest TimeModified seen, moved back by
the time the query took: a record changed while the export was reading had its TimeModified
set after the query began, so it is read again next time instead of being missed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qbconnector.api.records import errors
from qbconnector.api.records.collections import check
from qbconnector.api.transfer.destinations import open_sink
from qbconnector.api.transfer.own import OwnTransfer
from qbconnector.api.transfer.progress import Progress
from qbconnector.api.transfer.sinks import Sink, TableSink
from qbconnector.api.transfer.state import ExportState, as_instant, later
from qbconnector.api.transfer.tables import TypeTables, tables_for
from qbconnector.collector import fewer_collections
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import BuildError, Message
from qbconnector.qbxml.values import parse_datetime

if TYPE_CHECKING:
    from qbconnector.api.records.collections import Collection
    from qbconnector.api.records.connection import Connection


@dataclass
class TypeResult:
    """What the export did for one type."""

    type_name: str
    records: int = 0
    lines: int = 0
    deleted: int = 0
    incremental: bool = False
    since: str | None = None
    modified_mark: str | None = None
    deleted_mark: str | None = None
    seconds: float = 0.0


@dataclass
class ExportSummary:
    """The outcome of an export, ready for JSON (``--summary-json``)."""

    destination: str
    types: list[TypeResult] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    state_file: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)    # what a user should know (full copies)

    @property
    def records(self) -> int:
        return sum(t.records for t in self.types)

    def to_dict(self) -> dict[str, Any]:
        return {"destination": self.destination, "records": self.records,
                "lines": sum(t.lines for t in self.types),
                "deleted": sum(t.deleted for t in self.types),
                "seconds": round(self.seconds, 3), "state_file": self.state_file,
                "outputs": self.outputs, "types": [asdict(t) for t in self.types],
                "notes": self.notes}


QUERY_VALUES = "json"
"""How records are read for export: JSON-ready, as the sinks write them, so QuickBooks' text
is kept instead of being made Decimal or datetime and back (the files are the same)."""


def mark_text(value: datetime | str) -> str:
    """An export mark: the instant as ISO text with its offset, to the second."""
    if isinstance(value, str):
        value = as_instant(value)
    if value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no time zone: give an offset "
                         "(2024-05-01T00:00:00-05:00) or an aware datetime")
    return value.replace(microsecond=0).isoformat()


def query_filters(collection: Collection, since: str | None) -> dict[str, Any]:
    """The filters of a full copy: inactive list records too, lines and linked transactions."""
    filters: dict[str, Any] = {}
    if collection.query_takes("ActiveStatus"):
        filters["active"] = "all"
    if collection.query_takes("IncludeLineItems"):
        filters["include_line_items"] = True
    if collection.query_takes("IncludeLinkedTxns"):
        filters["include_linked_txns"] = True
    if collection.query_takes("OwnerID"):
        filters["owner_ids"] = ["0"]           # custom fields (DataExtRet) too
    if since is not None:
        filters["modified_since"] = as_instant(since)
    return filters


def can_go_incremental(collection: Collection) -> bool:
    """Whether the type's query filters by TimeModified (a few small lists cannot)."""
    return collection.query_takes("FromModifiedDate") or \
        collection.query_takes("ModifiedDateRangeFilter")


def _deleted_request(kind: str) -> tuple[str, str, str]:
    if kind == "list":
        return "ListDeletedQuery", "ListDelType", "ListID"
    return "TxnDeletedQuery", "TxnDelType", "TxnID"


def can_track_deletes(tables: TypeTables) -> bool:
    name, type_key, _ = _deleted_request(tables.kind)
    enum = specmod.load().message(f"{name}Rq").child(type_key).enum or ()
    return tables.type_name in enum


def deleted_since(connection: Connection, tables: TypeTables, mark: str | None
                  ) -> list[dict[str, Any]]:
    """Rows for the ``deleted`` table: records of this type deleted at or after ``mark``."""
    name, type_key, id_key = _deleted_request(tables.kind)
    data: dict[str, Any] = {type_key: [tables.type_name]}
    if mark is not None:
        data["DeletedDateRangeFilter"] = {"FromDeletedDate": as_instant(mark)}
    response = check(connection.send([Message(name, data)])[0], f"{name}Rq")
    return [{"type": tables.type_name, "id": r.get(id_key), "full_name": r.get("FullName"),
             "ref_number": r.get("RefNumber"), "time_created": r.get("TimeCreated"),
             "time_deleted": r.get("TimeDeleted")} for r in response.records]


def _moment(value: Any) -> Any:
    """A JSON-ready TimeModified (text) as the datetime it stands for; other values as they
    are (text that is no date-time stays text, as the typed parse leaves it)."""
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            return value
    return value


def _moved_back(mark: str, seconds: float, floor: str | None) -> str:
    moved = (as_instant(mark) - timedelta(seconds=math.ceil(seconds))).isoformat()
    return later(floor, moved) or moved


class Exporter:
    """Runs one export; :func:`export` is the short way to use it."""

    def __init__(self, connection: Connection, sink: Sink, state: ExportState,
                 since: str | None = None, progress: Progress | None = None) -> None:
        self.connection = connection
        self.sink = sink
        self.state = state
        self.since = since
        self.progress = progress

    @staticmethod
    def _count(collection: Collection, filters: dict[str, Any]) -> int | None:
        try:
            return collection.count(**filters)
        except (errors.QBError, BuildError):
            return None                        # the bar runs without a total

    def run_type(self, collection: Collection) -> TypeResult:
        tables = tables_for(collection.type_name)
        name = tables.type_name
        start_mark = self.since or self.state.modified(name)
        if not can_go_incremental(collection):
            start_mark = None                   # copied whole every time
        result = TypeResult(name, incremental=start_mark is not None, since=start_mark)
        filters = query_filters(collection, start_mark)
        began = time.monotonic()
        if self.progress is not None:
            self.progress.start(name, self._count(collection, filters))
        self.sink.begin(tables, merge=start_mark is not None)
        newest: datetime | None = None
        newest_text: str | None = None
        query = collection.query(values=QUERY_VALUES, **filters)
        # Flat formats get the parser's own mappings where the query offers them: flattening
        # reads every field once, so wrapping each record in a Record would only be undone.
        plain = getattr(query, "plain", None) if isinstance(self.sink, TableSink) else None
        for record in plain() if plain is not None else query:
            result.lines += self.sink.write(record)
            result.records += 1
            modified = _moment(record.get("TimeModified"))
            if isinstance(modified, datetime) and (newest is None or modified > newest):
                newest, newest_text = modified, modified.isoformat()
            if self.progress is not None:
                self.progress.advance(1)
        took = time.monotonic() - began
        result.modified_mark = _moved_back(newest_text, took, start_mark) if newest_text \
            else start_mark
        if start_mark is not None and can_track_deletes(tables):
            deleted_from = self.since or self.state.deleted(name)
            asked = time.monotonic()
            rows = deleted_since(self.connection, tables, deleted_from)
            self.sink.remove(rows)
            result.deleted = len(rows)
            newest_deleted = None
            for row in rows:
                if isinstance(row["time_deleted"], datetime):
                    newest_deleted = later(newest_deleted, row["time_deleted"].isoformat())
            result.deleted_mark = _moved_back(newest_deleted, time.monotonic() - asked,
                                              deleted_from) if newest_deleted else deleted_from
        self.sink.end()
        if self.progress is not None:
            self.progress.finish()
        result.seconds = time.monotonic() - began
        return result


class TypeExporter(Protocol):
    """What copies the records of one type into the sink (:class:`Exporter` for qbXML
    connections; QuickBooks Online's has its own)."""

    def run_type(self, collection: Any) -> TypeResult: ...


def run_export(collections: list[Any], destination: str, *, since: str | None,
               state: str | Path | None,
               start: Callable[[Sink, ExportState, ExportSummary], TypeExporter],
               replace: bool = False,
               tables: Callable[[str], TypeTables] = tables_for) -> ExportSummary:
    """The run every export shares: the sink, a run per type by the exporter ``start``
    makes, and the state file, saved only once everything was written. In a database, only
    tables an export created are replaced, unless ``replace``; ``tables`` gives the tables
    of a type (Desktop's from the qbXML spec; QuickBooks Online passes its own)."""
    began = time.monotonic()
    export_state = ExportState.load(state)
    sink = open_sink(destination, [c.type_name for c in collections], replace)
    summary = ExportSummary(sink.description or destination,
                            state_file=str(state) if state is not None else None)
    exporter = start(sink, export_state, summary)
    try:
        # Rows, cells and parsed pages are acyclic and freed as soon as they are written: the
        # collector's frequent passes only walked them. (HTTP answers sit in reference cycles;
        # the sessions release them, see qbconnector.responses.)
        with fewer_collections():
            sink.prepare([tables(c.type_name) for c in collections])
            for collection in collections:
                summary.types.append(exporter.run_type(collection))
        sink.close()
    except BaseException:
        sink.abort()
        raise
    for result in summary.types:
        export_state.update(result.type_name, result.modified_mark, result.deleted_mark)
    export_state.save()
    summary.outputs = sink.tables_written()
    summary.seconds = time.monotonic() - began
    return summary


def export(connection: Connection, types: Iterable[str], destination: str, *,
           since: datetime | str | None = None, state: str | Path | None = None,
           progress: Progress | None = None, replace: bool = False) -> ExportSummary:
    """Export every record of ``types`` (collection or type names) to ``destination``.

    ``since`` (an aware datetime or ISO text with offset) exports only records modified at or
    after it, plus deletions; ``state`` names a JSON file that remembers, per type, where the
    last run stopped, so the next run picks up from there. In a database, only tables the
    export created are replaced: ``replace=True`` drops other tables of the same names. A
    connection that exports by
    itself (QuickBooks Online's, see :mod:`qbconnector.api.transfer.own`) is handed the job.
    """
    if isinstance(connection, OwnTransfer):
        return connection.export(list(types), destination, since=since, state=state,
                                 progress=progress, replace=replace)
    collections = [connection.collection(name) for name in types]
    for collection in collections:
        if "query" not in collection.operations():
            raise ValueError(f"{collection.type_name} cannot be queried, so not exported")
    since_text = mark_text(since) if since is not None else None
    return run_export(collections, destination, since=since_text, state=state,
                      start=lambda sink, marks, summary: Exporter(
                          connection, sink, marks, since_text, progress), replace=replace)
