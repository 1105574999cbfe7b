"""bench/report.py: the README's performance table rebuilt from the benches' JSON figures.

The benches themselves are not run here (tests never time things); these tests feed the
report the JSON a bench writes and check the table, the rewritten README section, and that a
bench that fails shows as failed."""

from __future__ import annotations

import datetime
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

_SPEC = importlib.util.spec_from_file_location("bench_report", REPO / "bench" / "report.py")
assert _SPEC is not None and _SPEC.loader is not None
report = importlib.util.module_from_spec(_SPEC)
sys.modules["bench_report"] = report      # dataclasses look their module up
_SPEC.loader.exec_module(report)

INVOICES = {"name": "sandbox InvoiceAdd", "value": 968.4, "unit": "invoices/s",
            "baseline": 5400.0, "ratio": 0.1793, "goal": 1000, "met": False,
            "goal_on": "value", "at_most": False}
HOST = {"name": "connector HostQuery, 10 clients", "value": 3345.0, "unit": "requests/s",
        "baseline": 10656.0, "ratio": 0.3139, "goal": 0.5, "met": False}
MEMORY = {"name": "memory after a soak", "value": 52.9, "unit": "MB", "baseline": 52.0,
          "ratio": 1.017, "goal": 1.25, "met": True, "goal_on": "ratio", "at_most": True}
PLAIN = {"name": "read p99", "value": 0.86, "unit": "ms", "baseline": 1.21, "ratio": 0.71,
         "goal": None, "met": None}


def test_each_goal_is_shown_the_way_the_bench_reads_it() -> None:
    assert report.goal_rule(INVOICES) == ("value", ">=")
    assert report.goal_rule(MEMORY) == ("ratio", "<=")
    assert report.goal_rule(PLAIN) is None
    # Without goal_on (benches writing their own JSON), the comparison that gives the
    # written verdict decides: 0.31 against 0.5 is missed as a ratio, met as a value.
    assert report.goal_rule(HOST) == ("ratio", ">=")


def test_the_table_has_a_row_per_figure_and_says_which_goals_hold() -> None:
    outcomes = [report.Outcome("sandbox", [INVOICES, PLAIN]),
                report.Outcome("server", [HOST, MEMORY]),
                report.Outcome("export", failure="exited with 1 (see export.log)")]
    text = report.table(outcomes, quick=False, when=datetime.date(2026, 12, 6), cpus=2)
    lines = text.splitlines()
    assert lines[0] == report.START and lines[-1] == report.END
    assert "**1 of 3 goals met**" in text and "2026-12-06" in text and "full run" in text
    rows = [line for line in lines if line.startswith("| ") and "---" not in line][1:]
    assert rows == [
        "| sandbox | sandbox InvoiceAdd | 968 invoices/s | 5,400 invoices/s | 0.18× | "
        "≥ 1,000 invoices/s | **missed** |",
        "| sandbox | read p99 | 0.86 ms | 1.21 ms | 0.71× | — | — |",
        "| server | connector HostQuery, 10 clients | 3,345 requests/s | 10,656 requests/s | "
        "0.31× | ≥ 0.50× | **missed** |",
        "| server | memory after a soak | 52.9 MB | 52.0 MB | 1.02× | ≤ 1.25× | met |",
        "| export | the bench exited with 1 (see export.log) | — | — | — | — | **failed** |"]


def test_only_the_marked_section_of_the_readme_is_rewritten() -> None:
    before = f"# Title\n\ntext\n\n{report.START}\nold table\n{report.END}\n\nafter\n"
    after = report.splice(before, f"{report.START}\nnew\n{report.END}")
    assert after == f"# Title\n\ntext\n\n{report.START}\nnew\n{report.END}\n\nafter\n"
    with pytest.raises(SystemExit, match="no <!-- bench-report:start -->"):
        report.splice("# no markers\n", "x")


def test_the_readme_has_the_section_the_report_rewrites() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert text.count(report.START) == 1 and text.count(report.END) == 1
    assert text.index(report.START) < text.index(report.END)
    section = text[text.index(report.START):text.index(report.END)]
    assert "| bench | figure | measured | baseline | ratio | goal | this run |" in section


def test_every_bench_the_report_runs_takes_json_and_quick() -> None:
    for bench in report.BENCHES:
        source = (REPO / "bench" / f"bench_{bench}.py").read_text(encoding="utf-8")
        assert "--json" in source or "add_common_options" in source, bench
        assert "--quick" in source or "add_common_options" in source, bench


def test_a_table_from_an_earlier_run_and_a_bench_that_wrote_nothing(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "sandbox.json").write_text(json.dumps({"cpus": 2, "figures": [INVOICES]}))
    (run / "server.json").write_text("not json")
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.START}\nold\n{report.END}\nend\n", encoding="utf-8")
    code = report.main(["--from", str(run), "--only", "sandbox,server,export",
                        "--readme", str(readme)])
    text = readme.read_text(encoding="utf-8")
    assert code == 1                         # two benches gave no figures
    assert text.startswith("intro\n") and text.endswith("\nend\n") and "old" not in text
    assert "| sandbox | sandbox InvoiceAdd | 968 invoices/s" in text
    assert "| server | the bench " in text and "is not a figures file" in text
    assert "| export | the bench wrote no figures" in text


def test_an_unknown_bench_is_refused_with_the_names_there_are(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        report.main(["--only", "sandbx", "--no-readme"])
    assert "no bench named sandbx (there are codec, sandbox" in capsys.readouterr().err


def test_the_samples_a_run_made_are_deleted_and_its_figures_kept(tmp_path: Path) -> None:
    (tmp_path / "samples").mkdir()
    for name in ("sandbox.json", "sandbox.log", "bench-large.qbdb", "bench-copy.qbdb-wal",
                 "bench-raw.sqlite", "samples/bench-large.qbdb"):
        (tmp_path / name).write_text("x")
    report.forget_samples(tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["sandbox.json", "sandbox.log"]
