"""Export from QuickBooks Online to the same destinations as Desktop's export (JSONL, CSV,
Parquet, SQL), fully or incrementally through change data capture, deletions included.

A full copy pages through every record (inactive name-list records too) in constant memory.
An incremental run (``since=``, or a state file from an earlier run) asks change data
capture what changed at or after the mark: changed records are upserted, deleted ones are
removed and listed in the ``deleted`` table. QBO keeps changes for 30 days only: a mark
further back — or an entity change data capture does not cover — gets a full copy instead,
and the summary's ``notes`` say so. The next mark is QBO's own clock at the start of the
run, a minute early, so a record changed while the export was reading is read again next
time rather than missed (seen twice, it is stored once).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qbconnector.api.transfer.export import ExportSummary, TypeResult, mark_text, run_export
from qbconnector.api.transfer.progress import Progress
from qbconnector.api.transfer.sinks import Sink
from qbconnector.api.transfer.state import ExportState, as_instant
from qbconnector.errors import ValidationError
from qbconnector.qbo.changes import UNSUPPORTED, changes, within_window
from qbconnector.qbo.tables import tables_for
from qbconnector.qbo.typed import QBORecord
from qbconnector.qbo_wire.values import parse_datetime

if TYPE_CHECKING:
    from qbconnector.qbo.collections import QBOCollection
    from qbconnector.qbo.connection import QBOConnection

EARLY = timedelta(minutes=1)


class _Outgoing(QBORecord):
    """A record read for a sink and seen by nothing else: ``to_dict`` hands the sink the
    JSON as QBO sent it, without the copy a record gives its callers (an export's cost)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return self._data


class QBOExporter:
    """Runs one export over a QBO connection."""

    def __init__(self, connection: QBOConnection, sink: Sink, state: ExportState,
                 since: str | None, progress: Progress | None, notes: list[str]) -> None:
        self.connection = connection
        self.sink = sink
        self.state = state
        self.since = since
        self.progress = progress
        self.notes = notes

    def _next_mark(self) -> str | None:
        stamp = self.connection.session.server_time
        if stamp is None:
            return None
        return (parse_datetime(stamp) - EARLY).replace(microsecond=0).isoformat()

    def run_type(self, collection: QBOCollection) -> TypeResult:
        entity = collection.type_name
        tables = tables_for(entity)
        began = time.monotonic()
        mark = self.since or self.state.modified(entity)
        incremental = mark is not None
        if mark is not None and entity in UNSUPPORTED:
            self.notes.append(f"{entity}: full copy (QBO's change data capture does not "
                              f"cover {entity})")
            incremental = False
        elif mark is not None and not within_window(as_instant(mark)):
            self.notes.append(f"{entity}: full copy — {mark} is past QBO's 30-day change "
                              "window, so changes and deletions since then cannot be asked for")
            incremental = False
        result = TypeResult(entity, incremental=incremental, since=mark if incremental else None)
        filters: dict[str, Any] = {"active": "all"} if "Active" in collection.spec.filterable \
            else {}
        total = collection.count(**filters) if not incremental else None
        next_mark = self._next_mark()
        if self.progress is not None:
            self.progress.start(entity, total)
        self.sink.begin(tables, merge=incremental)
        if incremental:
            assert mark is not None
            deleted = []
            for change in changes(self.connection, [entity], as_instant(mark)):
                if change.deleted:
                    deleted.append({"type": entity, "id": change.id, "full_name": None,
                                    "ref_number": None, "time_created": None,
                                    "time_deleted": change.time})
                    continue
                assert change.record is not None
                result.lines += self.sink.write(change.record)
                result.records += 1
                self._advance()
            self.sink.remove(deleted)
            result.deleted = len(deleted)
            next_mark = self._next_mark()     # the clock of the last change-data answer
        else:
            query = collection.query(**filters)
            query.record_type = _Outgoing
            for record in query:
                result.lines += self.sink.write(record)
                result.records += 1
                self._advance()
        self.sink.end()
        if self.progress is not None:
            self.progress.finish()
        result.modified_mark = result.deleted_mark = next_mark or mark
        result.seconds = time.monotonic() - began
        return result

    def _advance(self) -> None:
        if self.progress is not None:
            self.progress.advance(1)


def export(connection: QBOConnection, types: list[str], destination: str, *,
           since: datetime | str | None = None, state: str | Path | None = None,
           progress: Progress | None = None, replace: bool = False) -> ExportSummary:
    """Export every record of ``types`` (collection or entity names) to ``destination``;
    see the module doc for ``since`` and ``state``; ``replace`` as for Desktop's export."""
    collections = [connection.collection(name) for name in types]
    try:
        since_text = mark_text(since) if since is not None else None
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    return run_export(collections, destination, since=since_text, state=state,
                      start=lambda sink, marks, summary: QBOExporter(
                          connection, sink, marks, since_text, progress, summary.notes),
                      replace=replace, tables=tables_for)
