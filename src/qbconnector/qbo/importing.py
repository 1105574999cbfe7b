"""Import into QuickBooks Online: records from a CSV or JSONL file added, or modified where
they exist, with the same upsert, results file and idempotence as Desktop's import
(:mod:`qbconnector.api.transfer.importing`).

Each record is looked up by its key — the FullyQualifiedName (``Parent:Child``) or display
name for name lists (``Name``), the DocNumber for transactions (``RefNumber``), or the Id
the file carries (``ID``, importing back into the same company). Not found: it is created.
Found: only the fields that differ go in a sparse update; nothing differs: it is skipped —
so running the same import again changes nothing. What QBO computes or assigns (Ids,
SyncTokens, times, balances, totals, full names, the subtotal line) is never sent;
references are sent by name, since Ids differ between companies.

Records go in QBO batches of up to 30 operations (each with its own ``requestid``, so a
batch retried after a broken connection is not done twice; a throttled one waits and is
retried). Parents go before their sub-customers, sub-accounts and sub-items, in batches of
their own. A record that fails gets its row in the results file and the import goes on
(``stopOnError`` stops it); every source record gets exactly one results row.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qbconnector.api.transfer.import_rows import (
    ImportSummary,
    Reporter,
    ResultsWriter,
    RowResult,
    SeenKeys,
)
from qbconnector.api.transfer.mapping import ImportMapping, load_mapping
from qbconnector.api.transfer.progress import Progress
from qbconnector.api.transfer.sources import SourceRecord
from qbconnector.errors import (
    InvalidReferenceError,
    QBError,
    TransportError,
    ValidationError,
)
from qbconnector.qbo.differences import DELETED_SUFFIX, changed_fields
from qbconnector.qbo.fields import SELF_REFS, VALUE_REFS, BodyBuilder
from qbconnector.qbo.filters import full_name_property
from qbconnector.qbo.sources import read_records
from qbconnector.qbo_wire import spec

if TYPE_CHECKING:
    from qbconnector.qbo.collections import QBOCollection
    from qbconnector.qbo.connection import QBOConnection
    from qbconnector.qbo.typed import QBORecord

log = logging.getLogger(__name__)
UPSERT_KEYS = ("Name", "RefNumber", "ID", "none")
BATCH_LIMIT = 30
PRELOAD_AFTER = 20            # rows: from here on, referenced lists are read whole, once
ALWAYS_DROPPED = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "LinkedTxn"}


@dataclass
class _Pending:
    source: SourceRecord
    depth: int = 0
    key: str | None = None
    old_id: str | None = None
    body: dict[str, Any] = field(default_factory=dict)
    current: QBORecord | None = None
    result: RowResult | None = None
    reactivate: set[tuple[str, str]] = field(default_factory=set)


class _ImportLookup:
    """Names to Ids for an import: active records first (the connection's cache), then
    inactive ones — QBO refuses references to inactive records, so the import makes them
    active for the time of the batch that needs them (a history being copied has invoices
    of customers made inactive since)."""

    def __init__(self, connection: QBOConnection) -> None:
        self.connection = connection
        self.references = connection.references
        self.used: set[tuple[str, str]] = set()
        self.records: dict[tuple[str, str], QBORecord] = {}
        self._inactive: dict[tuple[str, str], QBORecord | None] = {}

    def ref_id(self, entity: str, text: str) -> str:
        try:
            return self.references.ref_id(entity, text)
        except InvalidReferenceError:
            found = self._find_inactive(entity, text)
            if found is None:
                raise
            self.used.add((entity, str(found["Id"])))
            self.records[(entity, str(found["Id"]))] = found
            return str(found["Id"])

    def _find_inactive(self, entity: str, text: str) -> QBORecord | None:
        key = (entity, text.lower())
        if key not in self._inactive:
            collection = self.connection.collection(entity)
            if "Active" not in collection.spec.filterable:
                self._inactive[key] = None
            else:
                prop = full_name_property(collection.spec)
                matches = collection.query(active="inactive", limit=2, where=[
                    (prop, "IN", [text, text + DELETED_SUFFIX])]).all()
                self._inactive[key] = matches[0] if len(matches) == 1 else None
        return self._inactive[key]

    def unit_price(self, item_id: str) -> Any:
        return self.references.unit_price(item_id)


def default_upsert_key(collection: QBOCollection) -> str:
    if collection.kind == "list":
        return "Name"
    return "RefNumber" if "DocNumber" in collection.spec.fields else "none"


def _check_key(collection: QBOCollection, key: str) -> None:
    if key not in UPSERT_KEYS:
        raise ValueError(f"--upsert-by takes {', '.join(UPSERT_KEYS)}, not {key!r}")
    if key == "Name" and collection.kind != "list":
        raise ValueError(f"{collection.type_name} is a transaction: upsert by RefNumber or ID")
    if key == "RefNumber" and "DocNumber" not in collection.spec.fields:
        raise ValueError(f"{collection.type_name} has no DocNumber: upsert by Name or ID")


def _plain(value: Any) -> Any:
    """A source value with references reduced to names (Ids differ between companies) and
    what QBO assigns taken out."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in ALWAYS_DROPPED}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _reference(name: str, value: Any, same_company: bool) -> Any:
    if not isinstance(value, dict) or name in VALUE_REFS or same_company:
        return value
    if value.get("name"):
        return {"name": _strip(str(value["name"]))}
    return value


def _strip(name: str) -> str:
    return name[: -len(DELETED_SUFFIX)] if name.endswith(DELETED_SUFFIX) else name


def _portable(entity: str, data: dict[str, Any], same_company: bool) -> dict[str, Any]:
    """Source data as a create body's input: server-owned fields out, references by name,
    the lines QBO adds out."""
    target = spec.entity(entity)
    owned = target.server_filled | {n for n, f in target.fields.items() if f.read_only}
    if entity in ("Payment", "BillPayment"):
        owned = owned - {"TotalAmt"}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in owned or key in ALWAYS_DROPPED or value is None:
            continue
        field_spec = target.fields.get(key)
        if key == "Line" and isinstance(value, list):
            value = [_line(v, same_company) for v in value
                     if not (isinstance(v, dict) and v.get("DetailType") == "SubTotalLineDetail")]
        elif field_spec is not None and field_spec.kind == "ref":
            value = _reference(key, value, same_company)
        elif key in ("DisplayName", "Name") and isinstance(value, str):
            value = _strip(value)
        out[key] = _plain(value)
    parent = out.get("ParentRef")
    full = data.get("FullyQualifiedName")
    if isinstance(parent, dict) and not parent.get("name") and not same_company and \
            isinstance(full, str) and ":" in full:
        out["ParentRef"] = {"name": _strip(full).rsplit(":", 1)[0]}   # Ids differ: by name
    return out


def _line(line: Any, same_company: bool) -> Any:
    if not isinstance(line, dict):
        return line
    out = {k: v for k, v in line.items() if k not in ("Id", "LineNum", "LinkedTxn")}
    for key, detail in list(out.items()):
        if key.endswith("Detail") and isinstance(detail, dict):
            out[key] = {k: _reference(k, v, same_company) if k.endswith("Ref") else v
                        for k, v in detail.items()}
    return out


class QBOImporter:
    """Runs one import over a QBO connection."""

    def __init__(self, connection: QBOConnection, collection: QBOCollection, upsert_by: str,
                 on_error: str, batch_size: int, dry_run: bool) -> None:
        self.connection = connection
        self.collection = collection
        self.entity = collection.type_name
        self.upsert_by = upsert_by
        self.on_error = on_error
        self.batch_size = max(1, min(batch_size, BATCH_LIMIT))
        self.dry_run = dry_run
        self.stopped = False
        self.name_property = full_name_property(collection.spec) \
            if collection.kind == "list" else None
        self.lookup = _ImportLookup(connection)
        self.builder = BodyBuilder(self.entity, self.lookup)
        self.seen = SeenKeys(upsert_by)

    # -- preparing --------------------------------------------------------------------------
    def plan(self, source: SourceRecord) -> _Pending:
        """Key and depth of a record (its body is built when its batch comes); a record
        that could not be read, or whose key came before in the file, is an error row."""
        pending = _Pending(source)
        if source.error:
            pending.key = source.key
            pending.result = self._error(pending, source.error)
            return pending
        data = source.data
        pending.old_id = str(data["Id"]) if data.get("Id") not in (None, "") else None
        leaf = data.get("DisplayName") or data.get("Name")
        parent = data.get("ParentRef") or {}
        parent_name = parent.get("name") if isinstance(parent, dict) else None
        full = data.get("FullyQualifiedName")
        if self.upsert_by == "Name":
            if parent_name and leaf:
                pending.key = f"{_strip(str(parent_name))}:{_strip(str(leaf))}"
            elif leaf:
                pending.key = _strip(str(leaf)) if not full else _strip(str(full))
        elif self.upsert_by == "RefNumber":
            pending.key = str(data["DocNumber"]) if data.get("DocNumber") else None
        elif self.upsert_by == "ID":
            pending.key = pending.old_id
        if self.upsert_by != "none" and pending.key is None:
            what = {"Name": "a name", "RefNumber": "a DocNumber", "ID": "an Id"}[self.upsert_by]
            pending.result = self._error(pending, f"the record has no key: {what} is needed "
                                                  f"to upsert by {self.upsert_by}")
        else:
            again = self.seen.again(pending.key, source.label)
            if again is not None:
                pending.result = self._error(pending, again)
        level = data.get("Level")
        if isinstance(level, int):
            pending.depth = level
        elif isinstance(full, str):
            pending.depth = full.count(":")
        else:
            pending.depth = str(pending.key or "").count(":") if self.upsert_by == "Name" \
                else int(bool(parent_name))
        return pending

    def _build(self, pending: _Pending) -> None:
        data = _portable(self.entity, pending.source.data, self.upsert_by == "ID")
        self.lookup.used = set()
        try:
            pending.body = self.builder.build(data)
        except (QBError, ValidationError, ValueError) as exc:   # this record's own problem
            pending.result = self._error(pending, str(exc))
        pending.reactivate = set(self.lookup.used)

    def _error(self, pending: _Pending, message: str, status: int | None = None) -> RowResult:
        return RowResult(pending.source.label, "error", self.entity, pending.key,
                         status_code=status, message=message)

    # -- looking up -------------------------------------------------------------------------
    def _lookup(self, chunk: list[_Pending]) -> None:
        keys = sorted({p.key for p in chunk if p.key and p.result is None})
        if not keys or self.upsert_by == "none":
            return
        filters: dict[str, Any] = {}
        if "Active" in self.collection.spec.filterable:
            filters["active"] = "all"
        if self.upsert_by == "Name":
            assert self.name_property is not None
            names = keys + [k + DELETED_SUFFIX for k in keys]
            filters["where"] = [(self.name_property, "IN", names)]
            field_name = self.name_property
        elif self.upsert_by == "RefNumber":
            filters["ref_numbers"] = keys
            field_name = "DocNumber"
        else:
            filters["ids"] = keys
            field_name = "Id"
        found: dict[str, list[QBORecord]] = {}
        for record in self.collection.query(**filters):
            value = _strip(str(record.get(field_name) or "")).lower()
            found.setdefault(value, []).append(record)
        for pending in chunk:
            if pending.key is None or pending.result is not None:
                continue
            matches = found.get(pending.key.lower(), [])
            if len(matches) > 1:
                pending.result = self._error(
                    pending, f"{len(matches)} {self.entity} records have {field_name} "
                    f"{pending.key!r}; make it unique or use --upsert-by ID")
            elif matches:
                pending.current = matches[0]

    # -- sending ----------------------------------------------------------------------------
    def run_safely(self, chunk: list[_Pending]) -> None:
        """Run a chunk; a connection that fails (after its retries) marks the chunk's
        records not sent and stops the import."""
        try:
            self.run_chunk(chunk)
        except TransportError as exc:
            for pending in chunk:
                if pending.result is None:
                    pending.result = self._error(pending, f"not sent: {exc}")
            self.stopped = True

    def run_chunk(self, chunk: list[_Pending]) -> None:
        if self.stopped:
            for pending in chunk:
                if pending.result is None:
                    pending.result = self._error(pending, "not sent: an earlier record failed "
                                                          "and the import stops on errors")
            return
        for pending in chunk:
            if pending.result is None:
                self._build(pending)
        self._lookup(chunk)
        batch = self.connection.batch("continueOnError")
        operations = getattr(batch, self.entity)
        queued = []
        for pending in chunk:
            if pending.result is not None:
                continue
            current = pending.current
            if current is None:
                operation, body = "add", pending.body
            else:
                body = changed_fields(pending.body, current)
                if not body:
                    pending.result = RowResult(pending.source.label, "skip", self.entity,
                                               pending.key, current.id, current.sync_token, 0,
                                               "unchanged")
                    continue
                operation = "modify"
            if self.dry_run:
                pending.result = RowResult(pending.source.label, operation, self.entity,
                                           pending.key, current.id if current else None,
                                           message="dry run: not sent")
                continue
            outcome = operations.add(body) if operation == "add" else \
                operations.modify(current, body)
            queued.append((operation, pending, outcome))
        if not queued:
            return
        wanted = sorted({r for _, pending, _ in queued for r in pending.reactivate})
        try:
            active = self._set_active(wanted, True)
            batch.run()
        except TransportError as exc:
            for _, pending, _ in queued:
                pending.result = self._error(pending, f"not sent: {exc}")
            self.stopped = True
            return
        finally:
            if wanted:
                self._set_active(wanted, False, active)
        for operation, pending, outcome in queued:
            pending.result = self._outcome(operation, pending, outcome)
            if pending.reactivate and pending.result.operation != "error":
                names = ", ".join(f"{e} {self.lookup.records[(e, i)].get('DisplayName') or ''}"
                                  .strip() for e, i in sorted(pending.reactivate))
                pending.result.message = (f"OK; {names} made active for the time of the "
                                          "import (QBO refuses references to inactive "
                                          "records), inactive again after")

    def _set_active(self, records: list[tuple[str, str]], active: bool,
                    current: dict[tuple[str, str], Any] | None = None) -> dict:
        """Make records active (before a batch that refers to them) or inactive again."""
        if not records:
            return {}
        batch = self.connection.batch("continueOnError")
        queued = {}
        for entity, record_id in records:
            base = (current or {}).get((entity, record_id)) or \
                self.lookup.records[(entity, record_id)]
            queued[(entity, record_id)] = getattr(batch, entity).modify(base, active=active)
        batch.run()
        done = {}
        for key, outcome in queued.items():
            if outcome.error is not None:
                log.warning("could not make %s %s %s: %s", key[0], key[1],
                            "active" if active else "inactive", outcome.error)
            elif outcome.records:
                done[key] = outcome.records[0]
        return done

    def _outcome(self, operation: str, pending: _Pending, outcome: Any) -> RowResult:
        if outcome.error is not None:
            if self.on_error == "stopOnError":
                self.stopped = True
            return RowResult(pending.source.label, "error", self.entity, pending.key,
                             pending.current.id if pending.current else None,
                             status_code=outcome.status_code,
                             message=f"{operation}: {outcome.error}")
        record = outcome.records[0] if outcome.records else None
        return RowResult(pending.source.label, operation, self.entity, pending.key,
                         record.id if record is not None else None,
                         record.sync_token if record is not None else None, 0, "OK")

    def chunks(self, pendings: list[_Pending]) -> list[list[_Pending]]:
        """Batches: at most ``batch_size``; a new one at each new depth (parents are created
        before their children are built). A key is in the file once (``plan``)."""
        out: list[list[_Pending]] = []
        chunk: list[_Pending] = []
        depth = None
        for pending in pendings:
            if chunk and (len(chunk) >= self.batch_size or pending.depth != depth):
                out.append(chunk)
                chunk = []
            chunk.append(pending)
            depth = pending.depth
        if chunk:
            out.append(chunk)
        return out

    def preload(self, records: list[SourceRecord]) -> None:
        """Read the lists the records name, once, when there are many records."""
        if len(records) < PRELOAD_AFTER:
            return
        wanted: set[str] = set()

        def visit(value: Any, key: str = "") -> None:
            if isinstance(value, dict):
                if key.endswith("Ref") and "name" in value and "value" not in value:
                    target = self.entity if key in SELF_REFS else spec.ref_target(key)
                    if target and key not in VALUE_REFS:
                        wanted.add(target)
                    return
                for k, v in value.items():
                    visit(v, k)
            elif isinstance(value, list):
                for v in value:
                    visit(v, key)

        for record in records[:200]:
            visit(_portable(self.entity, record.data, False))
        for entity in sorted(wanted):
            self.connection.references.preload(entity)


def import_file(connection: QBOConnection, type_name: str, source: str | Path, *,
                mapping: str | Path | ImportMapping | None = None, upsert_by: str | None = None,
                on_error: str = "continueOnError", batch_size: int = BATCH_LIMIT,
                results: str | Path | None = None, dry_run: bool = False,
                progress: Progress | None = None) -> ImportSummary:
    """Import ``source`` (CSV or JSONL, from either edition) as ``type_name`` records."""
    began = time.monotonic()
    collection = connection.collection(type_name)
    if "add" not in collection.operations():
        raise ValueError(f"QuickBooks Online cannot add {collection.type_name} records")
    loaded = load_mapping(mapping) if isinstance(mapping, str | Path) else mapping
    if loaded is not None and loaded.type and \
            connection.collection(loaded.type).type_name != collection.type_name:
        raise ValueError(f"the mapping is for {loaded.type}, not {collection.type_name}")
    key = upsert_by or (loaded.upsert_by if loaded is not None else None) or \
        default_upsert_key(collection)
    _check_key(collection, key)
    read = read_records(source, collection.type_name, loaded)
    importer = QBOImporter(connection, collection, key, on_error, batch_size, dry_run)
    pendings = [importer.plan(record) for record in read.records]
    pendings.sort(key=lambda p: p.depth)              # parents first (a stable sort)
    summary = ImportSummary(collection.type_name, str(source), key,
                            other_types=len(read.skipped),
                            results_file=str(results) if results is not None else None)
    writer = ResultsWriter(results) if results is not None else None
    if progress is not None:
        progress.start(collection.type_name, len(pendings))

    def runs() -> Iterator[tuple[ImportSummary, QBOImporter, list[list[_Pending]]]]:
        importer.preload([p.source for p in pendings if p.result is None])
        yield summary, importer, importer.chunks(pendings)

    try:
        Reporter(writer, progress).each([(p.source, summary) for p in pendings], runs())
    finally:
        if progress is not None:
            progress.finish()
        if writer is not None:
            writer.close()
    summary.dropped_fields = sorted(read.dropped)
    summary.seconds = time.monotonic() - began
    return summary
