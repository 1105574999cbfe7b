"""A connector killed (kill -9) with a request queued for the Web Connector: the queue is on
disk, so after the restart the Web Connector runs it, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.server.qbwc.rig import customer_add, in_thread, make_rig
from tests.server.qbwc.test_backend import names_in, wait_until, waiting


def serve(settings: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "qbconnector.cli.main", "serve",
                                "--config", str(settings)], stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("qbconnector serving"):
            return process, line.split(" on ")[-1].split()[0]
    raise AssertionError(f"the connector did not start (exit {process.wait()})")


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is POSIX")
def test_a_killed_connector_keeps_its_queue_and_nothing_runs_twice(tmp_path: Path):
    rig = make_rig(tmp_path, Timeout=30)
    process, url = serve(rig.settings_path)
    try:
        thread, out = in_thread(lambda: httpx.post(url, content=customer_add(
            "Survivor").encode(), auth=("alice", "alice-secret"), timeout=30,
            headers={"X-AcctSyncInteractionType": "0"}))
        wait_until(lambda: waiting(rig) == 1)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        thread.join(10)
        assert isinstance(out[0], httpx.TransportError)   # the client saw the connection drop
        process, url = serve(rig.settings_path)
        runner = rig.runner(url=url + "qbwc")
        first = runner.run_once()
        assert first.ok and first.requests == 1, rig.reports
        assert runner.run_once().status == "nothing to do"
        runner.close()
        assert names_in(rig.company) == ["Survivor"]
    finally:
        process.terminate()
        process.wait(10)
