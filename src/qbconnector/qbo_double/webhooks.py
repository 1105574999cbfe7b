"""Webhook notifications: each change POSTed to the configured URL, signed as Intuit signs.

The body is the legacy ``eventNotifications`` payload or the CloudEvents array (``--webhook-format
cloudevents``); the ``intuit-signature`` header is base64(HMAC-SHA256(verifier token, body)).
Deliveries run on a background thread, batched for a short window, and a receiver that fails
(no answer, or not 2xx) is retried with growing pauses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass

import httpx

log = logging.getLogger("qbconnector.qbo_double.webhooks")
OPERATIONS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided",
              "Merge": "merged", "Emailed": "emailed"}


def sign(verifier_token: str, body: bytes) -> str:
    """The ``intuit-signature`` of a body."""
    mac = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


@dataclass
class Event:
    realm: str
    entity: str
    id: str
    operation: str
    time: str


def legacy_payload(events: list[Event]) -> dict:
    """``{"eventNotifications":[{"realmId", "dataChangeEvent":{"entities":[…]}}]}``, one
    notification per realm."""
    by_realm: dict[str, list[Event]] = {}
    for event in events:
        by_realm.setdefault(event.realm, []).append(event)
    return {"eventNotifications": [
        {"realmId": realm, "dataChangeEvent": {"entities": [
            {"name": e.entity, "id": e.id, "operation": e.operation,
             "lastUpdated": e.time} for e in items]}}
        for realm, items in by_realm.items()]}


def cloudevents_payload(events: list[Event]) -> list[dict]:
    """The CloudEvents array Intuit moves to in 2026."""
    return [{"specversion": "1.0", "id": str(uuid.uuid4()), "source": "intuit.qbo-double",
             "type": f"qbo.{e.entity.lower()}.{OPERATIONS.get(e.operation, 'updated')}.v1",
             "datacontenttype": "application/json", "time": e.time,
             "intuitentityid": e.id, "intuitaccountid": e.realm, "data": {}} for e in events]


class WebhookSender:
    """Queues events and delivers them; ``flush()`` waits until the queue is empty."""

    def __init__(self, url: str, verifier_token: str, *, format: str = "legacy",
                 window: float = 0.2, retries: int = 5, backoff: float = 0.5) -> None:
        self.url, self.token, self.format = url, verifier_token, format
        self.window, self.retries, self.backoff = window, retries, backoff
        self._queue: queue.Queue[Event | None] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self.delivered = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name="qbo-webhooks", daemon=True)
        self._thread.start()

    def __call__(self, realm: str, entity: str, id_: str, operation: str, stamp: str) -> None:
        self._idle.clear()
        self._queue.put(Event(realm, entity, id_, operation, stamp))

    def flush(self, timeout: float = 10.0) -> bool:
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def body(self, events: list[Event]) -> bytes:
        payload = cloudevents_payload(events) if self.format == "cloudevents" else \
            legacy_payload(events)
        return json.dumps(payload, separators=(",", ":")).encode()

    def _run(self) -> None:
        with httpx.Client(timeout=3.0) as client:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                events = [first]
                deadline = time.monotonic() + self.window
                stop = False
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        item = self._queue.get(timeout=left)
                    except queue.Empty:
                        break
                    if item is None:
                        stop = True
                        break
                    events.append(item)
                self._deliver(client, events)
                if self._queue.empty():
                    self._idle.set()
                if stop:
                    return

    def _deliver(self, client: httpx.Client, events: list[Event]) -> None:
        body = self.body(events)
        headers = {"Content-Type": "application/json", "intuit-signature": sign(self.token, body),
                   "User-Agent": "qbo-double-webhooks"}
        for attempt in range(self.retries + 1):
            try:
                reply = client.post(self.url, content=body, headers=headers)
                if 200 <= reply.status_code < 300:
                    self.delivered += 1
                    return
                why = f"HTTP {reply.status_code}"
            except httpx.HTTPError as exc:
                why = type(exc).__name__
            log.warning("webhook to %s failed (%s), attempt %d of %d", self.url, why,
                        attempt + 1, self.retries + 1)
            time.sleep(self.backoff * (2 ** attempt))
        self.failed += 1
