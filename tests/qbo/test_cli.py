"""The command line over QuickBooks Online: ``qbo login`` end to end (a real process, the
printed URL driven with httpx through the double's auto-consent and back to the loopback
redirect), ``qbo logout``, and every record command with ``--connection NAME``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from click.testing import CliRunner

from qbconnector.cli.main import cli
from qbconnector.profiles import profiles_path
from qbconnector.qbo.tokens import tokens_dir
from tests.qbo.conftest import login, seed
from tests.qbo_double.conftest import CLIENT_ID, CLIENT_SECRET

REPO = Path(__file__).resolve().parents[2]


def start_login(running, name: str = "books", *extra: str, secret: str = CLIENT_SECRET,
                env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """``qbconnector qbo login`` in a process; returns it and the URL it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "qbconnector.cli.main", "qbo", "login", name, "--client-id",
         CLIENT_ID, "--environment", running.base, "--no-browser", "--timeout", "30", *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=REPO, env={**os.environ, **(env or {})})
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(secret + "\n")
    process.stdin.close()
    process.stdin = None                         # communicate() must not touch it again
    url = process.stdout.readline().strip()
    return process, url


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def run(*args: str, code: int = 0, input: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_login_end_to_end_then_logout(double):
    running = double()
    process, url = start_login(running)
    assert url.startswith(f"{running.base}/connect/oauth2?client_id={CLIENT_ID}")
    assert CLIENT_SECRET not in url
    assert httpx.get(url, follow_redirects=True).status_code == 200   # the browser's part
    code, _, err = finish(process)
    assert code == 0, err
    assert f"connected 'books' to My Company (realm {running.realm})" in err
    saved = tomllib.loads(profiles_path().read_text())["connections"]["books"]
    assert saved == {"target": f"qbo://{running.realm}", "environment": running.base,
                     "client_id": CLIENT_ID, "tokens": "books", "token_store": "file"}
    token_file = tokens_dir() / "books.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(tokens_dir().stat().st_mode) == 0o700
    assert CLIENT_SECRET not in profiles_path().read_text()
    assert json.loads(run("query", "customers", "--connection", "books", "--format",
                          "json")) == []
    tokens = json.loads(token_file.read_text())
    assert "revoked and forgot the tokens of 'books'" in run("qbo", "logout", "books")
    assert not token_file.exists()
    refused = httpx.post(f"{running.base}/oauth2/v1/tokens/bearer", auth=(
        CLIENT_ID, CLIENT_SECRET), data={"grant_type": "refresh_token",
                                         "refresh_token": tokens["refresh_token"]})
    assert refused.json()["error"] == "invalid_grant"               # revoked at the server
    output = run("query", "customers", "--connection", "books", code=5)
    assert f"run qbconnector qbo login books --client-id {CLIENT_ID}" in output
    assert "holds no tokens" in run("qbo", "logout", "books")
    assert "no saved QuickBooks Online connection 'nope'" in run("qbo", "logout", "nope",
                                                                 code=4)


def _redirect_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["redirect_uri"][0]


def forge_state(url: str) -> None:
    """Consent (the double answers with a code), then come back with another state."""
    back = parse_qs(urlsplit(httpx.get(url).headers["location"]).query)
    forged = {"code": back["code"][0], "realmId": back["realmId"][0], "state": "not-mine"}
    httpx.get(f"{_redirect_of(url)}?{urlencode(forged)}")


def deny(url: str) -> None:
    httpx.get(f"{_redirect_of(url)}?error=access_denied&state=x")


@pytest.mark.parametrize("browser, secret, words", [
    (forge_state, CLIENT_SECRET, "state does not match"),
    (deny, CLIENT_SECRET, "did not authorize: access_denied"),
    (lambda url: httpx.get(url, follow_redirects=True), "wrong", "refused client"),
])
def test_login_refuses_a_forged_redirect_a_denial_and_a_wrong_secret(double, browser, secret,
                                                                     words):
    import threading

    from qbconnector.errors import AuthenticationError
    from qbconnector.qbo.login import login as run_login

    running = double()

    def show(url: str) -> None:
        threading.Thread(target=browser, args=(url,), daemon=True).start()

    with pytest.raises(AuthenticationError, match=words):
        run_login("refused", CLIENT_ID, secret, running.base, open_browser=False, show=show,
                  timeout=30)
    assert not profiles_path().exists() or "refused" not in profiles_path().read_text()
    assert not (tokens_dir() / "refused.json").exists()


def test_the_client_secret_never_goes_on_the_command_line():
    assert "No such option '--client-secret'" in run("qbo", "login", "x", "--client-id", "a",
                                                     "--client-secret", "b", code=2)
    assert "give the client secret on standard input" in run(
        "qbo", "login", "x", "--client-id", "a", input="\n", code=2)


def test_tokens_in_the_os_keyring(double, tmp_path, monkeypatch):
    import keyring

    previous = keyring.get_keyring()
    from tests.qbo.file_keyring import FileKeyring

    monkeypatch.setenv("QBO_TEST_KEYRING", str(tmp_path / "keyring.json"))
    keyring.set_keyring(FileKeyring())
    try:
        running = double()
        login(running, "vault")                  # the keyring is usable: it is chosen
        stored = json.loads((tmp_path / "keyring.json").read_text())
        assert set(stored) == {"qbconnector-qbo\x1fvault", "qbconnector-qbo\x1fvault/access"}
        assert CLIENT_SECRET in stored["qbconnector-qbo\x1fvault"]
        assert not (tokens_dir() / "vault.json").exists()
        saved = tomllib.loads(profiles_path().read_text())["connections"]["vault"]
        assert saved["token_store"] == "keyring"
        assert "Accounts Receivable (A/R)" in run("query", "accounts", "--connection",
                                                  "vault", "--format", "jsonl")
        assert "revoked and forgot" in run("qbo", "logout", "vault")
        assert json.loads((tmp_path / "keyring.json").read_text()) == {}
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def books(double):
    running = double()
    login(running)
    import qbconnector
    with qbconnector.connect("books") as qb:
        seed(qb, customers=3, invoices=3)
    return running


def test_record_commands_with_a_qbo_connection(books, tmp_path):
    table = run("query", "customers", "--connection", "books")
    assert "Customer 001" in table and "display_name" in table
    found = json.loads(run("query", "invoices", "--connection", "books", "--where",
                           "customer=Customer 002", "--where", "txn_date=2026-01-01..",
                           "--format", "json"))
    assert [i["DocNumber"] for i in found] == ["INV-0002"]
    csv_out = run("query", "invoices", "--connection", "books", "--format", "csv",
                  "--fields", "doc_number,total_amt")
    assert csv_out.splitlines()[0] == "doc_number,total_amt" and len(csv_out.splitlines()) == 4
    invoice = json.loads(run("get", "invoices", "INV-0001", "--connection", "books"))
    assert invoice["TotalAmt"] == "271.00" and len(invoice["Line"]) == 3
    assert json.loads(run("get", "customers", "Customer 000", "--connection", "books"))[
        "CompanyName"] == "Co 0"
    added = json.loads(run("add", "customers", "--connection", "books", "--data",
                           '{"display_name": "CLI Co", "bill_addr": {"city": "Reno"}}'))
    assert added["SyncToken"] == "0"
    changed = json.loads(run("modify", "customers", "CLI Co", "--connection", "books",
                             "--data", '{"notes": "hello"}'))
    assert changed["Notes"] == "hello" and changed["BillAddr"]["City"] == "Reno"
    stale = run("modify", "customers", added["Id"], "--connection", "books", "--data",
                '{"notes": "again"}', "--edit-sequence", "0", code=3)
    assert "conflict" in stale and "current 1" in stale
    assert json.loads(run("delete", "customers", "CLI Co", "--connection", "books"))[
        "Active"] is False
    assert json.loads(run("void", "invoices", "INV-0000", "--connection", "books"))[
        "PrivateNote"] == "Voided"
    assert json.loads(run("delete", "invoices", "INV-0002", "--connection", "books"))[
        "status"] == "Deleted"
    assert "no active Customer named 'Nobody'" in run(
        "add", "invoices", "--connection", "books", "--data",
        '{"customer_ref": "Nobody", "lines": [{"amount": 5, "description": "x"}]}', code=1)
    assert "cannot be expressed in QBO" in run("query", "invoices", "--connection", "books",
                                               "--where", "owner_ids=0", code=2)
    assert "speaks REST, not qbXML" in run("request", "--connection", "books", "-",
                                           input="<QBXML/>", code=5)
    run("export", "customers", "invoices", "--connection", "books", "--to",
        str(tmp_path / "books.jsonl"), "--quiet")
    summary = run("import", "customers", str(tmp_path / "books.jsonl"), "--connection",
                  "books", "--summary-json", "-", "--quiet")
    assert json.loads(summary)["skipped"] == 4
