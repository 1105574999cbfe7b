"""``add`` / ``modify`` with values QuickBooks would refuse: one line naming the field, the
value and what is allowed, exit 2 — and a did-you-mean for a field the type does not have;
a company file that is not one: exit 5 from every command that reaches it, and from
``connect()`` a TargetError."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import qbconnector
from qbconnector.cli.main import cli


def run(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, list(args))
    said = [line for line in result.output.splitlines()
            if line.startswith("Error:") or "Traceback" in line]
    return result.exit_code, said


@pytest.mark.parametrize(("data", "expected"), [
    ('{"name": "A", "txn_date": "12/01/2024"}',
     "Error: CustomerAdd/txn_date: CustomerAdd has no field 'txn_date' (it has: name, "),
    ('{"name": "A", "phon": "555"}',
     "Error: CustomerAdd/phon: CustomerAdd has no field 'phon' (did you mean phone"),
    ('{"name": "' + "n" * 50 + '"}',
     "Error: CustomerAdd/Name: '" + "n" * 50 + "' is 50 characters, at most 41"),
    ('{"name": "A", "is_active": "maybe"}',
     "Error: CustomerAdd/IsActive: 'maybe' is not a valid boolean (true or false)"),
    ('{"name": "A", "bill_address": {"cty": "x"}}',
     "Error: CustomerAdd/BillAddress/cty: BillAddress has no field 'cty' (did you mean city"),
])
def test_add_refuses_a_value_in_one_line_with_exit_2(blank_company, data, expected):
    company = str(blank_company())
    code, said = run("add", "customers", "--company", company, "--data", data)
    assert code == 2
    assert len(said) == 1 and said[0].startswith(expected), said
    with qbconnector.connect(company) as qb:
        assert qb.customers.count() == 0               # nothing was sent


def test_modify_refuses_a_bad_date_in_one_line(blank_company):
    company = str(blank_company())
    assert run("add", "customers", "--company", company, "--data", '{"name": "Ann"}')[0] == 0
    code, said = run("modify", "customers", "Ann", "--company", company, "--data",
                     '{"job_start_date": "12/01/2024"}')
    assert code == 2
    assert said == ["Error: CustomerMod/JobStartDate: '12/01/2024' is not a valid date "
                    "(YYYY-MM-DD)"]


def test_a_file_that_is_not_a_company_file_is_refused_alike_everywhere(tmp_path):
    junk = tmp_path / "f.qbdb"
    junk.write_text("x\n")
    request = tmp_path / "q.xml"
    request.write_text('<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
                       '<HostQueryRq/></QBXMLMsgsRq></QBXML>')
    for args in (["query", "customers"], ["request", str(request)],
                 ["export", "customers", "--to", str(tmp_path / "x.jsonl")]):
        code, said = run(*args, "--company", str(junk))
        assert code == 5, (args, said)
        assert said == [f"Error: cannot connect: {junk} is not a sandbox company file (not "
                        "an SQLite database)"]
    with pytest.raises(qbconnector.TargetError, match="not a sandbox company file"):
        qbconnector.connect(str(junk)).customers.count()
    missing = run("query", "customers", "--company", str(tmp_path / "none.qbdb"))
    assert missing[0] == run("request", str(request), "--company",
                             str(tmp_path / "none.qbdb"))[0] == 5


def test_an_unexpected_error_says_where_its_report_is_and_debug_shows_it(
        tmp_path, monkeypatch):
    from qbconnector.cli import api_commands

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api_commands, "read_data", broken)
    monkeypatch.setenv("QBCONNECTOR_REPORT_DIR", str(tmp_path / "reports"))
    result = CliRunner().invoke(cli, ["add", "customers", "--data", "{}", "--company", "x"])
    assert result.exit_code == 70
    [line] = [x for x in result.output.splitlines() if x.strip()]
    assert line.startswith("Error: unexpected error (RuntimeError: a bug); this is a bug of "
                           "qbconnector: the full report is in ")
    [report] = (tmp_path / "reports").iterdir()
    assert str(report) in line
    assert "Traceback" in report.read_text() and "RuntimeError: a bug" in report.read_text()
    debug = CliRunner().invoke(cli, ["--debug", "add", "customers", "--data", "{}",
                                     "--company", "x"])
    assert isinstance(debug.exception, RuntimeError)         # the traceback goes through
