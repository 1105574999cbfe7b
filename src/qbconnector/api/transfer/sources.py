"""Import sources: CSV and JSONL files read into records of one type.

Without a mapping file a source is read the way ``export`` writes:

- JSONL: one record per line, qbXML (or snake_case) names, lines nested; a ``_type`` member
  other than the imported type skips the line, so one export file serves every type. A line
  of QuickBooks Online's export (QBO's names, a SyncToken) is read through the field mapping
  between editions (:mod:`qbconnector.qbo.editions`): customers, vendors, items, accounts
  and invoices move from Online to Desktop this way.
- CSV: columns named like the export's (``bill_address_city``), or qbXML paths
  (``BillAddress/City``), or top-level names (``Name``); values converted by the spec's type.
  Line items come from the line table written beside it (``invoices.invoice_line.csv`` for
  ``invoices.csv``), joined by ``txn_id``.

With a mapping file (:mod:`qbconnector.api.transfer.mapping`) every record is built by its rules;
``[lines] group_by`` joins the CSV rows of one record.
"""

from __future__ import annotations

import csv
import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbconnector.api.transfer.mapping import ImportMapping, MappingError
from qbconnector.api.transfer.tables import JSON, Table, TypeTables, tables_for, unflatten
from qbconnector.errors import QBConnectorError
from qbconnector.qbxml.values import parse_value

FORMATS = (".csv", ".jsonl")


class SourceError(QBConnectorError, ValueError):
    """A source file that cannot be read at all."""


@dataclass
class SourceRecord:
    """One record to import: where it came from, its data, or why it could not be read (then
    ``key`` is what the source says its key is, when that can be told)."""

    label: str
    data: dict[str, Any]
    error: str | None = None
    key: str | None = None


_KEY_COLUMNS = ("fullname", "name", "refnumber",                    # Desktop's names
                "fullyqualifiedname", "displayname", "docnumber")    # QuickBooks Online's


def key_hint(row: Mapping[str, Any]) -> str | None:
    """The name or RefNumber a raw row carries, for reporting a row that could not be read."""
    found = {str(k).replace("_", "").lower(): v for k, v in row.items() if k}
    for column in _KEY_COLUMNS:
        value = found.get(column)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _cell(text: str, kind: str) -> Any:
    if text == "":
        return None
    if kind == JSON:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    if kind == "BOOLTYPE":
        return parse_value(text.strip().lower(), kind)
    return parse_value(text, kind)


def _columns(header: list[str], table: Table) -> dict[str, tuple[tuple[str, ...], str]]:
    """CSV header -> (qbXML path, value type) for flat export names and qbXML paths."""
    out = {}
    by_path = {c.path: c for c in table.columns}
    for name in header:
        column = table.by_name.get(name)
        if column is not None:
            out[name] = (column.path, column.type)
            continue
        path = tuple(p for p in name.replace(".", "/").split("/") if p)
        known = by_path.get(path)
        out[name] = (path, known.type if known else "STRTYPE")
    return out


