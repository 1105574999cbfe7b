"""node-quickbooks, unchanged (installed from the npm registry into .cache/), against the
double: refresh, create, read, query, update, a stale update, paging past 1,000 rows
(fetchAll), void, delete, batch, CDC and a report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.qbo_double.conftest import CLIENT_ID, CLIENT_SECRET

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "node-quickbooks"
VERSION = "2.0.50"


@pytest.fixture(scope="session")
def node_quickbooks() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed")
    marker = CACHE / "node_modules" / "node-quickbooks" / "package.json"
    if not marker.exists() or json.loads(marker.read_text())["version"] != VERSION:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix",
                        str(CACHE), f"node-quickbooks@{VERSION}"], check=True, timeout=300)
    return CACHE / "node_modules"


def test_node_quickbooks(node_quickbooks, sample_double):
    tokens = sample_double.authorize(scope="com.intuit.quickbooks.accounting")
    env = {**os.environ, "NODE_PATH": str(node_quickbooks), "QBO_BASE": sample_double.base,
           "REALM": sample_double.realm, "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET,
           "ACCESS_TOKEN": tokens["access_token"], "REFRESH_TOKEN": tokens["refresh_token"],
           "NODE_ENV": "production"}
    script = Path(__file__).parent / "node" / "scenario.js"
    run = subprocess.run(["node", str(script)], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["refreshed"] is True
    assert out["created"]["SyncToken"] == "0" and out["read"] == "Node Quickbooks Person"
    assert out["updatedSyncToken"] == "1" and out["staleCode"] == "5010"
    assert out["found"] == [out["created"]["Id"]]
    assert out["count"] > 1000 and out["fetchAll"] == out["count"]
    assert out["invoice"]["TotalAmt"] == 80 and out["invoice"]["DocNumber"]
    assert out["voided"]["TotalAmt"] == 0 and out["voided"]["PrivateNote"] == "Voided"
    assert out["deleted"]["status"] == "Deleted"
    assert out["batch"] == ["b1:Customer,bId", "b2:QueryResponse,bId"]
    assert set(out["cdc"]) == {"Customer", "Invoice"}
    assert out["report"] == "BalanceSheet"
