"""Flat, typed tables of QuickBooks Online entities, for the export sinks (CSV, Parquet, SQL)
and for reading such files back — the same :class:`~qbconnector.api.transfer.tables.TypeTables`
Desktop's types get, derived from QBO's entity spec instead of qbXML's.

A record table (``customer``, ``invoice``) has one column per field in spec order: objects are
flattened with prefixes (``BillAddr.City`` -> ``bill_addr_city``), a reference gives two
columns (``customer_ref_value``, ``customer_ref_name``), anything that repeats
(``LinkedTxn``, ``CustomField``, ``OtherAddr``) is kept as JSON text. Lines go to a line
table (``invoice_line``): ``txn_id`` (the record's Id), ``line_no``, and the line's fields
with the detail objects the entity's lines use flattened beside them
(``sales_item_line_detail_item_ref_value``). Money columns are exact decimals with two places,
prices and quantities with five; dates and times are typed.
"""

from __future__ import annotations

from functools import cache

from qbconnector.api.records.record import snake
from qbconnector.api.transfer.tables import JSON, Column, Table, TypeTables
from qbconnector.qbo.collections import kind_of
from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.values import MONEY_FIELDS

#: Line detail objects each entity's lines carry (others are not flattened).
LINE_DETAILS = {
    "sales": ("SalesItemLineDetail", "DiscountLineDetail", "GroupLineDetail",
              "DescriptionLineDetail", "SubTotalLineDetail"),
    "purchases": ("ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail"),
    "JournalEntry": ("JournalEntryLineDetail",),
    "Deposit": ("DepositLineDetail",),
    "Payment": ("PaymentLineDetail",),
    "BillPayment": ("PaymentLineDetail",),
}
_GROUPS = {"Invoice": "sales", "SalesReceipt": "sales", "Estimate": "sales",
           "CreditMemo": "sales", "RefundReceipt": "sales", "Bill": "purchases",
           "Purchase": "purchases", "VendorCredit": "purchases", "PurchaseOrder": "purchases"}
_DEPTH = 3


def _type(field: spec.Field) -> str:
    kind = field.kind.split(":")[0]
    if kind == "decimal":
        return "AMTTYPE" if field.name in MONEY_FIELDS else "PRICETYPE"
    return {"integer": "INTTYPE", "boolean": "BOOLTYPE", "date": "DATETYPE",
            "datetime": "DATETIMETYPE"}.get(kind, "STRTYPE")


def _columns(type_name: str, prefix: tuple[str, ...], out: dict[str, Column], depth: int,
             skip: tuple[str, ...] = (), details: tuple[str, ...] | None = None) -> None:
    for name, field in spec.type_spec(type_name).fields.items():
        if name in skip or field.object_type == "IntuitAnyType":
            continue
        path = (*prefix, name)
        if field.many:
            _add(out, Column(_name(path), path, JSON))
        elif field.kind == "ref":
            for part in ("value", "name"):
                _add(out, Column(_name((*path, part)), (*path, part), "STRTYPE"))
        elif field.object_type is not None:
            if details is not None and name.endswith("Detail") and name not in details:
                continue
            if depth >= _DEPTH:
                _add(out, Column(_name(path), path, JSON))
            else:
                _columns(field.object_type, path, out, depth + 1)
        else:
            _add(out, Column(_name(path), path, _type(field)))


def _name(path: tuple[str, ...]) -> str:
    return "_".join(snake(p) for p in path)


def _add(out: dict[str, Column], column: Column) -> None:
    name = column.name
    while name in out:
        name += "_"
    out[name] = column if name == column.name else Column(name, column.path, column.type)


@cache
def tables_for(entity: str) -> TypeTables:
    """The record table and (for entities with lines) line table of a QBO entity."""
    target = spec.entity(entity)
    table = snake(entity)
    records: dict[str, Column] = {}
    has_lines = "Line" in target.fields
    _columns(entity, (), records, 0, skip=("Line",) if has_lines else ())
    lines = None
    if has_lines:
        line_columns: dict[str, Column] = {
            "txn_id": Column("txn_id", ("TxnID",), "STRTYPE"),
            "line_no": Column("line_no", ("LineNo",), "INTTYPE"),
            "line_type": Column("line_type", ("LineType",), "STRTYPE")}
        details = LINE_DETAILS.get(_GROUPS.get(entity, entity))
        _columns("Line", (), line_columns, 1, skip=("CustomField",), details=details)
        lines = Table(f"{table}_line", tuple(line_columns.values()), key=("txn_id", "line_no"),
                      parent_key="txn_id")
    return TypeTables(entity, kind_of(entity), Table(table, tuple(records.values()),
                                                    key=("id",)),
                      lines, ("Line",) if has_lines else (), id_name="Id")
