"""``qbconnector qbxml ...`` commands, run as a user runs them (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def qbc(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qbconnector.cli.main", *args], input=stdin,
                          capture_output=True, check=False)


def test_messages_by_version():
    old = qbc("qbxml", "messages", "--version", "2.0").stdout.decode().split()
    new = qbc("qbxml", "messages", "--version", "13.0").stdout.decode().split()
    assert "CustomerAddRq" in old and "LeadAddRq" not in old
    assert "LeadAddRq" in new and len(new) == 236
    bad = qbc("qbxml", "messages", "--version", "99.0")
    assert bad.returncode == 2 and b"unknown qbxml version" in bad.stderr


def test_example_validate_round_trip_and_out_dir(tmp_path):
    full = qbc("qbxml", "example", "InvoiceAdd", "CustomerQuery", "--version", "13.0")
    assert full.returncode == 0 and b"<InvoiceLineAdd>" in full.stdout
    ok = qbc("qbxml", "validate", "-", stdin=full.stdout)
    assert ok.returncode == 0, ok.stdout
    older = qbc("qbxml", "validate", "-", "--version", "11.0", stdin=full.stdout)
    assert older.returncode == 1
    lines = older.stdout.decode().splitlines()
    assert lines and all(": not in qbXML 11.0 (added in" in line for line in lines)
    out = qbc("qbxml", "example", "--all", "--minimal", "--version", "13.0",
              "--out", str(tmp_path / "ex"))
    assert out.returncode == 0
    files = sorted(p.name for p in (tmp_path / "ex").iterdir())
    assert len(files) == 236 and "CustomerAddRq.xml" in files
    minimal = (tmp_path / "ex" / "CustomerAddRq.xml").read_bytes()
    assert qbc("qbxml", "validate", str(tmp_path / "ex" / "CustomerAddRq.xml")).returncode == 0
    assert b"<BillAddress>" not in minimal


def test_validate_reports_every_problem_one_per_line(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text('<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
                   '<CustomerAddRq><CustomerAdd><CompanyName>A</CompanyName>'
                   f'<BillAddress><City>{"c" * 35}</City></BillAddress></CustomerAdd>'
                   '</CustomerAddRq></QBXMLMsgsRq></QBXML>')
    result = qbc("qbxml", "validate", str(bad))
    assert result.returncode == 1
    assert result.stdout.decode().splitlines() == [
        "QBXMLMsgsRq/CustomerAddRq[1]/CustomerAdd: missing required element Name",
        "QBXMLMsgsRq/CustomerAddRq[1]/CustomerAdd/BillAddress/City: "
        f"{'c' * 35!r} is 35 characters, at most 31",
    ]


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_parse_real_responses(transcripts, fmt):
    path = transcripts / "053-invoice-add-four-lines-computed-qty.response.xml"
    result = qbc("qbxml", "parse", str(path), "--format", fmt)
    assert result.returncode == 0, result.stderr
    if fmt == "jsonl":
        row = json.loads(result.stdout.decode().splitlines()[0])
        assert row["response"] == "InvoiceAddRs" and row["type"] == "InvoiceRet"
        record = row["record"]
    else:
        record = json.loads(result.stdout)[0]["records"][0]
    assert record["Subtotal"] == "535.15"
    assert [line["Amount"] for line in record["InvoiceLineRet"]] == [
        "61.70", "20.00", "123.45", "330.00"]


def test_parse_refuses_hostile_input():
    result = qbc("qbxml", "parse", "-", stdin=b'<!DOCTYPE x [<!ENTITY a "b">]><QBXML/>')
    assert result.returncode == 1 and b"document type declaration" in result.stderr
