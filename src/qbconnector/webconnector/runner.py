"""One Web Connector update, played as Intuit's Web Connector plays it.

``serverVersion``, ``clientVersion`` (an "E:" or "O:" answer stops), ``authenticate`` ("nvu",
"none" or "busy" end it there), then a session on the backend for the company file the service
named ('' = the backend's own) — ``connectionError`` when it cannot be opened, which may name
another file to try —, then ``sendRequestXML`` (the first carrying the answer to a host,
company and preferences query) / run the request on the session / ``receiveResponseXML``
until the progress is 100 (negative: ``getLastError`` and stop; an empty request:
``getLastError``, where "NoOp" means pause and ask again), and ``closeConnection``.
A request QuickBooks cannot process is answered with its HRESULT and message, as the Web
Connector does; the application decides what that means.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from qbconnector.errors import QBConnectorError, RequestProcessorError
from qbconnector.qbwc_wire.answers import (
    BUSY,
    DEFAULT_COUNTRY,
    DONE,
    INVALID_USER,
    NO_OP,
    NOTHING_TO_DO,
    read_authenticate,
    read_client_version,
)
from qbconnector.qbwc_wire.qwc import QWC
from qbconnector.qbxml.session import Session, SessionFactory, SessionOptions
from qbconnector.qbxml.spec import version_key
from qbconnector.qbxml.status import HR_COULD_NOT_START
from qbconnector.webconnector.client import (
    ServiceClient,
    ServiceUnreachable,
    WebConnectorError,
)

#: The Web Connector version the runner presents (Intuit's QBWC 2.3, the current release).
CLIENT_VERSION = "2.3.0.215"
MAX_COMPANY_RETRIES = 3
Report = Callable[[str, str], None]
_HCP = ('<?xml version="1.0"?><?qbxml version="{version}"?><QBXML><QBXMLMsgsRq '
        'onError="continueOnError"><HostQueryRq requestID="1"/><CompanyQueryRq requestID="2"/>'
        '<PreferencesQueryRq requestID="3"/></QBXMLMsgsRq></QBXML>')


@dataclass
class UpdateResult:
    """What one update did: ``status`` is ok, nothing to do, busy or failed."""

    status: str = "ok"
    requests: int = 0
    progress: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    close_message: str = ""
    wait_seconds: int = 0
    unreachable: bool = False     # the service could not be reached

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def fail(self, message: str) -> UpdateResult:
        self.status = "failed"
        self.errors.append(message)
        return self


def _request_names(request: str) -> str:
    """The message names in a request, for the progress lines (no parsing needed)."""
    import re

    names = [n for n in re.findall(r"<([A-Za-z]+Rq)\b", request) if n != "QBXMLMsgsRq"]
    return ", ".join(dict.fromkeys(names)) or "(no request element)"


def _hresult_text(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, RequestProcessorError):
        return f"0x{exc.hresult:08X}", exc.message
    return f"0x{HR_COULD_NOT_START:08X}", str(exc)


class WebConnectorRunner:
    """Runs the updates a ``.QWC`` file describes against ``backend`` (a session factory from
    :func:`qbconnector.targets.session_factory`). ``report(kind, text)`` hears each step
    (kinds: info, progress, warning, error)."""

    def __init__(self, qwc: QWC, password: str, backend: SessionFactory, *,
                 report: Report | None = None, client: ServiceClient | None = None,
                 client_version: str = CLIENT_VERSION, noop_pause: float = 5.0,
                 max_noops: int = 60) -> None:
        self.qwc = qwc
        self._password = password
        self.backend = backend
        self.report: Report = report or (lambda kind, text: None)
        self.client = client or ServiceClient(qwc.app_url)
        self.client_version = client_version
        self.noop_pause, self.max_noops = noop_pause, max_noops
        self.last_result = UpdateResult(status="nothing to do")

    def close(self) -> None:
        self.client.close()

    # -- one update ------------------------------------------------------------------------------
    def run_once(self) -> UpdateResult:
        """One update; never raises for what the service or QuickBooks answer."""
        result = UpdateResult()
        self.report("info", f"{self.qwc.app_name}: update started for user "
                            f"{self.qwc.user_name} at {self.qwc.app_url}")
        try:
            self._update(result)
        except WebConnectorError as exc:
            result.fail(str(exc))
            result.unreachable = isinstance(exc, ServiceUnreachable)
            self.report("error", str(exc))
        self.last_result = result
        words = {"ok": "Update completed", "nothing to do": "No data exchange required",
                 "busy": "The application is busy: try again later",
                 "failed": "Update failed"}[result.status]
        self.report("error" if result.status == "failed" else "info", f"Status: {words}")
        return result

    def _update(self, result: UpdateResult) -> None:
        try:
            version = self.client.call("serverVersion")
            self.report("info", f"Server version: {version or '(not given)'}")
        except WebConnectorError as exc:   # the Web Connector goes on without it
            self.report("warning", f"serverVersion: {exc}")
        verdict = read_client_version(str(self.client.call("clientVersion",
                                                          strVersion=self.client_version)))
        if verdict.kind == "warning":
            self.report("warning", f"The application warns: {verdict.message}")
        elif verdict.stops:
            result.fail(f"The application refuses this Web Connector ({self.client_version}): "
                        f"{verdict.message}")
            self.report("error", result.errors[-1])
            return
        answer = self.client.call("authenticate", strUserName=self.qwc.user_name,
                                  strPassword=self._password)
        auth = read_authenticate(answer if isinstance(answer, list) else [str(answer)])
        result.wait_seconds = auth.wait_seconds
        if auth.verdict == INVALID_USER:
            result.fail(f"Authentication failed: the application does not accept user "
                        f"{self.qwc.user_name!r} with this password")
            self.report("error", result.errors[-1])
            return
        if auth.verdict == NOTHING_TO_DO:
            result.status = "nothing to do"
            return
        if auth.verdict == BUSY:
            result.status = "busy"
            return
        self.report("info", "Authenticated; company file: "
                            f"{auth.company or '(the one the backend has open)'}")
        session = self._open(auth.ticket, auth.company, result)
        if session is not None:
            try:
                self._exchange(auth.ticket, session, result)
            finally:
                try:
                    session.close()
                except QBConnectorError as exc:
                    self.report("warning", f"closing the session: {exc}")
        result.close_message = str(self.client.call("closeConnection", ticket=auth.ticket))
        self.report("info", f"Application's closing message: {result.close_message}")

    def _open(self, ticket: str, company: str, result: UpdateResult) -> Session | None:
        """A session on the company file the service named; None after connectionError."""
        for _ in range(MAX_COMPANY_RETRIES):
            options = SessionOptions(company_file=company, app_name=self.qwc.app_name,
                                     app_id=self.qwc.app_id, read_only=self.qwc.read_only,
                                     pos=self.qwc.qb_type == "QBPOS")
            try:
                session = self.backend(options)
                session.open()
                return session
            except QBConnectorError as exc:
                hresult, message = _hresult_text(exc)
                self.report("error", f"QuickBooks could not be opened: {hresult} {message}")
                answer = str(self.client.call("connectionError", ticket=ticket,
                                              hresult=hresult, message=message)).strip()
                if not answer or answer.lower() == DONE:
                    result.fail(f"QuickBooks could not be opened: {hresult} {message}")
                    return None
                self.report("info", f"The application asks to try company file {answer}")
                company = answer
        result.fail("QuickBooks could not be opened with any company file the application "
                    "named")
        return None

    def _exchange(self, ticket: str, session: Session, result: UpdateResult) -> None:
        hcp, company, major, minor = self._host(session)
        noops = 0
        while True:
            request = str(self.client.call(
                "sendRequestXML", ticket=ticket, strHCPResponse=hcp, strCompanyFileName=company,
                qbXMLCountry=DEFAULT_COUNTRY, qbXMLMajorVers=major, qbXMLMinorVers=minor))
            hcp = ""
            if not request.strip():
                message = str(self.client.call("getLastError", ticket=ticket))
                if message.strip() == NO_OP and noops < self.max_noops:
                    noops += 1
                    time.sleep(self.noop_pause)
                    continue
                if message.strip():
                    self.report("info", f"The application has nothing more to send: {message}")
                return
            result.requests += 1
            self.report("info", f"Request {result.requests} to QuickBooks: "
                                f"{_request_names(request)}")
            try:
                response, hresult, message = session.process(request), "", ""
            except QBConnectorError as exc:
                response, (hresult, message) = "", _hresult_text(exc)
                self.report("warning", f"QuickBooks error {hresult}: {message}")
            percent = self.client.call("receiveResponseXML", ticket=ticket, response=response,
                                       hresult=hresult, message=message)
            percent = int(percent) if isinstance(percent, int | str) else -1
            result.progress.append(percent)
            if percent < 0:
                error = str(self.client.call("getLastError", ticket=ticket))
                result.fail(f"The application reported an error: {error}")
                self.report("error", result.errors[-1])
                return
            self.report("progress", f"Progress: {min(percent, 100)}%")
            if percent >= 100:
                return

    def _host(self, session: Session) -> tuple[str, str, int, int]:
        """What the first sendRequestXML carries: the host/company/preferences answer, the
        company file, the newest qbXML version."""
        try:
            company = session.company_file()
        except QBConnectorError:
            company = ""
        try:
            versions = [v for v in session.versions() if v[:1].isdigit()]
        except QBConnectorError:
            versions = []
        newest = max(versions, key=version_key) if versions else "13.0"
        major, minor = version_key(newest)
        hcp = ""
        if self.qwc.qb_type == "QBFS":
            try:
                hcp = session.process(_HCP.format(version=newest))
            except QBConnectorError as exc:
                self.report("warning", f"the host query failed: {exc}")
        return hcp, company, major, minor

    # -- on a schedule ---------------------------------------------------------------------------
    def run_every(self, seconds: float, stop: threading.Event | None = None,
                  on_result: Callable[[UpdateResult], None] | None = None) -> UpdateResult:
        """An update every ``seconds`` (or later, when the application asks to wait) until
        ``stop`` is set; the last update's result."""
        stop = stop or threading.Event()
        last = UpdateResult(status="nothing to do")
        while not stop.is_set():
            started = time.monotonic()
            last = self.run_once()
            if on_result is not None:
                on_result(last)
            pause = max(seconds - (time.monotonic() - started), last.wait_seconds, 0.0)
            stop.wait(pause)
        return last
