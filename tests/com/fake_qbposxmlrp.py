"""A fake QuickBooks Point of Sale behind a fake ``QBPOSXMLRPLib.RequestProcessor``.

The interface is the one the QBPOSXMLRP type library exports (IRequestProcessor):
``OpenConnection(appID, appName)``, ``BeginSession(connectionString) -> ticket``,
``ProcessRequest(ticket, inputRequest)``, ``EndSession(ticket)``, ``CloseConnection()``,
``GetCurrentCompanyFileName(ticket)``, the ``QBPOSXMLVersionsForSession`` property taking the
ticket, and the version properties. The connection string keys are "Computer Name",
"Company Data", "Version" and "Practice".

Which HRESULTs Point of Sale returns is not documented where we could read it; the fake uses
QBXMLRP2's codes for the same situations (and says so in the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from qbconnector.com import hresults
from qbconnector.qbxml import spec
from qbconnector.qbxml.session import RequestProcessorError

from .fake_com import FakeProcessorBase, Journal, class_string_error, processor_error

PROG_ID = "QBPOSXMLRPLib.RequestProcessor"
KEYS = ("Computer Name", "Company Data", "Version", "Practice")

PosAnswerer = Callable[[str], str]


@dataclass
class FakePointOfSale:
    """A Point of Sale server workstation: its company data by name, per version."""

    computer_name: str
    company_data: dict[str, PosAnswerer]
    practice_company: tuple[str, PosAnswerer] | None = None
    installed_versions: tuple[str, ...] = ("12",)
    open_company: str | None = None      # open in the Point of Sale window
    versions: tuple[str, ...] = spec.load("qbposxml").versions
    journal: Journal = field(default_factory=Journal)

    def dispatch(self, prog_id: str) -> FakePosRequestProcessor:
        self.journal.append(("Dispatch", (prog_id,)))
        if prog_id != PROG_ID:
            raise class_string_error()
        return FakePosRequestProcessor(self)


def parse_connection_string(text: str) -> dict[str, str]:
    """'Computer Name=X;Company Data=Y;Version=12' -> {key: value}; unknown keys refused."""
    fields: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or key not in KEYS or key in fields:
            raise processor_error(hresults.HR_INVALID_PARAMETER)
        fields[key] = value
    return fields


class FakePosRequestProcessor(FakeProcessorBase):
    """IRequestProcessor of QBPOSXMLRPLib on a :class:`FakePointOfSale`."""

    def __init__(self, machine: FakePointOfSale) -> None:
        super().__init__(machine.journal)
        self._machine = machine
        self._company: tuple[str, PosAnswerer] | None = None

    @property
    def MajorVersion(self) -> int:
        return 3

    @property
    def MinorVersion(self) -> int:
        return 0

    def OpenConnection(self, appID: str, appName: str) -> None:
        self._record("OpenConnection", appID, appName)
        self._open(appID, appName)

    def BeginSession(self, connectionString: str) -> str:
        self._record("BeginSession", connectionString)
        self._require_no_session()
        machine = self._machine
        fields = parse_connection_string(connectionString)
        if not fields:
            if machine.open_company is None:
                raise processor_error(hresults.HR_FILE_NAME_REQUIRED)
            self._company = (machine.open_company, machine.company_data[machine.open_company])
            return self._start_session()
        if fields.get("Computer Name", machine.computer_name).casefold() != \
                machine.computer_name.casefold():
            raise processor_error(hresults.HR_COULD_NOT_ACCESS)
        if "Version" in fields and fields["Version"] not in machine.installed_versions:
            raise processor_error(hresults.HR_DATA_FILE_VERSION_MISMATCH)
        practice = fields.get("Practice", "No")
        if practice not in ("Yes", "No"):
            raise processor_error(hresults.HR_INVALID_PARAMETER)
        if practice == "Yes":
            if machine.practice_company is None:
                raise processor_error(hresults.HR_COULD_NOT_OPEN_FILE)
            self._company = machine.practice_company
        else:
            name = fields.get("Company Data") or machine.open_company
            if name is None or name not in machine.company_data:
                raise processor_error(hresults.HR_COULD_NOT_OPEN_FILE)
            self._company = (name, machine.company_data[name])
        return self._start_session()

    def _end_session(self) -> None:
        super()._end_session()
        self._company = None

    def ProcessRequest(self, ticket: str, inputRequest: str) -> str:
        self._record("ProcessRequest", ticket, inputRequest)
        self._check_ticket(ticket)
        assert self._company is not None
        try:
            return self._company[1](inputRequest)
        except RequestProcessorError as error:
            raise processor_error(error.hresult, error.message) from error

    def GetCurrentCompanyFileName(self, ticket: str) -> str:
        self._record("GetCurrentCompanyFileName", ticket)
        self._check_ticket(ticket)
        assert self._company is not None
        return self._company[0]

    def QBPOSXMLVersionsForSession(self, ticket: str) -> tuple[str, ...]:
        self._record("QBPOSXMLVersionsForSession", ticket)
        self._check_ticket(ticket)
        return tuple(self._machine.versions)
