"""The Web Connector queues at a glance, read from the queue file beside a settings file —
what ``qbconnector qbwc status`` prints, whether or not the connector runs."""

from __future__ import annotations

import time
from typing import Any

from qbconnector.server.qbwc.backend import queue_path, when
from qbconnector.server.qbwc.queue import ANSWERED, FAILED, QUEUED, SENT, WITHDRAWN, JobQueue
from qbconnector.server.settings import Settings


def status_rows(settings: Settings, now: float | None = None) -> list[dict[str, Any]]:
    """One row per Web Connector user (configured, or with jobs in the queue file)."""
    now = time.time() if now is None else now
    path = queue_path(settings.path)
    queue = JobQueue(path, prune=False) if path is not None and path.exists() else None
    try:
        names = list(settings.WebConnectorUsers)
        names += [n for n in (queue.users() if queue else []) if n not in names]
        rows = []
        for name in names:
            counts = queue.counts(name, now - 24 * 3600) if queue else {}
            seen = queue.seen(name) if queue else None
            user = settings.WebConnectorUsers.get(name)
            rows.append({
                "user": name, "configured": user is not None,
                "company_file": user.CompanyFile if user else "",
                "waiting": counts.get(QUEUED, 0), "handed_out": counts.get(SENT, 0),
                "answered": counts.get(ANSWERED, 0), "failed": counts.get(FAILED, 0),
                "withdrawn": counts.get(WITHDRAWN, 0),
                "last_poll": when(seen.last_poll if seen else None),
                "last_outcome": seen.last_outcome if seen else "",
                "web_connector_company": seen.company if seen else "",
                "qbxml_version": seen.version if seen else "",
            })
        return rows
    finally:
        if queue is not None:
            queue.close()
