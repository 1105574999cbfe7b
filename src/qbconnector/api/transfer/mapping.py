"""Import mapping files (TOML): which source column fills which QuickBooks field, and how.

    type = "Invoice"                       # optional; must agree with the TYPE argument
    upsert_by = "RefNumber"                # optional default for --upsert-by

    [fields]                               # QuickBooks field = source column, or a table
    RefNumber = "Order"
    "CustomerRef/FullName" = "Customer"
    TxnDate = { column = "Date", type = "date", format = "%d/%m/%Y" }
    Memo = { template = "Web order {Order} ({Channel})" }
    IsToBePrinted = { column = "Print", type = "bool", default = false }
    "TermsRef/FullName" = { column = "Terms", map = { "30" = "Net 30", "15" = "Net 15" } }
    "ClassRef/FullName" = { value = "Web" }          # a constant

    [lines]                                # line items (transactions)
    group_by = "Order"                     # CSV: rows with the same Order form one record
    # source = "items"                     # JSONL: the member holding the list of lines
    # element = "InvoiceLineGroupAdd"      # default: the type's line element

    [lines.fields]
    "ItemRef/FullName" = "SKU"
    Quantity = { column = "Qty", type = "decimal" }

Field names are qbXML paths (``BillAddress/City``) or snake_case (``bill_address/city``).
A field entry is a column name, or a table with one of ``column`` (a column; ``a.b`` reaches
into nested JSON), ``value`` (a constant) or ``template`` (text with ``{Column}``
placeholders), and optionally ``type`` (text, decimal, int, bool, date, datetime),
``format`` (strptime pattern for dates), ``map`` (a table of replacements), ``default``
(when the cell is empty) and ``required``. Columns not named are ignored; empty cells set
nothing.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from qbconnector.errors import QBConnectorError

TYPES = ("text", "decimal", "int", "bool", "date", "datetime")
_TRUE = {"true", "yes", "y", "1", "on", "x"}
_FALSE = {"false", "no", "n", "0", "off", ""}
_RULE_KEYS = {"column", "value", "template", "type", "format", "map", "default", "required"}


class MappingError(QBConnectorError, ValueError):
    """A mapping file that cannot be used, or a source value it cannot convert."""


@dataclass
class Rule:
    """How one QuickBooks field gets its value."""

    target: tuple[str, ...]
    column: str | None = None
    value: Any = None
    template: str | None = None
    type: str = "text"
    format: str | None = None
    map: dict[str, Any] = field(default_factory=dict)
    default: Any = None
    required: bool = False

    def source(self, row: Mapping[str, Any]) -> Any:
        if self.template is not None:
            try:
                return self.template.format_map(_Cells(row))
            except (ValueError, IndexError) as exc:
                raise MappingError(f"template {self.template!r}: {exc}") from None
        if self.column is None:
            return self.value
        return lookup(row, self.column)

    def apply(self, row: Mapping[str, Any]) -> Any:
        raw = self.source(row)
        if isinstance(raw, str):
            raw = raw.strip()
        if self.map and raw is not None:
            raw = self.map.get(str(raw), raw)
        if raw is None or raw == "":
            if self.default is not None:
                raw = self.default
            elif self.required:
                raise MappingError(f"{'/'.join(self.target)}: column {self.column!r} is "
                                   "empty and required")
            else:
                return None
        return convert(raw, self.type, self.format, "/".join(self.target))


class _Cells(dict):
    def __init__(self, row: Mapping[str, Any]) -> None:
        super().__init__(row)

    def __missing__(self, key: str) -> str:
        raise MappingError(f"template names column {key!r}, which the source does not have")


def lookup(row: Mapping[str, Any], column: str) -> Any:
    """A column's value; ``a.b`` reaches into nested objects (JSONL) when no column is
    called that."""
    if column in row:
        return row[column]
    value: Any = row
    for part in column.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def convert(raw: Any, kind: str, pattern: str | None, where: str) -> Any:
    """Convert a source value to the mapping's type; errors name the field and value."""
    try:
        if kind == "text":
            return raw if isinstance(raw, str) else str(raw)
        if kind == "decimal":
            return Decimal(str(raw).replace(",", "")) if not isinstance(raw, Decimal) else raw
        if kind == "int":
            return int(str(raw).replace(",", ""))
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            lowered = str(raw).strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError("not true/false")
        if kind == "date":
            if isinstance(raw, date):
                return raw if not isinstance(raw, datetime) else raw.date()
            text = str(raw)
            return datetime.strptime(text, pattern).date() if pattern else \
                date.fromisoformat(text[:10])
        if kind == "datetime":
            if isinstance(raw, datetime):
                return raw
            return datetime.strptime(str(raw), pattern) if pattern else \
                datetime.fromisoformat(str(raw))
    except (ValueError, InvalidOperation, TypeError) as exc:
        shown = f" ({exc})" if str(exc) and "not true/false" not in str(exc) else ""
        raise MappingError(f"{where}: {raw!r} is not a {kind}"
                           + (f" in the form {pattern}" if pattern else "") + shown) from None
    raise MappingError(f"{where}: unknown type {kind!r} (types: {', '.join(TYPES)})")


@dataclass
class LineRules:
    rules: list[Rule]
    group_by: str | None = None
    source: str | None = None
    element: str | None = None


