"""RemoteSession: the Session contract over the QuickBooks Connector's HTTP wire protocol.

Each Session method is one interaction type of :mod:`qbconnector.wire`: ``process`` 0,
``company_file`` 1, ``open`` / ``close`` of a persistent session 101 / 102, ``newest_version``
103, ``versions`` 104, ``is_authorized`` 105, ``is_company_accessible`` 106. Without
``persistent`` the connector opens and closes QuickBooks for every request, so query iterators
do not survive from one request to the next; with it (or ``options.keep_open``, which a relay
sets for its clients' persistent connections), ``open`` asks the connector to keep the
QuickBooks session open (101) until ``close`` (102).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from qbconnector import wire
from qbconnector.qbxml.access import refuse_writes
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.qbxml.status import HR_INVALID_TICKET
from qbconnector.remote.endpoint import DEFAULT_TIMEOUT, RemoteEndpoint
from qbconnector.remote.errors import RemoteProtocolError


class RemoteSession:
    """A Session on a remote connector (ours, or the 4D Payments QuickBooks Connector).

    ``target`` is the connector's URL (then ``user``, ``password``, ``ca_file``,
    ``fingerprint``, ``insecure`` and ``timeout`` are as for :class:`RemoteEndpoint`, and the
    session owns its connection) or a shared :class:`RemoteEndpoint`. ``options`` supplies the
    Point of Sale headers (``pos``, ``pos_practice``, ``pos_version``), the application name
    and the company file to ask for (which the connector's user must allow); read-only
    access is enforced here too (writes are refused with 3260 before anything is sent), and
    the connector's user settings apply on top.
    """

    def __init__(self, target: str | RemoteEndpoint, *, user: str | None = None,
                 password: str | None = None, options: SessionOptions | None = None,
                 persistent: bool = False, delay_after_open_ms: int | None = None,
                 ca_file: str | Path | None = None, fingerprint: str | None = None,
                 insecure: bool = False,
                 timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT) -> None:
        if isinstance(target, RemoteEndpoint):
            if user or password or ca_file or fingerprint or insecure:
                raise ValueError("pass connection settings to the RemoteEndpoint, not the "
                                 "session, when sharing an endpoint")
            self.endpoint, self._owns_endpoint = target, False
        else:
            self.endpoint = RemoteEndpoint(target, user=user, password=password,
                                           ca_file=ca_file, fingerprint=fingerprint,
                                           insecure=insecure, timeout=timeout)
            self._owns_endpoint = True
        self.options = options or SessionOptions()
        self.persistent = persistent or self.options.keep_open
        if delay_after_open_ms is not None and not 0 <= delay_after_open_ms <= 60_000:
            raise ValueError("delay_after_open_ms: 0 to 60000 milliseconds")
        self.delay_after_open_ms = delay_after_open_ms
        self._headers = self._option_headers()
        self._open = False
        self._persistent_open = False

    @property
    def url(self) -> str:
        """The connector's URL (without credentials)."""
        return self.endpoint.url

    def _option_headers(self) -> dict[str, str]:
        options = self.options
        headers: dict[str, str] = {}
        if options.pos:
            headers[wire.POS_HEADER] = wire.format_flag(True)
            if options.pos_practice:
                headers[wire.POS_PRACTICE_HEADER] = wire.format_flag(True)
            if options.pos_version:
                headers[wire.POS_VERSION_HEADER] = str(options.pos_version)
        if self.delay_after_open_ms:
            headers[wire.DELAY_HEADER] = str(self.delay_after_open_ms)
        name = (options.app_name or "").strip()
        if name and wire.header_safe(name) and wire.is_app_name(name):
            headers[wire.APP_NAME_HEADER] = name
        if options.company_file.strip():
            headers[wire.COMPANY_FILE_HEADER] = wire.format_company_file(options.company_file)
        return headers

    def _call(self, interaction: int, body: bytes = b"") -> str:
        return self.endpoint.call(interaction, body, self._headers)

    # -- the Session protocol ------------------------------------------------------------------
    def open(self) -> None:
        """Begin the session; with ``persistent`` the connector keeps QuickBooks open (101)."""
        if self._open:
            return
        if self.persistent:
            self._call(wire.OPEN_PERSISTENT)
            self._persistent_open = True
        self._open = True

    def close(self) -> None:
        """End the session (102 when persistent) and close the connection; safe twice."""
        self._open = False
        try:
            if self._persistent_open:
                self._persistent_open = False
                self._call(wire.CLOSE_PERSISTENT)
        finally:
            if self._owns_endpoint:
                self.endpoint.close()

    def process(self, request: str | bytes) -> str:
        """Send one request message set; the response message set."""
        if not self._open:
            raise RequestProcessorError(HR_INVALID_TICKET, "The session is not open: call "
                                        "open() (or use the session in a with block) first.")
        if self.options.read_only:
            refused = refuse_writes(request, "qbposxml" if self.options.pos else "qbxml")
            if refused is not None:
                return refused
        body = request if isinstance(request, bytes) else request.encode("utf-8")
        return self._call(wire.EXECUTE, body)

    def versions(self) -> list[str]:
        """The qbXML versions the connector's QuickBooks supports, in its order (104)."""
        return wire.parse_lines(self._call(wire.ALL_VERSIONS))

    def newest_version(self) -> str:
        """The newest qbXML version the connector's QuickBooks supports (103)."""
        return self._call(wire.LATEST_VERSION).strip()

    def company_file(self) -> str:
        """The path, on the connector's machine, of the company file in use (1)."""
        return self._call(wire.COMPANY_FILE).rstrip(wire.CRLF)

    def is_authorized(self) -> bool:
        """Whether the connector user may use the company file (105)."""
        return self._yes_no(wire.IS_AUTHORIZED)

    def is_company_accessible(self) -> bool:
        """Whether the company file can be opened now (106)."""
        return self._yes_no(wire.IS_ACCESSIBLE)

    def _yes_no(self, interaction: int) -> bool:
        answer = self._call(interaction)
        value = wire.parse_yes_no(answer)
        if value is None:
            shown = answer.strip()
            raise RemoteProtocolError(f"{self.url} answered {shown[:40]!r} to interaction type "
                                      f"{interaction}; expected {wire.YES} or {wire.NO}",
                                      url=self.url, status=wire.OK, server_message=shown[:200])
        return value

    # -- conveniences ----------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._open

    def __enter__(self) -> RemoteSession:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._open else "closed"
        mode = ", persistent" if self.persistent else ""
        return f"<RemoteSession {self.url} user={self.endpoint.user!r} {state}{mode}>"

