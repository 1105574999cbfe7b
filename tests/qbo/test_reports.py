"""Reports on QuickBooks Online through the same ``qb.report()`` and ``qbconnector report``
as Desktop: the same names, parameters and Report shape, against the double on loopback."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import qbconnector
from qbconnector.api.records.reports import Report, ReportError, ReportRow
from qbconnector.cli.main import cli
from qbconnector.sandbox import create_company
from tests.qbo.conftest import NAME, seed

YEAR = {"start_date": date(2026, 1, 1), "end_date": date(2026, 12, 31)}


def test_profit_and_loss_by_either_name(online):
    seed(online, customers=2, invoices=3)
    report = online.report("ProfitAndLoss", **YEAR)
    assert isinstance(report, Report) and report.name == "ProfitAndLoss"
    assert all(isinstance(row, ReportRow) for row in report)
    # 3 invoices: Consulting 1, 2, 3 hours at 120.00 and 2 x Hardware at 15.50 each.
    assert report.total("Income") == Decimal("720.00") + 3 * Decimal("31.00")
    assert report.total("NetIncome") == report.total("Income")
    desktop_named = online.report("ProfitAndLossStandard", **YEAR)
    assert desktop_named.rows == report.rows


def test_the_same_report_has_the_same_shape_on_both_editions(online, tmp_path: Path):
    seed(online, customers=1, invoices=1)
    company = create_company(tmp_path / "desktop.qbdb", sample="small")
    with qbconnector.connect(company) as desktop:
        for name in ("ProfitAndLoss", "BalanceSheet", "TrialBalance"):
            ours = desktop.report(name, end_date=date(2024, 12, 31))
            theirs = online.report(name, **YEAR)
            for report in (ours, theirs):
                assert type(report) is Report
                assert report.header["ReportBasis"] == "Accrual"
                assert {row.kind for row in report} <= {"Section", "Data", "Summary"}
                assert report.rows and all(len(row.cells) <= len(report.columns)
                                           for row in report)
                amounts = [cell for row in report for cell in row.cells[1:]
                           if cell is not None]
                assert amounts and all(isinstance(cell, Decimal) for cell in amounts)
                json.dumps(report.to_dict())
            assert ours.total("NetIncome") is not None or name != "ProfitAndLoss"
            assert theirs.total("NetIncome") is not None or name != "ProfitAndLoss"


def test_online_refuses_what_it_does_not_have_before_sending(online, monkeypatch):
    sent: list[str] = []
    real_get = online.session.get
    monkeypatch.setattr(online.session, "get",
                        lambda path, *a, **k: sent.append(path) or real_get(path, *a, **k))
    refused = [("InventoryStockStatusByItem", {},
                "no report corresponding to Desktop's 'InventoryStockStatusByItem'"),
               ("ProfitAndLos", {}, "did you mean ProfitAndLoss"),
               ("ProfitAndLoss", {"start": "2026-01-01"}, "did you mean start_date"),
               ("ProfitAndLoss", {"end_date": "31/12/2026"}, "is not a date"),
               ("ProfitAndLoss", {"accounting_method": "both"}, "Accrual or Cash")]
    for name, params, said in refused:
        with pytest.raises(ReportError, match=said):
            online.report(name, **params)
    assert sent == []
    assert online.report("TrialBalance").rows is not None
    assert sent == ["reports/TrialBalance"]


def test_desktop_style_macro_on_online(online):
    seed(online, customers=1, invoices=1)
    ours = online.report("ProfitAndLoss", date_macro="ThisYearToDate")
    theirs = online.report("ProfitAndLoss", date_macro="this year-to-date")
    # The same report: every header field alike but Time, when each was made (the two calls
    # may fall on either side of a second).
    assert ours.header.keys() == theirs.header.keys() and "StartPeriod" in ours.header
    assert {k: v for k, v in ours.header.items() if k != "Time"} == \
        {k: v for k, v in theirs.header.items() if k != "Time"}


def test_cli_report_on_online(online, tmp_path: Path):
    seed(online, customers=1, invoices=2)
    name = NAME                    # the connection the ``online`` fixture saved
    result = CliRunner().invoke(cli, ["report", "ProfitAndLoss", "--connection", name,
                                      "--from", "2026-01-01", "--to", "2026-12-31",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == online.report("ProfitAndLoss", **YEAR).to_dict()
    refused = CliRunner().invoke(cli, ["report", "InventoryStockStatusByItem",
                                       "--connection", name])
    assert refused.exit_code == 2 and "no report corresponding" in refused.output
