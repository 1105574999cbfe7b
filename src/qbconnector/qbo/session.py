"""The REST session: every call to ``/v3/company/{realm}/...`` goes through :meth:`call`.

What it does for every call, so nothing above it has to:

- ``Authorization: Bearer`` with a valid token (refreshed ahead of expiry, and once more on a
  401) and ``minorversion`` pinned (75 unless told otherwise), so answers do not drift;
- answers read with exact money: JSON numbers keep their text (records give Decimal);
- retries with exponential backoff (``Retry-After`` honoured when sent) on 429, on 500, 502,
  503, 504 and on a broken or refused connection, up to ``retries`` times; a 429 that
  persists raises :class:`~qbconnector.qbo.faults.ThrottledError`;
- every write carries a ``requestid`` that stays the same across its retries, so a write
  whose answer was lost is not done twice: QBO answers the retry with the first answer;
- faults in any shape (JSON, the gateway's, XML) become the public errors
  (:mod:`qbconnector.qbo.faults`).

``stats`` counts requests, retries, throttled answers and refreshes (for logs and tests).
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from qbconnector.errors import QBConnectorError, TransportError
from qbconnector.qbo.credentials import Credentials
from qbconnector.qbo.faults import ThrottledError, error_for, read_fault
from qbconnector.qbo.oauth import USER_AGENT
from qbconnector.responses import release

log = logging.getLogger(__name__)
MINOR_VERSION = "75"
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_WAIT = 60.0


@dataclass
class Stats:
    """What a session did: requests sent, retries, 429 answers, access tokens refreshed."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    unauthorized: int = 0


@dataclass
class Answer:
    """A successful answer: parsed JSON (or raw bytes for PDFs) and its ``intuit_tid``."""

    data: Any
    tid: str = ""


class QBOSession:
    """Calls to one company (realm) of QuickBooks Online."""

    def __init__(self, api_url: str, credentials: Credentials, *,
                 minor_version: str = MINOR_VERSION, retries: int = 5, backoff: float = 1.0,
                 timeout: float = 120.0, http: httpx.Client | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.credentials = credentials
        self.minor_version = str(minor_version)
        self.retries = retries
        self.backoff = backoff
        self.stats = Stats()
        self.server_time: str | None = None      # the ``time`` of the last answer (QBO's clock)
        self._http = http or httpx.Client(
            timeout=timeout, headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            limits=httpx.Limits(max_keepalive_connections=4))
        self._own_http = http is None
        self._base: str | None = None

    @property
    def realm_id(self) -> str:
        return self.credentials.realm_id

    @property
    def base(self) -> str:
        if self._base is None:
            self._base = f"{self.api_url}/v3/company/{self.realm_id}"
        return self._base

    def close(self) -> None:
        if self._own_http:
            self._http.close()
        self.credentials.close()

    # -- calls ----------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None, *, operation: str = "read",
            entity: str = "") -> Any:
        return self.call("GET", path, params=params, operation=operation, entity=entity).data

    def post(self, path: str, body: Any, params: dict[str, Any] | None = None, *,
             operation: str = "create", entity: str = "", record: Any = None,
             **error_extra: Any) -> Any:
        return self.call("POST", path, params=params, body=body, operation=operation,
                         entity=entity, record=record, **error_extra).data

    def query(self, text: str, *, entity: str = "") -> dict[str, Any]:
        """``QueryResponse`` of a query (POSTed as ``application/text``: no length limit)."""
        data = self.call("POST", "query", content=text.encode("utf-8"),
                         content_type="application/text", operation="query",
                         entity=entity).data
        return data.get("QueryResponse") or {}

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
             body: Any = None, content: bytes | None = None, content_type: str | None = None,
             operation: str = "", entity: str = "", record: Any = None,
             **error_extra: Any) -> Answer:
        """One API call with refresh, retries and fault mapping (see the module doc)."""
        query = {"minorversion": self.minor_version, **(params or {})}
        writes = method == "POST" and operation not in ("query", "report")
        if writes:
            query.setdefault("requestid", uuid.uuid4().hex)   # kept for every retry
        headers = {}
        if body is not None:
            from qbconnector.qbo_wire.values import dumps

            content = dumps(body).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        url = f"{self.base}/{path}"
        attempt = 0
        refreshed = False
        while True:
            token = self.credentials.access_token()
            headers["Authorization"] = f"Bearer {token}"
            self.stats.requests += 1
            try:
                reply = self._http.request(method, url, params=query, content=content,
                                           headers=headers)
                release(reply)   # its body is freed as soon as it is read, not at a collection
            except httpx.TransportError as exc:
                attempt += 1
                if attempt > self.retries:
                    raise TransportError(f"QuickBooks Online could not be reached ({exc}); "
                                         f"gave up after {self.retries} retries") from exc
                self._wait(attempt, None, f"connection failed ({exc})")
                continue
            if reply.status_code == 401 and not refreshed:
                self.stats.unauthorized += 1
                refreshed = True
                self.credentials.refresh(token)
                continue
            if reply.status_code in RETRY_STATUSES:
                if reply.status_code == 429:
                    self.stats.throttled += 1
                attempt += 1
                if attempt > self.retries:
                    raise self._final(reply, operation, entity, record, error_extra)
                self._wait(attempt, reply, f"HTTP {reply.status_code}")
                continue
            if reply.status_code >= 400:
                raise self._final(reply, operation, entity, record, error_extra)
            return Answer(self._read(reply), reply.headers.get("intuit_tid", ""))

    def _read(self, reply: httpx.Response) -> Any:
        kind = reply.headers.get("content-type", "")
        if "json" not in kind:
            return reply.content
        try:   # numbers kept as their exact text; records type them when read
            data = json.loads(reply.content, parse_float=str)
        except ValueError as exc:
            raise TransportError(f"QuickBooks Online answered JSON that cannot be read: "
                                 f"{exc}") from None
        if isinstance(data, dict) and isinstance(data.get("time"), str):
            self.server_time = data["time"]
        return data

    def _final(self, reply: httpx.Response, operation: str, entity: str, record: Any,
               extra: dict[str, Any]) -> QBConnectorError:
        tid = reply.headers.get("intuit_tid", "")
        faults = read_fault(reply.content, reply.headers.get("content-type", ""))
        if reply.status_code == 429:
            return ThrottledError(f"QuickBooks Online is throttling this app (HTTP 429, "
                                  f"{self.retries} retries){_tid(tid)}")
        if reply.status_code >= 500 and not faults:
            return TransportError(f"QuickBooks Online failed (HTTP {reply.status_code}) "
                                  f"after {self.retries} retries{_tid(tid)}")
        error = error_for(faults, status=reply.status_code, operation=operation,
                          entity=entity, record=record, **extra)
        error.intuit_tid = tid     # type: ignore[attr-defined]  # what Intuit support asks for
        return error

    def _wait(self, attempt: int, reply: httpx.Response | None, why: str) -> None:
        self.stats.retries += 1
        delay = min(MAX_WAIT, self.backoff * (2 ** (attempt - 1)))
        delay *= 0.75 + random.random() / 2            # jitter: clients do not march together
        hinted = _retry_after(reply) if reply is not None else None
        if hinted is not None:
            delay = min(MAX_WAIT, max(delay, hinted))
        log.warning("QuickBooks Online: %s; retry %d of %d in %.1f s", why, attempt,
                    self.retries, delay)
        time.sleep(delay)


def _retry_after(reply: httpx.Response) -> float | None:
    value = reply.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(Decimal(value)))
    except ArithmeticError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _tid(tid: str) -> str:
    return f" (intuit_tid {tid})" if tid else ""
