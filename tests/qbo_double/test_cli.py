"""``qbconnector qbo serve``: creates the file, prints a client pair once, serves on loopback;
bad options are clear errors, not tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import httpx
from click.testing import CliRunner

from qbconnector.cli.main import cli


def serve(*args: str) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen([sys.executable, "-m", "qbconnector.cli.main", "qbo", "serve",
                                "--port", "0", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        if line.startswith("Ctrl+C"):
            break
    return process, lines


def test_serve_creates_prints_credentials_and_serves(tmp_path):
    company = tmp_path / "c.qbo"
    process, lines = serve("--company", str(company), "--auto-consent")
    try:
        text = "\n".join(lines)
        base = re.search(r"double on (http://127\.0\.0\.1:\d+)", text).group(1)
        realm = re.search(r"company\s+(\d{16})", text).group(1)
        client_id = re.search(r"client id\s+(\S+)", text).group(1)
        secret = re.search(r"client secret\s+(\S+)", text).group(1)
        assert company.exists()
        redirect = "http://localhost:8000/callback"
        reply = httpx.get(f"{base}/connect/oauth2", params={
            "client_id": client_id, "response_type": "code", "redirect_uri": redirect,
            "scope": "com.intuit.quickbooks.accounting", "state": "1"})
        code = parse_qs(urlsplit(reply.headers["location"]).query)["code"][0]
        tokens = httpx.post(f"{base}/oauth2/v1/tokens/bearer", auth=(client_id, secret), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect}).json()
        info = httpx.get(f"{base}/v3/company/{realm}/companyinfo/{realm}", headers={
            "Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"})
        assert info.json()["CompanyInfo"]["CompanyName"] == "My Company"
    finally:
        process.terminate()
        process.wait(timeout=10)
    again, lines = serve("--company", str(company), "--sample", "small")
    again.terminate()
    again.wait(timeout=10)
    text = "\n".join(lines)
    assert "client secret" not in text  # printed once, when the pair was made
    assert "--sample applies to a new file only" in text


def test_option_errors_are_clear():
    runner = CliRunner()
    result = runner.invoke(cli, ["qbo", "serve", "--client-id", "x"])
    assert result.exit_code == 2 and "--client-secret" in result.output
    result = runner.invoke(cli, ["qbo", "serve", "--throttle", "fast"])
    assert result.exit_code == 2 and "--throttle" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_not_a_company_file(tmp_path):
    bogus = tmp_path / "bogus.qbo"
    bogus.write_text("this is not sqlite " * 100)
    result = CliRunner().invoke(cli, ["qbo", "serve", "--company", str(bogus), "--port", "0"])
    assert result.exit_code == 1 and "cannot open" in result.output
    assert "Traceback" not in result.output
