"""DesktopSession against the fake QBXMLRP2: call order, arguments, preferences, errors."""

from __future__ import annotations

import sys

import pytest

from qbconnector.com import DesktopSession, hresults
from qbconnector.errors import TargetError
from qbconnector.qbxml import spec
from qbconnector.qbxml.session import RequestProcessorError, Session, SessionOptions
from qbconnector.qbxml.status import hresult_message

from .conftest import APP_ID, APP_NAME, COMPANY_FILE, OTHER_FILE
from .fake_com import processor_error
from .helpers import host_query, only_record, only_response, unchecked_host_query

SDK_SEQUENCE = [
    "Dispatch",
    "OpenConnection2",
    "AuthPreferences",
    "AuthPreferences.PutUnattendedModePref",
    "AuthPreferences.PutAuthFlags",
    "AuthPreferences.PutIsReadOnly",
    "AuthPreferences.PutPersonalDataPref",
    "BeginSession",
    "AuthPreferences.WasAuthPreferencesObeyed",
]


def test_full_call_sequence_follows_the_sdk(quickbooks, desktop):
    session = desktop()
    session.open()
    response = session.process(host_query())
    session.close()

    journal = quickbooks.journal
    assert journal.names() == SDK_SEQUENCE + ["ProcessRequest", "EndSession", "CloseConnection"]
    assert journal.args_of("Dispatch") == ("QBXMLRP2.RequestProcessor",)
    assert journal.args_of("OpenConnection2") == (APP_ID, APP_NAME, 1)  # localQBD
    assert journal.args_of("BeginSession") == (COMPANY_FILE, 2)         # qbFileOpenDoNotCare
    ticket = journal.args_of("ProcessRequest")[0]
    assert ticket.startswith("{") and journal.args_of("EndSession") == (ticket,)
    assert journal.args_of("ProcessRequest")[1] == host_query()
    assert journal.args_of("AuthPreferences.WasAuthPreferencesObeyed") == (ticket,)
    answered = only_response(response)
    assert (answered.name, answered.status_code, answered.request_id) == ("HostQueryRs", 0, "1")


def test_session_satisfies_the_protocol(desktop):
    assert isinstance(desktop(), Session)


@pytest.mark.parametrize("read_only", [True, False])
def test_read_only_preference_is_applied(quickbooks, desktop, read_only):
    session = desktop(read_only=read_only)
    session.open()
    assert quickbooks.journal.args_of("AuthPreferences.PutIsReadOnly") == (read_only,)
    assert quickbooks.processors[0].AuthPreferences.GetIsReadOnly(session._ticket) is read_only


@pytest.mark.parametrize(("mode", "file_mode", "shown"), [
    ("Single", 0, "SingleUser"), ("Multi", 1, "MultiUser"), ("DontCare", 2, "SingleUser")])
def test_connection_modes_map_to_qbfilemode(quickbooks, desktop, mode, file_mode, shown):
    session = desktop(connection_mode=mode)
    session.open()
    assert quickbooks.journal.args_of("BeginSession") == (COMPANY_FILE, file_mode)
    assert only_record(session.process(host_query()))["QBFileMode"] == shown


def test_dont_care_takes_the_mode_quickbooks_has_the_file_open_in(quickbooks, desktop):
    quickbooks.open_file, quickbooks.open_mode = COMPANY_FILE, 1
    session = desktop(connection_mode="DontCare")
    session.open()
    assert only_record(session.process(host_query()))["QBFileMode"] == "MultiUser"


def test_application_name_is_required(quickbooks):
    with pytest.raises(ValueError, match="application name"):
        DesktopSession(SessionOptions(app_name=""))


def test_unknown_connection_mode_is_refused_before_any_com_call(quickbooks):
    with pytest.raises(ValueError, match="DontCare, Single, Multi"):
        DesktopSession(SessionOptions(connection_mode="Exclusive"))
    assert quickbooks.journal == []


@pytest.mark.parametrize(("unattended", "preference"), [(True, 1), (False, 2)])
def test_unattended_mode_preference(quickbooks, desktop, unattended, preference):
    session = desktop(unattended=unattended)
    session.open()
    assert quickbooks.journal.args_of("AuthPreferences.PutUnattendedModePref") == (preference,)
    assert only_record(session.process(host_query()))["IsAutomaticLogin"] is unattended


@pytest.mark.parametrize(("flags", "sent"), [
    (0xF, 0xF),
    (0x2, 0x2),
    (0x8000_000F, -0x7FFF_FFF1),   # force the dialog: the high bit goes as a negative long
])
def test_auth_flags_are_sent_as_a_com_long(quickbooks, desktop, flags, sent):
    desktop(auth_flags=flags).open()
    assert quickbooks.journal.args_of("AuthPreferences.PutAuthFlags") == (sent,)


def test_zero_auth_flags_sends_none(quickbooks, desktop):
    desktop(auth_flags=0).open()
    assert "AuthPreferences.PutAuthFlags" not in quickbooks.journal.names()


@pytest.mark.parametrize(("preference", "value"),
                         [("required", 1), ("optional", 2), ("not-needed", 3)])
