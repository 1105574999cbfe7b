"""Flat, typed tables for records, derived from the spec's ``...Ret`` elements.

Every object type becomes a record table (``invoice``) and, for transactions with lines, a
line table (``invoice_line``). Columns come from the spec, not from the data, so they are the
same on every run: single aggregates are flattened into prefixed columns
(``BillAddress/City`` -> ``bill_address_city``, ``CustomerRef/FullName`` ->
``customer_ref_full_name``); repeating elements that are lines (they carry a ``TxnLineID``)
go to the line table, one row per line, keyed by ``txn_line_id`` and linked by ``txn_id``;
any other repeating element (``LinkedTxn``, ``DataExtRet``, ``AppliedToTxnRet``...) is kept
as JSON text in one column. Deleted records go to the ``deleted`` table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, cached_property
from typing import Any

from qbconnector.api.records.record import snake
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.jsonify import jsonable
from qbconnector.qbxml.spec import UNBOUNDED, Choice, Element

JSON = "JSON"   # column type of repeating data kept as JSON text


@dataclass(frozen=True)
class Column:
    """One column: its flat name, the path of qbXML names it comes from and its value type."""

    name: str
    path: tuple[str, ...]
    type: str          # a spec value type (AMTTYPE, DATETYPE...) or JSON
    maxlen: int = 0


@dataclass(frozen=True)
class Table:
    """A table's name, columns (in schema order) and key column."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    parent_key: str | None = None
    by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({c.name: c for c in self.columns})

    @cached_property
    def column_names(self) -> list[str]:
        """The columns' names in order (one list, made once: read it, do not change it)."""
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class TypeTables:
    """The tables of one object type."""

    type_name: str
    kind: str                          # list | txn
    records: Table
    lines: Table | None
    line_elements: tuple[str, ...]     # InvoiceLineRet, InvoiceLineGroupRet...
    id_name: str = ""                  # the ID field where it is not ListID/TxnID ("Id")

    @property
    def id_field(self) -> str:
        return self.id_name or ("ListID" if self.kind == "list" else "TxnID")


DELETED = Table("deleted", (
    Column("type", ("Type",), "STRTYPE"), Column("id", ("ID",), "IDTYPE"),
    Column("full_name", ("FullName",), "STRTYPE"), Column("ref_number", ("RefNumber",), "STRTYPE"),
    Column("time_created", ("TimeCreated",), "DATETIMETYPE"),
    Column("time_deleted", ("TimeDeleted",), "DATETIMETYPE")), key=("type", "id"))


def table_name(type_name: str) -> str:
    """'SalesOrder' -> 'sales_order'."""
    return snake(type_name)


def _walk(particles: tuple[Element | Choice, ...], repeating: bool = False
          ) -> Iterator[tuple[Element, bool]]:
    """Elements of a content model with whether each may repeat (itself or its OR-group)."""
    for p in particles:
        if isinstance(p, Element):
            yield p, repeating or p.max == UNBOUNDED
        else:
            for branch in p.branches:
                yield from _walk(branch, repeating or p.max == UNBOUNDED)


def is_line(element: Element) -> bool:
    """A line element: a repeating aggregate whose items carry a TxnLineID."""
    return not element.is_leaf and element.child("TxnLineID") is not None


def _columns(element: Element, prefix: tuple[str, ...], out: dict[str, Column],
             lines: list[Element] | None) -> None:
    for child, repeats in _walk(element.children):
        if not child.qbd:
            continue
        path = (*prefix, child.name)
        if repeats and lines is not None and is_line(child):
            lines.append(child)
            continue
        if child.is_leaf and not repeats:
            column = Column("_".join(snake(p) for p in path), path, child.type, child.maxlen)
        elif repeats:
            column = Column("_".join(snake(p) for p in path), path, JSON)
        else:
            _columns(child, path, out, None)
            continue
        name = column.name
        while name in out:
            name += "_"
        out[name] = Column(name, column.path, column.type, column.maxlen) \
            if name != column.name else column


def ret_element(type_name: str) -> Element:
    """The ``<Type>Ret`` element of a type's query response."""
    sp = specmod.load()
    response = sp.messages.get(f"{type_name}QueryRs") or sp.messages.get(f"{type_name}AddRs")
    ret = response.child(f"{type_name}Ret") if response is not None else None
    if ret is None:
        raise KeyError(f"the spec has no {type_name}Ret")
    return ret


