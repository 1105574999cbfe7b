"""node-quickbooks, unchanged (installed from the npm registry into .cache/), against the
double: refresh, create, read, query, update, a stale update, paging past 1,000 rows
(fetchAll), void, delete, batch, CDC and a report."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.npm import npm_package
from tests.qbo_double.conftest import CLIENT_ID, CLIENT_SECRET

VERSION = "2.0.50"


@pytest.fixture(scope="session")
def node_quickbooks() -> Path:
    return npm_package("node-quickbooks", VERSION)


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