def test_personal_data_preference(quickbooks, desktop, preference, value):
    desktop(personal_data=preference).open()
    assert quickbooks.journal.args_of("AuthPreferences.PutPersonalDataPref") == (value,)


def test_edition_outside_auth_flags_is_refused(quickbooks, desktop):
    with pytest.raises(RequestProcessorError) as caught:
        desktop(auth_flags=0x8).open()                    # Enterprise only; this is Pro
    assert caught.value.hresult == hresults.HR_EDITION_PRO_NOT_SUPPORTED


@pytest.mark.parametrize(("setup", "changes", "hresult"), [
    ("none", {"company_file": r"C:\nowhere\missing.qbw"}, hresults.HR_COULD_NOT_OPEN_FILE),
    ("none", {"company_file": OTHER_FILE}, hresults.HR_FIRST_ACCESS_NEEDS_ADMIN),
    ("manual-login", {}, hresults.HR_AUTO_LOGIN_NOT_ALLOWED),
    ("other-file-open", {}, hresults.HR_OTHER_FILE_OPEN),
    ("open-multi", {"connection_mode": "Single"}, hresults.HR_FILE_MODE_MISMATCH),
    ("none", {"company_file": ""}, hresults.HR_FILE_NAME_REQUIRED),
    ("none", {"app_name": "Someone Else"}, hresults.HR_FIRST_ACCESS_NEEDS_ADMIN),
])
def test_begin_session_failures_carry_their_hresult(quickbooks, desktop, setup, changes,
                                                    hresult):
    if setup == "manual-login":
        quickbooks.grant(APP_NAME, COMPANY_FILE, automatic_login=False)
    elif setup == "other-file-open":
        quickbooks.open_file = OTHER_FILE
    elif setup == "open-multi":
        quickbooks.open_file, quickbooks.open_mode = COMPANY_FILE, 1
    session = desktop(**changes)
    with pytest.raises(RequestProcessorError) as caught:
        session.open()
    assert caught.value.hresult == hresult
    assert caught.value.message == hresult_message(hresult)
    assert f"0x{hresult:08X}" in str(caught.value)
    assert isinstance(caught.value.__cause__, Exception)   # the COM error is kept
    assert session.last_error is caught.value
    # A failed BeginSession must not leave the connection open.
    assert quickbooks.journal.names()[-1] == "CloseConnection"
    assert not session.is_open


def test_open_works_after_the_administrator_grants_access(quickbooks, desktop):
    session = desktop(company_file=OTHER_FILE)
    with pytest.raises(RequestProcessorError):
        session.open()
    quickbooks.grant(APP_NAME, OTHER_FILE)
    session.open()
    assert session.company_file() == OTHER_FILE
    assert quickbooks.journal.names().count("OpenConnection2") == 2


@pytest.mark.parametrize(("request_text", "hresult"), [
    ("<QBXML><QBXMLMsgsRq", hresults.HR_PARSE_ERROR),
    (unchecked_host_query("99.0"), hresults.HR_VERSION_UNSUPPORTED),
])
def test_request_processor_errors_while_processing(desktop, request_text, hresult):
    session = desktop()
    session.open()
    with pytest.raises(RequestProcessorError) as caught:
        session.process(request_text)
    assert caught.value.hresult == hresult
    assert session.is_open            # the session survives a bad request, as in QuickBooks
    assert only_response(session.process(host_query())).status_code == 0


def test_process_before_open_is_refused_without_calling_com(quickbooks, desktop):
    session = desktop()
    with pytest.raises(RequestProcessorError) as caught:
        session.process(host_query())
    assert caught.value.hresult == hresults.HR_SESSION_NOT_BEGUN
    assert quickbooks.journal == []


def test_versions_oldest_first(desktop):
    session = desktop()
    session.open()
    assert session.versions() == list(spec.load().versions)


def test_company_file_is_the_one_quickbooks_names(quickbooks, desktop):
    session = desktop(company_file=COMPANY_FILE.upper())    # Windows paths ignore case
    session.open()
    assert session.company_file() == COMPANY_FILE
    assert quickbooks.journal.names()[-1] == "GetCurrentCompanyFileName"


def test_empty_company_file_means_the_one_open_in_quickbooks(quickbooks, desktop):
    quickbooks.open_file = COMPANY_FILE
    session = desktop(company_file="")
    session.open()
    assert quickbooks.journal.args_of("BeginSession") == ("", 2)
    assert session.company_file() == COMPANY_FILE


def test_close_twice_is_safe(quickbooks, desktop):
    session = desktop()
    session.close()                              # never opened: nothing to do
    assert quickbooks.journal == []
    session.open()
    session.close()
    calls = len(quickbooks.journal)
    session.close()
    assert len(quickbooks.journal) == calls
    assert quickbooks.journal.names()[-2:] == ["EndSession", "CloseConnection"]


def test_open_twice_begins_one_session(quickbooks, desktop):
    session = desktop()
    session.open()
    session.open()
    assert quickbooks.journal.names().count("BeginSession") == 1


