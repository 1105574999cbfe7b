"""GeneralSummaryReportQuery: profit & loss, balance sheet, trial balance and inventory stock
status by item (stock_status.py) as ReportRet.

The report period comes from ReportPeriod or ReportDateMacro; without either it is the current
fiscal year to date (Intuit's reference says so). Quarter and year macros follow
ReportCalendar: FiscalYear (the default here, like the period default), CalendarYear, or
TaxYear (the company's income tax year). The report is written as QuickBooks writes it —
title, subtitle with the period in words, basis, row and column counts, one ColDesc per
column, then the rows with their attributes — by hand, because the generic renderer writes no
attributes. Only the accrual basis is computed; a cash basis request and the other report
types answer 1030, naming what the sandbox supports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from qbconnector.qbxml.build import escape
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import Context, preference
from qbconnector.sandbox.core.dates import fiscal_year_start, macro_range
from qbconnector.sandbox.core.render import output_text
from qbconnector.sandbox.reports import statements, transaction_query
from qbconnector.sandbox.reports.filters import full_macro, posting_filter
from qbconnector.sandbox.reports.stock_status import stock_status_report

Result = tuple[list[str], dict[str, str], "errors.QBStatus | None"]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
TITLES = {"ProfitAndLossStandard": "Profit & Loss", "BalanceSheetStandard": "Balance Sheet",
          "TrialBalance": "Trial Balance",
          "InventoryStockStatusByItem": "Inventory Stock Status by Item"}
SUPPORTED = tuple(sorted(TITLES))


# -- the period ----------------------------------------------------------------------------------

def _first_month(ctx: Context, calendar: str) -> int:
    if calendar == "CalendarYear":
        return 1
    if calendar == "TaxYear":
        company = json.loads(ctx.store.meta("company", "{}") or "{}")
        name = company.get("FirstMonthIncomeTaxYear", "January")
        return MONTHS.index(name) + 1 if name in MONTHS else 1
    return int(ctx.store.meta("fiscal_first_month", "1") or 1)


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def report_period(ctx: Context, data: dict[str, Any]) -> tuple[date | None, date | None]:
    """The (from, to) dates of the request, inclusive; None where the period is open."""
    today = ctx.store.clock.now().date()
    calendar = data.get("ReportCalendar") or "FiscalYear"
    first_month = _first_month(ctx, calendar)
    macro = data.get("ReportDateMacro")
    if macro:
        return macro_range(full_macro(macro, calendar), today, first_month)
    period = data.get("ReportPeriod")
    if isinstance(period, dict) and (period.get("FromReportDate") or
                                     period.get("ToReportDate")):
        return _as_date(period.get("FromReportDate")), _as_date(period.get("ToReportDate"))
    return fiscal_year_start(today, first_month), today


# -- dates in words ------------------------------------------------------------------------------

def _long(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def _short(day: date, year: bool = True) -> str:
    text = f"{MONTHS[day.month - 1][:3]} {day.day}"
    return f"{text}, {day.year % 100:02d}" if year else text


def _whole_months(since: date, until: date) -> bool:
    return since.day == 1 and (until + timedelta(days=1)).day == 1


def period_subtitle(since: date | None, until: date | None) -> str:
    """The period as QuickBooks words it: "January through June 2024", "February 1 - 7,
    2011", "June 15, 2024"."""
    if since is None:
        return f"Through {_long(until)}" if until is not None else "All Transactions"
    if until is None:
        return f"From {_long(since)}"
    if since == until:
        return _long(since)
    if _whole_months(since, until):
        first, last = MONTHS[since.month - 1], MONTHS[until.month - 1]
        if (since.year, since.month) == (until.year, until.month):
            return f"{first} {since.year}"
        if since.year == until.year:
            return f"{first} through {last} {until.year}"
        return f"{first} {since.year} through {last} {until.year}"
    if (since.year, since.month) == (until.year, until.month):
        return f"{MONTHS[since.month - 1]} {since.day} - {until.day}, {until.year}"
    if since.year == until.year:
        return f"{MONTHS[since.month - 1]} {since.day} - {_long(until)}"
    return f"{_long(since)} - {_long(until)}"


def period_column(since: date | None, until: date | None) -> str:
    """The amount column's title: "Jan - Jun 24", "Jan 1 - Jun 15, 24", "TOTAL"."""
    if since is None or until is None:
        return "TOTAL"
    if since == until:
        return _short(until)
    if _whole_months(since, until):
        first, last = MONTHS[since.month - 1][:3], MONTHS[until.month - 1][:3]
        if (since.year, since.month) == (until.year, until.month):
            return f"{first} {until.year % 100:02d}"
        if since.year == until.year:
            return f"{first} - {last} {until.year % 100:02d}"
        return f"{first} {since.year % 100:02d} - {last} {until.year % 100:02d}"
    return f"{_short(since, since.year != until.year)} - {_short(until)}"


# -- writing the ReportRet -----------------------------------------------------------------------

Column = tuple[str, str, list[str | None]]      # data type, ColType, one title per title row


def _attrs(**values: str | int | None) -> str:
    return "".join(f' {k}="{escape(str(v))}"' for k, v in values.items() if v is not None)


