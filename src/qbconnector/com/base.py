"""What QuickBooks Desktop and Point of Sale sessions over COM have in common.

Both request processors follow one life cycle: create the COM object, open a connection as an
application, begin a session (which returns a ticket), process requests with the ticket, end
the session, close the connection. Subclasses say how to connect and how to begin.
"""

from __future__ import annotations

from typing import Any, ClassVar

from qbconnector.com import hresults
from qbconnector.com.dispatch import pywin32_dispatch
from qbconnector.com.errors import ComError, to_request_processor_error
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions


class ComSession:
    """A Session over a QuickBooks request processor COM object (see subclasses)."""

    prog_id: ClassVar[str]
    versions_property: ClassVar[str]

    def __init__(self, options: SessionOptions) -> None:
        self.options = options
        self._processor: Any = None
        self._connected = False
        self._ticket: str | None = None
        #: The last request processor error seen by open() or the is_* checks, for people.
        self.last_error: RequestProcessorError | None = None

    # -- the Session protocol ------------------------------------------------------------

    def open(self) -> None:
        """Open the connection and begin a session; does nothing if one is already begun."""
        if self._ticket is not None:
            return
        try:
            if self._processor is None:
                self._processor = self._com(pywin32_dispatch, self.prog_id)
            if not self._connected:
                self._com(self._connect, self._processor)
                self._connected = True
            self._ticket = str(self._com(self._begin, self._processor))
        except RequestProcessorError as error:
            self.last_error = error
            self._close_connection_quietly()
            raise

    def close(self) -> None:
        """End the session and close the connection; safe to call twice.

        Both steps are attempted even if the first fails; the first failure is raised after.
        """
        first: RequestProcessorError | None = None
        if self._ticket is not None:
            ticket, self._ticket = self._ticket, None
            try:
                self._com(self._processor.EndSession, ticket)
            except RequestProcessorError as error:
                first = error
        if self._connected:
            self._connected = False
            try:
                self._com(self._processor.CloseConnection)
            except RequestProcessorError as error:
                first = first or error
        self._processor = None
        if first is not None:
            raise first

    def process(self, request: str) -> str:
        """Send one request message set; the response message set as text."""
        ticket = self._require_ticket()
        return str(self._com(self._processor.ProcessRequest, ticket, request))

    def versions(self) -> list[str]:
        """The message versions the product supports for this session, oldest first."""
        ticket = self._require_ticket()
        listed = self._com(getattr(self._processor, self.versions_property), ticket)
        return sort_versions(str(v) for v in (listed or ()))

    def company_file(self) -> str:
        """The company file (or Point of Sale company data) this session has open."""
        ticket = self._require_ticket()
        return str(self._com(self._processor.GetCurrentCompanyFileName, ticket))

    def is_authorized(self) -> bool:
        """Whether this application may use the company file, found by beginning a session.

        True when a session is (or can be) begun; False when beginning fails with one of
        :data:`hresults.AUTHORIZATION_FAILURES`. Any other failure (QuickBooks not running,
        file missing...) says nothing about authorization and is raised.
        """
        try:
            self._probe()
        except RequestProcessorError as error:
            if error.hresult in hresults.AUTHORIZATION_FAILURES:
                return False
            raise
        return True

    def is_company_accessible(self) -> bool:
        """Whether a session can be begun on the company file now (reason in ``last_error``)."""
        try:
            self._probe()
        except RequestProcessorError:
            return False
        return True

    # -- conveniences ----------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._ticket is not None

    def processor_version(self) -> str:
        """The request processor's own version, e.g. '13.0' (its MajorVersion.MinorVersion)."""
        if self._processor is None:
            self._processor = self._com(pywin32_dispatch, self.prog_id)
        major = self._com(getattr, self._processor, "MajorVersion")
        minor = self._com(getattr, self._processor, "MinorVersion")
        return f"{int(major)}.{int(minor)}"

    def __enter__(self) -> ComSession:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- for subclasses ----------------------------------------------------------------------

    def _connect(self, processor: Any) -> None:
        raise NotImplementedError

    def _begin(self, processor: Any) -> str:
        raise NotImplementedError

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _com(function: Any, *args: Any) -> Any:
        """Call into COM, turning COM errors into RequestProcessorError."""
        try:
            return function(*args)
        except ComError as error:
            raise to_request_processor_error(error) from error

    def _require_ticket(self) -> str:
        if self._ticket is None:
            # What the request processor itself answers when no session was begun.
            raise RequestProcessorError(hresults.HR_SESSION_NOT_BEGUN)
        return self._ticket

    def _probe(self) -> None:
        """Begin a session to see whether it can be; end it again if we began it here."""
        if self._ticket is not None:
            return
        self.open()
        self.close()

    def _close_connection_quietly(self) -> None:
        if self._connected:
            self._connected = False
            try:
                self._com(self._processor.CloseConnection)
            except RequestProcessorError:
                pass  # the error that brought us here is the one worth reporting


def sort_versions(versions: Any) -> list[str]:
    """Versions oldest first: numeric ones ('2.0' < '13.0') by number, others after, in order."""
    listed = list(versions)

    def key(item: tuple[int, str]) -> tuple[int, tuple[int, ...], int]:
        position, version = item
        try:
            return 0, tuple(int(part) for part in version.split(".")), position
        except ValueError:
            return 1, (), position

    return [v for _, v in sorted(enumerate(listed), key=key)]
