"""The rows of an import, shared by both editions' imports (Desktop's
:mod:`qbconnector.api.transfer.importing`, QuickBooks Online's :mod:`qbconnector.qbo.importing`):
one result row per source record, the summary's counts, the results file, keys a file gives
twice, and the :class:`Reporter` that runs an importer's chunks and still writes every
record's row when the run stops."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from qbconnector.api.transfer.progress import Progress
from qbconnector.api.transfer.sources import SourceRecord

RESULT_COLUMNS = ("source_row", "operation", "type", "key", "id", "edit_sequence",
                  "status_code", "message")


@dataclass
class RowResult:
    """What happened to one source record."""

    source_row: str
    operation: str                 # add | modify | skip | error
    type: str
    key: str | None = None
    id: str | None = None
    edit_sequence: str | None = None
    status_code: int | None = None
    message: str = ""


@dataclass
class ImportSummary:
    """Counts of an import, ready for JSON (``--summary-json``)."""

    type_name: str
    source: str
    upsert_by: str
    rows: int = 0
    added: int = 0
    modified: int = 0
    skipped: int = 0
    errors: int = 0
    other_types: int = 0
    dropped_fields: list[str] = field(default_factory=list)
    custom_fields_written: int = 0        # DataExtAdd/Mod sent (values new or changed)
    custom_fields_not_imported: int = 0   # records whose custom fields could not be written
    created: list[str] = field(default_factory=list)     # referenced lists created first
    results_file: str | None = None
    seconds: float = 0.0

    def count(self, result: RowResult) -> None:
        self.rows += 1
        attribute = {"add": "added", "modify": "modified", "skip": "skipped"}.get(
            result.operation, "errors")
        setattr(self, attribute, getattr(self, attribute) + 1)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


class ResultsWriter:
    """Rows of results to a CSV or JSONL file, written as they come."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._jsonl = self.path.suffix.lower() == ".jsonl"
        if not self._jsonl and self.path.suffix.lower() != ".csv":
            raise ValueError(f"{path}: the results file is .csv or .jsonl")
        self._file: IO[str] = open(self.path, "w", encoding="utf-8",  # noqa: SIM115
                                   newline="")
        self._csv = None if self._jsonl else csv.writer(self._file)
        if self._csv is not None:
            self._csv.writerow(RESULT_COLUMNS)

    def write(self, result: RowResult) -> None:
        row = asdict(result)
        if self._csv is not None:
            self._csv.writerow(["" if row[c] is None else row[c] for c in RESULT_COLUMNS])
        else:
            self._file.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._file.close()


class SeenKeys:
    """The keys a file has given so far: a record whose key came before is reported, not
    applied twice (for either edition's import)."""

    def __init__(self, upsert_by: str) -> None:
        self.upsert_by = upsert_by
        self._seen: dict[str, str] = {}          # key (folded) -> source row

    def again(self, key: str | None, label: str) -> str | None:
        """Why the record of row ``label`` is not applied, when ``key`` came before (else
        None, and the key is remembered)."""
        if key is None:
            return None
        folded = key.lower()
        if folded in self._seen:
            name = {"Name": "the name", "RefNumber": "the RefNumber", "ID": "the ID"}.get(
                self.upsert_by, "the key")
            return f"the file has {name} {key!r} already (row {self._seen[folded]}): not " \
                "applied twice"
        self._seen[folded] = label
        return None


class RowImporter(Protocol):
    """What :class:`Reporter` runs: an edition's importer (Desktop's :class:`Importer`,
    QuickBooks Online's), whose chunks are records on their way (``.source``, ``.result``)."""

    def run_safely(self, chunk: list[Any]) -> None: ...


class Reporter:
    """The pipeline both editions' imports share after reading: runs each chunk, counts and
    writes the row of every source record as it is done; when the run stops (an exception,
    Ctrl+C), the records not done yet still get their rows."""

    def __init__(self, writer: ResultsWriter | None, progress: Progress | None) -> None:
        self.writer = writer
        self.progress = progress
        self.done: set[int] = set()

    def report(self, summary: ImportSummary, source: SourceRecord, result: RowResult) -> None:
        summary.count(result)
        if self.writer is not None:
            self.writer.write(result)
        self.done.add(id(source))
        if self.progress is not None:
            self.progress.advance(1)

    def each(self, records: list[tuple[SourceRecord, ImportSummary]],
             runs: Iterable[tuple[ImportSummary, RowImporter, Iterable[list[Any]]]]) -> None:
        """Run the chunks of each (summary, importer, chunks) and report their records;
        ``records`` lists every source record with the summary it belongs to."""
        try:
            for summary, importer, chunks in runs:
                for chunk in chunks:
                    importer.run_safely(chunk)
                    for pending in chunk:
                        assert pending.result is not None
                        self.report(summary, pending.source, pending.result)
        except BaseException as exc:
            reason = f"not sent: the import stopped ({type(exc).__name__}: {exc})"
            for source, summary in records:
                if id(source) not in self.done:
                    self.report(summary, source, RowResult(
                        source.label, "error", summary.type_name, source.key,
                        message=reason))
            raise
