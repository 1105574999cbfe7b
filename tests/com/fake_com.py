"""What both fake request processors share: COM-shaped errors and the connection/session rules.

QuickBooks' COM objects cannot run here, so tests talk to fakes that keep to the real
interfaces: the same method and property names, the same argument lists and return shapes,
and failures raised the way pywin32 raises them from the real objects (a ``com_error`` whose
HRESULT is DISP_E_EXCEPTION and whose excepinfo carries the request processor's own HRESULT and
text). Every call is written to a journal so tests can check the order of calls.
"""

from __future__ import annotations

import uuid
from typing import Any

from qbconnector.com import hresults
from qbconnector.com.errors import ComError
from qbconnector.qbxml.status import hresult_message


def processor_error(hresult: int, text: str | None = None) -> ComError:
    """The com_error pywin32 raises when a request processor method fails with ``hresult``."""
    excepinfo = (0, None, text or hresult_message(hresult), None, 0, hresults.signed(hresult))
    return ComError(hresults.signed(hresults.DISP_E_EXCEPTION), "Exception occurred.",
                    excepinfo, None)


def class_string_error() -> ComError:
    """What ``win32com.client.Dispatch`` raises for a ProgID that is not registered."""
    return ComError(hresults.signed(hresults.CO_E_CLASSSTRING), "Invalid class string",
                    None, None)


def new_ticket() -> str:
    return "{" + str(uuid.uuid4()).upper() + "}"


class Journal(list):
    """Every COM call as (name, args), in order; property reads have args ()."""

    def names(self) -> list[str]:
        return [name for name, _ in self]

    def args_of(self, name: str) -> tuple[Any, ...]:
        """The arguments of the only call to ``name``."""
        found = [args for n, args in self if n == name]
        assert len(found) == 1, f"{name} called {len(found)} times: {self.names()}"
        return found[0]


class FakeProcessorBase:
    """The connection and session state machine both request processors follow."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._connected = False
        self._app_name: str | None = None
        self._ticket: str | None = None

    def _record(self, name: str, *args: Any) -> None:
        self._journal.append((name, args))

    def _open(self, app_id: str, app_name: str) -> None:
        if self._connected:
            raise processor_error(hresults.HR_CONNECTION_ALREADY_OPEN)
        if not app_name:
            raise processor_error(hresults.HR_APPLICATION_NAME_REQUIRED)
        self._connected = True
        self._app_name = app_name

    def _require_connection(self) -> None:
        if not self._connected:
            raise processor_error(hresults.HR_OPEN_CONNECTION_NOT_CALLED)

    def _require_no_session(self) -> None:
        self._require_connection()
        if self._ticket is not None:
            raise processor_error(hresults.HR_SESSION_ALREADY_BEGUN)

    def _check_ticket(self, ticket: str) -> None:
        self._require_connection()
        if self._ticket is None:
            raise processor_error(hresults.HR_SESSION_NOT_BEGUN)
        if ticket != self._ticket:
            raise processor_error(hresults.HR_INVALID_TICKET)

    def _start_session(self) -> str:
        self._ticket = new_ticket()
        return self._ticket

    # -- methods with the same signature on both interfaces ------------------------------

    def EndSession(self, ticket: str) -> None:
        self._record("EndSession", ticket)
        self._require_connection()
        if ticket is None or ticket != self._ticket:
            raise processor_error(hresults.HR_INVALID_TICKET)
        self._end_session()

    def CloseConnection(self) -> None:
        self._record("CloseConnection")
        # The fake's choice where QuickBooks' behaviour is not documented: closing without a
        # connection is the "OpenConnection has not been called" error, and closing with a
        # session still begun ends that session.
        self._require_connection()
        if self._ticket is not None:
            self._end_session()
        self._connected = False
        self._app_name = None

    def _end_session(self) -> None:
        self._ticket = None