def _nested(row: Mapping[str, str], columns: dict[str, tuple[tuple[str, ...], str]]
            ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, text in row.items():
        if name is None or name not in columns or text is None:
            continue
        path, kind = columns[name]
        try:
            value = _cell(text, kind)
        except ValueError as exc:         # the codec's ValueFormatError too
            raise SourceError(f"column {name!r}: {exc}") from None
        if value is None or not path:
            continue
        target = out
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
    return out


def line_file(path: Path, tables: TypeTables) -> Path | None:
    """The line table export wrote beside ``path``, if there is one."""
    if tables.lines is None:
        return None
    name = tables.lines.name
    stem = path.stem
    candidates = [path.with_name(f"{stem}.{name}{path.suffix}")]
    if stem.endswith("." + tables.records.name):
        prefix = stem[: -len(tables.records.name) - 1]
        candidates.append(path.with_name(f"{prefix}.{name}{path.suffix}"))
    return next((c for c in candidates if c.exists()), None)


def _read_lines(path: Path, tables: TypeTables) -> dict[str, list[tuple[int, str, dict]]]:
    assert tables.lines is not None
    lines: dict[str, list[tuple[int, str, dict]]] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        kinds = {c.name: c.type for c in tables.lines.columns}
        for row in reader:
            typed = {k: _cell(v or "", kinds.get(k, "STRTYPE")) for k, v in row.items() if k}
            txn_id = typed.pop("txn_id", None)
            number = typed.pop("line_no", None) or 0
            element = typed.pop("line_type", None) or tables.line_elements[0]
            data = unflatten(typed, tables.lines)
            lines.setdefault(str(txn_id), []).append((int(number), element, data))
    return lines


def _label(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return str(numbers[0])
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}-{numbers[-1]}"
    return ",".join(str(n) for n in numbers)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") \
            from None


def csv_header(path: Path) -> list[str]:
    """The header row of a CSV file."""
    for _, header in _csv_records(_text(path)):
        if isinstance(header, list) and header:
            return header
        break
    raise SourceError(f"{path}: no header row")


def _csv_records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """(first line number, cells) per CSV record; a record whose quote is never closed (or
    is otherwise malformed) is (line, reason), and reading goes on at the next line instead
    of taking the rest of the file into one cell."""
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines):
        reader = csv.reader(lines[start:], strict=True)
        began = start
        try:
            for cells in reader:
                yield began + 1, cells
                began = start + reader.line_num
            return
        except csv.Error as exc:
            reason = "a quote opened in this row is never closed" if "end of data" in \
                str(exc) or "EOF" in str(exc) else f"not CSV: {exc}"
            yield began + 1, reason
            start = began + 1


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(data row number, {column: text}) per row; a row that cannot be read whole has the
    reason under ``_error`` (and what could be read): ragged rows (more or fewer cells than
    the header) are reported, never padded or cut."""
    records = _csv_records(_text(path))
    header: list[str] | None = None
    for _, cells in records:
        if isinstance(cells, list) and cells:
            header = cells
            break
        if isinstance(cells, str):
            raise SourceError(f"{path}: the header row cannot be read: {cells}")
    if not header:
        raise SourceError(f"{path}: no header row")
    number = 0
    for line, cells in records:
        if isinstance(cells, list) and not cells:
            continue                                   # a blank line
        number += 1
        if isinstance(cells, str):
            yield number, {"_error": f"line {line}: {cells}"}
        elif len(cells) != len(header):
            partial = dict(zip(header, cells, strict=False))
            yield number, {**partial, "_error": (
                f"line {line}: {len(cells)} cells where the header has {len(header)}: the "
                "row is not imported (fix the row's commas or quotes)")}
        else:
            yield number, dict(zip(header, cells, strict=True))


def _jsonl_rows(path: Path, type_name: str, skipped: list[int]
                ) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, {"_error": f"not JSON: {exc}"}
                continue
            if not isinstance(obj, dict):
                yield number, {"_error": "not a JSON object"}
                continue
            kind = obj.get("_type")
            if kind is not None and "SyncToken" in obj and "EditSequence" not in obj:
                kind, obj = _from_online(kind, obj)     # a QuickBooks Online export's record
            if kind is not None and kind != type_name:
                skipped.append(number)
                continue
            yield number, obj


def _from_online(entity: str, obj: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """A QuickBooks Online record as Desktop data, through the editions' field mapping
    (:mod:`qbconnector.qbo.editions`); records with no Desktop counterpart are skipped."""
    from qbconnector.qbo.editions import NoCounterpart, to_desktop

    try:
        kind, data, _ = to_desktop(entity, obj)
    except NoCounterpart:
        return "", obj
    return kind, data


def read_source(path: str | Path, type_name: str, mapping: ImportMapping | None = None,
                skipped: list[int] | None = None, tables: TypeTables | None = None
                ) -> list[SourceRecord]:
    """Every record of ``type_name`` in a CSV or JSONL file (lines of other types skipped
    are counted in ``skipped``); ``tables`` are the type's flat tables when they are not
    Desktop's (QuickBooks Online's, for its CSV files)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise SourceError(f"{path}: import reads .csv and .jsonl files")
    if not path.is_file():
        raise SourceError(f"no such file: {path}")
    tables = tables or tables_for(type_name)
    skipped = skipped if skipped is not None else []
    if mapping is not None:
        return _mapped(path, suffix, tables, mapping, skipped)
    if suffix == ".jsonl":
        return [SourceRecord(str(n), {}, obj["_error"]) if "_error" in obj
                else SourceRecord(str(n), obj) for n, obj in _jsonl_rows(path, type_name,
                                                                         skipped)]
    records = []
    columns = _columns(csv_header(path), tables.records)
    lines_path = line_file(path, tables)
    lines = _read_lines(lines_path, tables) if lines_path else {}
    for number, row in _csv_rows(path):
        if "_error" in row:
            records.append(SourceRecord(str(number), {}, row["_error"], key_hint(row)))
            continue
        try:
            data = _nested(row, columns)
        except SourceError as exc:
            records.append(SourceRecord(str(number), {}, str(exc), key_hint(row)))
            continue
        if lines:
            own = sorted(lines.get(str(data.get(tables.id_field)), []), key=lambda x: x[0])
            for _, element, line in own:
                data.setdefault(element, []).append(line)
        records.append(SourceRecord(str(number), data))
    return records


