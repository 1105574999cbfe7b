"""The Inventory Stock Status by Item report (GeneralSummaryReportType
InventoryStockStatusByItem), written the way QuickBooks writes it [085].

Nine columns: the item (a blank-titled label column), Item Description, Pref Vendor, Reorder Pt,
On Hand, Order (suggested reorder), On PO, Next Deliv, Sales/Week. The items of each type
follow a text row naming the type ("Inventory"); an item with subitems opens with a text row of
its name, lists its subitems, then its own figures as "<name> - Other", and closes with a
subtotal row "Total <name>" summing On Hand, On PO and Sales/Week. Empty cells are left out.
A row's RowData carries the item's full name. There is no total per type [085: 6 rows].

Figures: On Hand and On PO as of the end of the period; Order is true when what is on hand and
on order is at or below the reorder point; Next Deliv is the earliest expected date of the
purchase orders still open for the item; Sales/Week is the quantity sold (invoices and sales
receipts less credit memos) in the period divided by its length in weeks. The sandbox's
choices where [085] shows no example: the item description is the sales description, the
assembly group is titled "Inventory Assembly".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from qbconnector.qbxml.build import escape
from qbconnector.sandbox.books.ledger import stock_position
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.render import money, output_text
from qbconnector.sandbox.storage.store import loads

TITLE = "Inventory Stock Status by Item"
GROUPS = (("ItemInventory", "Inventory"), ("ItemInventoryAssembly", "Inventory Assembly"))
COLUMNS = (  # data type, ColType, title
    ("STRTYPE", "Blank", None), ("STRTYPE", "ItemDesc", "Item Description"),
    ("STRTYPE", "ItemVendor", "Pref Vendor"), ("QUANTYPE", "ReorderPoint", "Reorder Pt"),
    ("QUANTYPE", "QuantityOnHand", "On Hand"), ("BOOLTYPE", "SuggestedReorder", "Order"),
    ("QUANTYPE", "QuantityOnOrder", "On PO"), ("DATETYPE", "EarliestReceiptDate", "Next Deliv"),
    ("QUANTYPE", "SalesPerWeek", "Sales/Week"))
TOTALLED = (5, 7, 9)


@dataclass
class _Row:
    kind: str
    label: str
    item: str | None = None
    cells: dict[int, str] = field(default_factory=dict)


def _attrs(**values: Any) -> str:
    return "".join(f' {k}="{escape(str(v))}"' for k, v in values.items() if v is not None)


def _quantity(value: Decimal) -> str:
    return output_text(value, "QUANTYPE")


def _item_cells(ctx: Context, row: Any, doc: dict[str, Any], since: date | None,
                until: date | None) -> tuple[dict[int, str], dict[int, Decimal]]:
    """The cells of one item's own figures, and the numbers a subtotal adds up."""
    until_text = until.isoformat() if until else None
    on_hand, _, on_order, _ = stock_position(ctx, row["id"], until_text)
    on_order = max(on_order, Decimal(0))
    sold = _sold(ctx, row["id"], since, until)
    weeks = Decimal((until - since).days + 1) / 7 if since and until else Decimal(1)
    per_week = (sold / weeks).quantize(Decimal("0.01")) if weeks else Decimal(0)
    cells: dict[int, str] = {}
    if doc.get("SalesDesc"):
        cells[2] = doc["SalesDesc"]
    vendor = (doc.get("PrefVendorRef") or {}).get("FullName")
    if vendor:
        cells[3] = vendor
    reorder = doc.get("ReorderPoint")
    if reorder not in (None, ""):
        cells[4] = _quantity(money(reorder))
    cells[5] = _quantity(on_hand)
    cells[6] = "true" if reorder not in (None, "") and \
        on_hand + on_order <= money(reorder) else "false"
    cells[7] = _quantity(on_order)
    delivery = _next_delivery(ctx, row["id"])
    if delivery:
        cells[8] = delivery
    cells[9] = _quantity(per_week)
    return cells, {5: on_hand, 7: on_order, 9: per_week}


