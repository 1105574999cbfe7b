"""Export files: JSONL (nested records, lines inline), CSV and Parquet (flat tables).

Every file is written to ``<name>.partial`` and renamed over the old one when it is complete,
so a failed export leaves the earlier file untouched. An incremental export copies the old
file's rows that this run did not replace or delete after the new ones (streaming: memory
holds the IDs of changed records, not the rows).
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import orjson

from qbconnector.api.records.record import underlying
from qbconnector.api.transfer.sinks import Sink, TableHandle, TableSink, table_path
from qbconnector.api.transfer.tables import JSON, Table, TypeTables
from qbconnector.qbxml.jsonify import jsonable
from qbconnector.qbxml.values import parse_datetime

_TYPE_FIRST = re.compile(rb'\{"_type":\s*"([^"\\]*)"')   # how every record line begins


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def cell_text(value: Any) -> str:
    """A value as CSV text: ISO dates, ``true``/``false``, amounts as QuickBooks wrote them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# -- JSONL ------------------------------------------------------------------------------------
class JsonlSink(Sink):
    """One JSON object per record, ``_type`` naming its type, lines nested as QuickBooks
    returns them; deleted records go to ``<stem>.deleted.jsonl``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = str(path)
        self._partial = _partial(path)
        # Binary: records are encoded by orjson straight to UTF-8 (several times faster than
        # json.dumps on the large records of an export, where encoding was a fifth of the time).
        self._file: IO[bytes] | None = open(self._partial, "wb")  # noqa: SIM115
        self._type = ""
        self._id_field = "ListID"
        self._line_elements: tuple[str, ...] = ()
        self._full: set[str] = set()
        self._merged: set[str] = set()
        self._replaced: set[tuple[str, str]] = set()
        self._deleted_path = path.with_name(f"{path.stem}.deleted{path.suffix}")
        self._deleted: list[dict[str, Any]] = []
        self._merge = False

    def begin(self, tables: TypeTables, merge: bool) -> None:
        self._type = tables.type_name
        self._id_field = tables.id_field
        self._line_elements = tables.line_elements
        self._merge = merge
        (self._merged if merge else self._full).add(tables.type_name)

    def write(self, record: Mapping[str, Any]) -> int:
        assert self._file is not None
        raw = underlying(record)             # read as it came: no nested records made
        if getattr(record, "json_ready", False):
            data = raw                       # already what to_dict() would make
        else:
            data = record.to_dict() if hasattr(record, "to_dict") else jsonable(dict(record))
        obj = {"_type": self._type, **data}
        try:
            line = orjson.dumps(obj)
        except orjson.JSONEncodeError:       # what only json can write (an int over 64 bits)
            line = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self._file.write(line + b"\n")
        if self._merge:
            self._replaced.add((self._type, str(raw.get(self._id_field))))
        return sum(len(raw.get(e) or ()) for e in self._line_elements)

    def remove(self, deleted: list[dict[str, Any]]) -> None:
        for row in deleted:
            self._replaced.add((row["type"], row["id"]))
            self._deleted.append(jsonable(row))

    def end(self) -> None:
        pass

    def close(self) -> None:
        assert self._file is not None
        if self.path.exists():
            with open(self.path, "rb") as old:
                for line in old:
                    head = _TYPE_FIRST.match(line)     # a type this run wrote whole: no parse
                    if head and head.group(1).decode("utf-8", "replace") in self._full:
                        continue
                    if line.strip() and self._keep(json.loads(line)):
                        self._file.write(line if line.endswith(b"\n") else line + b"\n")
        self._file.close()
        self._file = None
        os.replace(self._partial, self.path)
        if self._deleted:
            self._write_deleted()

    def _keep(self, obj: dict[str, Any]) -> bool:
        kind = obj.get("_type", "")
        if kind in self._full:
            return False
        record_id = obj.get("ListID") or obj.get("TxnID") or obj.get("Id")
        return (kind, record_id) not in self._replaced

    def _write_deleted(self) -> None:
        partial = _partial(self._deleted_path)
        seen = {(row["type"], row["id"]) for row in self._deleted}
        with open(partial, "w", encoding="utf-8") as out:
            for row in self._deleted:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if self._deleted_path.exists():
                with open(self._deleted_path, encoding="utf-8") as old:
                    for line in old:
                        if not line.strip():
                            continue
                        row = json.loads(line)
                        if (row.get("type"), row.get("id")) not in seen:
                            out.write(line if line.endswith("\n") else line + "\n")
        os.replace(partial, self._deleted_path)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._partial.unlink(missing_ok=True)

    def tables_written(self) -> list[str]:
        return [str(self.path)] + ([str(self._deleted_path)] if self._deleted else [])


# -- CSV --------------------------------------------------------------------------------------
class _CsvHandle(TableHandle):
    def __init__(self, path: Path, table: Table, match: tuple[str, ...], merge: bool) -> None:
        super().__init__(table, match, merge)
        self.path = path
        self.partial = _partial(path)
        self._file: IO[str] | None = open(self.partial, "w", encoding="utf-8",  # noqa: SIM115
                                          newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(table.column_names)
        self._names = table.column_names
        self._drop: set[tuple[str, ...]] = set()

    def append(self, rows: list[dict[str, Any]], keys: list[tuple[Any, ...]]) -> None:
        for row in rows:
            self._writer.writerow([cell_text(row.get(name)) for name in self._names])
        if self.merge:
            self._drop.update(tuple(str(k) for k in key) for key in keys)

    def remove(self, keys: list[tuple[Any, ...]]) -> None:
        self._drop.update(tuple(str(k) for k in key) for key in keys)

    def commit(self) -> None:
        assert self._file is not None
        if self.merge and self.path.exists():
            with open(self.path, encoding="utf-8", newline="") as old:
                for row in csv.DictReader(old):
                    if tuple(row.get(c) or "" for c in self.match) in self._drop:
                        continue
                    self._writer.writerow([row.get(name) or "" for name in self._names])
        self._file.close()
        self._file = None
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.partial.unlink(missing_ok=True)


class CsvSink(TableSink):
    """One CSV file per table, a header row of the spec's columns."""

    def __init__(self, path: Path, main: str | None) -> None:
        super().__init__()
        self.path = path
        self.main = main
        self.description = str(path)

    def location(self, table: Table) -> str:
        return str(table_path(self.path, table, self.main))

    def open_table(self, table: Table, match: tuple[str, ...], merge: bool) -> TableHandle:
        return _CsvHandle(table_path(self.path, table, self.main), table, match, merge)


