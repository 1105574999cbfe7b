"""``qbconnector company create|info`` and ``qbconnector request``, run as a user runs them:
the CLI in its own process, on real company files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.validate import validate

from .sample_files import small_company


def qbc(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    environment.pop("QBCONNECTOR_COMPANY", None) if env is None else None
    return subprocess.run([sys.executable, "-m", "qbconnector.cli.main", *args], input=stdin,
                          capture_output=True, text=True, env=environment, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "shop.qbdb"
    result = qbc("company", "create", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_create_makes_a_new_company(company: Path) -> None:
    info = qbc("company", "info", str(company))
    assert info.returncode == 0, info.stderr
    assert info.stdout.startswith("shop  (")
    lines = dict(line.split(None, 1) for line in info.stdout.splitlines()
                 if line.startswith("  "))
    assert int(lines["Account"].replace(",", "")) >= 10
    assert lines["StandardTerms"].strip() == "7"
    assert "transactions:\n" in info.stdout and "Invoice" not in lines
    assert "ok   trial balance: nets to 0.00" in info.stdout


def test_create_refuses_to_overwrite(company: Path) -> None:
    again = qbc("company", "create", str(company))
    assert again.returncode != 0
    assert "already exists" in again.stderr and "--force" in again.stderr
    copy = company.with_name("copy.qbdb")
    assert qbc("company", "create", str(copy), "--name", "First").returncode == 0
    replaced = qbc("company", "create", str(copy), "--force", "--name", "Second")
    assert replaced.returncode == 0, replaced.stderr
    assert qbc("company", "info", str(copy)).stdout.startswith("Second  (")


def test_create_a_sample_with_progress_and_summary(tmp_path: Path) -> None:
    path = tmp_path / "sample.qbdb"
    result = qbc("company", "create", str(path), "--sample", "small", "--seed", "5",
                 "--as-of", "2021-07-01")
    assert result.returncode == 0, result.stderr
    assert "transactions" in result.stderr and "2000/2000" in result.stderr
    assert "2,000 transactions dated 2020" in result.stderr
    info = qbc("company", "info", str(path))
    assert info.returncode == 0, info.stdout
    assert info.stdout.startswith("Front Range Home Comfort  (")
    assert info.stdout.count("ok   ") == 5 and "FAIL" not in info.stdout


def test_info_on_the_small_sample(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = small_company(tmp_path_factory)
    info = qbc("company", "info", str(path))
    assert info.returncode == 0
    lines = dict(line.split(None, 1) for line in info.stdout.splitlines()
                 if line.startswith("  "))
    assert lines["Customer"].strip() == "100"
    assert "FAIL" not in info.stdout


def test_info_refuses_what_is_not_a_company_file(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    result = qbc("company", "info", str(other))
    assert result.returncode != 0 and "not a qbconnector company file" in result.stderr


# -- request ---------------------------------------------------------------------------------

def test_request_from_stdin_prints_the_response(company: Path) -> None:
    text = build([Message("CustomerAdd", {"Name": "CLI Customer"}),
                  Message("CustomerQuery", {"FullName": "CLI Customer"})], version="13.0")
    result = qbc("request", "--company", str(company), "-", stdin=text)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert validate(result.stdout, "13.0") == []
    added, queried = parse_response(result.stdout)
    assert added.status_code == 0 and queried.status_code == 0
    assert added.records[0]["ListID"] == queried.records[0]["ListID"]


def test_request_from_a_file_with_the_company_in_the_environment(company: Path,
                                                                 tmp_path: Path) -> None:
    request = tmp_path / "host.xml"
    request.write_text(build([Message("HostQuery", {})], version="13.0"))
    result = qbc("request", str(request), env={"QBCONNECTOR_COMPANY": str(company)})
    assert result.returncode == 0, result.stderr
    host, = parse_response(result.stdout)
    assert host.status_code == 0 and "13.0" in host.records[0]["SupportedQBXMLVersion"]


def test_request_that_quickbooks_cannot_parse(company: Path) -> None:
    text = build([Message("CustomerQuery", {"MaxReturned": 5})], version="13.0")
    assert "<MaxReturned>5</MaxReturned>" in text
    text = text.replace("<MaxReturned>5</MaxReturned>", "<NoSuchElement>5</NoSuchElement>")
    result = qbc("request", "--company", str(company), stdin=text)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ("0x80040400 QuickBooks found an error when parsing the provided "
                             "XML text stream.\n")


def test_request_with_an_unsupported_version(company: Path) -> None:
    text = build([Message("HostQuery", {})], version="13.0").replace('version="13.0"',
                                                                      'version="99.0"')
    result = qbc("request", "--company", str(company), stdin=text)
    assert result.returncode == 1 and result.stdout == ""
    code = catalogue.HR_VERSION_UNSUPPORTED
    assert result.stderr == f"0x{code:08X} {catalogue.hresult_message(code)}\n"


def test_request_to_a_missing_company_file(tmp_path: Path) -> None:
    text = build([Message("HostQuery", {})], version="13.0")
    result = qbc("request", "--company", str(tmp_path / "missing.qbdb"), stdin=text)
    assert result.returncode == 5 and result.stdout == ""    # 5: no connection, as for query
    assert "no sandbox company file at" in result.stderr and "Traceback" not in result.stderr


def test_request_needs_a_company() -> None:
    result = qbc("request", stdin="")
    assert result.returncode == 2
    assert "--company" in result.stderr
