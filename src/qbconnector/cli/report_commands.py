"""``qbconnector report NAME``: a QuickBooks report (Desktop or Online) as a table, JSON or CSV.

The same names and parameters as ``qb.report()`` (see :mod:`qbconnector.api.records.reports`),
through the same ``--company``/``--url``/``--connection`` options as the record commands.
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import click

from qbconnector.api.records.reports import Report
from qbconnector.cli.connecting import Target, connection_options, open_connection


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        params[key.strip()] = value.strip()
    return params


def _text(value: Any) -> str:
    from qbconnector.api.transfer.sink_files import cell_text
    return cell_text(value)


def write_report(report: Report, fmt: str) -> None:
    """Print a report: a rich table (headings and totals set apart), JSON or CSV."""
    out = sys.stdout
    titles = [title or kind for title, kind in report.columns]
    if fmt == "json":
        out.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(["kind", "depth", "group", *titles])
        for row in report.rows:
            writer.writerow([row.kind, row.depth, row.group or "",
                             *[_text(cell) for cell in row.cells]])
        return
    from rich.console import Console
    from rich.table import Table
    subtitle = report.header.get("ReportSubtitle") or " – ".join(
        str(report.header[k]) for k in ("StartPeriod", "EndPeriod") if report.header.get(k))
    table = Table(*titles, title=str(report.header.get("ReportTitle") or report.name),
                  caption=subtitle or None)
    for row in report.rows:
        cells = [_text(cell) for cell in row.cells]
        cells += [""] * (len(titles) - len(cells))
        if cells:
            cells[0] = "  " * row.depth + cells[0]
        style = "bold" if row.kind != "Data" else None
        table.add_row(*cells[:len(titles)] if titles else cells, style=style)
    if not report.rows:
        click.echo(f"{report.name}: no rows")
        return
    Console(width=None if out.isatty() else 100_000).print(table)


@click.command("report")
@click.argument("name")
@click.option("--from", "start", metavar="DATE", help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last day of the period (YYYY-MM-DD).")
@click.option("--macro", "date_macro", metavar="MACRO",
              help="A date macro instead of --from/--to: ThisMonth, 'this month-to-date', ...")
@click.option("--basis", type=click.Choice(["accrual", "cash"], case_sensitive=False),
              help="Accounting method.")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="Another parameter, e.g. customer=Acme (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@connection_options
def report_cmd(name: str, start: str | None, end: str | None, date_macro: str | None,
               basis: str | None, params: tuple[str, ...], fmt: str, target: Target) -> None:
    """Run report NAME (ProfitAndLoss, BalanceSheet, TrialBalance, ... by Desktop's or
    Online's name) on a Desktop or Online company."""
    options: dict[str, Any] = _params(params)
    for key, value in (("start_date", start), ("end_date", end), ("date_macro", date_macro),
                       ("accounting_method", basis)):
        if value is not None:
            options[key] = value
    with open_connection(target) as qb:
        write_report(qb.report(name, **options), fmt)


def register(cli: click.Group) -> None:
    """Add ``report`` to the top-level group."""
    cli.add_command(report_cmd)
