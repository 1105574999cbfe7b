"""Small things a newcomer trips on: SIGTERM stops what ``run.py serve`` started; a second
``serve --demo`` on a busy port says so and changes nothing; one name for the qbXML version
option everywhere; ``request --check``; "no records" instead of a blank line; tables piped
whole."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys

import httpx
import pytest
from click.testing import CliRunner

from qbconnector.cli.help_examples import leaf_commands
from qbconnector.cli.main import cli
from tests.conftest import REPO


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM is POSIX's")
def test_sigterm_to_run_py_serve_stops_the_server_it_started(tmp_path, blank_company):
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copyfile(blank_company(), demo / "sample.qbdb")   # no sample to build: quick
    process = subprocess.Popen(
        [sys.executable, str(REPO / "run.py"), "serve", "--dir", str(demo), "--port", "0",
         "--admin-port", "0"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = None
        assert process.stdout is not None
        for line in process.stdout:
            if "a sample company served on " in line:
                url = line.split(" served on ")[1].strip()
            if line.startswith("Try it:"):
                break
        assert url, "the demo did not start"
        assert httpx.post(url, content=b"").status_code in (401, 411)   # it answers
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) is not None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with pytest.raises(httpx.ConnectError):
        httpx.post(url, content=b"", timeout=2)


def test_a_second_demo_on_a_busy_port_says_so_and_changes_nothing(tmp_path, blank_company):
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copyfile(blank_company(), demo / "sample.qbdb")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        settings = demo / "connector.toml"
        settings.write_text(f'Port = {port}\nLocalHost = "127.0.0.1"\n')
        before = settings.read_text()
        for extra in ([], ["--port", str(port)]):
            result = run("serve", "--demo", "--dir", str(demo), *extra)
            assert result.exit_code == 1, result.output
            assert f"port {port} on 127.0.0.1 is in use" in result.output
            assert "password" not in result.output
            assert settings.read_text() == before               # no password rotated
    finally:
        busy.close()


def test_one_name_for_the_qbxml_version_everywhere():
    takes_version = {}
    for path, command in leaf_commands(cli):
        for param in command.params:
            names = getattr(param, "opts", [])
            if any("version" in n for n in names):
                takes_version[" ".join(path)] = names
    assert {"query", "add", "request", "export", "import", "qbxml example",
            "qbxml validate", "qbxml messages"} <= set(takes_version)
    assert all("--qbxml-version" in names for names in takes_version.values()), takes_version


def test_request_check_exits_1_on_an_error_status_and_version_sets_the_header(
        blank_company):
    company = str(blank_company())
    good = ('<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="continueOnError">'
            "<CustomerQueryRq/></QBXMLMsgsRq></QBXML>")
    bad = good.replace("<CustomerQueryRq/>", "<CustomerModRq><CustomerMod><ListID>nope"
                       "</ListID><EditSequence>1</EditSequence></CustomerMod></CustomerModRq>")
    assert run("request", "--company", company, "--check", stdin=good).exit_code == 0
    refused = run("request", "--company", company, "--check", stdin=bad)
    assert refused.exit_code == 1
    assert "1 request(s) answered with an error: CustomerModRs 3000" in refused.output
    assert run("request", "--company", company, stdin=bad).exit_code == 0   # no --check
    old = run("request", "--company", company, "--qbxml-version", "2.0", stdin=good)
    assert old.exit_code == 0 and "<CustomerQueryRs" in old.output
    nonsense = run("request", "--company", company, "--qbxml-version", "99", stdin=good)
    assert nonsense.exit_code == 2 and "unknown qbxml version '99'" in nonsense.output


def test_an_empty_result_says_no_records_and_piped_tables_keep_ids_whole(blank_company):
    company = str(blank_company())
    empty = run("query", "customers", "--company", company)
    assert empty.exit_code == 0 and empty.output == "no records (Customer)\n"
    name = "Abercrombie-Fitzgerald Holdings Group LLC"              # 41 characters
    added = run("add", "customers", "--company", company, "--data", json.dumps({"name": name}))
    assert added.exit_code == 0
    table = run("query", "customers", "--company", company)
    list_id = json.loads(added.output)["ListID"]
    assert list_id in table.output and "…" not in table.output
    assert name in table.output
