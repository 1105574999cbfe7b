"""QuickBooks Desktop over COM: a Session on Intuit's ``QBXMLRP2.RequestProcessor``.

The call sequence is the SDK's: ``OpenConnection2(appID, appName, localQBD)``, the
``AuthPreferences`` (unattended mode, AuthFlags, read-only, personal data), then
``BeginSession(companyFile, fileMode)``; requests go through ``ProcessRequest(ticket, xml)``;
``EndSession(ticket)`` and ``CloseConnection()`` finish. Names and enum values are those of
QBXMLRP2's type library (QBXMLRP2Lib).
"""

from __future__ import annotations

from typing import Any

from qbconnector.com import hresults
from qbconnector.com.base import ComSession
from qbconnector.com.errors import ComError
from qbconnector.qbxml.session import CONNECTION_MODES, SessionOptions

PROG_ID = "QBXMLRP2.RequestProcessor"

# QBXMLRPConnectionType
LOCAL_QBD = 1

# QBFileMode, keyed by SessionOptions.connection_mode
FILE_MODES = {"Single": 0, "Multi": 1, "DontCare": 2}  # qbFileOpenSingleUser/MultiUser/DoNotCare

# QBXMLRPUnattendedModePrefType
UNATTENDED_REQUIRED = 1
UNATTENDED_OPTIONAL = 2

# QBXMLRPPersonalDataPrefType
PERSONAL_DATA = {"required": 1, "optional": 2, "not-needed": 3}

# AuthFlags bits: which QuickBooks editions the application supports.
AUTH_SIMPLE_START = 0x1
AUTH_PRO = 0x2
AUTH_PREMIER = 0x4
AUTH_ENTERPRISE = 0x8
AUTH_FORCE_AUTH_DIALOG = 0x8000_0000


class DesktopSession(ComSession):
    """QuickBooks Desktop through QBXMLRP2 (Windows, pywin32).

    ``options`` says which company file ('' = the one open in QuickBooks), as which
    application, read-only or not, in which file mode, for which editions (``auth_flags``; 0
    sends none) and whether unattended (auto-login) access is required. ``personal_data`` is
    the personal-data preference: 'required', 'optional' (QuickBooks' default) or
    'not-needed'. The COM object comes from pywin32, imported when the session opens.
    """

    prog_id = PROG_ID
    versions_property = "QBXMLVersionsForSession"

    def __init__(self, options: SessionOptions, *,
                 personal_data: str = "optional") -> None:
        if options.connection_mode not in FILE_MODES:
            raise ValueError(f"connection mode {options.connection_mode!r}: expected one of "
                             f"{', '.join(CONNECTION_MODES)}")
        if personal_data not in PERSONAL_DATA:
            raise ValueError(f"personal data preference {personal_data!r}: expected one of "
                             f"{', '.join(PERSONAL_DATA)}")
        if not options.app_name:
            raise ValueError("QuickBooks needs an application name to open a connection")
        super().__init__(options)
        self.personal_data = personal_data
        #: What WasAuthPreferencesObeyed said for the current session (None: not known; older
        #: QuickBooks versions ignore the preferences).
        self.auth_preferences_obeyed: bool | None = None

    def _connect(self, processor: Any) -> None:
        processor.OpenConnection2(self.options.app_id, self.options.app_name, LOCAL_QBD)

    def _begin(self, processor: Any) -> str:
        options = self.options
        preferences = processor.AuthPreferences
        preferences.PutUnattendedModePref(
            UNATTENDED_REQUIRED if options.unattended else UNATTENDED_OPTIONAL)
        if options.auth_flags:
            # PutAuthFlags takes a COM long: 0x80000000 (force the dialog) must go as negative.
            preferences.PutAuthFlags(hresults.signed(options.auth_flags))
        preferences.PutIsReadOnly(bool(options.read_only))
        preferences.PutPersonalDataPref(PERSONAL_DATA[self.personal_data])
        ticket = processor.BeginSession(options.company_file,
                                        FILE_MODES[options.connection_mode])
        try:
            self.auth_preferences_obeyed = bool(preferences.WasAuthPreferencesObeyed(ticket))
        except ComError:
            self.auth_preferences_obeyed = None
        return ticket