def _sold(ctx: Context, item_id: str, since: date | None, until: date | None) -> Decimal:
    sql = ("SELECT m.quantity FROM stock_moves m JOIN records r ON r.id = m.txn_id "
           "WHERE m.item_id=? AND m.kind='onhand' AND r.type IN "
           "('Invoice', 'SalesReceipt', 'CreditMemo')")
    params: list[Any] = [item_id]
    if since:
        sql += " AND m.txn_date >= ?"
        params.append(since.isoformat())
    if until:
        sql += " AND m.txn_date <= ?"
        params.append(until.isoformat())
    return -sum((Decimal(q) for (q,) in ctx.db.execute(sql, params)), Decimal(0))


def _next_delivery(ctx: Context, item_id: str) -> str | None:
    dates = []
    for (doc_text,) in ctx.db.execute(
            "SELECT r.doc FROM stock_moves m JOIN records r ON r.id = m.txn_id "
            "WHERE m.item_id=? AND m.kind='onorder' AND CAST(m.quantity AS REAL) > 0",
            (item_id,)):
        doc = loads(doc_text)
        expected = doc.get("ExpectedDate") or doc.get("TxnDate")
        if expected:
            dates.append(expected)
    return min(dates) if dates else None


def _rows(ctx: Context, since: date | None, until: date | None) -> list[_Row]:
    out: list[_Row] = []
    for type_name, heading in GROUPS:
        items = ctx.db.execute("SELECT * FROM records WHERE type=? AND is_active=1 "
                               "ORDER BY sort_key", (type_name,)).fetchall()
        if not items:
            continue
        out.append(_Row("TextRow", heading))
        children: dict[str | None, list[Any]] = {}
        for item in items:
            children.setdefault(item["parent_id"], []).append(item)
        ids = {item["id"] for item in items}
        for item in items:
            if item["parent_id"] not in ids:
                _add_item(ctx, item, children, out, since, until)
    return out


def _add_item(ctx: Context, item: Any, children: dict[str | None, list[Any]],
              out: list[_Row], since: date | None, until: date | None) -> dict[int, Decimal]:
    """The rows of one item (and its subitems); returns its totals."""
    doc = loads(item["doc"])
    name, full_name = doc.get("Name", ""), item["full_name"]
    cells, totals = _item_cells(ctx, item, doc, since, until)
    kids = children.get(item["id"], [])
    if not kids:
        out.append(_Row("DataRow", name, full_name, cells))
        return totals
    out.append(_Row("TextRow", name))
    for kid in kids:
        kid_totals = _add_item(ctx, kid, children, out, since, until)
        totals = {k: totals[k] + kid_totals[k] for k in totals}
    out.append(_Row("DataRow", f"{name} - Other", full_name, cells))
    out.append(_Row("SubtotalRow", f"Total {name}", full_name,
                    {k: _quantity(totals[k]) for k in TOTALLED}))
    return totals


def stock_status_report(ctx: Context, since: date | None, until: date | None,
                        subtitle: str, basis: str) -> str:
    """The ReportRet of InventoryStockStatusByItem for the period."""
    rows = _rows(ctx, since, until)
    out = ["<ReportRet>", f"<ReportTitle>{escape(TITLE)}</ReportTitle>",
           f"<ReportSubtitle>{escape(subtitle)}</ReportSubtitle>",
           f"<ReportBasis>{basis}</ReportBasis>", f"<NumRows>{len(rows)}</NumRows>",
           f"<NumColumns>{len(COLUMNS)}</NumColumns>", "<NumColTitleRows>1</NumColTitleRows>"]
    for col_id, (data_type, col_type, title) in enumerate(COLUMNS, start=1):
        out += [f"<ColDesc{_attrs(colID=col_id, dataType=data_type)}>",
                f"<ColTitle{_attrs(titleRow=1, value=title)} />",
                f"<ColType>{col_type}</ColType>", "</ColDesc>"]
    out.append("<ReportData>")
    for number, row in enumerate(rows, start=1):
        if row.kind == "TextRow":
            out.append(f"<TextRow{_attrs(rowNumber=number, value=row.label)} />")
            continue
        out.append(f"<{row.kind}{_attrs(rowNumber=number)}>")
        out.append(f"<RowData{_attrs(rowType='item', value=row.item)} />")
        out.append(f"<ColData{_attrs(colID=1, value=row.label)} />")
        for col_id in sorted(row.cells):
            out.append(f"<ColData{_attrs(colID=col_id, value=row.cells[col_id])} />")
        out.append(f"</{row.kind}>")
    out += ["</ReportData>", "</ReportRet>"]
    return "\n".join(out)