def report_ret(title: str, subtitle: str, basis: str, columns: list[Column],
               rows: list[statements.Row]) -> str:
    """A ReportRet: label column 1, amounts in the following columns."""
    title_rows = max(len(c[2]) for c in columns)
    out = ["<ReportRet>", f"<ReportTitle>{escape(title)}</ReportTitle>",
           f"<ReportSubtitle>{escape(subtitle)}</ReportSubtitle>",
           f"<ReportBasis>{basis}</ReportBasis>", f"<NumRows>{len(rows)}</NumRows>",
           f"<NumColumns>{len(columns)}</NumColumns>",
           f"<NumColTitleRows>{title_rows}</NumColTitleRows>"]
    for col_id, (data_type, col_type, titles) in enumerate(columns, start=1):
        out.append(f"<ColDesc{_attrs(colID=col_id, dataType=data_type)}>")
        for number in range(1, title_rows + 1):
            value = titles[number - 1] if number <= len(titles) else None
            out.append(f"<ColTitle{_attrs(titleRow=number, value=value or None)} />")
        out.append(f"<ColType>{col_type}</ColType>")
        out.append("</ColDesc>")
    out.append("<ReportData>")
    for number, row in enumerate(rows, start=1):
        if row.kind == "TextRow":
            out.append(f"<TextRow{_attrs(rowNumber=number, value=row.label)} />")
            continue
        out.append(f"<{row.kind}{_attrs(rowNumber=number)}>")
        if row.account is not None:
            out.append(f"<RowData{_attrs(rowType='account', value=row.account)} />")
        out.append(f"<ColData{_attrs(colID=1, value=row.label)} />")
        for col_id in sorted(row.values):
            value = output_text(row.values[col_id], "AMTTYPE")
            out.append(f"<ColData{_attrs(colID=col_id, value=value)} />")
        out.append(f"</{row.kind}>")
    out += ["</ReportData>", "</ReportRet>"]
    return "\n".join(out)


LABEL: Column = ("STRTYPE", "Label", [None])


def _profit_and_loss(ctx: Context, since: date | None, until: date | None,
                     data: dict[str, Any], basis: str) -> str:
    rows, _ = statements.profit_and_loss(ctx, since, until, _return_rows(data),
                                         posting_filter(ctx, data))
    columns = [LABEL, ("AMTTYPE", "Amount", [period_column(since, until)])]
    return report_ret(TITLES["ProfitAndLossStandard"], period_subtitle(since, until), basis,
                      columns, rows)


def _as_of(ctx: Context, until: date | None) -> date:
    """The balance date: the end of the period, or the latest of today and the last posting."""
    if until is not None:
        return until
    last = ctx.db.execute("SELECT MAX(txn_date) FROM postings").fetchone()[0]
    today = ctx.store.clock.now().date()
    return max(today, date.fromisoformat(last)) if last else today


def _balance_sheet(ctx: Context, since: date | None, until: date | None,
                   data: dict[str, Any], basis: str) -> str:
    as_of = _as_of(ctx, until)
    first_month = _first_month(ctx, "FiscalYear")
    rows, _, _ = statements.balance_sheet(ctx, as_of, first_month, _return_rows(data),
                                          posting_filter(ctx, data))
    columns = [LABEL, ("AMTTYPE", "Amount", [_short(as_of)])]
    return report_ret(TITLES["BalanceSheetStandard"], f"As of {_long(as_of)}", basis, columns,
                      rows)


def _trial_balance(ctx: Context, since: date | None, until: date | None,
                   data: dict[str, Any], basis: str) -> str:
    as_of = _as_of(ctx, until)
    first_month = _first_month(ctx, "FiscalYear")
    rows, _, _ = statements.trial_balance(ctx, as_of, first_month, _return_rows(data),
                                          posting_filter(ctx, data))
    heading = _short(as_of)
    columns = [("STRTYPE", "Label", [None, None]), ("AMTTYPE", "Debit", [heading, "Debit"]),
               ("AMTTYPE", "Credit", [heading, "Credit"])]
    return report_ret(TITLES["TrialBalance"], f"As of {_long(as_of)}", basis, columns, rows)


def _stock_status(ctx: Context, since: date | None, until: date | None,
                  data: dict[str, Any], basis: str) -> str:
    return stock_status_report(ctx, since, until, period_subtitle(since, until), basis)


def _return_rows(data: dict[str, Any]) -> str:
    return data.get("ReturnRows") or "ActiveOnly"


BUILDERS: dict[str, Callable[[Context, date | None, date | None, dict[str, Any], str], str]] = {
    "ProfitAndLossStandard": _profit_and_loss,
    "BalanceSheetStandard": _balance_sheet,
    "TrialBalance": _trial_balance,
    "InventoryStockStatusByItem": _stock_status,
}


def general_summary_report(ctx: Context) -> Result:
    """GeneralSummaryReportQueryRq for the supported report types."""
    data = ctx.request.data
    kind = data.get("GeneralSummaryReportType", "")
    if kind not in BUILDERS:
        raise errors.QBStatus(1030, f'The report "{kind}" is not supported by the qbconnector '
                                    f"sandbox; it supports {', '.join(SUPPORTED)}.")
    basis = data.get("ReportBasis") or "None"
    if basis == "None":
        basis = preference(ctx, "ReportsPreferences", "SummaryReportBasis") or "Accrual"
    if basis != "Accrual":
        raise errors.QBStatus(1030, f"{basis} basis reports are not supported by the "
                                    "qbconnector sandbox; it computes accrual basis reports.")
    since, until = report_period(ctx, data)
    return [BUILDERS[kind](ctx, since, until, data, basis)], {}, None


# TransactionQuery, the other cross-type read, is wired in with the reports.
HANDLERS = {"GeneralSummaryReportQueryRq": general_summary_report,
            **transaction_query.HANDLERS}
