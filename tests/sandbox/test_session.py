"""Company files and sessions: what a new company holds, the Session contract, read-only
sessions (3260) and answers shaped by the request's qbXML version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.session import RequestProcessorError, Session
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.storage.store import Clock

from .conftest import QB, open_session

# -- a new company ----------------------------------------------------------------------------

def test_company_file_is_one_sqlite_database(company_path: Path) -> None:
    db = sqlite3.connect(company_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] > 0
    finally:
        db.close()


def test_new_company_has_the_standard_special_accounts(qb: QB) -> None:
    accounts = qb.all("AccountQuery")
    special = {a.get("SpecialAccountType"): a for a in accounts}
    for kind, account_type in (("AccountsReceivable", "AccountsReceivable"),
                               ("AccountsPayable", "AccountsPayable"),
                               ("UndepositedFunds", "OtherCurrentAsset"),
                               ("SalesTaxPayable", "OtherCurrentLiability"),
                               ("OpeningBalanceEquity", "Equity")):
        assert special[kind]["AccountType"] == account_type
        assert special[kind]["Balance"] == 0


def test_new_company_has_no_customers_vendors_or_transactions(qb: QB) -> None:
    for query in ("CustomerQuery", "VendorQuery", "EmployeeQuery", "InvoiceQuery",
                  "ItemQuery"):
        rs = qb.one(query)
        assert (rs.status_code, rs.records) == (1, []), query


def test_new_company_has_default_terms_and_tax_codes(qb: QB) -> None:
    terms = {t["Name"]: t for t in qb.all("StandardTermsQuery")}
    assert terms["Net 30"]["StdDueDays"] == 30
    assert terms["Due on receipt"]["StdDueDays"] == 0
    codes = {c["Name"]: c["IsTaxable"] for c in qb.all("SalesTaxCodeQuery")}
    assert codes == {"Non": False, "Tax": True}


def test_new_company_answers_preferences(qb: QB) -> None:
    prefs = qb.ok("PreferencesQuery")
    assert prefs["AccountingPreferences"]["IsUsingAuditTrail"] is True
    assert prefs["SalesAndCustomersPreferences"]["IsAutoApplyingPayments"] is True


# -- the Session contract ---------------------------------------------------------------------

def test_sandbox_session_follows_the_session_protocol(session: SandboxSession) -> None:
    assert isinstance(session, Session)


def test_process_before_open_is_an_invalid_ticket(company_path: Path, clock: Clock) -> None:
    closed = SandboxSession(company_path, clock=clock)
    with pytest.raises(RequestProcessorError) as caught:
        closed.process(build(Message("HostQuery"), version="13.0"))
    assert caught.value.hresult == catalogue.HR_INVALID_TICKET


def test_close_ends_the_session_and_may_be_called_twice(company_path: Path,
                                                        clock: Clock) -> None:
    opened = open_session(company_path, clock)
    opened.process(build(Message("HostQuery"), version="13.0"))
    opened.close()
    opened.close()
    with pytest.raises(RequestProcessorError) as caught:
        opened.process(build(Message("HostQuery"), version="13.0"))
    assert caught.value.hresult == catalogue.HR_INVALID_TICKET


def test_open_twice_keeps_one_session(session: SandboxSession) -> None:
    store = session.store
    session.open()
    assert session.store is store


def test_versions_are_every_supported_qbxml_version(session: SandboxSession) -> None:
    versions = session.versions()
    assert versions[0] == "1.0"
    assert versions[-1] == "14.0"
    assert {"2.0", "5.0", "8.0", "12.0", "13.0"} <= set(versions)
    assert versions == sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def test_company_file_is_the_absolute_path(company_path: Path, clock: Clock) -> None:
    relative = SandboxSession(Path(company_path.name), clock=clock)
    assert Path(relative.company_file()) == (Path.cwd() / company_path.name).resolve()
    opened = open_session(company_path, clock)
    try:
        assert opened.company_file() == str(company_path.resolve())
    finally:
        opened.close()


def test_is_authorized(session: SandboxSession) -> None:
    assert session.is_authorized() is True


def test_company_accessible_only_for_a_company_file(company_path: Path, tmp_path: Path,
                                                    clock: Clock) -> None:
    assert SandboxSession(company_path, clock=clock).is_company_accessible() is True
    assert SandboxSession(tmp_path / "missing.qbdb", clock=clock).is_company_accessible() \
        is False
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert SandboxSession(other, clock=clock).is_company_accessible() is False
    text = tmp_path / "notes.qbdb"
    text.write_text("not a database at all, just some text to fill a page " * 100)
    assert SandboxSession(text, clock=clock).is_company_accessible() is False


@pytest.mark.parametrize("name", ["missing.qbdb", "other.db"])
def test_opening_something_else_cannot_open_the_file(tmp_path: Path, clock: Clock,
                                                     name: str) -> None:
    path = tmp_path / name
    if name == "other.db":
        sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(RequestProcessorError) as caught:
        SandboxSession(path, clock=clock).open()
    assert caught.value.hresult == catalogue.HR_COULD_NOT_OPEN_FILE
    assert caught.value.message.startswith(
        catalogue.hresult_message(catalogue.HR_COULD_NOT_OPEN_FILE))


def test_two_sessions_on_one_file_see_each_others_writes(company_path: Path,
                                                         clock: Clock) -> None:
    first, second = QB(open_session(company_path, clock)), QB(open_session(company_path, clock))
    try:
        first.ok("CustomerAdd", {"Name": "Shared"})
        assert [c["Name"] for c in second.all("CustomerQuery")] == ["Shared"]
    finally:
        first.session.close()
        second.session.close()


# -- read-only sessions -------------------------------------------------------------------------

@pytest.fixture
def read_only(company_path: Path, clock: Clock):
    opened = open_session(company_path, clock, read_only=True)
    yield QB(opened)
    opened.close()


def test_read_only_session_refuses_writes_with_3260(read_only: QB, qb: QB) -> None:
    rs = read_only.one("CustomerAdd", {"Name": "Nope"}, request_id="7")
    assert (rs.status_code, rs.status_severity, rs.status_message) == \
        catalogue.status(3260)
    assert rs.request_id == "7"
    assert rs.records == []
    assert qb.one("CustomerQuery").status_code == 1       # nothing was written


def test_read_only_session_answers_queries(read_only: QB, qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Visible"})
    assert [c["Name"] for c in read_only.all("CustomerQuery")] == ["Visible"]
    assert read_only.ok("HostQuery")["ProductName"]


def test_read_only_refuses_every_kind_of_write(read_only: QB, qb: QB) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Kept"})
    writes = [
        Message("CustomerMod", {"ListID": customer["ListID"],
                                "EditSequence": customer["EditSequence"], "Name": "Changed"}),
        Message("ListDel", {"ListDelType": "Customer", "ListID": customer["ListID"]}),
        Message("DataExtDefAdd", {"OwnerID": "0", "DataExtName": "Color",
                                  "DataExtType": "STR255TYPE", "AssignToObject": ["Customer"]}),
        Message("HostQuery"),
    ]
    responses = read_only.send(*writes, on_error="continueOnError")
    assert [r.status_code for r in responses] == [3260, 3260, 3260, 0]
    assert qb.ok("CustomerQuery")["Name"] == "Kept"


def test_read_only_stop_on_error_stops_after_the_refused_write(read_only: QB) -> None:
    responses = read_only.send(Message("CustomerAdd", {"Name": "A"}), Message("HostQuery"),
                               on_error="stopOnError")
    assert [r.status_code for r in responses] == [3260, 3231]


# -- qbXML versions -------------------------------------------------------------------------------

def test_answer_holds_only_what_the_requests_version_knows(qb: QB) -> None:
    new = qb.ok("CustomerAdd", {"Name": "Versioned"})
    assert new["PreferredDeliveryMethod"] == "None"          # an element of qbXML 12.0
    old = qb.ok("CustomerQuery", {"FullName": "Versioned"}, version="5.0")
    assert "PreferredDeliveryMethod" not in old
    assert old["JobStatus"] == "None"
    assert old["ListID"] == new["ListID"]
    assert qb.ok("CustomerQuery", {"FullName": "Versioned"})["PreferredDeliveryMethod"] == \
        "None"


def test_request_newer_than_its_version_is_a_parse_error(session: SandboxSession) -> None:
    # ExternalGUID came with qbXML 8.0; a 5.0 message set carrying it cannot be parsed.
    text = build(Message("CustomerAdd", {"Name": "G", "ExternalGUID":
                                         "{6B29FC40-CA47-1067-B31D-00DD010662DA}"}),
                 version="8.0").replace('version="8.0"', 'version="5.0"')
    with pytest.raises(RequestProcessorError) as caught:
        session.process(text)
    assert caught.value.hresult == catalogue.HR_PARSE_ERROR
    assert QB(session).one("CustomerQuery").status_code == 1


def test_every_supported_version_is_answered(qb: QB, session: SandboxSession) -> None:
    for version in session.versions():
        host = qb.ok("HostQuery", version=version)
        assert version in host["SupportedQBXMLVersion"]