@cache
def tables_for(type_name: str) -> TypeTables:
    """The record table and line table of a type, derived from its Ret element."""
    ret = ret_element(type_name)
    kind = "list" if ret.child("ListID") is not None else "txn"
    record_columns: dict[str, Column] = {}
    line_elements: list[Element] = []
    _columns(ret, (), record_columns, line_elements)
    id_column = "list_id" if kind == "list" else "txn_id"
    records = Table(table_name(type_name), tuple(record_columns.values()), key=(id_column,))
    lines = None
    if line_elements:
        line_columns: dict[str, Column] = {
            "txn_id": Column("txn_id", ("TxnID",), "IDTYPE"),
            "line_no": Column("line_no", ("LineNo",), "INTTYPE"),
            "line_type": Column("line_type", ("LineType",), "STRTYPE")}
        for element in line_elements:
            found: dict[str, Column] = {}
            _columns(element, (), found, None)
            for name, column in found.items():
                line_columns.setdefault(name, column)
        lines = Table(f"{records.name}_line", tuple(line_columns.values()),
                      key=("txn_line_id",), parent_key="txn_id")
    return TypeTables(type_name, kind, records, lines, tuple(e.name for e in line_elements))


# -- records <-> rows -------------------------------------------------------------------------
def flatten(record: Mapping[str, Any], tables: TypeTables) -> dict[str, Any]:
    """A record as one row of its record table (every column present, None when empty)."""
    return dict(zip(tables.records.column_names, flatten_values(record, tables), strict=True))


def flatten_values(record: Mapping[str, Any], tables: TypeTables) -> list[Any]:
    """:func:`flatten` as the row's values in column order (for writers that take them so:
    no dict per row, nothing to look up by name again)."""
    table = tables.records
    row: list[Any] = [None] * len(table.columns)
    _fill(record, _path_tree(table), row, frozenset(tables.line_elements), _slots(table))
    return row


def line_rows(record: Mapping[str, Any], tables: TypeTables) -> Iterator[dict[str, Any]]:
    """The rows of a record's lines for its line table, in document order per line type."""
    if tables.lines is None:
        return
    names = tables.lines.column_names
    for values in line_values(record, tables):
        yield dict(zip(names, values, strict=True))


def line_values(record: Mapping[str, Any], tables: TypeTables) -> Iterator[list[Any]]:
    """:func:`line_rows` as each row's values in column order."""
    table = tables.lines
    if table is None:
        return
    tree = _path_tree(table)
    slots = _slots(table)
    width = len(table.columns)
    txn_id = record.get(tables.id_field)
    at_id, at_no, at_type = slots["txn_id"], slots["line_no"], slots["line_type"]
    number = 0
    for element in tables.line_elements:
        for line in record.get(element) or ():
            number += 1
            row: list[Any] = [None] * width
            row[at_id], row[at_no], row[at_type] = txn_id, number, element
            _fill(line, tree, row, _NOTHING, slots)
            yield row


_SLOTS: dict[int, tuple[Table, dict[str, int]]] = {}


def _slots(table: Table) -> dict[str, int]:
    """Each column's index in a row of values (kept per table object, like its tree)."""
    entry = _SLOTS.get(id(table))
    if entry is None or entry[0] is not table:
        entry = _SLOTS[id(table)] = (table, {c.name: i for i, c in enumerate(table.columns)})
    return entry[1]


_NOTHING: frozenset[str] = frozenset()
# Types of values that are never mappings: checked first, as asking the Mapping ABC is slow.
_SCALARS = frozenset({str, int, bool, float, Decimal, date, datetime, timedelta, list,
                      type(None)})
_Tree = dict[str, tuple[Column | None, "dict | None"]]
_TREES: dict[int, tuple[Table, _Tree]] = {}


def _path_tree(table: Table) -> _Tree:
    """The columns as a tree of element names (name -> (column there, names below)), so a
    record is matched to columns one name at a time; kept per table object (hashing a
    table hashes every column, too slow once per record)."""
    entry = _TREES.get(id(table))
    if entry is None or entry[0] is not table:
        tree: _Tree = {}
        for column in table.columns:
            node = tree
            for part in column.path[:-1]:
                here, below = node.get(part, (None, None))
                if below is None:
                    below = {}
                    node[part] = (here, below)
                node = below
            node[column.path[-1]] = (column, node.get(column.path[-1], (None, None))[1])
        entry = (table, tree)
        _TREES[id(table)] = entry
    return entry[1]


