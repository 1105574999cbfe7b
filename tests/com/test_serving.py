"""The connector serving QuickBooks over COM, the whole way: HTTP → the server built as ``serve``
builds it (``Backend = "com://"``) → COM sessions → pywin32 → the request processors.

Only what cannot run here is faked, to its real interface: pywin32 (``fake_pywin32``) and
QuickBooks' request processors (``fake_qbxmlrp2``, ``fake_qbposxmlrp``, with real sandbox
company files behind Desktop).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from click.testing import CliRunner
from lxml import etree

from qbconnector import wire
from qbconnector.cli import backend as backends
from qbconnector.cli.main import cli
from qbconnector.com import hresults
from qbconnector.qbxml.access import is_read_only
from qbconnector.qbxml.spec import load as load_spec
from qbconnector.server import ConnectorServer, passwords
from qbconnector.server.settings import settings_from_dict
from qbconnector.targets import default_backend

from .answerers import company_query_answerer
from .conftest import COMPANY_FILE, OTHER_FILE
from .fake_qbposxmlrp import PROG_ID as POS_PROG_ID
from .fake_qbposxmlrp import FakePointOfSale
from .fake_qbxmlrp2 import FakeQuickBooks
from .helpers import company_query, host_query

LOG_N = 10
APP = "Shop Sync"
USERS = {"shop": {"CompanyFile": COMPANY_FILE, "AppName": APP},
         "till": {"CompanyFile": "Corner Store", "AppName": APP},
         "auditor": {"CompanyFile": "Corner Store", "AppName": APP, "ReadOnly": True},
         "stranger": {"CompanyFile": OTHER_FILE, "AppName": "Not Authorized"}}


@pytest.fixture
def machine(quickbooks: FakeQuickBooks, point_of_sale: FakePointOfSale,
            monkeypatch) -> tuple[FakeQuickBooks, FakePointOfSale]:
    """This Windows machine (SHOP-SERVER) with QuickBooks Desktop and Point of Sale installed."""
    monkeypatch.setenv("COMPUTERNAME", "SHOP-SERVER")
    quickbooks.grant(APP, COMPANY_FILE)
    return quickbooks, point_of_sale


@pytest.fixture
def start(monkeypatch) -> Iterator[Callable[..., ConnectorServer]]:
    """Start a connector from settings, exactly as ``serve`` does (cli.backend)."""
    monkeypatch.setattr(passwords, "MIN_LOG_N", LOG_N)
    started: list[ConnectorServer] = []

    def run(**values) -> ConnectorServer:
        users = {name: {**table, "Password": passwords.hash_password(f"{name}-pw", log_n=LOG_N)}
                 for name, table in USERS.items()}
        settings = settings_from_dict({"Port": 0, "Users": users, **values}, "com.toml")
        server = backends.build_server(settings, backends.open_backend(
            backends.choose(settings, None)), console_log=False, retry_pause=0.01)
        started.append(server.start())
        return server

    yield run
    for server in started:
        server.stop()


_CLIENT = httpx.Client(timeout=10, trust_env=False)   # one client: CA bundles load once


def post(server: ConnectorServer, user: str, body: str = "", interaction: int = 0,
         **headers: str) -> httpx.Response:
    sent = {wire.INTERACTION_HEADER: str(interaction), **headers}
    return _CLIENT.post(server.url, content=body.encode(), auth=(user, f"{user}-pw"),
                        headers=sent)


def statuses(response: httpx.Response) -> list[tuple[str, str]]:
    rs = etree.fromstring(response.content)[0]
    return [(x.tag, x.get("statusCode")) for x in rs]


def test_com_is_the_default_where_quickbooks_is_installed(machine, start):
    assert default_backend() == "com://"
    server = start()                        # no Backend setting
    assert server.backend == ("QuickBooks over COM on this machine "
                              "(QuickBooks Desktop and Point of Sale)")


def test_desktop_through_http(machine, start):
    quickbooks, _ = machine
    server = start(Backend="com://")
    host = post(server, "shop", host_query())
    assert host.status_code == 200, host.text
    assert b"<ProductName>QuickBooks Pro (fake)</ProductName>" in host.content
    added = post(server, "shop", host_query().replace(
        "<HostQueryRq requestID=\"1\"/>", "<CustomerAddRq requestID=\"2\"><CustomerAdd><Name>"
        "Through COM and HTTP</Name></CustomerAdd></CustomerAddRq>"))
    assert statuses(added) == [("CustomerAddRs", "0")]
    assert post(server, "shop", interaction=wire.COMPANY_FILE).text == COMPANY_FILE + "\r\n"
    assert post(server, "shop", interaction=wire.IS_AUTHORIZED).text == "0\r\n"
    names = quickbooks.journal.names()
    begin = names.index("BeginSession")
    assert names[:begin] == ["Dispatch", "OpenConnection2", "AuthPreferences",
                             "AuthPreferences.PutUnattendedModePref",
                             "AuthPreferences.PutAuthFlags", "AuthPreferences.PutIsReadOnly",
                             "AuthPreferences.PutPersonalDataPref"]
    assert quickbooks.journal[1][1] == ("", APP, 1)                       # localQBD
    assert names[begin + 2:begin + 5] == ["ProcessRequest", "EndSession", "CloseConnection"]
    assert [args for name, args in quickbooks.journal if name == "BeginSession"][0] == (
        COMPANY_FILE, 2)                                                  # DoNotCare


def test_quickbooks_hresults_reach_the_client(machine, start):
    server = start(Backend="com://")
    refused = post(server, "stranger", host_query())
    assert refused.status_code == wire.PROCESSOR_ERROR
    code = f"0x{hresults.HR_FIRST_ACCESS_NEEDS_ADMIN:08X}"
    assert refused.headers[wire.HRESULT_HEADER] == code and refused.text.startswith(code)


def test_point_of_sale_headers_reach_the_pos_session(machine, start):
    _, point_of_sale = machine
    server = start(Backend="com://")
    live = post(server, "till", company_query(), **{
        wire.POS_HEADER: "True", wire.POS_VERSION_HEADER: "12.0"})
    assert live.status_code == 200, live.text
    assert b"<CompanyName>Corner Store</CompanyName>" in live.content
    practice = post(server, "till", company_query(), **{
        wire.POS_HEADER: "True", wire.POS_PRACTICE_HEADER: "True",
        wire.POS_VERSION_HEADER: "11"})
    assert b"<CompanyName>Practice Store</CompanyName>" in practice.content
    begun = [args[0] for name, args in point_of_sale.journal if name == "BeginSession"]
    assert begun == ["Computer Name=SHOP-SERVER;Company Data=Corner Store;Version=12",
                     "Computer Name=SHOP-SERVER;Company Data=Corner Store;Version=11;"
                     "Practice=Yes"]
    opened = [args for name, args in point_of_sale.journal if name == "OpenConnection"]
    assert opened == [("", APP), ("", APP)]


def test_a_read_only_users_pos_write_never_reaches_point_of_sale(machine, start):
    _, point_of_sale = machine
    server = start(Backend="com://")
    write = company_query().replace("CompanyQueryRq", "CustomerAddRq")
    refused = post(server, "auditor", write, **{wire.POS_HEADER: "True"})
    assert statuses(refused) == [("CustomerAddRs", "3260")]
    assert "ProcessRequest" not in point_of_sale.journal.names()
    allowed = post(server, "auditor", company_query(), **{wire.POS_HEADER: "True"})
    assert b"<CompanyName>Corner Store</CompanyName>" in allowed.content


def test_desktop_requests_where_only_point_of_sale_is_installed(pywin32, start, monkeypatch):
    monkeypatch.setenv("COMPUTERNAME", "SHOP-SERVER")
    till = FakePointOfSale(computer_name="SHOP-SERVER", company_data={
        "Corner Store": company_query_answerer("Corner Store", sample=False)})
    pywin32.install_product((POS_PROG_ID,), till.dispatch)
    server = start(Backend="com://")
    assert server.backend.endswith("(Point of Sale)")
    answer = post(server, "shop", host_query())
    assert answer.status_code == wire.PROCESSOR_ERROR
    assert "QBXMLRP2.RequestProcessor is not registered on this machine" in answer.text


def test_serve_com_without_pywin32_stops_with_one_line(tmp_path):
    config = tmp_path / "connector.toml"
    config.write_text('[Users.ann]\nPassword = "pw"\n')
    result = CliRunner().invoke(cli, ["serve", "--config", str(config), "--backend", "com://"])
    assert result.exit_code == 5
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: cannot serve com://: com:// reaches QuickBooks on "
                                    "Windows and this machine runs Linux")


def test_serve_com_without_quickbooks_installed_stops_with_one_line(pywin32, tmp_path):
    config = tmp_path / "connector.toml"
    config.write_text('Backend = "com://"\n[Users.ann]\nPassword = "pw"\n')
    result = CliRunner().invoke(cli, ["serve", "--config", str(config)])
    assert result.exit_code == 5
    assert result.output.count("\n") == 1
    assert "QuickBooks is not installed on this machine" in result.output
    check = CliRunner().invoke(cli, ["config", "check", "--config", str(config)])
    assert check.exit_code == 1 and "Backend: cannot serve com://" in check.output


def test_server_and_read_only_pos_sessions_refuse_the_same_requests(machine, start, pos):
    """For every Point of Sale request type: the server refuses a read-only user's request
    exactly when a read-only PosSession refuses it itself (Point of Sale has no read-only
    preference of its own), by the one rule."""
    _, point_of_sale = machine
    server = start(Backend="com://")
    spec = load_spec("qbposxml")
    by_server, by_session = set(), set()
    for name in spec.requests:
        request = company_query().replace("CompanyQueryRq", name)
        answer = post(server, "auditor", request, **{wire.POS_HEADER: "True"})
        if answer.status_code == 200 and statuses(answer)[0][1] == "3260":
            by_server.add(name)
        session = pos(read_only=True)
        session.open()
        before = point_of_sale.journal.names().count("ProcessRequest")
        try:
            text = session.process(request)
        except NotImplementedError:    # the fake Point of Sale answers CompanyQueryRq only
            text = ""
        if point_of_sale.journal.names().count("ProcessRequest") == before:
            assert 'statusCode="3260"' in text, name
            by_session.add(name)
    assert by_server == by_session == {n for n in spec.requests
                                       if not is_read_only(n, "qbposxml")}
    assert "CustomerAddRq" in by_server and "CompanyQueryRq" not in by_server
