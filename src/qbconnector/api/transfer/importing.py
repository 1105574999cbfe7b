"""Bulk import: records from a CSV or JSONL file added to QuickBooks, or modified when present.

    from qbconnector.api.transfer.importing import import_file
    with qbconnector.connect("shop.qbdb") as qb:
        summary = import_file(qb, "customers", "customers.csv", results="results.csv")

Upsert: each record is looked up by its key — the FullName for lists (``Name``: the name
under its parent), the RefNumber for transactions, or the record ID (``ID``, for importing
back into the same company file). Not found: it is added. Found: only the fields that differ
are modified (lines are sent whole when any line differs); nothing differs: it is skipped,
so running the same import again changes nothing. Several records with one RefNumber are an
error for that record, never a guess.

Records go to QuickBooks in batches (one message set each, ``continueOnError`` unless told to
stop), jobs and sub-accounts after their parents; their custom fields follow them
(:mod:`qbconnector.api.transfer.custom_fields`). The results file gets one row per source
record: source row, operation (add / modify / skip / error), type, key, ListID/TxnID,
EditSequence, statusCode and message.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qbconnector.api.records import errors
from qbconnector.api.records.batch import Result
from qbconnector.api.records.record import Record
from qbconnector.api.transfer.custom_fields import PUBLIC, CustomFieldWriter, Field, wanted
from qbconnector.api.transfer.import_rows import (
    ImportSummary,
    Reporter,
    ResultsWriter,
    RowResult,
    SeenKeys,
)
from qbconnector.api.transfer.links import resolve_applied
from qbconnector.api.transfer.mapping import ImportMapping, load_mapping
from qbconnector.api.transfer.own import OwnTransfer
from qbconnector.api.transfer.progress import Progress
from qbconnector.api.transfer.referenced_lists import ListMaker, references
from qbconnector.api.transfer.sources import SourceRecord, key_hint, read_source
from qbconnector.api.transfer.writable import FieldError, body, changes, to_add
from qbconnector.errors import ValidationError as InvalidRequest
from qbconnector.qbxml.build import Message, build

if TYPE_CHECKING:
    from qbconnector.api.records.collections import Collection
    from qbconnector.api.records.connection import Connection

log = logging.getLogger(__name__)

UPSERT_KEYS = ("Name", "RefNumber", "ID", "none")


@dataclass
class _Pending:
    """A source record on its way: its Add body, key and what was found under the key."""

    source: SourceRecord
    data: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    current: Record | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    result: RowResult | None = None
    custom: list[Field] = field(default_factory=list)   # custom fields to write after it
    notes: list[str] = field(default_factory=list)      # lists created for it, and such


def default_upsert_key(collection: Collection) -> str:
    """Name for lists, RefNumber for transactions that have one, else none."""
    if collection.kind == "list":
        return "Name"
    if collection.add_request is not None and \
            body(collection.type_name, "Add").child("RefNumber") is not None:
        return "RefNumber"
    return "none"


def _key_of(collection: Collection, upsert_by: str, source: dict[str, Any],
            data: dict[str, Any]) -> str | None:
    if upsert_by == "ID":
        value = source.get(collection.id_field) or source.get(
            "list_id" if collection.kind == "list" else "txn_id")
        return str(value) if value else None
    if upsert_by == "RefNumber":
        value = data.get("RefNumber")
        return str(value) if value not in (None, "") else None
    if upsert_by == "Name":
        name = data.get("Name")
        if not name:
            return None
        parent = (data.get("ParentRef") or {}).get("FullName")
        return f"{parent}:{name}" if parent else str(name)
    return None


def _depth(record: SourceRecord) -> int:
    data = record.data
    sublevel = data.get("Sublevel", data.get("sublevel"))
    if isinstance(sublevel, int) or (isinstance(sublevel, str) and sublevel.isdigit()):
        return int(sublevel)
    full_name = data.get("FullName") or data.get("full_name")
    if isinstance(full_name, str):
        return full_name.count(":")
    return 1 if data.get("ParentRef") or data.get("parent_ref") else 0


class Importer:
    """Runs one import; :func:`import_file` is the short way to use it."""

    def __init__(self, connection: Connection, collection: Collection, upsert_by: str,
                 on_error: str = "continueOnError", batch_size: int = 50,
                 dry_run: bool = False, leave_out: tuple[str, ...] = ()) -> None:
        self.connection = connection
        self.leave_out = leave_out          # fields not sent (an item's opening stock...)
        self.collection = collection
        self.upsert_by = upsert_by
        self.on_error = on_error
        self.batch_size = batch_size
        self.dry_run = dry_run
        self.dropped: set[str] = set()
        self.custom = CustomFieldWriter(connection, collection)
        self.custom_written = 0
        self.custom_refused = 0
        self.stopped = False
        self.lists = ListMaker(connection, dry_run)
        self.seen = SeenKeys(upsert_by)
        self._txn_ids: dict[tuple[str, str | None, str | None], str | None] = {}

    # -- preparing --------------------------------------------------------------------------
    def prepare(self, source: SourceRecord) -> _Pending:
        pending = _Pending(source)
        if source.error:
            pending.key = source.key
            pending.result = self._error(pending, source.error)
            return pending
        try:
            pending.custom = wanted(source.data)
            data = resolve_applied(self.collection.type_name, source.data, self.find_txn)
            prepared = to_add(self.collection.type_name, data)
        except (FieldError, ValueError) as exc:
            pending.key = source.key or key_hint(source.data)
            pending.result = self._error(pending, str(exc))
            return pending
        for name in self.leave_out:
            if prepared.data.pop(name, None) is not None:
                prepared.dropped.append(name)
        self.dropped.update(prepared.dropped)
        pending.data = prepared.data
        pending.key = _key_of(self.collection, self.upsert_by, source.data, prepared.data)
        return pending

    def find_txn(self, txn_type: str, ref_number: str | None, old_id: str | None
                 ) -> str | None:
        """The TxnID of a transaction a record links to: by type and RefNumber, else the
        old TxnID if it exists here (importing back into the same company file)."""
        key = (txn_type, ref_number, old_id)
        if key not in self._txn_ids:
            found = None
            try:
                collection = self.connection.collection(txn_type)
            except AttributeError:
                collection = None
            if collection is not None and "query" in collection.operations():
                if ref_number:
                    matches = collection.query(ref_numbers=[ref_number], limit=2).all()
                    found = matches[0].id if len(matches) == 1 else None
                if found is None and old_id:
                    match = collection.query(ids=[old_id]).first()
                    found = match.id if match is not None else None
            self._txn_ids[key] = found
        return self._txn_ids[key]

    def _error(self, pending: _Pending, message: str, status: int | None = None) -> RowResult:
        return RowResult(pending.source.label, "error", self.collection.type_name, pending.key,
                         status_code=status, message=message)

    def _lookup(self, chunk: list[_Pending]) -> None:
        keys = sorted({p.key for p in chunk if p.key and p.result is None})
        if not keys or self.upsert_by == "none":
            return
        found: dict[str, list[Record]] = {}
        filters: dict[str, Any] = {}
        if self.collection.query_takes("IncludeLineItems"):
            filters["include_line_items"] = True
        if any(p.custom for p in chunk) and self.collection.query_takes("OwnerID"):
            filters["owner_ids"] = [PUBLIC]        # the custom fields the records have now
        if self.upsert_by == "Name":
            query = self.collection.query(full_names=keys, **filters)
            field_name = "FullName"
        elif self.upsert_by == "RefNumber":
            query = self.collection.query(ref_numbers=keys, **filters)
            field_name = "RefNumber"
        else:
            query = self.collection.query(ids=keys, **filters)
            field_name = self.collection.id_field
        for record in query:
            value = record.get(field_name) or (record.get("Name") if field_name == "FullName"
                                               else None)   # vendors have no FullName
            found.setdefault(str(value or "").lower(), []).append(record)
        for pending in chunk:
            if pending.key is None or pending.result is not None:
                continue
            matches = found.get(pending.key.lower(), [])
            if len(matches) > 1:
                pending.result = self._error(
                    pending, f"{len(matches)} {self.collection.type_name} records have "
                    f"{field_name} {pending.key!r}; make it unique or use --upsert-by ID")
            elif matches:
                pending.current = matches[0]

    # -- sending ----------------------------------------------------------------------------
    def _message(self, pending: _Pending) -> tuple[str, Any] | None:
        """The operation and request for a record, or None when nothing changes (a skip)."""
        if pending.current is None:
            return "add", self.collection.add_message(pending.data)
        delta = changes(self.collection.type_name, pending.data, pending.current)
        refused = ", ".join(delta.not_modifiable)
        if not delta and refused and self.collection.mod_request is None:
            pending.result = RowResult(
                pending.source.label, "error", self.collection.type_name, pending.key,
                pending.current.id, pending.current.get("EditSequence"),
                message=f"exists with other values ({refused}) and QuickBooks cannot modify "
                        f"{self.collection.type_name} records: left as it is")
            return None
        if not delta:
            pending.result = RowResult(
                pending.source.label, "skip", self.collection.type_name, pending.key,
                pending.current.id, pending.current.get("EditSequence"), 0,
                "unchanged" + (f" ({refused} cannot be modified)" if refused else ""))
            return None
        pending.changes = delta.data
        return "modify", self.collection.mod_message(pending.current, delta.data)

    def _checked(self, operation: str, message: Any, pending: _Pending) -> bool:
        try:
            build([message], version=self.connection.version)
        except InvalidRequest as exc:          # the codec's BuildError and ValidationError
            problems = getattr(exc, "problems", None)
            text = "; ".join(re.sub(r"^QBXMLMsgsRq/\w+Rq\[\d+\]/", "", str(p))
                             for p in problems) if problems else str(exc)
            pending.result = self._error(pending, f"{operation}: {text}")
            return False
        return True

    def run_chunk(self, chunk: list[_Pending]) -> None:
        if self.stopped:
            self._not_sent(chunk)
            return
        stop = self.on_error == "stopOnError"
        if stop:            # a record that fails here stops the rest, as QuickBooks would
            for position, pending in enumerate(chunk):
                if pending.result is not None and pending.result.operation == "error":
                    self.stopped = True
                    self._not_sent(chunk[position + 1:])
                    chunk = chunk[:position + 1]
                    break
        self._lookup(chunk)
        self._create_referenced_lists(chunk)
        batch = self.connection.batch(self.on_error)
        operations = getattr(batch, self.collection.type_name)
        queued: list[tuple[str, _Pending, Result]] = []
        for pending in chunk:
            if pending.result is not None:
                self.stopped = self.stopped or stop and pending.result.operation == "error"
                continue
            if self.stopped:
                self._not_sent([pending])
                continue
            planned = self._message(pending)
            if planned is None:
                continue
            operation, message = planned
            if not self._checked(operation, message, pending):
                self.stopped = stop
                continue
            if self.dry_run:
                pending.result = RowResult(pending.source.label, operation,
                                           self.collection.type_name, pending.key,
                                           pending.current.id if pending.current else None,
                                           message="dry run: not sent")
                continue
            outcome = operations.add(pending.data) if operation == "add" else \
                operations.modify(pending.current, pending.changes)
            queued.append((operation, pending, outcome))
        if queued:
            batch.run()
            for operation, pending, outcome in queued:
                pending.result = self._outcome(operation, pending, outcome)
        if not self.dry_run:
            self._write_custom_fields(chunk)
        for pending in chunk:
            if pending.notes and pending.result is not None:
                _note(pending.result, *pending.notes)

    def _not_sent(self, chunk: list[_Pending]) -> None:
        for pending in chunk:
            if pending.result is None:
                pending.result = self._error(pending, "not sent: an earlier record failed "
                                             "and the import stops on errors")

    def _create_referenced_lists(self, chunk: list[_Pending]) -> None:
        """Create the simple list records the chunk's records refer to and lack (see
        :mod:`qbconnector.api.transfer.referenced_lists`)."""
        waiting = [(p, references(p.data)) for p in chunk if p.result is None]
        wanted = [ref for _, refs in waiting for ref in refs]
        if not wanted:
            return
        missing = set(self.lists.missing(wanted))
        done: dict[tuple[str, str], str] = {}
        for pending, refs in waiting:
            for ref in refs:
                if ref not in missing:
                    continue
                if ref not in done:
                    try:
                        done[ref] = self.lists.create(*ref)
                        pending.notes.append(done[ref])
                    except errors.QBError as exc:
                        done[ref] = f"could not create {ref[0][:-3]} {ref[1]!r}: {exc.message}"
                if done[ref].startswith("could not"):
                    pending.result = self._error(pending, done[ref])
                    break

    def _write_custom_fields(self, chunk: list[_Pending]) -> None:
        """After the records: their custom fields, in one message set (see custom_fields)."""
        planned: list[tuple[_Pending, Field, Message]] = []
        for pending in chunk:
            result = pending.result
            if not pending.custom or result is None or result.operation == "error" or \
                    not result.id:
                continue
            if not self.custom.supported:
                self.custom_refused += 1
                _note(result, f"custom fields not written: QuickBooks has none on "
                              f"{self.collection.type_name} records")
                continue
            current = pending.current if result.operation != "add" else None
            for one, message in self.custom.messages(result.id, pending.custom, current):
                planned.append((pending, one, message))
        if not planned:
            return
        responses = self.connection.send([m for _, _, m in planned], on_error="continueOnError")
        failed: dict[int, list[str]] = {}
        written: dict[int, list[str]] = {}
        for (pending, one, message), response in zip(planned, responses, strict=False):
            if response.status_code not in (0, 1) and response.status_severity == "Error":
                failed.setdefault(id(pending), []).append(
                    f"custom field {one.name}: {message.name} {response.status_code} "
                    f"{response.status_message}")
            elif message.name in ("DataExtAdd", "DataExtMod"):
                written.setdefault(id(pending), []).append(one.name)
                self.custom_written += 1
        for pending in {id(p): p for p, _, _ in planned}.values():
            result = pending.result
            assert result is not None
            if id(pending) in failed:
                self.custom_refused += 1
                result.operation = "error"
                _note(result, *failed[id(pending)])
            elif id(pending) in written and result.operation == "skip":
                result.operation = "modify"
                result.message = "custom fields: " + ", ".join(written[id(pending)])

    def _outcome(self, operation: str, pending: _Pending, outcome: Result) -> RowResult:
        name = self.collection.type_name
        if not outcome.done:
            return self._error(pending, f"{operation}: no response")
        if outcome.error is not None:
            if self.on_error == "stopOnError":
                self.stopped = True
            return RowResult(pending.source.label, "error", name, pending.key,
                             pending.current.id if pending.current else None,
                             status_code=outcome.status_code,
                             message=f"{operation}: {outcome.error.message}")
        record = outcome.records[0] if outcome.records else None
        return RowResult(pending.source.label, operation, name, pending.key,
                         record.id if record is not None else None,
                         record.get("EditSequence") if record is not None else None,
                         outcome.status_code, outcome.status_message)

    # -- the whole file ---------------------------------------------------------------------
    def chunks(self, records: list[SourceRecord]) -> Iterable[list[_Pending]]:
        """Prepared records in batches; a key seen again starts a new batch, so a record
        sees the one before it with the same key."""
        chunk: list[_Pending] = []
        for source in records:
            pending = self.admit(source)
            if chunk and len(chunk) >= self.batch_size:
                yield chunk
                chunk = []
            chunk.append(pending)
        if chunk:
            yield chunk

    def admit(self, source: SourceRecord) -> _Pending:
        """A source record prepared, or an error row when its key was in the file before."""
        pending = self.prepare(source)
        if pending.result is None:
            again = self.seen.again(pending.key, source.label)
            if again is not None:
                pending.result = self._error(pending, again)
        return pending

    def run_safely(self, chunk: list[_Pending]) -> None:
        """Run a chunk; a connection that fails marks its records not sent and stops."""
        try:
            self.run_chunk(chunk)
        except errors.SessionError as exc:
            for pending in chunk:
                if pending.result is None:
                    pending.result = self._error(pending, f"not sent: {exc}")
            self.stopped = True


def import_file(connection: Connection, type_name: str, source: str | Path, *,
                mapping: str | Path | ImportMapping | None = None, upsert_by: str | None = None,
                on_error: str = "continueOnError", batch_size: int = 50,
                results: str | Path | ResultsWriter | None = None, dry_run: bool = False,
                progress: Progress | None = None, leave_out: tuple[str, ...] = ()
                ) -> ImportSummary:
    """Import ``source`` (CSV or JSONL) as records of ``type_name``; see the module doc.
    ``results`` is a file (or an open :class:`ResultsWriter`, left open) for one row per
    source record; ``leave_out`` names fields of the file not to send. A connection that
    imports by itself (QuickBooks Online's) is handed the job."""
    if isinstance(connection, OwnTransfer):
        if isinstance(results, ResultsWriter) or leave_out:
            raise ValueError("this connection imports one file at a time: give results as a "
                             "file name, and no fields to leave out")
        return connection.import_file(type_name, source, mapping=mapping, upsert_by=upsert_by,
                                      on_error=on_error, batch_size=batch_size,
                                      results=results, dry_run=dry_run, progress=progress)
    began = time.monotonic()
    collection = connection.collection(type_name)
    if "add" not in collection.operations():
        raise ValueError(f"QuickBooks cannot add {collection.type_name} records")
    loaded = load_mapping(mapping) if isinstance(mapping, str | Path) else mapping
    if loaded is not None and loaded.type and connection.collection(loaded.type).type_name \
            != collection.type_name:
        raise ValueError(f"the mapping is for {loaded.type}, not {collection.type_name}")
    key = upsert_by or (loaded.upsert_by if loaded is not None else None) or \
        default_upsert_key(collection)
    _check_key(collection, key)
    skipped: list[int] = []
    records = read_source(source, collection.type_name, loaded, skipped)
    if collection.kind == "list":
        records.sort(key=_depth)
    owned = not isinstance(results, ResultsWriter)
    writer = ResultsWriter(results) if owned and results is not None else results
    assert writer is None or isinstance(writer, ResultsWriter)
    summary = ImportSummary(collection.type_name, str(source), key, other_types=len(skipped),
                            results_file=str(writer.path) if writer is not None else None)
    if progress is not None:
        progress.start(collection.type_name, len(records))
    importer = Importer(connection, collection, key, on_error, batch_size, dry_run,
                        leave_out)
    report = Reporter(writer, progress)
    try:
        report.each([(r, summary) for r in records],
                    [(summary, importer, importer.chunks(records))])
    finally:
        if progress is not None:
            progress.finish()
        if writer is not None and owned:
            writer.close()
    summary.created = list(importer.lists.created)

    summary.dropped_fields = sorted(importer.dropped)
    summary.custom_fields_written = importer.custom_written
    summary.custom_fields_not_imported = importer.custom_refused
    if importer.custom_refused:
        log.warning("custom fields of %d %s record(s) in %s could not be written (see the "
                    "results)", importer.custom_refused, collection.type_name, source)
    summary.seconds = time.monotonic() - began
    return summary


def _note(result: RowResult, *notes: str) -> None:
    """Add notes to a row's message (QuickBooks' plain "Status OK" gives way to them)."""
    kept = [result.message] if result.message and result.message != "Status OK" else []
    result.message = "; ".join(kept + list(notes))


def _check_key(collection: Collection, key: str) -> None:
    if key not in UPSERT_KEYS:
        raise ValueError(f"--upsert-by takes {', '.join(UPSERT_KEYS)}, not {key!r}")
    if key == "Name" and collection.kind != "list":
        raise ValueError(f"{collection.type_name} is a transaction: upsert by RefNumber or ID")
    if key == "RefNumber" and collection.kind == "list":
        raise ValueError(f"{collection.type_name} is a list: upsert by Name or ID")