_SHORTCUTS: dict[tuple[int, frozenset[str], int],
                 tuple[_Tree, dict[str, int], dict[str, tuple[_Tree, dict[str, int]]]]] = {}


def _shortcuts(tree: _Tree, skip: frozenset[str], slots: dict[str, int]
               ) -> tuple[dict[str, int], dict[str, tuple[_Tree, dict[str, int]]]]:
    """What most keys of a record need, worked out once per tree: the slot (index in the row
    of values) of each plain leaf (``leaves``), and for each aggregate the slots of its plain
    leaves one level down (``refs``: a Ref's ListID and FullName). Trees and slot tables live
    as long as the process (``_TREES``, ``_SLOTS``)."""
    entry = _SHORTCUTS.get((id(tree), skip, id(slots)))
    if entry is None or entry[0] is not tree:
        def plain(node: _Tree) -> dict[str, int]:
            return {key: slots[column.name] for key, (column, _) in node.items()
                    if column is not None and column.type != JSON}
        leaves = {key: slot for key, slot in plain(tree).items() if key not in skip}
        refs = {key: (below, plain(below)) for key, (column, below) in tree.items()
                if column is None and below is not None and key not in skip}
        entry = _SHORTCUTS[(id(tree), skip, id(slots))] = (tree, leaves, refs)
    return entry[1], entry[2]


def _fill(data: Mapping[str, Any], tree: _Tree, row: list[Any], skip: frozenset[str],
          slots: dict[str, int]) -> None:
    """Put a record's values into their columns' slots of ``row`` (``slots``: each column's
    index). Text in a plain column, and text in a Ref's plain columns, go straight in (most
    of a record); anything else takes :func:`_fill_one`, which decides the same for any
    value."""
    leaves, refs = _shortcuts(tree, skip, slots)
    for key, value in data.items():
        kind = type(value)
        if kind is str:
            slot = leaves.get(key)
            if slot is not None:
                row[slot] = value
                continue
        elif kind is dict:
            found = refs.get(key)
            if found is not None:
                below, inner_slots = found
                for inner_key, inner in value.items():
                    slot = inner_slots.get(inner_key)
                    if slot is not None and type(inner) is str:
                        row[slot] = inner
                    else:
                        _fill_one(inner_key, inner, below, row, _NOTHING, slots)
                continue
        _fill_one(key, value, tree, row, skip, slots)


def _fill_one(key: str, value: Any, tree: _Tree, row: list[Any], skip: frozenset[str],
              slots: dict[str, int]) -> None:
    """One value into its column: a leaf's value as it is (repeating data as JSON text), an
    aggregate's values into the columns below it; names outside the Desktop spec (another
    product's fields) and ``skip`` are left out."""
    node = tree.get(key)
    if node is None or key in skip:
        return
    column, below = node
    kind = type(value)
    nested = kind is dict or (kind not in _SCALARS and isinstance(value, Mapping))
    if column is not None:
        if column.type == JSON:
            row[slots[column.name]] = json_text(value)
        elif not nested:
            row[slots[column.name]] = value
    elif below is not None and nested:
        _fill(value, below, row, _NOTHING, slots)


def json_text(value: Any) -> str:
    """Repeating data as a JSON cell. Values kept as QuickBooks' text (dicts, lists, text)
    are written as they are; anything the encoder refuses (Decimal, dates, other mappings)
    is made plain first. Either way the text is the same."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError:
        return json.dumps(jsonable(_plain(value)), ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def unflatten(row: Mapping[str, Any], table: Table) -> dict[str, Any]:
    """A table row back into nested qbXML data (empty cells left out, JSON parsed)."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        column = table.by_name.get(name)
        if column is None or value is None or value == "":
            continue
        if column.type == JSON and isinstance(value, str):
            value = json.loads(value)
        target = out
        for part in column.path[:-1]:
            target = target.setdefault(part, {})
        target[column.path[-1]] = value
    return out