def test_context_manager_closes(quickbooks, desktop):
    with desktop() as session:
        assert session.is_open
    assert not session.is_open
    assert quickbooks.journal.names()[-2:] == ["EndSession", "CloseConnection"]


def test_is_authorized(quickbooks, desktop):
    granted = desktop()
    assert granted.is_authorized() is True
    assert not granted.is_open                       # the probe ended its own session
    assert quickbooks.journal.names()[-2:] == ["EndSession", "CloseConnection"]

    refused = desktop(company_file=OTHER_FILE)
    assert refused.is_authorized() is False
    assert refused.last_error.hresult == hresults.HR_FIRST_ACCESS_NEEDS_ADMIN

    quickbooks.grant(APP_NAME, OTHER_FILE, automatic_login=False)
    assert desktop(company_file=OTHER_FILE).is_authorized() is False     # unattended refused
    assert desktop(company_file=OTHER_FILE, unattended=False).is_authorized() is True


def test_is_authorized_cannot_tell_when_the_file_is_missing(desktop):
    with pytest.raises(RequestProcessorError) as caught:
        desktop(company_file=r"C:\nowhere\missing.qbw").is_authorized()
    assert caught.value.hresult == hresults.HR_COULD_NOT_OPEN_FILE


def test_is_company_accessible(quickbooks, desktop):
    assert desktop().is_company_accessible() is True
    missing = desktop(company_file=r"C:\nowhere\missing.qbw")
    assert missing.is_company_accessible() is False
    assert missing.last_error.hresult == hresults.HR_COULD_NOT_OPEN_FILE
    quickbooks.open_file = OTHER_FILE
    assert desktop().is_company_accessible() is False


def test_checks_on_an_open_session_make_no_com_calls(quickbooks, desktop):
    session = desktop()
    session.open()
    calls = len(quickbooks.journal)
    assert session.is_authorized() and session.is_company_accessible()
    assert len(quickbooks.journal) == calls and session.is_open


def test_auth_preferences_obeyed_is_recorded(quickbooks, desktop):
    session = desktop()
    session.open()
    assert session.auth_preferences_obeyed is True
    session.close()
    quickbooks.obeys_auth_preferences = False
    session.open()
    assert session.auth_preferences_obeyed is False


def test_processor_version(desktop):
    assert desktop().processor_version() == "13.0"


def test_without_pywin32_open_says_why_in_one_line():
    try:
        import win32com.client  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pywin32 is installed here")
    session = DesktopSession(SessionOptions(app_name=APP_NAME))
    expected = (r"qbconnector\[windows\]" if sys.platform == "win32" else
                "reaches QuickBooks on Windows and this machine runs")
    with pytest.raises(TargetError, match=expected) as caught:
        session.open()
    assert "\n" not in str(caught.value)
    assert not session.is_open


def test_versions_are_sorted_even_when_quickbooks_lists_them_out_of_order(quickbooks, desktop):
    # QBXMLVersionsForSession can also list country versions such as 'CA3.0' (Intuit's own
    # samples look for them); numeric versions come first by number, the others after.
    quickbooks.versions = ("13.0", "CA3.0", "2.0", "10.0", "1.1", "UK3.0")
    session = desktop()
    session.open()
    assert session.versions() == ["1.1", "2.0", "10.0", "13.0", "CA3.0", "UK3.0"]


def test_close_still_closes_the_connection_when_end_session_fails(quickbooks, desktop):
    session = desktop()
    session.open()
    quickbooks.processors[0]._ticket = "{SOMETHING-ELSE}"   # QuickBooks lost our session
    with pytest.raises(RequestProcessorError) as caught:
        session.close()
    assert caught.value.hresult == hresults.HR_INVALID_TICKET
    assert quickbooks.journal.names()[-2:] == ["EndSession", "CloseConnection"]
    assert not session.is_open
    calls = len(quickbooks.journal)
    session.close()
    assert len(quickbooks.journal) == calls


def test_close_reports_a_failing_close_connection(quickbooks, desktop, monkeypatch):
    session = desktop()
    session.open()
    processor = quickbooks.processors[0]

    def close_connection():
        processor._record("CloseConnection")
        raise processor_error(hresults.HR_UNEXPECTED)

    monkeypatch.setattr(processor, "CloseConnection", close_connection)
    with pytest.raises(RequestProcessorError) as caught:
        session.close()
    assert caught.value.hresult == hresults.HR_UNEXPECTED
    assert quickbooks.journal.names()[-2:] == ["EndSession", "CloseConnection"]
    assert not session.is_open


def test_requests_reach_the_company_file_through_com(quickbooks, desktop):
    """A write and a read through the COM session land in the company file behind it."""
    from qbconnector.qbxml.build import Message, build
    from qbconnector.qbxml.parse import parse_response

    session = desktop()
    session.open()
    added = parse_response(session.process(build(
        Message("CustomerAdd", {"Name": "Through COM"}), version="13.0")))
    assert added[0].status_code == 0
    found = parse_response(session.process(build(
        Message("CustomerQuery", {"FullName": "Through COM"}), version="13.0")))
    assert found[0].records[0]["ListID"] == added[0].records[0]["ListID"]
