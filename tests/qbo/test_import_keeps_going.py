"""Issue 13's import guarantees hold for QuickBooks Online too (one pipeline for both
editions): a row that fails locally is an error row with its row number, key and reason and
the rest is imported, a dry run reports the same, a key seen again in the file is reported
rather than applied twice, the results file has one row per source record even when the run
is interrupted, and a mapping naming a missing column fails before anything is written."""

from __future__ import annotations

import json

import pytest

from qbconnector.api import MappingError, import_file
from tests.api.import_checks import Interrupted, assert_every_row_is_there, results_of

ROWS = [
    "display_name,active,notes",
    "Good1,true,first",
    ",true,no name",                           # no key: nothing to upsert by
    "Bad3,maybe,bad type",                     # not a boolean
    "Rag,true",                                # too few cells
    "Rag2,true,x,extra",                       # too many cells
    "Good2,true,second",
    "Good1,false,again",                       # the same key again
    '"Unclosed,true,x',                        # a quote that never closes
    "Good3,true,third",
]



@pytest.mark.parametrize("dry_run", [False, True])
def test_rows_that_fail_locally_are_error_rows_and_the_rest_is_imported(
        online, tmp_path, dry_run):
    qb = online
    source = tmp_path / "customers.csv"
    source.write_text("\n".join(ROWS) + "\n")
    summary = import_file(qb, "customers", source, results=tmp_path / "r.csv",
                          dry_run=dry_run)
    rows = results_of(tmp_path / "r.csv")
    assert [r["source_row"] for r in rows] == [str(n) for n in range(1, 10)]
    assert [r["operation"] for r in rows] == [
        "add", "error", "error", "error", "error", "add", "error", "error", "add"]
    by_row = {r["source_row"]: r for r in rows}
    assert "no key" in by_row["2"]["message"]
    assert by_row["3"]["key"] == "Bad3" and "'maybe'" in by_row["3"]["message"]
    assert by_row["4"]["key"] == "Rag" and "2 cells where the header has 3" in \
        by_row["4"]["message"]
    assert by_row["5"]["key"] == "Rag2" and "4 cells where the header has 3" in \
        by_row["5"]["message"]
    assert by_row["7"]["key"] == "Good1" and "already (row 1): not applied twice" in \
        by_row["7"]["message"]
    assert "a quote opened in this row is never closed" in by_row["8"]["message"]
    assert (summary.added, summary.errors) == (3, 6)
    names = sorted(c.display_name for c in qb.customers.query())
    assert names == ([] if dry_run else ["Good1", "Good2", "Good3"])
    if not dry_run:
        assert qb.customers.get_by_name("Good1").notes == "first"      # not applied twice


def test_the_results_file_has_every_row_when_the_run_is_interrupted(online, tmp_path):
    source = tmp_path / "customers.jsonl"
    source.write_text("".join(json.dumps({"DisplayName": f"C{n}"}) + "\n" for n in range(12)))
    with pytest.raises(KeyboardInterrupt):
        import_file(online, "customers", source, results=tmp_path / "r.csv", batch_size=4,
                    progress=Interrupted(after=5))
    assert_every_row_is_there(tmp_path / "r.csv", rows=12, done=4)


def test_a_mapping_naming_a_missing_column_fails_before_anything_is_written(online,
                                                                           tmp_path):
    source = tmp_path / "crm.csv"
    source.write_text("Customer,Phone\nAnn,555\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[fields]\nDisplayName = "Custmer"\n'
                       '"PrimaryPhone/FreeFormNumber" = "Phone"\n')
    with pytest.raises(MappingError, match=r"'Custmer' \(did you mean 'Customer'\?\)"):
        import_file(online, "customers", source, mapping=mapping, results=tmp_path / "r.csv")
    assert online.customers.count() == 0 and not (tmp_path / "r.csv").exists()


def test_a_whole_company_copy_says_it_is_desktops(online, tmp_path, monkeypatch):
    """``export --all`` / ``import --all`` copy Desktop's types in Desktop's order: with a QBO
    connection they say so in one line, before anything is read or written."""
    from click.testing import CliRunner

    from qbconnector.cli.main import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "all.jsonl").write_text(json.dumps({"_type": "Customer", "Name": "A"}) + "\n")
    for args in (["export", "--all", "--to", "all-out.jsonl"], ["import", "--all", "all.jsonl"]):
        result = CliRunner().invoke(cli, [*args, "--connection", "books"])
        assert result.exit_code == 2, result.output
        assert f"{args[0]} --all copies a whole QuickBooks Desktop company" in result.output
    assert not (tmp_path / "all-out.jsonl").exists() and online.customers.count() == 0
