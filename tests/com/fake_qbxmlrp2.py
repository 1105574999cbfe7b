"""A fake QuickBooks Desktop behind a fake ``QBXMLRP2.RequestProcessor`` (see fake_com).

:class:`FakeQuickBooks` is the machine: the company files QuickBooks can open (each with the
function that answers its qbXML), the file open in the QuickBooks window, if any, the edition,
and which applications an administrator has authorized. ``FakeQuickBooks.dispatch`` stands in
for ``win32com.client.Dispatch``.

The interface is QBXMLRP2's type library (IRequestProcessor4 + IAuthPreferences2): method and
parameter order, enum values, BSTR/VARIANT_BOOL/long arguments, SAFEARRAY-of-BSTR versions
(a tuple of str through pywin32), and ``QBXMLVersionsForSession``/``AuthPreferences`` as
properties (one with the ticket as its argument, which pywin32 calls like a method).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qbconnector.com import hresults
from qbconnector.qbxml import spec
from qbconnector.qbxml.session import RequestProcessorError

from .fake_com import FakeProcessorBase, Journal, class_string_error, processor_error

PROG_IDS = ("QBXMLRP2.RequestProcessor", "QBXMLRP2.RequestProcessor.1",
            "QBXMLRP2.RequestProcessor.2")

CONNECTION_TYPES = {0: "unknown", 1: "localQBD", 2: "remoteQBD", 3: "localQBDLaunchUI",
                    4: "remoteQBOE"}
FILE_MODES = {0: "SingleUser", 1: "MultiUser", 2: "DoNotCare"}
EDITIONS = {0x1: hresults.HR_EDITION_SIMPLE_START_NOT_SUPPORTED,
            0x2: hresults.HR_EDITION_PRO_NOT_SUPPORTED,
            0x4: hresults.HR_EDITION_PREMIER_NOT_SUPPORTED,
            0x8: hresults.HR_EDITION_ENTERPRISE_NOT_SUPPORTED}


@dataclass(frozen=True)
class SessionContext:
    """What QuickBooks knows about a session while answering its requests."""

    company_file: str
    file_mode: str            # 'SingleUser' or 'MultiUser' (the mode the file is open in)
    automatic_login: bool     # begun unattended
    read_only: bool
    app_name: str
    versions: tuple[str, ...]


Answerer = Callable[[str, SessionContext], str]


@dataclass
class Grant:
    """An administrator's authorization of one application for one company file."""

    automatic_login: bool = True


@dataclass
class FakeQuickBooks:
    """A machine with QuickBooks Desktop installed (see module docstring)."""

    company_files: dict[str, Answerer]
    open_file: str | None = None        # open in the QuickBooks window; None: not running
    open_mode: int = 0                  # QBFileMode of the open window
    edition: int = 0x2                  # an AuthFlags bit: Pro
    grants: dict[tuple[str, str], Grant] = field(default_factory=dict)
    versions: tuple[str, ...] = spec.load().versions
    obeys_auth_preferences: bool = True
    journal: Journal = field(default_factory=Journal)
    processors: list[FakeRequestProcessor2] = field(default_factory=list)

    def grant(self, app_name: str, company_file: str, *, automatic_login: bool = True) -> None:
        self.grants[(app_name, self.find(company_file) or company_file)] = Grant(automatic_login)

    def find(self, company_file: str) -> str | None:
        """The known company file with this path (Windows paths ignore case)."""
        for path in self.company_files:
            if path.casefold() == company_file.casefold():
                return path
        return None

    def dispatch(self, prog_id: str) -> FakeRequestProcessor2:
        """Stand-in for ``win32com.client.Dispatch``."""
        self.journal.append(("Dispatch", (prog_id,)))
        if prog_id not in PROG_IDS:
            raise class_string_error()
        processor = FakeRequestProcessor2(self)
        self.processors.append(processor)
        return processor


class FakeAuthPreferences:
    """IAuthPreferences2 of one request processor."""

    def __init__(self, processor: FakeRequestProcessor2) -> None:
        self._processor = processor
        self.is_read_only = False
        self.unattended_mode = 2      # umpOptional
        self.personal_data = 2        # pdpOptional
        self.auth_flags = 0           # 0: none sent

    def _put(self, name: str, value: Any) -> None:
        self._processor._record(f"AuthPreferences.{name}", value)
        if self._processor._ticket is not None:
            raise processor_error(hresults.HR_NOT_ALLOWED_DURING_SESSION)

    def PutIsReadOnly(self, isReadOnly: bool) -> None:
        self._put("PutIsReadOnly", isReadOnly)
        self.is_read_only = bool(isReadOnly)

    def PutUnattendedModePref(self, unattendedModePref: int) -> None:
        self._put("PutUnattendedModePref", unattendedModePref)
        if unattendedModePref not in (1, 2):
            raise processor_error(hresults.HR_INVALID_PARAMETER)
        self.unattended_mode = unattendedModePref

    def PutPersonalDataPref(self, personalDataPref: int) -> None:
        self._put("PutPersonalDataPref", personalDataPref)
        if personalDataPref not in (1, 2, 3):
            raise processor_error(hresults.HR_INVALID_PARAMETER)
        self.personal_data = personalDataPref

    def PutAuthFlags(self, authFlags: int) -> None:
        # A COM long: pywin32 refuses Python ints outside the signed 32-bit range.
        if not -(2**31) <= authFlags < 2**31:
            raise OverflowError("Python int too large to convert to C long")
        self._put("PutAuthFlags", authFlags)
        self.auth_flags = authFlags & 0xFFFFFFFF

    def WasAuthPreferencesObeyed(self, ticket: str) -> bool:
        self._processor._record("AuthPreferences.WasAuthPreferencesObeyed", ticket)
        self._processor._check_ticket(ticket)
        return self._processor._machine.obeys_auth_preferences

    def GetIsReadOnly(self, ticket: str) -> bool:
        self._processor._check_ticket(ticket)
        return self.is_read_only

    def GetUnattendedModePref(self, ticket: str) -> int:
        self._processor._check_ticket(ticket)
        return self.unattended_mode

    def GetPersonalDataPref(self, ticket: str) -> int:
        self._processor._check_ticket(ticket)
        return self.personal_data