def _mapped(path: Path, suffix: str, tables: TypeTables, mapping: ImportMapping,
            skipped: list[int]) -> list[SourceRecord]:
    line_element = None
    if tables.line_elements:
        line_element = tables.line_elements[0].replace("Ret", "Add")
    rows: list[tuple[int, dict[str, Any]]] = list(
        _csv_rows(path) if suffix == ".csv" else _jsonl_rows(path, tables.type_name, skipped))
    if suffix == ".csv":
        check_columns(mapping, csv_header(path), path)
    groups: list[list[tuple[int, dict[str, Any]]]] = []
    group_by = mapping.lines.group_by if mapping.lines is not None else None
    if group_by is not None:
        if suffix != ".csv":
            raise SourceError("[lines] group_by joins CSV rows; for JSONL use source = "
                              "\"<member with the lines>\"")

        index: dict[str, int] = {}
        for number, row in rows:
            key = str(row.get(group_by) or "").strip()
            if key not in index:
                index[key] = len(groups)
                groups.append([])
            groups[index[key]].append((number, row))
    else:
        groups = [[item] for item in rows]
    records = []
    for group in groups:
        label = _label([n for n, _ in group])
        broken = [row for _, row in group if "_error" in row]
        if broken:
            records.append(SourceRecord(label, {}, broken[0]["_error"],
                                        mapping.key_of(broken[0])))
            continue
        try:
            records.append(SourceRecord(label, mapping.record([r for _, r in group],
                                                              line_element)))
        except MappingError as exc:
            records.append(SourceRecord(label, {}, str(exc), mapping.key_of(group[0][1])))
    return records


def check_columns(mapping: ImportMapping, header: list[str], path: Path) -> None:
    """Refuse, before anything is sent, a mapping that names columns the file does not
    have (with the likeliest meant)."""
    missing = [c for c in mapping.columns() if c not in header]
    if not missing:
        return
    problems = []
    for column in missing:
        close = difflib.get_close_matches(column, header, n=1, cutoff=0.5)
        problems.append(f"{column!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise MappingError(f"{mapping.path or 'the mapping'} names column(s) {path.name} does "
                       f"not have: {', '.join(problems)}; its columns are: "
                       f"{', '.join(header)}")
