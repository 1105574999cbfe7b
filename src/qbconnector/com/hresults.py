"""HRESULTs of QuickBooks' request processors that the COM sessions act on, by name.

QBXMLRP2 reports its own failures as ``0x8004xxxx`` codes (FACILITY_ITF) whose low word is the
number of the message in its string table: 0x80040400 is message 1024, the parse error, and so
on. Codes the status catalogue (:mod:`qbconnector.qbxml.status`) names are taken from there;
the others are named here from QBXMLRP2's message table. Texts live in the catalogue.
"""

from __future__ import annotations

from qbconnector.qbxml.status import (  # noqa: F401 - re-exported names
    HR_ACCESS_DENIED,
    HR_AUTO_LOGIN_NOT_ALLOWED,
    HR_CERTIFICATE_EXPIRED,
    HR_CERTIFICATE_REVOKED,
    HR_COULD_NOT_ACCESS,
    HR_COULD_NOT_OPEN_FILE,
    HR_COULD_NOT_START,
    HR_FILE_MODE_MISMATCH,
    HR_FILE_NAME_REQUIRED,
    HR_FIRST_ACCESS_NEEDS_ADMIN,
    HR_INVALID_TICKET,
    HR_NO_PERMISSION,
    HR_OTHER_FILE_OPEN,
    HR_PARSE_ERROR,
    HR_SESSION_NOT_BEGUN,
    HR_UNEXPECTED,
    HR_VERSION_UNSUPPORTED,
)

# Named here from QBXMLRP2's message table (message number - 1024 = low word - 0x400).
HR_DATA_FILE_VERSION_MISMATCH = 0x80040409   # this QuickBooks cannot work with the file
HR_OPEN_CONNECTION_NOT_CALLED = 0x8004040F
HR_SESSION_ALREADY_BEGUN = 0x80040411        # EndSession must come before BeginSession again
HR_CONNECTION_ALREADY_OPEN = 0x80040412      # CloseConnection before OpenConnection again
HR_APPLICATION_NAME_REQUIRED = 0x80040415
HR_CERTIFICATE_INVALID = 0x80040419
HR_INVALID_PARAMETER = 0x80040425
HR_NOT_ALLOWED_DURING_SESSION = 0x8004042E   # e.g. changing AuthPreferences mid-session
HR_CONNECTION_TYPE_NOT_FOUND = 0x8004042F
HR_AUTO_LOGIN_MUST_BE_REGRANTED = 0x80040430
HR_EDITION_SIMPLE_START_NOT_SUPPORTED = 0x80040431   # excluded by the application's AuthFlags
HR_EDITION_PRO_NOT_SUPPORTED = 0x80040432
HR_EDITION_PREMIER_NOT_SUPPORTED = 0x80040433
HR_EDITION_ENTERPRISE_NOT_SUPPORTED = 0x80040434
HR_AUTO_LOGIN_MUST_BE_REAUTHORIZED = 0x80040435

# COM's own codes that show up around the request processor.
DISP_E_EXCEPTION = 0x80020009
CO_E_CLASSSTRING = 0x800401F3

#: BeginSession failures that mean "this application may not use this company file (now)":
#: never granted, refused, unattended login not granted, certificate problems, or an edition
#: the application's AuthFlags exclude. An administrator fixes these in QuickBooks under
#: Edit > Preferences > Integrated Applications.
AUTHORIZATION_FAILURES = frozenset({
    HR_FIRST_ACCESS_NEEDS_ADMIN,
    HR_CERTIFICATE_INVALID,
    HR_NO_PERMISSION,
    HR_AUTO_LOGIN_NOT_ALLOWED,
    HR_CERTIFICATE_EXPIRED,
    HR_ACCESS_DENIED,
    HR_CERTIFICATE_REVOKED,
    HR_AUTO_LOGIN_MUST_BE_REGRANTED,
    HR_EDITION_SIMPLE_START_NOT_SUPPORTED,
    HR_EDITION_PRO_NOT_SUPPORTED,
    HR_EDITION_PREMIER_NOT_SUPPORTED,
    HR_EDITION_ENTERPRISE_NOT_SUPPORTED,
    HR_AUTO_LOGIN_MUST_BE_REAUTHORIZED,
})


def unsigned(hresult: int) -> int:
    """An HRESULT as the unsigned 32-bit number Windows prints (pywin32 hands out signed ints)."""
    return int(hresult) & 0xFFFFFFFF


def signed(value: int) -> int:
    """A 32-bit value as the signed int a COM ``long`` (VT_I4) argument must be."""
    value &= 0xFFFFFFFF
    return value - 0x1_0000_0000 if value & 0x8000_0000 else value