class FakeRequestProcessor2(FakeProcessorBase):
    """IRequestProcessor4 (RequestProcessor2/3 coclasses) on a :class:`FakeQuickBooks`."""

    def __init__(self, machine: FakeQuickBooks) -> None:
        super().__init__(machine.journal)
        self._machine = machine
        self._preferences = FakeAuthPreferences(self)
        self._context: SessionContext | None = None

    # properties -----------------------------------------------------------------------

    @property
    def AuthPreferences(self) -> FakeAuthPreferences:
        self._record("AuthPreferences")
        return self._preferences

    @property
    def MajorVersion(self) -> int:
        return 13

    @property
    def MinorVersion(self) -> int:
        return 0

    @property
    def ReleaseLevel(self) -> int:
        return 3  # release

    @property
    def ReleaseNumber(self) -> int:
        return 1

    # methods --------------------------------------------------------------------------

    def OpenConnection(self, appID: str, appName: str) -> None:
        self._record("OpenConnection", appID, appName)
        self._open(appID, appName)

    def OpenConnection2(self, appID: str, appName: str, connPref: int) -> None:
        self._record("OpenConnection2", appID, appName, connPref)
        if connPref not in (1, 3):  # the fake models local QuickBooks only
            raise processor_error(hresults.HR_CONNECTION_TYPE_NOT_FOUND)
        self._open(appID, appName)

    def BeginSession(self, qbFileName: str, reqFileMode: int) -> str:
        self._record("BeginSession", qbFileName, reqFileMode)
        self._require_no_session()
        if reqFileMode not in FILE_MODES:
            raise processor_error(hresults.HR_INVALID_PARAMETER)
        machine = self._machine
        path = self._company_file_for(qbFileName)
        if machine.open_file is not None and reqFileMode != 2 and reqFileMode != machine.open_mode:
            raise processor_error(hresults.HR_FILE_MODE_MISMATCH)
        prefs = self._preferences
        if prefs.auth_flags and not prefs.auth_flags & machine.edition:
            raise processor_error(EDITIONS[machine.edition])
        grant = machine.grants.get((self._app_name or "", path))
        unattended = prefs.unattended_mode == 1
        if grant is None:
            raise processor_error(hresults.HR_FIRST_ACCESS_NEEDS_ADMIN)
        if unattended and not grant.automatic_login:
            raise processor_error(hresults.HR_AUTO_LOGIN_NOT_ALLOWED)
        mode = machine.open_mode if reqFileMode == 2 else reqFileMode
        if machine.open_file is None:
            mode = 0 if reqFileMode == 2 else reqFileMode
        self._context = SessionContext(
            company_file=path, file_mode=FILE_MODES[mode], automatic_login=unattended,
            read_only=prefs.is_read_only, app_name=self._app_name or "",
            versions=machine.versions)
        return self._start_session()

    def _company_file_for(self, requested: str) -> str:
        machine = self._machine
        if not requested:
            if machine.open_file is None:
                raise processor_error(hresults.HR_FILE_NAME_REQUIRED)
            return machine.open_file
        path = machine.find(requested)
        if machine.open_file is not None and (path or requested) != machine.open_file:
            raise processor_error(hresults.HR_OTHER_FILE_OPEN)
        if path is None:
            raise processor_error(hresults.HR_COULD_NOT_OPEN_FILE)
        return path

    def _end_session(self) -> None:
        super()._end_session()
        self._context = None

    def ProcessRequest(self, ticket: str, inputRequest: str) -> str:
        self._record("ProcessRequest", ticket, inputRequest)
        self._check_ticket(ticket)
        assert self._context is not None
        answer = self._machine.company_files[self._context.company_file]
        try:
            return answer(inputRequest, self._context)
        except RequestProcessorError as error:
            raise processor_error(error.hresult, error.message) from error

    def GetCurrentCompanyFileName(self, ticket: str) -> str:
        self._record("GetCurrentCompanyFileName", ticket)
        self._check_ticket(ticket)
        assert self._context is not None
        return self._context.company_file

    def QBXMLVersionsForSession(self, ticket: str) -> tuple[str, ...]:
        self._record("QBXMLVersionsForSession", ticket)
        self._check_ticket(ticket)
        return tuple(self._machine.versions)
