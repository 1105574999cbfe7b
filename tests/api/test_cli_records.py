"""The records commands as a user runs them: ``qbconnector`` subprocesses against real sandbox
company files, saved profiles, and a real remote connector on a loopback port."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from qbconnector.api import Connection
from qbconnector.api.records.where import WhereError, parse_where
from qbconnector.api.transfer.tables import tables_for
from qbconnector.sandbox import SandboxSession
from tests.api.transfer_data import fresh_copy, populated_copy, snapshot

EXIT_CONFLICT, EXIT_NOT_FOUND = 3, 4


@pytest.fixture(scope="module")
def template(_blank_company_template, tmp_path_factory) -> Path:
    return populated_copy(_blank_company_template, tmp_path_factory.mktemp("cli"))


@pytest.fixture
def shop(template, tmp_path) -> Path:
    return fresh_copy(template, tmp_path)


@pytest.fixture(scope="session")
def bytecode_cache(tmp_path_factory) -> str:
    """Compiled modules shared by the subprocesses (kept out of the source tree)."""
    return str(tmp_path_factory.mktemp("pycache"))


@pytest.fixture
def qbc(tmp_path, bytecode_cache):
    """Run ``qbconnector ARGS`` in a subprocess with its own config folder."""
    env = {**os.environ, "QBCONNECTOR_CONFIG_DIR": str(tmp_path / "config"),
           "COLUMNS": "200", "PYTHONPYCACHEPREFIX": bytecode_cache}
    env.pop("QBCONNECTOR_PASSWORD", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run(*args: str, stdin: str | None = None, code: int = 0,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "qbconnector.cli.main", *args],
                              input=stdin, capture_output=True, text=True, timeout=120,
                              env={**env, **(extra_env or {})})
        assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
        return done
    return run


def open_company(path: Path) -> Connection:
    return Connection(SandboxSession(path), prefetch=False).open()


# -- --where ------------------------------------------------------------------------------------
def test_where_items_become_typed_filters():
    filters = parse_where(["txn_date=2024-01-01..2024-01-31", "paid=no", "balance-gt=10.5",
                           "ids=1-2,3-4", "ids=5-6", "name_range=A..", "customer=Acme:Job 1",
                           "include_line_items=yes", "modified_since=2024-05-01T08:00:00Z"])
    assert filters["txn_date"] == (date(2024, 1, 1), date(2024, 1, 31))
    assert filters["paid"] is False and filters["balance_gt"] == Decimal("10.5")
    assert filters["ids"] == ["1-2", "3-4", "5-6"] and filters["name_range"] == ("A", None)
    assert filters["customer"] == "Acme:Job 1" and filters["include_line_items"] is True
    assert filters["modified_since"].utcoffset().total_seconds() == 0
    assert parse_where(["txn_date=ThisMonth"])["txn_date"] == "ThisMonth"
    deleted = parse_where(["types=Customer,Vendor", "deleted_since=2024-05-01T08:00:00-05:00"])
    assert deleted["types"] == ["Customer", "Vendor"]
    assert deleted["deleted_since"].utcoffset().total_seconds() == -5 * 3600
    for bad, said in [("paid=maybe", "not true/false"), ("txn_date=2024-13-01..", "not a date"),
                      ("name_range=Acme", "FROM..TO"), ("nokey", "KEY=VALUE"),
                      ("active=all", None)]:
        if said is None:
            with pytest.raises(WhereError, match="twice"):
                parse_where([bad, bad])
            continue
        with pytest.raises(WhereError, match=said):
            parse_where([bad])


# -- query ------------------------------------------------------------------------------------
def test_query_in_every_format(shop, qbc):
    qb = open_company(shop)
    everyone = snapshot(qb, "customers")
    wanted = qb.invoices.query(txn_date=(date(2024, 1, 1), date(2024, 1, 31)), paid=False,
                               include_line_items=True).all()
    qb.close()
    jsonl = qbc("query", "customers", "--company", str(shop), "-w", "active=all",
                "-w", "name_starts_with=Customer 1", "--format", "jsonl").stdout
    rows = [json.loads(line) for line in jsonl.splitlines()]
    assert {r["ListID"] for r in rows} == {i for i, r in everyone.items()
                                           if r["FullName"].startswith("Customer 1")}
    assert any(r["IsActive"] is False for r in rows)          # active=all reached QuickBooks

    payload = json.loads(qbc("query", "Invoice", "--company", str(shop), "--where",
                             "txn_date=2024-01-01..2024-01-31", "--where", "paid=false",
                             "--where", "include_line_items=true", "--format", "json").stdout)
    assert [r["TxnID"] for r in payload] == [r.id for r in wanted]
    assert payload[0]["InvoiceLineRet"] == wanted[0].to_dict()["InvoiceLineRet"]

    text = qbc("query", "invoices", "--company", str(shop), "--fields", "ref_number,subtotal",
               "-f", "BillAddress", "--limit", "5", "--format", "csv").stdout
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == [c.name for c in tables_for("Invoice").records.columns
                        if c.path[0] in ("RefNumber", "Subtotal", "BillAddress")]
    assert len(table) == 6 and all(row[0].startswith("INV-") for row in table[1:])

    shown = qbc("query", "customers", "--company", str(shop), "-w", "name_contains=Job",
                "--format", "table").stdout
    assert "Customer 01:Job 1" in shown and "full_name" in shown and "Customer 05 " not in shown


def test_an_unknown_filter_is_a_usage_error_naming_the_filters(shop, qbc):
    done = qbc("query", "customers", "--company", str(shop), "-w", "colour=blue", code=2)
    assert "unknown filter 'colour'" in done.stderr and "name_contains" in done.stderr
    done = qbc("query", "widgets", "--company", str(shop), code=2)
    assert "no record type 'widgets'" in done.stderr
    done = qbc("query", "custmers", "--company", str(shop), code=2)
    assert "no record type 'custmers' (did you mean customers" in done.stderr
    done = qbc("query", "customers", code=2)
    assert "give one of --company FILE, --url URL, --connection NAME" in done.stderr


# -- get, add, modify, delete, void -------------------------------------------------------------
def test_write_commands_and_their_exit_codes(shop, qbc, tmp_path):
    company = ["--company", str(shop)]
    added = json.loads(qbc("add", "customers", *company, "--data", json.dumps(
        {"name": "Cli Customer", "bill_address": {"city": "Ogdenville"},
         "phone": "555-4242"})).stdout)
    assert added["ListID"] and added["BillAddress"]["City"] == "Ogdenville"
    got = json.loads(qbc("get", "customers", "Cli Customer", *company).stdout)
    assert got["ListID"] == added["ListID"]

    (tmp_path / "change.json").write_text(json.dumps({"Phone": "555-0001"}))
    changed = json.loads(qbc("modify", "customers", added["ListID"], *company,
                             "--file", str(tmp_path / "change.json")).stdout)
    assert changed["Phone"] == "555-0001" and changed["EditSequence"] != added["EditSequence"]

    stale = qbc("modify", "customers", added["ListID"], *company, "--data",
                '{"Phone": "nope"}', "--edit-sequence", added["EditSequence"],
                code=EXIT_CONFLICT)
    assert "conflict" in stale.stderr and changed["EditSequence"] in stale.stderr
    assert json.loads(qbc("get", "customers", added["ListID"], *company).stdout)["Phone"] == \
        "555-0001"

    qbc("delete", "customers", added["ListID"], *company)
    missing = qbc("get", "customers", added["ListID"], *company, code=EXIT_NOT_FOUND)
    assert added["ListID"] in missing.stderr

    voided = json.loads(qbc("void", "invoices", "INV-007", *company).stdout)
    invoice = json.loads(qbc("get", "invoices", voided["TxnID"], *company).stdout)
    assert invoice["RefNumber"] == "INV-007" and invoice["Subtotal"] == "0.00"
    assert invoice["Memo"].startswith("VOID")

    refused = qbc("add", "customers", *company, "--data", '{"Name": "x", "Colour": "red"}',
                  code=2)
    assert "CustomerAdd has no field 'Colour'" in refused.stderr
    qbc("add", "customers", *company, code=2)          # neither --data nor --file


# -- profiles -----------------------------------------------------------------------------------
def test_connections_are_saved_used_and_removed(shop, qbc, tmp_path):
    assert qbc("connections", "path").stdout.strip() == \
        str(tmp_path / "config" / "connections.toml")
    qbc("connections", "add", "shop", os.path.relpath(shop), "--page-size", "7")
    pin = "ab" * 32
    qbc("connections", "add", "office", "https://qb.example.com:8167", "--user", "sync",
        "--password-env", "OFFICE_PW", "--fingerprint", pin)
    for bad in ("AB:CD", "3F:9A:...", "not hex"):
        refused = qbc("connections", "add", "office2", "https://qb.example.com:8167",
                      "--fingerprint", bad, code=2)
        assert "not a SHA-256 fingerprint" in refused.stderr
    for bad_name in ("", "my file.qbdb", "../x"):
        qbc("connections", "add", bad_name, str(shop), code=2)
    listed = json.loads(qbc("connections", "list", "--format", "json").stdout)
    assert listed["shop"] == {"target": str(shop.resolve()), "page_size": 7}   # absolute
    assert listed["office"]["fingerprint"] == ":".join(["AB"] * 32)
    assert set(listed) == {"shop", "office"}
    assert listed["office"]["password_env"] == "OFFICE_PW" and "password" not in \
        listed["office"]
    rows = qbc("query", "customers", "--connection", "shop", "--format", "jsonl").stdout
    assert len(rows.splitlines()) == open_company(shop).customers.count()
    refused = qbc("connections", "add", "bad", "https://u:secret@h:1", code=2)
    assert "never store passwords" in refused.stderr
    no_secret = qbc("query", "customers", "--connection", "office", code=5)
    assert "OFFICE_PW" in no_secret.stderr
    qbc("connections", "remove", "shop")
    qbc("connections", "remove", "shop", code=EXIT_NOT_FOUND)
    assert "shop" not in json.loads(qbc("connections", "list", "--format", "json").stdout)


# -- export and import --------------------------------------------------------------------------
def test_export_and_import_from_the_command_line(shop, blank_company, qbc, tmp_path):
    db = tmp_path / "shop.db"
    out = qbc("export", "customers", "invoices", "--to", f"sqlite:///{db}", "--company",
              str(shop), "--state", str(tmp_path / "state.json"), "--summary-json", "-")
    summary = json.loads(out.stdout)
    qb = open_company(shop)
    assert summary["records"] == qb.customers.count(active="all") + qb.invoices.count()
    assert {t["type_name"] for t in summary["types"]} == {"Customer", "Invoice"}
    assert "exported" in out.stderr and "records/s" in out.stderr          # progress + summary
    again = json.loads(qbc("export", "customers", "invoices", "--to", f"sqlite:///{db}",
                           "--company", str(shop), "--state", str(tmp_path / "state.json"),
                           "--quiet", "--summary-json", "-").stdout)
    assert all(t["incremental"] for t in again["types"])
    boundary = 0           # nothing changed: only the newest records (the inclusive mark)
    for name in ("customers", "invoices"):
        stamps = [r["TimeModified"] for r in snapshot(qb, name).values()]
        boundary += stamps.count(max(stamps))
    assert again["records"] == boundary < summary["records"] / 3

    qbc("export", "customers", "--to", str(tmp_path / "c.jsonl"), "--company", str(shop), "-q")
    fresh = blank_company("fresh")
    first = qbc("import", "customers", str(tmp_path / "c.jsonl"), "--company", str(fresh),
                "--results", str(tmp_path / "r.csv"), "--summary-json", str(tmp_path / "s.json"))
    report = json.loads((tmp_path / "s.json").read_text())
    assert report["added"] == qb.customers.count(active="all") and report["errors"] == 0
    assert "added" in first.stderr
    second = json.loads(qbc("import", "customers", str(tmp_path / "c.jsonl"), "--company",
                            str(fresh), "--quiet", "--summary-json", "-").stdout)
    assert second["skipped"] == second["rows"] == report["added"]
    qb.close()

    (tmp_path / "bad.csv").write_text("Name,SalesTaxCodeRef/FullName\nFine,Tax\nBroken,Zzz\n")
    failed = qbc("import", "customers", str(tmp_path / "bad.csv"), "--company", str(fresh),
                 "--results", str(tmp_path / "bad.jsonl"), "-q", code=1)
    assert "1 record(s) failed" in failed.stderr
    results = [json.loads(x) for x in (tmp_path / "bad.jsonl").read_text().splitlines()]
    assert [(r["source_row"], r["operation"]) for r in results] == [("1", "add"), ("2", "error")]


# -- through a remote connector -----------------------------------------------------------------
@pytest.fixture
def connector(shop) -> Iterator[str]:
    """Our connector on 127.0.0.1 serving the shop company; user alice."""
    from qbconnector.server import passwords
    from qbconnector.server.runner import ConnectorServer
    from qbconnector.server.settings import dump_toml, load_settings, write_atomic
    settings = shop.parent / "connector.toml"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "MIN_LOG_N", 10)
        write_atomic(settings, dump_toml({"Port": 0, "Timeout": 30, "Users": {
            "alice": {"Password": passwords.hash_password("alice-pw", log_n=10)}}}))
        server = ConnectorServer(load_settings(settings),
                                 lambda options: SandboxSession(shop, options),
                                 configure_logs=False, console_log=False).start()
        try:
            yield server.url.rstrip("/")
        finally:
            server.stop()


def test_query_export_and_import_through_a_remote_connector(connector, shop, qbc, tmp_path):
    env = {"QBCONNECTOR_PASSWORD": "alice-pw"}
    remote = ["--url", connector, "--user", "alice"]
    rows = qbc("query", "customers", *remote, "-w", "active=all", "--format", "jsonl",
               "--page-size", "7", extra_env=env).stdout.splitlines()
    qb = open_company(shop)
    assert len(rows) == qb.customers.count(active="all") > 7      # several iterator pages
    out = tmp_path / "remote.jsonl"
    qbc("export", "invoices", "--to", str(out), *remote, "-q", "--page-size", "9",
        extra_env=env)
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(exported) == qb.invoices.count()
    assert sum(len(r["InvoiceLineRet"]) for r in exported) == \
        sum(len(r["InvoiceLineRet"]) for r in snapshot(qb, "invoices").values())
    qb.close()
    (tmp_path / "new.csv").write_text("Name,Phone\nRemote One,1\nRemote Two,2\n")
    done = qbc("import", "customers", str(tmp_path / "new.csv"), *remote, "--password-stdin",
               "-q", "--summary-json", "-", stdin="alice-pw\n")
    assert json.loads(done.stdout)["added"] == 2
    denied = qbc("query", "customers", *remote, extra_env={"QBCONNECTOR_PASSWORD": "wrong"},
                 code=5)
    assert "alice-pw" not in denied.stderr and "wrong" not in denied.stderr
