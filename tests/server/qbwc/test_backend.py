"""The connector with ``Backend = "qbwc"``, driven by the Web Connector runner: the wire
protocol, the records API and the command line answered through a polling Web Connector;
iterators across requests; a clear answer when it does not poll; what a restart keeps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
from click.testing import CliRunner

import qbconnector
from qbconnector.cli.main import cli
from tests.server.qbwc.rig import (
    CLIENT,
    CLIENT_PASSWORD,
    WC_USER,
    Polling,
    customer_add,
    in_thread,
    qbxml,
)


def names_in(company) -> list[str]:
    with qbconnector.connect(str(company)) as qb:
        return sorted(c.name for c in qb.customers.query())


def test_the_wire_protocol_records_api_and_cli_through_a_polling_web_connector(rig):
    rig = rig()
    with Polling(rig.runner()):
        # the wire protocol: one POST, answered by the sandbox behind the Web Connector
        answer = rig.post(customer_add("Wire Co"))
        assert answer.status_code == 200, answer.text
        assert 'statusCode="0"' in answer.text and "<Name>Wire Co</Name>" in answer.text
        # the records API: adds, then pages with a QuickBooks iterator (3 pages of 2)
        with qbconnector.connect(rig.client_url()) as qb:
            for name in ("Api A", "Api B", "Api C", "Api D"):
                qb.customers.add(name=name)
            paged = [c.name for c in qb.customers.query(page_size=2)]
        assert paged == ["Api A", "Api B", "Api C", "Api D", "Wire Co"]
        # iterators across separate requests (no persistent connection): the update stays
        # open KeepOpen seconds, so the iterator's QuickBooks session is still there
        start = rig.post(qbxml('<CustomerQueryRq requestID="1" iterator="Start">'
                               "<MaxReturned>3</MaxReturned></CustomerQueryRq>"))
        iterator = start.text.split('iteratorID="')[1].split('"')[0]
        rest = rig.post(qbxml(f'<CustomerQueryRq requestID="2" iterator="Continue" '
                              f'iteratorID="{iterator}"><MaxReturned>3</MaxReturned>'
                              "</CustomerQueryRq>"))
        assert 'iteratorRemainingCount="0"' in rest.text and rest.text.count("<CustomerRet>") == 2
        # the command line, as a user runs it
        env = {**os.environ, "QBCONNECTOR_PASSWORD": CLIENT_PASSWORD}
        url = rig.url.replace("http://", f"http://{CLIENT}@")
        done = subprocess.run([sys.executable, "-m", "qbconnector.cli.main", "query",
                               "customers", "--url", url, "--format", "json",
                               "--page-size", "2"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "Api C" in done.stdout and "Wire Co" in done.stdout
    assert names_in(rig.company) == ["Api A", "Api B", "Api C", "Api D", "Wire Co"]
    # the queue and the last poll, in the status output and on the console's Status tab
    shown = CliRunner().invoke(cli, ["qbwc", "status", "--config", str(rig.settings_path),
                                     "--json"])
    [row] = json.loads(shown.output)
    assert row["user"] == WC_USER and row["waiting"] == 0 and row["answered"] >= 8
    assert row["last_poll"] != "never" and row["qbxml_version"]
    queue = rig.server.state.snapshot()["queues"][f"Web Connector {WC_USER}"]
    assert queue["waiting"] == 0 and queue["last poll"] != "never"
    assert any(text.startswith("Request ") for _, text in rig.reports)


def test_a_client_gets_a_clear_answer_when_the_web_connector_does_not_poll(rig):
    rig = rig(Timeout=1)
    answer = rig.post(customer_add("Never Run"))
    assert answer.status_code == 503 and answer.headers["retry-after"]
    assert "has never polled" in answer.text and "did not run" in answer.text
    # the request was withdrawn: a Web Connector that polls later has nothing to run
    runner = rig.runner()
    assert runner.run_once().status == "nothing to do"
    assert names_in(rig.company) == []
    shown = CliRunner().invoke(cli, ["qbwc", "status", "--config", str(rig.settings_path)])
    assert "1 withdrawn" in shown.output and "last poll 20" in shown.output
    # once it has polled, the next timeout says when it last did
    answer = rig.post(customer_add("Still Not Run"))
    assert answer.status_code == 503 and "last polled at 20" in answer.text


def wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_restart_answers_waiting_clients_and_runs_nothing_they_were_told_did_not_run(rig):
    rig = rig()
    thread, out = in_thread(lambda: rig.post(customer_add("Restarted")))
    wait_until(lambda: waiting(rig) == 1)
    before = rig.url
    rig.server.request_restart()
    thread.join(10)
    [answer] = out
    assert answer.status_code == 503 and "connector is stopping" in answer.text
    wait_until(lambda: restarted(rig, before))
    assert rig.runner().run_once().status == "nothing to do"
    assert names_in(rig.company) == []


def waiting(rig) -> int:
    from qbconnector.server.qbwc.status import status_rows
    from qbconnector.server.settings import load_settings

    return status_rows(load_settings(rig.settings_path))[0]["waiting"]


def restarted(rig, before: str) -> bool:
    """The connector listens again (Port 0: on another port than ``before``)."""
    if rig.url == before:
        return False
    try:
        return httpx.get(rig.url + "qbwc?wsdl", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_error_recovery_works_across_polls(rig):
    """A write sent with newMessageSetID, answered in one update; asked again with
    oldMessageSetID in a later update: QuickBooks answers from what it kept, and does not
    run it twice."""
    rig = rig()
    add = customer_add("Once Only").replace("<QBXMLMsgsRq ",
                                            '<QBXMLMsgsRq newMessageSetID="set-1" ')
    with Polling(rig.runner()) as polling:
        first = rig.post(add)
        wait_until(lambda: any(r.requests for r in polling.results))   # that update closed
        again = rig.post(add.replace('newMessageSetID="set-1"', 'newMessageSetID="set-2" '
                                                                'oldMessageSetID="set-1"'))
    assert first.status_code == again.status_code == 200
    assert first.text == again.text and "<Name>Once Only</Name>" in again.text
    assert [r.requests for r in polling.results if r.requests] == [1, 1]   # two updates
    assert names_in(rig.company) == ["Once Only"]