# -- Parquet ----------------------------------------------------------------------------------
def _arrow() -> tuple[Any, Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("Parquet export needs pyarrow: pip install 'qbconnector[export]'") \
            from None
    return pa, pc, pq


_SCALES = {"AMTTYPE": (18, 2), "PRICETYPE": (20, 5), "QUANTYPE": (20, 5),
           "PERCENTTYPE": (20, 5)}


def arrow_schema(table: Table) -> Any:
    """The Parquet schema of a table: decimals, dates, UTC timestamps, booleans, integers."""
    pa, _, _ = _arrow()
    fields = []
    for column in table.columns:
        if column.type in _SCALES:
            kind = pa.decimal128(*_SCALES[column.type])
        elif column.type == "FLOATTYPE":
            kind = pa.float64()
        elif column.type == "INTTYPE":
            kind = pa.int64()
        elif column.type == "BOOLTYPE":
            kind = pa.bool_()
        elif column.type == "DATETYPE":
            kind = pa.date32()
        elif column.type == "DATETIMETYPE":
            kind = pa.timestamp("s", tz="UTC")
        else:
            kind = pa.string()
        fields.append(pa.field(column.name, kind))
    return pa.schema(fields)


def _arrow_value(value: Any, kind: str) -> Any:
    """A row value in the form pyarrow takes for the column's type (None if it cannot be)."""
    if value is None or value == "":
        return None
    try:
        if kind in _SCALES:
            return Decimal(str(value)).quantize(Decimal(1).scaleb(-_SCALES[kind][1]))
        if kind == "FLOATTYPE":
            return float(value)
        if kind == "INTTYPE":
            return int(value)
        if kind == "BOOLTYPE":
            return value if isinstance(value, bool) else str(value).lower() in ("true", "1")
        if kind == "DATETYPE":
            return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        if kind == "DATETIMETYPE":
            moment = value if isinstance(value, datetime) else parse_datetime(str(value))
            if not isinstance(moment, datetime):
                moment = datetime(moment.year, moment.month, moment.day)
            return moment.astimezone(UTC) if moment.tzinfo else \
                moment.replace(tzinfo=UTC)
    except (ValueError, InvalidOperation, TypeError):
        return None
    if kind == JSON:
        return value if isinstance(value, str) else json.dumps(jsonable(value))
    return str(value)


class _ParquetHandle(TableHandle):
    def __init__(self, path: Path, table: Table, match: tuple[str, ...], merge: bool) -> None:
        super().__init__(table, match, merge)
        pa, _, pq = _arrow()
        self.path = path
        self.partial = _partial(path)
        self.schema = arrow_schema(table)
        self._writer: Any = pq.ParquetWriter(str(self.partial), self.schema)
        self._drop: set[tuple[str, ...]] = set()

    def _batch(self, rows: list[dict[str, Any]]) -> Any:
        pa, _, _ = _arrow()
        arrays = [pa.array([_arrow_value(row.get(c.name), c.type) for row in rows],
                           type=self.schema.field(c.name).type) for c in self.table.columns]
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def append(self, rows: list[dict[str, Any]], keys: list[tuple[Any, ...]]) -> None:
        if rows:
            self._writer.write_table(self._batch(rows))
        if self.merge:
            self._drop.update(tuple(str(k) for k in key) for key in keys)

    def remove(self, keys: list[tuple[Any, ...]]) -> None:
        self._drop.update(tuple(str(k) for k in key) for key in keys)

    def _old_batches(self) -> Iterator[Any]:
        pa, pc, pq = _arrow()
        old = pq.ParquetFile(str(self.path))
        names = set(old.schema_arrow.names)
        for batch in old.iter_batches():
            table = pa.Table.from_batches([batch])
            if self._drop:
                joined = table.column(self.match[0]).cast(pa.string())
                for extra in self.match[1:]:
                    joined = pc.binary_join_element_wise(
                        joined, table.column(extra).cast(pa.string()), "\x1f")
                drop = pa.array(["\x1f".join(k) for k in self._drop], type=pa.string())
                table = table.filter(pc.invert(pc.fill_null(pc.is_in(joined, value_set=drop),
                                                            False)))
            columns = [table.column(f.name).cast(f.type) if f.name in names
                       else pa.nulls(table.num_rows, f.type) for f in self.schema]
            yield pa.Table.from_arrays(columns, schema=self.schema)

    def commit(self) -> None:
        if self.merge and self.path.exists():
            for table in self._old_batches():
                if table.num_rows:
                    self._writer.write_table(table)
        self._writer.close()
        self._writer = None
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.partial.unlink(missing_ok=True)


class ParquetSink(TableSink):
    """One Parquet file per table, typed from the spec (decimals, dates, UTC timestamps)."""

    def __init__(self, path: Path, main: str | None) -> None:
        super().__init__()
        _arrow()
        self.path = path
        self.main = main
        self.description = str(path)

    def location(self, table: Table) -> str:
        return str(table_path(self.path, table, self.main))

    def open_table(self, table: Table, match: tuple[str, ...], merge: bool) -> TableHandle:
        return _ParquetHandle(table_path(self.path, table, self.main), table, match, merge)
