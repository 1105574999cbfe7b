"""Webhooks: each change POSTed as Intuit's payload, signed with intuit-signature, retried when
the receiver fails."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from qbconnector.qbo_double.webhooks import WebhookSender, sign
from tests.conftest import REFERENCE
from tests.qbo_double.conftest import start

TOKEN = "verifier-token-for-tests"


class Receiver:
    """A loopback HTTP receiver that fails its first ``failures`` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[tuple[bytes, str]] = []
        self.failures = failures
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.failures:
                    outer.failures -= 1
                    self.send_response(503)
                else:
                    outer.bodies.append((body, self.headers["intuit-signature"]))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_signature_matches_the_reference_vectors():
    path = REFERENCE / "qbo" / "fixtures" / "132-webhook-signature-vectors.json"
    if not path.is_file():
        import pytest

        pytest.skip("../shared/reference/qbo is absent")
    vectors = json.loads(path.read_text())["vectors"]
    checked = 0
    for vector in vectors:
        ours = sign(vector["verifier_token"], vector["payload"].encode())
        assert (ours == vector["intuit_signature"]) is vector["valid"]
        checked += 1
    assert checked >= 2


def test_changes_are_posted_signed_and_retried(blank_template, tmp_path):
    receiver = Receiver(failures=1)
    sender = WebhookSender(receiver.url, TOKEN, window=0.05, backoff=0.05)
    running = start(blank_template, tmp_path, notify=sender)
    try:
        with running.client() as client:
            created = client.post("/customer", json={"DisplayName": "Hooked"}).json()
            client.post("/customer", json={"Id": created["Customer"]["Id"], "SyncToken": "0",
                                           "sparse": True, "Notes": "changed"})
        assert sender.flush(10)
        entities = []
        for body, signature in receiver.bodies:
            expected = base64.b64encode(hmac.new(TOKEN.encode(), body, hashlib.sha256)
                                        .digest()).decode()
            assert signature == expected
            for note in json.loads(body)["eventNotifications"]:
                assert note["realmId"] == running.realm
                entities += note["dataChangeEvent"]["entities"]
        operations = [(e["name"], e["operation"]) for e in entities]
        assert ("Customer", "Create") in operations and ("Customer", "Update") in operations
        assert receiver.failures == 0  # the failed first delivery was retried
    finally:
        running.server.stop()
        running.double.close()
        sender.close()
        receiver.close()


def test_cloudevents_format():
    receiver = Receiver()
    sender = WebhookSender(receiver.url, TOKEN, format="cloudevents", window=0.01)
    try:
        sender("123", "Invoice", "7", "Delete", "2026-01-01T00:00:00-08:00")
        assert sender.flush(10)
        events = json.loads(receiver.bodies[0][0])
        assert events[0]["type"] == "qbo.invoice.deleted.v1"
        assert events[0]["intuitaccountid"] == "123" and events[0]["intuitentityid"] == "7"
    finally:
        sender.close()
        receiver.close()
