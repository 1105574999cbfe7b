"""Desktop reports through ``qb.report()`` and ``qbconnector report``: on a small sample
company, directly and through a real connector, with the figures checked against the books
(net income is what the rows add up to, the balance sheet balances, the trial balance's debits
equal its credits) and the unhappy paths named."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import qbconnector
from qbconnector.api.records.reports import Report, ReportError, desktop_request
from qbconnector.cli.main import cli
from qbconnector.sandbox import SandboxSession, create_company

YEAR = {"start_date": date(2024, 1, 1), "end_date": date(2024, 12, 31)}


@pytest.fixture(scope="module")
def sample_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "sample.qbdb"
    create_company(path, sample="small")
    return path


@pytest.fixture
def sample(sample_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sample.qbdb"
    shutil.copyfile(sample_template, path)
    return path


@pytest.fixture
def books(sample: Path, connector, backend):
    """A connection to the small sample, directly or through the remote connector."""
    session = SandboxSession(sample) if backend == "direct" else connector(sample)
    with qbconnector.connect(session) as qb:
        yield qb


def _data_total(report: Report, group: str) -> Decimal:
    """The sum of the data rows under section ``group`` (nested sections included)."""
    total, inside, depth = Decimal(0), False, 0
    for row in report.rows:
        if row.kind == "Section" and row.group == group and not inside:
            inside, depth = True, row.depth
            continue
        if inside and row.kind == "Summary" and row.group == group and row.depth == depth:
            return total
        if inside and row.kind == "Data":
            total += row.cells[-1] or 0
    raise AssertionError(f"no section {group}")


def test_profit_and_loss_adds_up(books):
    report = books.report("ProfitAndLossStandard", **YEAR)
    assert report.name == "ProfitAndLossStandard"
    assert report.header["ReportBasis"] == "Accrual"
    assert report.header["ReportSubtitle"] == "January through December 2024"
    assert report.columns[0][1] == "Label" and report.columns[1][1] == "Amount"
    income, cogs, expense = (report.total(g) for g in ("Income", "CostofGoodsSold", "Expense"))
    assert income == _data_total(report, "Income") and income > 0
    assert expense == _data_total(report, "Expense")
    assert report.total("GrossProfit") == income - cogs
    net = report.total("NetIncome")
    assert net == report.total("NetOrdinaryIncome") + report.total("NetOtherIncome")
    assert report.rows[-1].kind == "Summary" and report.rows[-1].depth == 0
    kinds = {row.kind for row in report}
    assert kinds == {"Section", "Data", "Summary"}
    # Online's name asks for the same report.
    assert books.report("ProfitAndLoss", **YEAR).rows == report.rows


def test_balance_sheet_balances_and_holds_the_years_net_income(books):
    sheet = books.report("BalanceSheet", **YEAR)
    assert sheet.total("TOTALASSETS") == sheet.total("TOTALLIABILITIESEQUITY")
    net_income = next(row.cells[1] for row in sheet if row.label == "Net Income")
    assert net_income == books.report("ProfitAndLoss", **YEAR).total("NetIncome")


def test_trial_balance_debits_equal_credits(books):
    trial = books.report("TrialBalance", end_date="2024-12-31")
    assert [kind for _, kind in trial.columns] == ["Label", "Debit", "Credit"]
    debits = sum(row.cells[1] or 0 for row in trial if row.kind == "Data")
    credits = sum(row.cells[2] or 0 for row in trial if row.kind == "Data")
    total = trial.rows[-1]
    assert total.kind == "Summary" and total.cells[1:] == (debits, credits)
    assert debits == credits > 0


def test_date_macros_in_either_editions_words(books):
    ours = books.report("ProfitAndLoss", date_macro="ThisMonthToDate")
    theirs = books.report("ProfitAndLoss", date_macro="this month-to-date")
    assert ours.header == theirs.header and ours.rows == theirs.rows


def test_report_to_dict_is_json(books):
    data = books.report("TrialBalance", end_date=date(2024, 12, 31)).to_dict()
    text = json.dumps(data)
    assert data["rows"][-1]["cells"][1] == data["rows"][-1]["cells"][2]
    assert '"kind": "Summary"' in text


def test_unknown_names_and_parameters_fail_before_sending(blank_company):
    sent: list[str] = []

    class Watching(SandboxSession):
        def process(self, request: str) -> str:
            sent.append(request)
            return super().process(request)

    refused = [("TrialBalanse", {}, "did you mean TrialBalance"),
               ("ProfitAndLoss", {"start": "2024-01-01"}, "did you mean start_date"),
               ("ProfitAndLoss", {"start_date": "12/01/2024"}, "not a date"),
               ("ProfitAndLoss", {"accounting_method": "cashish"}, "Accrual or Cash"),
               ("ProfitAndLoss", {"date_macro": "the other day"}, "not a date macro"),
               ("ARAgingSummary", {"accounting_method": "Cash"}, "has no accounting_method"),
               ("ProfitAndLossBudgetOverview", {"item": "Labor"}, "takes no item filter")]
    with qbconnector.connect(Watching(blank_company()), version="13.0") as qb:
        for name, params, said in refused:
            with pytest.raises(ReportError, match=said):
                qb.report(name, **params)
    assert sent == []
    assert isinstance(ReportError("x"), qbconnector.ValidationError)


def test_a_report_the_sandbox_does_not_compute_is_quickbooks_refusal(blank_company):
    with qbconnector.connect(blank_company()) as qb, \
            pytest.raises(qbconnector.QBError) as refused:
        qb.report("ARAgingSummary")
    assert refused.value.status_code == 1030


def test_parameters_become_the_query_elements():
    message = desktop_request("AgedReceivables", end_date=date(2024, 6, 30),
                              customer="Acme", date_macro=None)
    assert message.name == "AgingReportQuery"
    assert message.data == {"AgingReportType": "ARAgingSummary",
                            "ReportPeriod": {"ToReportDate": date(2024, 6, 30)},
                            "ReportEntityFilter": {"FullName": "Acme"}}
    by_id = desktop_request("SalesByItemSummary", item="80000001-1234567890",
                            report_calendar="CalendarYear")
    assert by_id.data["ReportItemFilter"] == {"ListID": "80000001-1234567890"}
    assert by_id.data["ReportCalendar"] == "CalendarYear"


# -- the command line ----------------------------------------------------------------------------

def test_cli_report_table_json_and_csv(sample: Path):
    runner = CliRunner()
    args = ["report", "ProfitAndLoss", "--company", str(sample), "--from", "2024-01-01",
            "--to", "2024-12-31"]
    table = runner.invoke(cli, args)
    assert table.exit_code == 0, table.output
    assert "Profit & Loss" in table.output and "Net Income" in table.output
    as_json = runner.invoke(cli, [*args, "--format", "json"])
    data = json.loads(as_json.output)
    with qbconnector.connect(sample) as qb:
        expected = qb.report("ProfitAndLoss", **YEAR)
    assert data == expected.to_dict()
    as_csv = runner.invoke(cli, ["report", "TrialBalance", "--company", str(sample), "--to",
                                 "2024-12-31", "--format", "csv"])
    lines = as_csv.output.splitlines()
    assert lines[0].startswith("kind,depth,group,")
    last = lines[-1].split(",")
    assert last[0] == "Summary" and last[-1] == last[-2]


@pytest.mark.parametrize(("args", "code", "said"), [
    (["TrialBalanse"], 2, "did you mean TrialBalance"),
    (["ProfitAndLoss", "-p", "foo"], 2, "is not KEY=VALUE"),
    (["ProfitAndLoss", "-p", "foo=1"], 2, "take no parameter 'foo'"),
    (["ProfitAndLoss", "--from", "2024-13-01"], 2, "is not a date"),
    (["ProfitAndLoss", "--basis", "cash"], 1, "1030"),
])
def test_cli_report_unhappy_paths(blank_company, args, code, said):
    result = CliRunner().invoke(cli, ["report", *args, "--company", str(blank_company())])
    assert result.exit_code == code, result.output
    assert said in result.output
    assert "Traceback" not in result.output
