"""Reports, one shape for Desktop and Online: ``qb.report("ProfitAndLoss", start_date=...)``.

A :class:`Report` has a header (a dict), the columns as ``(title, type)`` pairs and
:attr:`Report.rows` in reading order — each a :class:`ReportRow` with its kind (``Data``,
``Section`` for a heading, ``Summary`` for a total), its depth, its group and its cells typed
(money and amounts as Decimal, dates as dates). Both editions take both names where a report
exists in both (``ProfitAndLossStandard`` on Desktop is ``ProfitAndLoss`` on Online) and the
same parameters: ``start_date``/``end_date`` (dates), ``date_macro`` (``"this month"`` or
Desktop's ``ThisMonth``), ``accounting_method`` (``"Accrual"``/``"Cash"``) and
``customer``/``vendor``/``item`` by name or ID. A name or parameter the edition does not have
fails before anything is sent.

On Desktop, :func:`run_desktop_report` sends the qbXML report query the name belongs to
(GeneralSummary, GeneralDetail, Aging, Job, Time, Budget, Payroll) and reads the ReportRet.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from qbconnector.api.records.collections import check
from qbconnector.api.records.filters import ID_PATTERN
from qbconnector.errors import ValidationError
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import Message, snake

if TYPE_CHECKING:
    from qbconnector.api.records.connection import Connection

# Desktop's name -> Online's name, for the reports both editions have.
DESKTOP_TO_ONLINE = {
    "ProfitAndLossStandard": "ProfitAndLoss", "ProfitAndLossDetail": "ProfitAndLossDetail",
    "BalanceSheetStandard": "BalanceSheet", "TrialBalance": "TrialBalance",
    "GeneralLedger": "GeneralLedger", "Journal": "JournalReport",
    "ARAgingSummary": "AgedReceivables", "ARAgingDetail": "AgedReceivableDetail",
    "APAgingSummary": "AgedPayables", "APAgingDetail": "AgedPayableDetail",
    "CustomerBalanceSummary": "CustomerBalance", "CustomerBalanceDetail": "CustomerBalanceDetail",
    "VendorBalanceSummary": "VendorBalance", "VendorBalanceDetail": "VendorBalanceDetail",
    "SalesByCustomerSummary": "CustomerSales", "SalesByItemSummary": "ItemSales",
    "IncomeByCustomerSummary": "CustomerIncome", "ExpenseByVendorSummary": "VendorExpenses",
    "InventoryValuationSummary": "InventoryValuationSummary",
    "InventoryValuationDetail": "InventoryValuationDetail", "TxnListByDate": "TransactionList",
    "TxnListByCustomer": "TransactionListByCustomer",
    "TxnListByVendor": "TransactionListByVendor",
}
ONLINE_TO_DESKTOP = {online: desktop for desktop, online in DESKTOP_TO_ONLINE.items()}
# The reports Intuit's Accounting API serves (its documented list).
ONLINE_REPORTS = tuple(sorted({
    "AccountList", "AgedPayableDetail", "AgedPayables", "AgedReceivableDetail",
    "AgedReceivables", "BalanceSheet", "CashFlow", "ClassSales", "CustomerBalance",
    "CustomerBalanceDetail", "CustomerIncome", "CustomerSales", "DepartmentSales",
    "GeneralLedger", "InventoryValuationDetail", "InventoryValuationSummary", "ItemSales",
    "JournalReport", "ProfitAndLoss", "ProfitAndLossDetail", "TaxSummary", "TransactionList",
    "TransactionListByCustomer", "TransactionListByVendor", "TransactionListWithSplits",
    "TrialBalance", "VendorBalance", "VendorBalanceDetail", "VendorExpenses"}))
# The parameters both editions take, and those only Online takes.
COMMON_PARAMETERS = ("start_date", "end_date", "date_macro", "accounting_method", "customer",
                     "vendor", "item")
ONLINE_PARAMETERS = COMMON_PARAMETERS + (
    "summarize_column_by", "columns", "sort_by", "sort_order", "department", "account",
    "report_date", "aging_period", "num_periods", "past_due", "term", "payment_method",
    "qzurl", "minorversion")
# qbXML's report queries, each with the element naming its report type.
_DESKTOP_QUERIES = ("GeneralSummaryReportQuery", "GeneralDetailReportQuery", "AgingReportQuery",
                    "JobReportQuery", "TimeReportQuery", "BudgetSummaryReportQuery",
                    "PayrollSummaryReportQuery", "PayrollDetailReportQuery")
_ROW_TAGS = ("TextRow", "DataRow", "SubtotalRow", "TotalRow")
_NUMBER_TYPES = ("AMTTYPE", "PRICETYPE", "QUANTYPE", "PERCENTTYPE")


class ReportError(ValidationError):
    """A report name or parameter the edition does not have (nothing was sent)."""


@dataclass(frozen=True)
class ReportRow:
    """One row: ``kind`` Data, Section (a heading) or Summary (a total); ``cells`` typed,
    one per column."""

    kind: str
    depth: int
    group: str | None
    cells: tuple[Any, ...]

    @property
    def label(self) -> Any:
        return self.cells[0] if self.cells else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (Decimal as text, dates ISO 8601)."""
        return {"kind": self.kind, "depth": self.depth, "group": self.group,
                "cells": [_json(cell) for cell in self.cells]}


