"""The runner, as a user runs it (``qbconnector webconnector run``), against quickbooks-js's
Web Connector service (npm, unchanged; installed into the gitignored .cache/) with a job that
pages through customers with an iterator and adds a customer in a sandbox company."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import qbconnector
from qbconnector.qbwc_wire.qwc import QWC, render
from tests.npm import npm_package
from tests.webconnector.conftest import CUSTOMERS

VERSION = "1.0.0"


@pytest.fixture(scope="session")
def quickbooks_js() -> Path:
    return npm_package("quickbooks-js", VERSION)


@pytest.fixture
def service(quickbooks_js: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    events = tmp_path / "events.jsonl"
    env = {**os.environ, "NODE_PATH": str(quickbooks_js), "EVENTS": str(events),
           "QB_USERNAME": "node", "QB_PASSWORD": "node-secret", "QB_COMPANY_FILE": ""}
    process = subprocess.Popen(["node", str(Path(__file__).parent / "node" / "service.js")],
                               env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening "), line
        yield f"http://127.0.0.1:{line.split()[1]}/wsdl", events
    finally:
        process.terminate()
        process.wait(10)


def run(qwc: Path, company: Path, password: str = "node-secret") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qbconnector.cli.main", "webconnector", "run", str(qwc),
         "--company", str(company), "--password-env", "NODE_WC_PASSWORD"],
        env={**os.environ, "NODE_WC_PASSWORD": password}, capture_output=True, text=True,
        timeout=60)


def test_quickbooks_js_pages_with_an_iterator_and_adds_a_customer(service, company: Path,
                                                                   tmp_path: Path):
    url, events = service
    qwc = tmp_path / "node.qwc"
    qwc.write_text(render(QWC(app_name="Node Sync", app_url=url, user_name="node",
                              owner_id="{57571CAA-E934-4F14-B3BF-DFDBACDD273A}",
                              file_id="{DC25FDA6-BCE2-493B-9E04-A1560BDE96E4}")))
    refused = run(qwc, company, password="wrong")
    assert refused.returncode == 1 and "Authentication failed" in refused.stderr
    done = run(qwc, company)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Server version: 0.2.0" in done.stdout
    assert "Progress: 100%" in done.stdout and "Status: Update completed" in done.stdout
    seen = [json.loads(line) for line in events.read_text().splitlines()]
    pages = [e["names"] for e in seen if e["kind"] == "page"]
    assert pages == [CUSTOMERS[0:2], CUSTOMERS[2:4], CUSTOMERS[4:5]]
    assert [e["status"] for e in seen if e["kind"] == "add"] == ["0"]
    again = run(qwc, company)   # the job is done: quickbooks-js answers NONE
    assert again.returncode == 0 and "No data exchange required" in again.stdout
    with qbconnector.connect(str(company)) as qb:
        assert [c.name for c in qb.customers.query(full_names=["Added By Node"])] == [
            "Added By Node"]
