"""The Web Connector as the connector's backend: requests queued until a Web Connector asks.

A client's request (the wire protocol, the records API, the CLI) becomes a job in the queue of
the Web Connector user whose ``CompanyFile`` it names; the worker thread of that company file
waits for the answer, so requests still go one at a time and in order. A request that is not
handed out within ``Timeout`` is withdrawn and its client told it did not run; one handed out
is waited for once more as long, since QuickBooks is working on it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from qbconnector.qbxml.access import refuse_writes
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.qbxml.spec import load as load_spec
from qbconnector.qbxml.spec import version_key
from qbconnector.qbxml.status import (
    HR_COULD_NOT_OPEN_FILE,
    HR_COULD_NOT_START,
    HR_INVALID_TICKET,
    HR_NO_CONNECTION,
)
from qbconnector.server.app import BackendHost
from qbconnector.server.logs import LOGGER_NAME
from qbconnector.server.qbwc.queue import ANSWERED, FAILED, QUEUED, SENT, Job, JobQueue
from qbconnector.server.settings import WebConnectorUser
from qbconnector.server.workers import QueueTimeout

log = logging.getLogger(LOGGER_NAME)
PATH = "/qbwc"
DEFAULT_VERSION = "13.0"
#: A Web Connector that polled this recently counts as able to reach its company file.
RECENT_POLL_SECONDS = 600


def queue_path(settings_path: str) -> Path | None:
    """Where the queue of a settings file lives: beside it (``connector.qbwc.sqlite``)."""
    if not settings_path:
        return None
    path = Path(settings_path)
    return path.with_name(path.stem + ".qbwc.sqlite")


def when(moment: float | None) -> str:
    if not moment:
        return "never"
    return dt.datetime.fromtimestamp(moment).astimezone().isoformat(timespec="seconds")


def _same_file(a: str, b: str) -> bool:
    def norm(path: str) -> str:
        return path.strip().replace("\\", "/").rstrip("/").casefold()
    return norm(a) == norm(b)


class WebConnectorBackend:
    """The queues and the Web Connector service of one connector (see the module doc).

    The connector calls :meth:`serve` when it starts (and after a restart): the queue file is
    opened beside its settings file and ``/qbwc`` is served; :meth:`interrupt` when it stops.
    """

    def __init__(self, read_only: bool = False, clock: Callable[[], float] = time.time) -> None:
        self.read_only = read_only
        self._clock = clock
        self.host: BackendHost | None = None
        self.queue: JobQueue | None = None

    # -- the connector's calls -------------------------------------------------------------------
    def serve(self, host: BackendHost) -> Mapping[str, Any]:
        """Open the queue beside the settings file and give the routes to serve."""
        from qbconnector.server.qbwc.app import WebConnectorApp
        from qbconnector.server.qbwc.service import WebConnectorService

        path = queue_path(host.settings().path)
        if self.queue is None or self.queue.path != path:
            if self.queue is not None:
                self.queue.close()
            if path is None:
                log.warning("the Web Connector queue is kept in memory only: start the "
                            "connector from a settings file to keep it across restarts")
            self.queue = JobQueue(path, self._clock)
        self.queue.resume()
        self.host = host
        for name in host.settings().WebConnectorUsers:
            self.show_queue(name)
        service = WebConnectorService(self.queue, host.settings, self.show_queue, self._clock)
        return {PATH: WebConnectorApp(service, host.settings, host.max_body)}

    def show_queue(self, user: str) -> None:
        """Put ``user``'s queue on the connector's status (the admin console's Status tab)."""
        if self.host is not None and self.queue is not None:
            self.host.state.add_queue(f"Web Connector {user}",
                                      lambda: summary(self._served_queue(), user, self._clock()))

    def interrupt(self) -> None:
        """The connector is stopping: every waiting client is answered now."""
        if self.queue is not None:
            self.queue.interrupt()

    def close(self) -> None:
        """Between two runs of the connector: nothing to let go (the queue file stays)."""
        self.interrupt()

    def __call__(self, options: SessionOptions) -> QueuedSession:
        return QueuedSession(self, options)

    # -- for sessions ---------------------------------------------------------------------------
    def _served_queue(self) -> JobQueue:
        if self.queue is None or self.host is None:
            raise RequestProcessorError(HR_COULD_NOT_START, "The Web Connector backend works "
                                        "inside a running connector (Backend = \"qbwc\"), which "
                                        "serves the Web Connector at /qbwc.")
        return self.queue

    def user_for(self, options: SessionOptions) -> WebConnectorUser:
        """The Web Connector user whose queue takes requests for ``options.company_file``."""
        self._served_queue()
        assert self.host is not None
        users = list(self.host.settings().WebConnectorUsers.values())
        if not users:
            raise RequestProcessorError(HR_COULD_NOT_START, "No Web Connector user is "
                                        "configured: add one (qbconnector qbwc users add NAME)")
        wanted = options.company_file
        found = [u for u in users if _same_file(u.CompanyFile, wanted)]
        if not found and not wanted and len(users) == 1:
            found = users
        if len(found) == 1:
            return found[0]
        served = ", ".join(f"{u.name} ({u.CompanyFile or 'the open company file'})"
                           for u in users)
        if found:
            raise RequestProcessorError(HR_COULD_NOT_OPEN_FILE, f"Several Web Connector users "
                                        f"serve {wanted or 'the open company file'}: {served}; "
                                        "give each its own CompanyFile")
        raise RequestProcessorError(HR_COULD_NOT_OPEN_FILE, "No Web Connector user serves "
                                    f"{wanted or 'the open company file'}; the users serve: "
                                    f"{served}")

    def run(self, user: WebConnectorUser, session: str, request: str) -> str:
        """Queue ``request`` for ``user``'s Web Connector and wait for its answer."""
        queue = self._served_queue()
        assert self.host is not None
        timeout = float(self.host.settings().Timeout) or None
        job = queue.enqueue(user.name, session, request)
        log.debug("request %d queued for the Web Connector of %s", job.id, user.name)
        started = self._clock()
        job = queue.wait(job.id, started + timeout if timeout else None,
                         give_up=lambda: queue.stopping)
        if job.state == QUEUED:
            reason = self._not_run(user, timeout, queue)
            if queue.withdraw(job.id, reason):
                raise QueueTimeout(reason)
            job = queue.job(job.id) or job
        if job.state == SENT:
            grace = (job.sent_at or started) + timeout if timeout else None
            job = queue.wait(job.id, grace, give_up=lambda: queue.stopping)
        return self._outcome(job, user, timeout)

    def _not_run(self, user: WebConnectorUser, timeout: float | None, queue: JobQueue) -> str:
        if queue.stopping:
            return ("The connector is stopping: the request was withdrawn before the Web "
                    "Connector took it, and did not run. Send it again.")
        seen = queue.seen(user.name)
        polled = (f"last polled at {when(seen.last_poll)}" if seen and seen.last_poll else
                  "has never polled this connector")
        return (f"The QuickBooks Web Connector of user {user.name!r} did not ask for the "
                f"request within {timeout:g} s (Timeout); it {polled}. The request was "
                "withdrawn and did not run. Check that the Web Connector is running and its "
                "schedule, or raise Timeout.")

    def _outcome(self, job: Job, user: WebConnectorUser, timeout: float | None) -> str:
        if job.state == ANSWERED:
            return job.response or ""
        if job.state == FAILED:
            raise RequestProcessorError(_hresult(job.hresult), job.message or None)
        if job.state == SENT:
            raise RequestProcessorError(HR_NO_CONNECTION, (
                f"The Web Connector of user {user.name!r} took the request (job {job.id}) at "
                f"{when(job.sent_at)} but has not answered"
                + (" before the connector stopped" if self.queue and self.queue.stopping else
                   f" within {timeout:g} s") + "; QuickBooks may have run it. Its answer "
                "will be kept when it comes: ask again with the message set's "
                "newMessageSetID as oldMessageSetID (qbXML error recovery) to learn it."))
        raise QueueTimeout(job.message or "The request was withdrawn and did not run.")

    def versions(self, user: WebConnectorUser) -> list[str]:
        seen = self._served_queue().seen(user.name)
        newest = version_key(seen.version if seen and seen.version else DEFAULT_VERSION)
        return [v for v in load_spec().versions if version_key(v) <= newest]

    def company_of(self, user: WebConnectorUser) -> str:
        seen = self._served_queue().seen(user.name)
        return (seen.company if seen and seen.company else user.CompanyFile)

    def polled_recently(self, user: WebConnectorUser) -> bool:
        seen = self._served_queue().seen(user.name)
        return bool(seen and seen.last_poll
                    and self._clock() - seen.last_poll < RECENT_POLL_SECONDS)


def _hresult(text: str | None) -> int:
    try:
        return int((text or "").strip(), 0) & 0xFFFFFFFF
    except ValueError:
        return HR_NO_CONNECTION


def summary(queue: JobQueue, user: str, now: float) -> dict[str, Any]:
    """One Web Connector user's queue at a glance (numbers count what waits)."""
    counts = queue.counts(user, now - 24 * 3600)
    seen = queue.seen(user)
    return {"waiting": counts[QUEUED], "handed out": counts[SENT],
            "last poll": when(seen.last_poll if seen else None)}


class QueuedSession:
    """A Session whose requests go to a Web Connector's queue (see the module doc)."""

    def __init__(self, backend: WebConnectorBackend, options: SessionOptions) -> None:
        self._backend = backend
        self.options = options
        self._key = uuid.uuid4().hex
        self._user: WebConnectorUser | None = None

    def _opened(self) -> WebConnectorUser:
        if self._user is None:
            raise RequestProcessorError(HR_INVALID_TICKET, "The session is not open: call "
                                        "open() (or use the session in a with block) first.")
        return self._user

    def open(self) -> None:
        self._user = self._backend.user_for(self.options)

    def close(self) -> None:
        self._user = None

    def process(self, request: str | bytes) -> str:
        user = self._opened()
        if self.options.read_only or self._backend.read_only:
            refused = refuse_writes(request, "qbposxml" if self.options.pos else "qbxml")
            if refused is not None:
                return refused
        text = request.decode("utf-8") if isinstance(request, bytes) else request
        return self._backend.run(user, self._key, text)

    def versions(self) -> list[str]:
        return self._backend.versions(self._opened())

    def company_file(self) -> str:
        return self._backend.company_of(self._opened())

    def is_authorized(self) -> bool:
        return self._user is not None or bool(self._backend.user_for(self.options))

    def is_company_accessible(self) -> bool:
        user = self._user or self._backend.user_for(self.options)
        return self._backend.polled_recently(user)

    def __enter__(self) -> QueuedSession:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