@dataclass
class Report:
    """A report as QuickBooks computed it."""

    name: str
    header: dict[str, Any]
    columns: list[tuple[str, str]]            # (title, type)
    rows: list[ReportRow] = field(default_factory=list)

    def __iter__(self) -> Iterator[ReportRow]:
        return iter(self.rows)

    def total(self, group: str) -> Any:
        """The last cell of the summary row of section ``group`` (``"Income"``,
        ``"NetIncome"``), or None."""
        for row in self.rows:
            if row.kind == "Summary" and row.group == group:
                return row.cells[-1] if row.cells else None
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy: name, header, columns and rows."""
        return {"name": self.name, "header": {k: _json(v) for k, v in self.header.items()},
                "columns": [{"title": title, "type": kind} for title, kind in self.columns],
                "rows": [row.to_dict() for row in self.rows]}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(close) + "?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"it has: {shown}"


# -- the parameters, checked the same way for both editions ------------------------------------

def check_parameters(params: dict[str, Any], allowed: tuple[str, ...] | list[str],
                     edition: str) -> None:
    """Refuse a parameter the edition does not take, naming the likeliest meant."""
    for key in params:
        if key not in allowed:
            raise ReportError(f"{edition} reports take no parameter {key!r} "
                              f"({_did_you_mean(key, list(allowed))})")


def _as_date(key: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ReportError(f"report parameter {key}: {value!r} is not a date "
                          "(YYYY-MM-DD)") from None


def online_macro(value: Any) -> str:
    """Online's words for a date macro given in Desktop's style (``ThisMonthToDate`` →
    ``this month-to-date``); Online's own words pass unchanged."""
    text = str(value)
    if " " in text or not re.fullmatch(r"[A-Za-z]+", text):
        return text
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()
    return words.replace(" to date", "-to-date")


def as_date(key: str, value: Any) -> date:
    """A report date parameter as a date, or a ReportError saying what was wrong."""
    return _as_date(key, value)


def basis(value: Any) -> str:
    """``Accrual`` or ``Cash`` (any case), or a ReportError."""
    return _basis(value)


def _basis(value: Any) -> str:
    text = str(value).strip().capitalize()
    if text not in ("Accrual", "Cash"):
        raise ReportError(f"report parameter accounting_method: {value!r} is not Accrual or "
                          "Cash")
    return text


# -- Desktop --------------------------------------------------------------------------------------

