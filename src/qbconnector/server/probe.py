"""Test Connection: open a company file as a user would and report what happened.

``qbconnector test-connection`` and the admin console's Test Connection buttons both come
here: :func:`options_for` says how the connector would open the file for a user, and
:func:`probe` opens a session, asks for the file, the company name, the qbXML versions and
whether the application is authorized, and turns a failure into its HRESULT, QuickBooks'
message and what a person can do about it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from qbconnector.qbxml import status as hr
from qbconnector.qbxml.session import RequestProcessorError, Session, SessionOptions
from qbconnector.qbxml.xmlsafe import XMLError, parse
from qbconnector.server.protocol import Call, session_options
from qbconnector.server.settings import Settings, User
from qbconnector.wire import newest_version

DEFAULT_APP_NAME = "qbconnector"
_COMPANY_QUERY = ('<?xml version="1.0"?><?qbxml version="{version}"?><QBXML><QBXMLMsgsRq '
                  'onError="stopOnError"><CompanyQueryRq requestID="1"/></QBXMLMsgsRq></QBXML>')

ADVICE = {
    hr.HR_COULD_NOT_ACCESS: "Start QuickBooks on this machine (or check that the connector "
                            "runs as the Windows user who uses QuickBooks).",
    hr.HR_COULD_NOT_OPEN_FILE: "Check the company file path: it must exist on this machine and "
                               "the connector must be allowed to read and write it.",
    hr.HR_COULD_NOT_START: "QuickBooks could not be started: open it once by hand, close any "
                           "dialog it shows, and try again.",
    hr.HR_OTHER_FILE_OPEN: "QuickBooks has another company file open: close it, or set this "
                           "user's company file to the one that is open.",
    hr.HR_FILE_MODE_MISMATCH: "The file is open in the other access mode: change the user's "
                              "connection mode or switch QuickBooks to single/multi-user.",
    hr.HR_MODAL_DIALOG: "QuickBooks is showing a dialog: answer it on this machine.",
    hr.HR_FILE_NAME_REQUIRED: "QuickBooks is not running, so the user needs a company file: "
                              "set one on the Users tab (or start the connector with "
                              "--company).",
    hr.HR_FIRST_ACCESS_NEEDS_ADMIN: "Open the company file in QuickBooks as its Admin user, "
                                    "then test again and allow the application when asked.",
    hr.HR_NO_PERMISSION: "Allow this application in QuickBooks: Edit > Preferences > "
                         "Integrated Applications > Company Preferences.",
    hr.HR_AUTO_LOGIN_NOT_ALLOWED: "Allow the application to log in automatically: Edit > "
                                  "Preferences > Integrated Applications, then Properties.",
    hr.HR_ACCESS_DENIED: "The QuickBooks user refused the application: allow it under Edit > "
                         "Preferences > Integrated Applications.",
    hr.HR_SINGLE_USER_REQUIRED: "Switch QuickBooks to single-user mode (File > Switch to "
                                "Single-user Mode) or change the user's connection mode.",
}


@dataclass
class ProbeResult:
    """What Test Connection found."""

    ok: bool
    user: str | None
    company_file: str
    app_name: str
    read_only: bool
    connection_mode: str
    opened_file: str = ""
    company_name: str = ""
    versions: list[str] = field(default_factory=list)
    newest_version: str = ""
    authorized: bool | None = None
    hresult: str = ""
    message: str = ""
    advice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def options_for(settings: Settings, user: User | None, default_company: str = "",
                app_name: str = "") -> SessionOptions:
    """The options the connector opens a session with for ``user`` (None: no user's own) —
    the server's own rule (:func:`qbconnector.server.protocol.session_options`)."""
    def options(company_file: str) -> SessionOptions | Any:
        return session_options(
            user_name=user.name if user else "", company_file=company_file,
            app_name=user.AppName if user else "", read_only=user.ReadOnly if user else False,
            connection_mode=user.ConnectionMode if user else "DontCare",
            auth_flags=settings.AuthFlags, call=Call(app_name=app_name or DEFAULT_APP_NAME),
            default_company=default_company)

    chosen = options(user.CompanyFile if user else "")
    if not isinstance(chosen, SessionOptions):   # a pattern the default file does not match:
        chosen = options("")                     # test the default, which will say so
    return chosen


def probe(session: Session, options: SessionOptions, user: str | None = None) -> ProbeResult:
    """Open ``session`` and report; never raises for what QuickBooks (or the sandbox) refuses."""
    result = ProbeResult(ok=False, user=user, company_file=options.company_file,
                         app_name=options.app_name, read_only=options.read_only,
                         connection_mode=options.connection_mode)
    try:
        session.open()
        try:
            result.opened_file = session.company_file()
            result.versions = list(session.versions())
            result.newest_version = newest_version(result.versions) if result.versions else ""
            result.company_name = _company_name(session, result.versions)
            result.authorized = bool(session.is_authorized())
        finally:
            session.close()
    except RequestProcessorError as exc:
        result.hresult = f"0x{exc.hresult & 0xFFFFFFFF:08X}"
        result.message = exc.message
        result.advice = ADVICE.get(exc.hresult & 0xFFFFFFFF, "See the message; the connector's "
                                   "log (Status tab) has the details.")
        return result
    result.ok = True
    return result


def _company_name(session: Session, versions: list[str]) -> str:
    """The company's name from a CompanyQueryRq ('' when the answer has none)."""
    version = "13.0" if "13.0" in versions else (newest_version(versions) if versions else "13.0")
    answer = session.process(_COMPANY_QUERY.format(version=version))
    try:
        root = parse(answer)
    except XMLError:
        return ""
    name = root.find(".//CompanyRet/CompanyName")
    return (name.text or "").strip() if name is not None else ""
