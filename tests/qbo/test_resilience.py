"""What QBO users suffer from, handled: tokens that expire mid-run or are revoked, two
processes refreshing at once, throttling, 5xx answers, and a connection broken after a create
was sent — against the double on loopback (and a lossy proxy in front of it)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import qbconnector
from qbconnector.qbo.tokens import FileTokenStore
from qbconnector.qbo_double.throttle import Limits
from tests.qbo.conftest import NAME, login, seed
from tests.qbo.proxy import LossyProxy, first_time
from tests.qbo_double.conftest import CLIENT_ID, CLIENT_SECRET

HOUR = 3600


class Expire:
    """A progress callback that lets the double's clock pass an hour after ``after`` records
    (the client's tokens expire on the server while the export is reading)."""

    def __init__(self, running, after: int) -> None:
        self.running, self.after, self.seen = running, after, 0

    def start(self, type_name, total):  # noqa: ANN001
        pass

    def advance(self, count: int) -> None:
        self.seen += count
        if self.seen == self.after:
            self.running.clock.advance(HOUR + 60)

    def finish(self) -> None:
        pass


def access_tokens_issued(running) -> int:
    with running.double.store.lock:
        return running.double.store.db.execute(
            "SELECT count(*) FROM oauth_token WHERE kind = 'access'").fetchone()[0]


def test_token_expiry_mid_export_is_refreshed_and_nothing_is_lost(online, tmp_path):
    qb = online
    seed(qb, customers=100)
    stored = FileTokenStore(NAME).load()
    summary = qbconnector.api.export(qb, ["customers"], str(tmp_path / "c.jsonl"),
                                     progress=Expire(qb.running, after=10))
    lines = (tmp_path / "c.jsonl").read_text().splitlines()
    assert summary.records == len(lines) == 100
    assert qb.session.stats.unauthorized == 1 and qb.session.credentials.refreshes == 1
    renewed = FileTokenStore(NAME).load()
    assert renewed.access_token != stored.access_token    # saved before it was used


def test_an_access_token_about_to_expire_is_refreshed_first(online):
    qb = online
    store = FileTokenStore(NAME)
    tokens = store.load()
    tokens.access_expires_at = time.time() + 30             # inside the two-minute margin
    store.save(tokens)
    qb.session.credentials._tokens = None                   # as a new process would read it
    assert qb.customers.count() == 0
    assert qb.session.credentials.refreshes == 1 and qb.session.stats.unauthorized == 0


def test_a_revoked_grant_says_to_log_in_again(online):
    qb = online
    running = qb.running
    tokens = FileTokenStore(NAME).load()
    answer = httpx.post(f"{running.base}/v2/oauth2/tokens/revoke", auth=(CLIENT_ID,
                        CLIENT_SECRET), json={"token": tokens.refresh_token})
    assert answer.status_code == 200
    with pytest.raises(qbconnector.AuthenticationError) as caught:
        qb.customers.count()
    text = str(caught.value)
    assert f"qbconnector qbo login {NAME} --client-id {CLIENT_ID} --environment " \
           f"{running.base}" in text and "revoked" in text


def test_two_processes_refreshing_at_once_share_one_refresh(double, tmp_path):
    running = double()
    login(running)
    store = FileTokenStore(NAME)
    tokens = store.load()
    tokens.access_expires_at = 0                             # both must refresh
    store.save(tokens)
    running.clock.advance(HOUR + 60)
    issued = access_tokens_issued(running)
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, str(Path(__file__).with_name(
        "refresh_worker.py")), str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for _ in range(2)]
    time.sleep(0.3)
    go.touch()
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        reports.append(json.loads(out))
    assert [r["count"] for r in reports] == [0, 0]
    assert sorted(r["refreshes"] for r in reports) == [0, 1]
    assert access_tokens_issued(running) == issued + 1
    assert store.load().access_token != tokens.access_token


def test_throttling_during_an_import_waits_and_retries(double, tmp_path):
    running = double(throttle=Limits(per_minute=100_000, per_second=2,
                                     batch_per_minute=100_000))
    login(running)
    source = tmp_path / "customers.jsonl"
    source.write_text("".join(json.dumps({"DisplayName": f"Throttled {n}"}) + "\n"
                              for n in range(8)))
    with qbconnector.connect(NAME, backoff=0.35, retries=8) as qb:
        summary = qbconnector.api.import_file(qb, "customers", source, batch_size=4,
                                              results=tmp_path / "results.csv")
        assert qb.session.stats.throttled > 0
        assert summary.added == 8 and summary.errors == 0
        assert qb.customers.count(name_starts_with="Throttled") == 8
    rows = (tmp_path / "results.csv").read_text().splitlines()
    assert len(rows) == 9 and all(",add," in row for row in rows[1:])


def test_a_create_whose_answer_was_lost_is_not_done_twice(double):
    running = double()
    login(running)
    rule = first_time("POST", "/customer", "drop")
    with LossyProxy(running.base, rule) as proxy, \
            qbconnector.connect(NAME, api_url=proxy.url, backoff=0.05) as qb:
        created = qb.customers.add(display_name="Exactly Once")
        assert created.display_name == "Exactly Once"
        posts = [s for s in proxy.seen if s[0] == "POST"]
        assert len(posts) == 2 and posts[0][2] == "drop"
        assert posts[0][1].split("requestid=")[1] == posts[1][1].split("requestid=")[1]
        assert qb.session.stats.retries == 1
        assert qb.customers.count(name_contains="Exactly") == 1
        with qb.batch() as batch:
            results = [batch.customers.add(display_name=f"Batched {n}") for n in range(3)]
        assert all(r.ok for r in results)


def test_server_errors_are_retried_and_a_dead_service_is_a_transport_error(double):
    running = double()
    login(running)
    with LossyProxy(running.base, first_time("POST", "/query", "503")) as proxy, \
            qbconnector.connect(NAME, api_url=proxy.url, backoff=0.05) as qb:
        assert qb.customers.count() == 0
        assert qb.session.stats.retries == 1
    with LossyProxy(running.base, lambda method, path: "503") as proxy, \
            qbconnector.connect(NAME, api_url=proxy.url, backoff=0.01, retries=2) as qb, \
            pytest.raises(qbconnector.TransportError, match="after 2 retries"):
        qb.customers.count()