def desktop_reports() -> dict[str, str]:
    """Every report name qbXML has, with the query that runs it."""
    spec = specmod.load()
    names: dict[str, str] = {}
    for query in _DESKTOP_QUERIES:
        message = spec.message(query + "Rq")
        type_element = message.child(query.replace("Query", "Type"))
        for name in (type_element.enum if type_element is not None else None) or ():
            names.setdefault(name, query)
    return names


def desktop_name(name: str) -> str:
    """Desktop's name for ``name`` (either edition's), or a ReportError naming those it has."""
    known = desktop_reports()
    if name in known:
        return name
    if name in ONLINE_TO_DESKTOP:
        return ONLINE_TO_DESKTOP[name]
    raise ReportError(f"QuickBooks Desktop has no report {name!r} "
                      f"({_did_you_mean(name, sorted({*known, *ONLINE_TO_DESKTOP}))})")


def online_name(name: str) -> str:
    """Online's name for ``name`` (either edition's), or a ReportError naming those it has."""
    if name in ONLINE_REPORTS:
        return name
    if name in DESKTOP_TO_ONLINE:
        return DESKTOP_TO_ONLINE[name]
    if name in desktop_reports():
        raise ReportError(f"QuickBooks Online has no report corresponding to Desktop's "
                          f"{name!r}; it has: {', '.join(ONLINE_REPORTS)}")
    raise ReportError(f"QuickBooks Online has no report {name!r} "
                      f"({_did_you_mean(name, sorted({*ONLINE_REPORTS, *DESKTOP_TO_ONLINE}))})")


_MACROS_CACHE: dict[str, str] = {}


def _desktop_macro(value: Any, enum: tuple[str, ...]) -> str:
    """Desktop's ReportDateMacro for Online's words ("this month-to-date") or its own."""
    if not _MACROS_CACHE:
        _MACROS_CACHE.update({re.sub(r"[^a-z]", "", m.lower()): m for m in enum})
    key = re.sub(r"[^a-z]", "", str(value).lower())
    found = _MACROS_CACHE.get(key) or _MACROS_CACHE.get(key.replace("calendar", ""))
    if not found:
        raise ReportError(f"report parameter date_macro: {value!r} is not a date macro "
                          f"({_did_you_mean(str(value), list(enum))})")
    return found


def desktop_request(name: str, **params: Any) -> Message:
    """The qbXML message that runs report ``name`` with ``params`` (checked before sending)."""
    real = desktop_name(name)
    query = desktop_reports()[real]
    message = specmod.load().message(query + "Rq")
    children = {snake(n): n for n in message.child_names()}
    own = [k for k in children if not k.endswith("_report_type")]
    check_parameters(params, [*COMMON_PARAMETERS, *own], "QuickBooks Desktop")
    data: dict[str, Any] = {query.replace("Query", "Type"): real}
    start, end = params.pop("start_date", None), params.pop("end_date", None)
    if start is not None or end is not None:
        period: dict[str, Any] = {}
        if start is not None:
            period["FromReportDate"] = _as_date("start_date", start)
        if end is not None:
            period["ToReportDate"] = _as_date("end_date", end)
        if "ReportPeriod" not in message.child_names():
            raise ReportError(f"Desktop's {real} takes no report period")
        data["ReportPeriod"] = period
    macro = params.pop("date_macro", None)
    if macro is not None:
        element = message.child("ReportDateMacro")
        data["ReportDateMacro"] = _desktop_macro(macro, element.enum if element else ())
    basis = params.pop("accounting_method", None)
    if basis is not None:
        if "ReportBasis" not in message.child_names():
            raise ReportError(f"Desktop's {real} has no accounting_method (report basis)")
        data["ReportBasis"] = _basis(basis)
    for party, element in (("customer", "ReportEntityFilter"), ("vendor", "ReportEntityFilter"),
                           ("item", "ReportItemFilter")):
        value = params.pop(party, None)
        if value is None:
            continue
        if element not in message.child_names():
            raise ReportError(f"Desktop's {real} takes no {party} filter")
        key = "ListID" if ID_PATTERN.match(str(value)) else "FullName"
        data[element] = {key: str(value)}
    for key, value in params.items():            # Desktop's own, by their snake_case name
        if value is not None:
            data[children[key]] = value
    return Message(query, data)