@dataclass
class ImportMapping:
    """A loaded mapping file."""

    rules: list[Rule]
    lines: LineRules | None = None
    type: str | None = None
    upsert_by: str | None = None
    path: str = ""

    def columns(self) -> list[str]:
        """Every source column the mapping reads (rules, templates, lines, group_by)."""
        out: list[str] = []
        rules = [*self.rules, *(self.lines.rules if self.lines is not None else [])]
        for rule in rules:
            if rule.column is not None:
                out.append(rule.column)
            if rule.template is not None:
                out += [name for _, name, _, _ in string.Formatter().parse(rule.template)
                        if name]
        if self.lines is not None and self.lines.group_by:
            out.append(self.lines.group_by)
        return list(dict.fromkeys(out))

    def key_of(self, row: Mapping[str, Any]) -> str | None:
        """The name or RefNumber a row maps to, for reporting a row that failed."""
        for rule in self.rules:
            if rule.target in (("Name",), ("name",), ("RefNumber",), ("ref_number",),
                               ("FullName",)):
                try:
                    value = rule.apply(row)
                except MappingError:
                    return None
                return str(value) if value not in (None, "") else None
        return None

    def record(self, rows: list[Mapping[str, Any]], line_element: str | None) -> dict[str, Any]:
        """Nested qbXML data for one record from its source row(s) (several when grouped)."""
        out: dict[str, Any] = {}
        for rule in self.rules:
            _put(out, rule.target, rule.apply(rows[0]))
        if self.lines is not None:
            element = self.lines.element or line_element
            if element is None:
                raise MappingError("[lines]: this type has no line items")
            if self.lines.source is not None:
                items = lookup(rows[0], self.lines.source) or []
                if not isinstance(items, list):
                    raise MappingError(f"[lines] source {self.lines.source!r} is not a list")
            else:
                items = rows
            lines = []
            for item in items:
                line: dict[str, Any] = {}
                for rule in self.lines.rules:
                    _put(line, rule.target, rule.apply(item))
                if line:
                    lines.append(line)
            if lines:
                out[element] = lines
        return out


def _put(out: dict[str, Any], target: tuple[str, ...], value: Any) -> None:
    if value is None:
        return
    for part in target[:-1]:
        out = out.setdefault(part, {})
    out[target[-1]] = value


def _rule(target: str, spec: Any, where: str) -> Rule:
    path = tuple(p for p in target.replace(".", "/").split("/") if p)
    if not path:
        raise MappingError(f"{where}: empty field name")
    if isinstance(spec, str):
        return Rule(path, column=spec)
    if not isinstance(spec, dict):
        raise MappingError(f"{where}.{target}: give a column name or a table "
                           "{ column = ..., type = ... }")
    unknown = set(spec) - _RULE_KEYS
    if unknown:
        raise MappingError(f"{where}.{target}: unknown key(s) {', '.join(sorted(unknown))} "
                           f"(keys: {', '.join(sorted(_RULE_KEYS))})")
    sources = [k for k in ("column", "value", "template") if k in spec]
    if len(sources) != 1:
        raise MappingError(f"{where}.{target}: give exactly one of column, value, template")
    kind = spec.get("type", "text")
    if kind not in TYPES:
        raise MappingError(f"{where}.{target}: unknown type {kind!r} (types: {', '.join(TYPES)})")
    mapping = spec.get("map", {})
    if not isinstance(mapping, dict):
        raise MappingError(f"{where}.{target}: map must be a table of replacements")
    return Rule(path, column=spec.get("column"), value=spec.get("value"),
                template=spec.get("template"), type=kind, format=spec.get("format"),
                map={str(k): v for k, v in mapping.items()}, default=spec.get("default"),
                required=bool(spec.get("required", False)))


def _rules(table: Any, where: str) -> list[Rule]:
    if not isinstance(table, dict):
        raise MappingError(f"[{where}] must be a table of field = column")
    return [_rule(target, spec, where) for target, spec in table.items()]


def parse_mapping(data: dict[str, Any], where: str = "mapping") -> ImportMapping:
    """A mapping from parsed TOML."""
    unknown = set(data) - {"type", "upsert_by", "fields", "lines"}
    if unknown:
        raise MappingError(f"{where}: unknown section(s) {', '.join(sorted(unknown))} "
                           "(sections: type, upsert_by, [fields], [lines])")
    lines = None
    if "lines" in data:
        section = data["lines"]
        if not isinstance(section, dict):
            raise MappingError(f"{where}: [lines] must be a table")
        extra = set(section) - {"group_by", "source", "element", "fields"}
        if extra:
            raise MappingError(f"{where}: [lines] has unknown key(s) {', '.join(sorted(extra))}")
        if "group_by" in section and "source" in section:
            raise MappingError(f"{where}: [lines] takes group_by (CSV) or source (JSONL), "
                               "not both")
        lines = LineRules(_rules(section.get("fields", {}), "lines.fields"),
                          section.get("group_by"), section.get("source"), section.get("element"))
    return ImportMapping(_rules(data.get("fields", {}), "fields"), lines, data.get("type"),
                    data.get("upsert_by"), where)


def load_mapping(path: str | Path) -> ImportMapping:
    """Read and check a mapping file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: {exc}") from None
    return parse_mapping(data, str(path))
