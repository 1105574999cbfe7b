"""The fake QBXMLRP2 itself: misuse fails the way the real request processor reports it.

These keep the fake honest: the sessions never make these mistakes, so only direct calls
show that the fake refuses them with QBXMLRP2's HRESULTs.
"""

from __future__ import annotations

import pytest

from qbconnector.com import hresults
from qbconnector.com.errors import ComError, hresult_and_text

from .conftest import APP_NAME, COMPANY_FILE
from .helpers import host_query


def fails_with(hresult, call, *args):
    with pytest.raises(ComError) as caught:
        call(*args)
    assert hresult_and_text(caught.value)[0] == hresult


@pytest.fixture
def processor(quickbooks):
    return quickbooks.dispatch("QBXMLRP2.RequestProcessor")


def test_unregistered_prog_id(quickbooks):
    fails_with(hresults.CO_E_CLASSSTRING, quickbooks.dispatch, "QBXMLRP.RequestProcessor9")


def test_calls_before_open_connection(processor):
    no_connection = hresults.HR_OPEN_CONNECTION_NOT_CALLED
    fails_with(no_connection, processor.BeginSession, COMPANY_FILE, 2)
    fails_with(no_connection, processor.ProcessRequest, "{x}", host_query())
    fails_with(no_connection, processor.CloseConnection)


def test_open_connection_rules(processor):
    fails_with(hresults.HR_APPLICATION_NAME_REQUIRED, processor.OpenConnection2, "", "", 1)
    fails_with(hresults.HR_CONNECTION_TYPE_NOT_FOUND, processor.OpenConnection2, "", APP_NAME, 4)
    processor.OpenConnection2("", APP_NAME, 1)
    fails_with(hresults.HR_CONNECTION_ALREADY_OPEN, processor.OpenConnection2, "", APP_NAME, 1)


def test_session_rules(processor):
    processor.OpenConnection2("", APP_NAME, 1)
    fails_with(hresults.HR_SESSION_NOT_BEGUN, processor.ProcessRequest, "{x}", host_query())
    fails_with(hresults.HR_INVALID_PARAMETER, processor.BeginSession, COMPANY_FILE, 7)
    ticket = processor.BeginSession(COMPANY_FILE, 2)
    fails_with(hresults.HR_SESSION_ALREADY_BEGUN, processor.BeginSession, COMPANY_FILE, 2)
    fails_with(hresults.HR_INVALID_TICKET, processor.ProcessRequest, "{wrong}", host_query())
    fails_with(hresults.HR_INVALID_TICKET, processor.GetCurrentCompanyFileName, "{wrong}")
    fails_with(hresults.HR_INVALID_TICKET, processor.QBXMLVersionsForSession, "{wrong}")
    fails_with(hresults.HR_NOT_ALLOWED_DURING_SESSION,
               processor.AuthPreferences.PutIsReadOnly, True)
    fails_with(hresults.HR_INVALID_TICKET, processor.EndSession, "{wrong}")
    processor.EndSession(ticket)
    fails_with(hresults.HR_INVALID_TICKET, processor.EndSession, ticket)
    processor.AuthPreferences.PutIsReadOnly(True)          # allowed again between sessions


def test_auth_flags_take_a_signed_long_like_pywin32(processor):
    with pytest.raises(OverflowError):
        processor.AuthPreferences.PutAuthFlags(0x8000_0000)
    processor.AuthPreferences.PutAuthFlags(hresults.signed(0x8000_0000))


def test_versions_are_a_tuple_of_strings_like_a_safearray(processor):
    processor.OpenConnection2("", APP_NAME, 1)
    ticket = processor.BeginSession(COMPANY_FILE, 2)
    versions = processor.QBXMLVersionsForSession(ticket)
    assert isinstance(versions, tuple) and all(isinstance(v, str) for v in versions)
