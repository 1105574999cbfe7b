"""Records to import into QuickBooks Online, read from the files either edition's export
writes (or hand-written ones), in QBO's vocabulary.

- JSONL from QBO's export (``_type`` the entity, QBO's names) is read as it is; JSONL from
  Desktop's export (``_type`` a Desktop type, qbXML names, ListID/TxnID) goes through the
  field mapping of :mod:`qbconnector.qbo.editions`, so ``export`` from a Desktop connection
  and ``import`` into a QBO connection moves records between editions. Lines of other types
  are skipped (counted). Without ``_type``, a record with ListID/TxnID/EditSequence is
  Desktop's.
- CSV written by QBO's export (columns ``id``, ``display_name``, ``bill_addr_city``..., lines
  from ``<stem>.<entity>_line.csv``) is read with QBO's tables; CSV written by Desktop's
  export (``list_id``/``txn_id`` columns) with Desktop's tables, then mapped.
- With a mapping file, its rules build each record (field names in QBO's vocabulary,
  ``[lines]`` into ``Line``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qbconnector.api.transfer.mapping import ImportMapping
from qbconnector.api.transfer.sources import SourceError, SourceRecord, read_source
from qbconnector.qbo.editions import ONLINE_OF, NoCounterpart, looks_desktop, to_online
from qbconnector.qbo.tables import tables_for

DESKTOP_CSV_COLUMNS = ("list_id", "txn_id", "edit_sequence")
#: The Desktop type of a Desktop CSV file for each entity (items: by the file's name).
DESKTOP_DEFAULT = {"Customer": "Customer", "Vendor": "Vendor", "Account": "Account",
                   "Invoice": "Invoice", "Item": "ItemService"}


@dataclass
class Read:
    """What a source gave: records (QBO vocabulary), lines skipped, fields not carried."""

    records: list[SourceRecord] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)
    from_desktop: int = 0


def _desktop_record(read: Read, label: str, desktop_type: str, entity: str,
                    data: dict[str, Any]) -> SourceRecord:
    try:
        mapped_entity, mapped, dropped = to_online(desktop_type, data)
    except NoCounterpart as exc:
        return SourceRecord(label, {}, str(exc))
    if mapped_entity != entity:
        return SourceRecord(label, {}, f"a Desktop {desktop_type} record becomes a QBO "
                                       f"{mapped_entity}, not a {entity}")
    read.dropped.update(f"{desktop_type}.{name}" for name in dropped)
    read.from_desktop += 1
    return SourceRecord(label, mapped)


def _jsonl(path: Path, entity: str, read: Read) -> None:
    with open(path, encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            label = str(number)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                read.records.append(SourceRecord(label, {}, f"not JSON: {exc}"))
                continue
            if not isinstance(obj, dict):
                read.records.append(SourceRecord(label, {}, "not a JSON object"))
                continue
            kind = obj.pop("_type", None)
            if kind is not None and kind != entity and ONLINE_OF.get(kind) != entity:
                read.skipped.append(number)
                continue
            if (kind is not None and kind != entity) or looks_desktop(obj):
                desktop_type = kind or DESKTOP_DEFAULT.get(entity, entity)
                read.records.append(_desktop_record(read, label, desktop_type, entity, obj))
            else:
                read.records.append(SourceRecord(label, obj))


def _csv_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f), [])


def _desktop_csv_type(path: Path, entity: str) -> str:
    if entity != "Item":
        return DESKTOP_DEFAULT.get(entity, entity)
    stem = path.stem.lower()
    for marker, desktop_type in (("non_invent", "ItemNonInventory"),
                                 ("inventor", "ItemInventory"),
                                 ("other_charge", "ItemOtherCharge")):
        if marker in stem:
            return desktop_type
    return "ItemService"


def read_records(path: str | Path, entity: str, mapping: ImportMapping | None = None) -> Read:
    """Every record for ``entity`` in a CSV or JSONL file, in QBO's vocabulary."""
    path = Path(path)
    read = Read()
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise SourceError(f"{path}: import reads .csv and .jsonl files")
    if not path.is_file():
        raise SourceError(f"no such file: {path}")
    if mapping is not None:
        read.records = read_source(path, entity, mapping, read.skipped, tables_for(entity))
        return read
    if suffix == ".jsonl":
        _jsonl(path, entity, read)
        return read
    header = _csv_header(path)
    if not header:
        raise SourceError(f"{path}: no header row")
    if any(column in header for column in DESKTOP_CSV_COLUMNS):
        desktop_type = _desktop_csv_type(path, entity)
        for record in read_source(path, desktop_type):
            read.records.append(record if record.error else _desktop_record(
                read, record.label, desktop_type, entity, record.data))
        return read
    read.records = read_source(path, entity, None, read.skipped, tables_for(entity))
    return read
