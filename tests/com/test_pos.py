"""PosSession against the fake QBPOSXMLRP, and the Point of Sale connection string."""

from __future__ import annotations

import pytest

from qbconnector.com import PosSession, hresults, pos_connection_string
from qbconnector.com.pos import normalise_pos_version
from qbconnector.qbxml import spec
from qbconnector.qbxml.session import RequestProcessorError, Session, SessionOptions

from .conftest import APP_ID, APP_NAME
from .helpers import company_query, only_record


@pytest.mark.parametrize(("company", "kwargs", "expected"), [
    ("Corner Store", {"computer_name": "SHOP", "version": "12"},
     "Computer Name=SHOP;Company Data=Corner Store;Version=12"),
    ("Corner Store", {"computer_name": "SHOP", "version": "12", "practice": True},
     "Computer Name=SHOP;Company Data=Corner Store;Version=12;Practice=Yes"),
    ("Corner Store", {"computer_name": "SHOP"}, "Computer Name=SHOP;Company Data=Corner Store"),
    ("", {"computer_name": "SHOP", "practice": True}, "Computer Name=SHOP;Practice=Yes"),
    ("", {}, ""),
    ("Computer Name=A;Company Data=B;", {"version": "11.0", "practice": True},
     "Computer Name=A;Company Data=B;Version=11;Practice=Yes"),
    ("Computer Name=A;Company Data=B;Version=10", {"version": "12"},
     "Computer Name=A;Company Data=B;Version=10"),
])
def test_connection_string(company, kwargs, expected):
    assert pos_connection_string(company, **kwargs) == expected


def test_connection_string_defaults_to_this_computer(monkeypatch):
    monkeypatch.setenv("COMPUTERNAME", "TILL-3")
    assert pos_connection_string("Corner Store") == "Computer Name=TILL-3;Company Data=Corner Store"


def test_connection_string_refuses_separators():
    with pytest.raises(ValueError, match="cannot contain ';'"):
        pos_connection_string("Smith; Sons", computer_name="SHOP")


@pytest.mark.parametrize(("given", "expected"), [("12", "12"), (" 12.0 ", "12"), (None, None),
                                                 ("", None)])
def test_pos_version(given, expected):
    assert normalise_pos_version(given) == expected


def test_bad_pos_version():
    with pytest.raises(ValueError, match="expected a number"):
        normalise_pos_version("twelve")


def test_full_call_sequence(point_of_sale, pos):
    session = pos()
    assert isinstance(session, Session)
    session.open()
    answer = session.process(company_query())
    session.close()
    journal = point_of_sale.journal
    assert journal.names() == ["Dispatch", "OpenConnection", "BeginSession", "ProcessRequest",
                               "EndSession", "CloseConnection"]
    assert journal.args_of("Dispatch") == ("QBPOSXMLRPLib.RequestProcessor",)
    assert journal.args_of("OpenConnection") == (APP_ID, APP_NAME)
    assert journal.args_of("BeginSession") == (
        "Computer Name=SHOP-SERVER;Company Data=Corner Store;Version=12",)
    ticket = journal.args_of("ProcessRequest")[0]
    assert journal.args_of("EndSession") == (ticket,)
    company = only_record(answer)
    assert (company.tag, company["CompanyName"]) == ("CompanyRet", "Corner Store")
    assert company["IsSampleCompany"] is False


def test_practice_mode_reaches_the_practice_company(point_of_sale, pos):
    session = pos(company_file="", pos_practice=True)
    session.open()
    assert point_of_sale.journal.args_of("BeginSession") == (
        "Computer Name=SHOP-SERVER;Version=12;Practice=Yes",)
    assert session.company_file() == "Practice Store"
    assert only_record(session.process(company_query()))["IsSampleCompany"] is True


def test_versions_and_company(pos):
    session = pos()
    session.open()
    assert session.versions() == list(spec.load("qbposxml").versions)
    assert session.company_file() == "Corner Store"


@pytest.mark.parametrize(("changes", "hresult"), [
    # Point of Sale's own HRESULTs are not documented; the fake uses QBXMLRP2's (see fake).
    ({"pos_version": "10"}, hresults.HR_DATA_FILE_VERSION_MISMATCH),
    ({"company_file": "Nobody's Store"}, hresults.HR_COULD_NOT_OPEN_FILE),
    ({"computer_name": "ELSEWHERE"}, hresults.HR_COULD_NOT_ACCESS),
])
def test_begin_session_failures(point_of_sale, pos, changes, hresult):
    session = pos(**changes)
    with pytest.raises(RequestProcessorError) as caught:
        session.open()
    assert caught.value.hresult == hresult
    assert point_of_sale.journal.names()[-1] == "CloseConnection"
    assert session.is_company_accessible() is False


def test_close_twice_is_safe(point_of_sale, pos):
    session = pos()
    session.open()
    session.close()
    calls = len(point_of_sale.journal)
    session.close()
    assert len(point_of_sale.journal) == calls


def test_requires_an_application_name(point_of_sale):
    with pytest.raises(ValueError, match="application name"):
        PosSession(SessionOptions(app_name=""))


def test_com_session_picks_the_product(quickbooks, point_of_sale):
    from qbconnector.com import DesktopSession, com_session

    desktop = com_session(SessionOptions(app_name=APP_NAME))
    assert type(desktop) is DesktopSession
    pos = com_session(SessionOptions(app_name=APP_NAME, pos=True, pos_practice=True))
    assert type(pos) is PosSession
    assert pos.connection_string.endswith(";Practice=Yes")
