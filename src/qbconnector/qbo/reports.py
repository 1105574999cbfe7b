"""Reports: ``qb.report("ProfitAndLoss", start_date=..., end_date=...)``, typed rows.

QBO's report JSON (header, columns, nested sections of rows) becomes the
:class:`~qbconnector.api.records.reports.Report` Desktop's reports become too: the header as a
dict, the column titles and types, and rows flattened in reading order — each with its kind
(``Data``, ``Section`` header, ``Summary``), its depth, its ``group``, and its cells typed by
column type (``Money`` as Decimal). Desktop's report names are read too where QBO has the same
report (``ProfitAndLossStandard`` is ``ProfitAndLoss``, ``ARAgingSummary`` is
``AgedReceivables``...); names and parameters QBO does not have fail before anything is sent.

Parameters take Python values: ``start_date``/``end_date`` (dates), ``accounting_method``
(``"Accrual"`` or ``"Cash"``), ``date_macro`` (QBO's text, ``"this month"``), and
``customer``/``vendor``/``item`` by name or Id.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from qbconnector.api.records.reports import (
    DESKTOP_TO_ONLINE,
    ONLINE_PARAMETERS,
    Report,
    ReportError,
    ReportRow,
    as_date,
    basis,
    check_parameters,
    online_macro,
    online_name,
)

if TYPE_CHECKING:
    from qbconnector.qbo.connection import QBOConnection

# Kept for callers of the earlier name: Desktop's report names -> Online's.
DESKTOP_NAMES = DESKTOP_TO_ONLINE
_PARTIES = {"customer": "Customer", "vendor": "Vendor", "item": "Item"}


def _typed(value: Any, kind: str) -> Any:
    if value in (None, ""):
        return None
    if kind == "Money" or kind.endswith("Money"):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return value


def _walk(rows: Any, depth: int, types: list[str], out: list[ReportRow]) -> None:
    for row in (rows or {}).get("Row") or []:
        group = row.get("group")
        if "Header" in row:
            out.append(ReportRow("Section", depth, group, _cells(row["Header"], types)))
        if "ColData" in row:
            out.append(ReportRow("Data", depth, group, _cells(row, types)))
        if "Rows" in row:
            _walk(row["Rows"], depth + 1, types, out)
        if "Summary" in row:
            out.append(ReportRow("Summary", depth, group, _cells(row["Summary"], types)))


def _cells(holder: dict[str, Any], types: list[str]) -> tuple[Any, ...]:
    data = holder.get("ColData") or []
    return tuple(_typed(cell.get("value"), types[i] if i < len(types) else "")
                 for i, cell in enumerate(data))


def run_report(connection: QBOConnection, name: str, **params: Any) -> Report:
    """Run report ``name`` (QBO's or Desktop's name) with keyword parameters."""
    real = online_name(name)
    check_parameters(params, ONLINE_PARAMETERS, "QuickBooks Online")
    query: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if key in ("start_date", "end_date"):
            value = as_date(key, value)
        elif key == "accounting_method":
            value = basis(value)
        elif key == "date_macro":
            value = online_macro(value)
        if key in _PARTIES:
            value = value if str(value).isdigit() else \
                connection.references.ref_id(_PARTIES[key], str(value))
        elif isinstance(value, date):
            value = value.isoformat()
        elif not isinstance(value, str | int | Decimal):
            raise ReportError(f"report parameter {key}: {value!r} is not a date, text or "
                              "number")
        query[key] = str(value)
    data = connection.session.get(f"reports/{real}", query, operation="report", entity=real)
    columns = [(c.get("ColTitle", ""), c.get("ColType", ""))
               for c in (data.get("Columns") or {}).get("Column") or []]
    report = Report(real, dict(data.get("Header") or {}), columns)
    _walk(data.get("Rows"), 0, [t for _, t in columns], report.rows)
    return report


__all__ = ["DESKTOP_NAMES", "Report", "ReportRow", "run_report"]