def run_desktop_report(connection: Connection, name: str, **params: Any) -> Report:
    """Run report ``name`` (Desktop's or Online's name) on a Desktop connection."""
    message = desktop_request(name, **params)
    response = check(connection.send([message])[0], message.name + "Rq")
    return read_report_ret(message.data[next(iter(message.data))],
                           response.records[0] if response.records else None)


def _desktop_typed(text: Any, data_type: str) -> Any:
    if text in (None, ""):
        return None
    if data_type in _NUMBER_TYPES:
        try:
            return Decimal(str(text).replace(",", "").rstrip("%"))
        except InvalidOperation:
            return text
    if data_type == "INTTYPE":
        try:
            return int(text)
        except ValueError:
            return text
    if data_type == "DATETYPE":
        try:
            return date.fromisoformat(str(text)[:10])
        except ValueError:
            return text
    return text


def _group(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def read_report_ret(name: str, ret: Any) -> Report:
    """A :class:`Report` from a parsed ReportRet: rows in rowNumber order, headings opening a
    section (their depth), totals closing it."""
    if ret is None:
        return Report(name, {"ReportName": name}, [])
    header = {"ReportName": name}
    for key in ("ReportTitle", "ReportSubtitle", "ReportBasis"):
        if ret.get(key) is not None:
            header[key] = ret.get(key)
    descs = ret.get("ColDesc") or []
    descs = descs if isinstance(descs, list) else [descs]
    columns: list[tuple[str, str]] = []
    types: dict[str, tuple[int, str]] = {}
    for position, desc in enumerate(descs):
        titles = desc.get("ColTitle") or []
        titles = titles if isinstance(titles, list) else [titles]
        words = [t.get("@value") for t in titles if t.get("@value")]
        columns.append((" ".join(words), str(desc.get("ColType") or "")))
        types[str(desc.get("@colID"))] = (position, str(desc.get("@dataType") or ""))
    data = ret.get("ReportData") or {}
    found: list[tuple[int, str, Any]] = []
    for tag in _ROW_TAGS:
        rows = data.get(tag) or []
        for row in rows if isinstance(rows, list) else [rows]:
            found.append((int(row.get("@rowNumber") or 0), tag, row))
    found.sort(key=lambda item: item[0])
    report = Report(name, header, columns)
    sections: list[str] = []
    width = len(columns)
    for _, tag, row in found:
        if tag == "TextRow":
            title = str(row.get("@value") or "")
            report.rows.append(ReportRow("Section", len(sections), _group(title),
                                         (title, *([None] * max(width - 1, 0)))))
            sections.append(title)
            continue
        cells: list[Any] = [None] * width
        data_cells = row.get("ColData") or []
        for cell in data_cells if isinstance(data_cells, list) else [data_cells]:
            position, data_type = types.get(str(cell.get("@colID")), (-1, ""))
            if 0 <= position < width:
                cells[position] = _desktop_typed(cell.get("@value"), data_type)
        label = str(cells[0] or "") if cells else ""
        if tag == "DataRow":
            group = _group(sections[-1]) if sections else None
            report.rows.append(ReportRow("Data", len(sections), group, tuple(cells)))
            continue
        # A total: "Total X" and "Net X" close the section they sum; others (Gross Profit)
        # stand between sections at the depth they appear.
        closes = sections and (label.startswith(("Total ", "Net ")) or tag == "TotalRow")
        group = _group(sections.pop()) if closes and label.startswith("Total ") \
            else _group(label)
        if closes and not label.startswith("Total "):
            sections.pop()
        if tag == "TotalRow":
            sections.clear()
        report.rows.append(ReportRow("Summary", len(sections), group, tuple(cells)))
    return report
