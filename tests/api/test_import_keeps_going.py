"""An import never lets one row stop the file and loses nothing: a row that fails locally is an
error row (row number, key, reason) while the others are imported, a dry run reports the same,
the results file has one row per source record even when the run is interrupted; a mapping
that names a missing column fails before anything is written; simple lists the records refer
to are created first and reported; types without a Mod message are compared, never crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qbconnector
from qbconnector.api import MappingError, import_file
from tests.api.import_checks import Interrupted, assert_every_row_is_there, results_of

ROWS = [
    "Name,IsActive,Phone",
    "Good1,true,555",
    ",true,1",                              # empty required field
    "N" * 50 + ",true,1",                   # too long
    "Bad3,maybe,1",                         # bad type
    "Rag,true",                             # too few cells
    "Rag2,true,1,extra",                    # too many cells
    "Good2,true,1",
    "Good1,false,2",                        # the same key again
    '"Unclosed,true,1',                     # a quote that never closes
    "Good3,true,1",
]



@pytest.fixture
def company(blank_company) -> Path:
    return blank_company("target")


@pytest.mark.parametrize("dry_run", [False, True])
def test_rows_that_fail_locally_are_error_rows_and_the_rest_is_imported(
        company, tmp_path, dry_run):
    source = tmp_path / "customers.csv"
    source.write_text("\n".join(ROWS) + "\n")
    with qbconnector.connect(str(company)) as qb:
        summary = import_file(qb, "customers", source, results=tmp_path / "r.csv",
                              dry_run=dry_run)
        names = sorted(c.name for c in qb.customers.query())
    rows = results_of(tmp_path / "r.csv")
    assert [r["source_row"] for r in rows] == [str(n) for n in range(1, 11)]
    assert [r["operation"] for r in rows] == [
        "add", "error", "error", "error", "error", "error", "add", "error", "error", "add"]
    by_row = {r["source_row"]: r for r in rows}
    assert "missing required element Name" in by_row["2"]["message"]
    assert by_row["3"]["key"] == "N" * 50 and "50 characters, at most 41" in \
        by_row["3"]["message"]
    assert by_row["4"]["key"] == "Bad3" and "'maybe' is not true/false" in by_row["4"]["message"]
    assert by_row["5"]["key"] == "Rag" and "2 cells where the header has 3" in \
        by_row["5"]["message"]
    assert by_row["6"]["key"] == "Rag2" and "4 cells where the header has 3" in \
        by_row["6"]["message"]
    assert by_row["8"]["key"] == "Good1" and "already (row 1): not applied twice" in \
        by_row["8"]["message"]
    assert "line 10: a quote opened in this row is never closed" in by_row["9"]["message"]
    assert (summary.added, summary.errors) == (3, 7)
    assert names == ([] if dry_run else ["Good1", "Good2", "Good3"])


def test_the_results_file_has_every_row_when_the_run_is_interrupted(company, tmp_path):
    source = tmp_path / "customers.jsonl"
    source.write_text("".join(json.dumps({"Name": f"C{n}"}) + "\n" for n in range(12)))
    with qbconnector.connect(str(company)) as qb, pytest.raises(KeyboardInterrupt):
        import_file(qb, "customers", source, results=tmp_path / "r.csv", batch_size=4,
                    progress=Interrupted(after=5))
    assert_every_row_is_there(tmp_path / "r.csv", rows=12, done=4)


def test_a_mapping_naming_a_missing_column_fails_before_anything_is_written(company,
                                                                           tmp_path):
    source = tmp_path / "crm.csv"
    source.write_text("Customer,Phone\nAnn,555\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[fields]\nName = "Custmer"\nPhone = "Phone"\n'
                       'Notes = { template = "from {Sorce}" }\n')
    with qbconnector.connect(str(company)) as qb:
        with pytest.raises(MappingError) as info:
            import_file(qb, "customers", source, mapping=mapping,
                        results=tmp_path / "r.csv")
        assert qb.customers.count() == 0
    text = str(info.value)
    assert "'Custmer' (did you mean 'Customer'?)" in text and "'Sorce'" in text
    assert not (tmp_path / "r.csv").exists()


def test_simple_lists_the_records_refer_to_are_created_first_and_reported(company, tmp_path):
    source = tmp_path / "customers.jsonl"
    records = [
        {"Name": "Ann", "CustomerTypeRef": {"FullName": "Retail:Online"},
         "TermsRef": {"FullName": "Net 45"}, "SalesRepRef": {"FullName": "JKL"},
         "PreferredPaymentMethodRef": {"FullName": "Barter"}},
        {"Name": "Bob", "CustomerTypeRef": {"FullName": "Retail:Online"},
         "TermsRef": {"FullName": "Net 30"}},                        # exists already
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    with qbconnector.connect(str(company)) as qb:
        dry = import_file(qb, "customers", source, dry_run=True)
        assert qb.customer_types.count() == 0
        summary = import_file(qb, "customers", source, results=tmp_path / "r.csv")
        ann = qb.customers.get_by_name("Ann")
        assert ann.customer_type_ref.full_name == "Retail:Online"
        assert ann.terms_ref.full_name == "Net 45" and ann.sales_rep_ref.full_name == "JKL"
        assert qb.customer_types.count() == 2                       # Retail, Retail:Online
        assert qb.sales_reps.get_by_name("JKL").sales_rep_entity_ref.full_name == "JKL"
    created = ["CustomerType 'Retail:Online'", "StandardTerms 'Net 45'", "SalesRep 'JKL'",
               "PaymentMethod 'Barter'"]
    assert dry.created == created and summary.created == created
    assert (summary.added, summary.errors) == (2, 0)
    first = results_of(tmp_path / "r.csv")[0]
    assert "created CustomerType 'Retail:Online'" in first["message"]


def test_a_missing_customer_or_item_is_an_error_row_naming_it(blank_company, tmp_path):
    company = blank_company("sales")
    source = tmp_path / "invoices.jsonl"
    source.write_text(json.dumps({"RefNumber": "7", "CustomerRef": {"FullName": "Nobody"},
                                  "InvoiceLineAdd": [{"Desc": "work", "Amount": "5.00"}]})
                      + "\n")
    with qbconnector.connect(str(company)) as qb:
        summary = import_file(qb, "invoices", source, results=tmp_path / "r.csv")
    [row] = results_of(tmp_path / "r.csv")
    assert summary.errors == 1 and row["operation"] == "error"
    assert "Nobody" in row["message"]


def test_types_without_a_mod_message_are_compared_not_modified(blank_company, tmp_path):
    source = tmp_path / "terms.jsonl"
    with qbconnector.connect(str(blank_company("from"))) as qb:
        terms = [t.to_dict() for t in qb.standard_terms.query()]
    changed = dict(terms[0], StdDueDays=terms[0].get("StdDueDays", 0) + 7)
    source.write_text("".join(json.dumps(t) + "\n" for t in [changed, *terms[1:]]))
    with qbconnector.connect(str(blank_company("new"))) as qb:
        summary = import_file(qb, "standard_terms", source, results=tmp_path / "r.csv")
    rows = results_of(tmp_path / "r.csv")
    assert summary.skipped == len(terms) - 1 and summary.errors == 1
    assert rows[0]["operation"] == "error"
    assert "QuickBooks cannot modify StandardTerms records" in rows[0]["message"]
    assert "StdDueDays" in rows[0]["message"]


def test_a_file_without_records_of_the_type_says_so(company, tmp_path):
    from click.testing import CliRunner

    from qbconnector.cli.main import cli

    source = tmp_path / "names.jsonl"
    source.write_text(json.dumps({"_type": "Customer", "Name": "Ann"}) + "\n")
    result = CliRunner().invoke(cli, ["import", "invoices", str(source), "--company",
                                      str(company), "-q"])
    assert result.exit_code == 0
    assert f"warning: {source} has no Invoice records (1 records of other types, skipped)" \
        in result.output
