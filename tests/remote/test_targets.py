"""Connect strings: sandbox files, http(s):// connectors and com:// through open_session."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from qbconnector.com import DesktopSession
from qbconnector.qbxml.session import SessionOptions
from qbconnector.remote import RemoteAuthenticationError, RemoteSession
from qbconnector.sandbox import SandboxSession
from qbconnector.targets import (
    PASSWORD_ENV,
    TargetError,
    describe,
    make_session,
    open_session,
    session_factory,
)
from tests.com.answerers import sandbox_answerer
from tests.com.fake_qbxmlrp2 import PROG_IDS, FakeQuickBooks

from .conftest import PASSWORDS, sandbox_factory
from .helpers import add_customer, ask


@pytest.fixture(scope="module")
def connector(start_connector, module_company):
    return start_connector(sandbox_factory(module_company), company=module_company)


@pytest.fixture(scope="module")
def tls_connector(start_connector, module_company, certificates):
    return start_connector(sandbox_factory(module_company), company=module_company,
                           SSLEnabled=True, SSLCertStore=str(certificates["server"].pem))


def with_credentials(url: str, user: str, password: str | None = None) -> str:
    scheme, rest = url.split("://", 1)
    userinfo = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"{scheme}://{userinfo}@{rest}"


# -- sandbox files ----------------------------------------------------------------------------
def test_sandbox_file_path(blank_company):
    path = blank_company("shop")
    with open_session(str(path)) as session:
        assert isinstance(session, SandboxSession)
        assert session.company_file() == str(path.resolve())
        add_customer(session, "Sandbox Target")
    with open_session(path) as session:   # a Path works too, and the data is there
        assert ask(session, "CustomerQuery", {"FullName": ["Sandbox Target"]}).records


def test_open_session_opens_and_make_session_does_not(blank_company):
    path = blank_company()
    opened = open_session(path)
    try:
        assert ask(opened, "HostQuery").status_code == 0
    finally:
        opened.close()
    unopened = make_session(path)
    with pytest.raises(Exception, match="0x8004040D"):
        unopened.process("<QBXML/>")


def test_file_url(blank_company):
    path = blank_company("via url")
    with open_session(path.resolve().as_uri()) as session:
        assert session.company_file() == str(path.resolve())


def test_any_existing_file_is_taken_as_a_sandbox(blank_company, tmp_path):
    renamed = tmp_path / "company.data"
    blank_company().rename(renamed)
    session = make_session(str(renamed))
    assert isinstance(session, SandboxSession)


def test_read_only_option_reaches_the_sandbox(blank_company):
    with open_session(blank_company(), read_only=True, app="Reporter") as session:
        assert session.options.read_only and session.options.app_name == "Reporter"
        refused = ask(session, "CustomerAdd", {"CustomerAdd": {"Name": "Nope"}})
    assert refused.status_code == 3260


@pytest.mark.parametrize(("target", "message"), [
    ("missing.qbdb", "no sandbox company file"),
    ("no-such-thing", "neither an existing sandbox company file, a URL nor a saved connection"),
    ("./no-such-thing", "neither an existing sandbox company file nor a URL"),
    ("C:\\Company Files\\Shop.QBW", "com://"),
    ("ftp://host/file", "unknown connect string scheme 'ftp'"),
    ("", "empty connect string"),
])
def test_clear_errors(tmp_path, monkeypatch, target, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TargetError, match=message):
        make_session(target)


def test_a_directory_is_not_a_company(tmp_path):
    with pytest.raises(TargetError, match="not a file"):
        make_session(str(tmp_path))


def test_remote_options_do_not_apply_to_sandbox_files(blank_company):
    with pytest.raises(TargetError, match="take no option fingerprint"):
        make_session(blank_company(), fingerprint="AB" * 32)


# -- http(s):// --------------------------------------------------------------------------------
def test_http_url_with_credentials(connector):
    url = with_credentials(connector.url, "alice", PASSWORDS["alice"])
    with open_session(url) as session:
        assert isinstance(session, RemoteSession)
        assert session.url == connector.url
        assert ask(session, "HostQuery").status_code == 0


def test_url_decoded_credentials(start_connector, module_company):
    # bob's password needs percent-encoding in a URL: ':' '@' '/' '%' and 'ö'
    url = with_credentials(start_connector(sandbox_factory(module_company),
                                           company=module_company).url,
                           "bob", PASSWORDS["bob"])
    assert "%40" in url and "%3A" in url
    with open_session(url) as session:
        assert session.is_authorized()


def test_password_from_the_environment(connector, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORDS["alice"])
    with open_session(with_credentials(connector.url, "alice")) as session:
        assert session.is_company_accessible()
    with open_session(connector.url, user="alice") as session:
        assert session.is_company_accessible()


def test_password_option_wins(connector, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    with open_session(connector.url, user="alice", password=PASSWORDS["alice"]) as session:
        assert session.versions()
    with pytest.raises(RemoteAuthenticationError):
        open_session(connector.url, user="alice").versions()


def test_missing_password_is_a_clear_error(connector, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(TargetError, match=f"no password for user 'alice'.*{PASSWORD_ENV}"):
        make_session(with_credentials(connector.url, "alice"))


def test_password_never_in_the_query_string(connector):
    with pytest.raises(TargetError, match="password"):
        make_session(connector.url + "?user=alice&password=x")


def test_describe_hides_the_password():
    assert describe("https://alice:s3cret@host:8167/") == "https://alice:***@host:8167/"
    assert describe("https://host:8167/") == "https://host:8167/"
    assert describe("shop.qbdb") == "shop.qbdb"


def test_query_string_options(tls_connector, certificates):
    pin = certificates["server"].fingerprint
    url = with_credentials(tls_connector.url, "alice", PASSWORDS["alice"])
    url += f"?fingerprint={quote(pin)}&persistent=yes&app=Query%20App&pos_version=12"
    session = make_session(url)
    assert isinstance(session, RemoteSession)
    assert session.persistent and session.endpoint.fingerprint == pin
    assert session.options.app_name == "Query App" and session.options.pos_version == "12"
    with make_session(url.replace("&pos_version=12", "")) as opened:
        assert ask(opened, "HostQuery").status_code == 0


def test_keyword_options_win_over_the_query(tls_connector, certificates):
    url = (with_credentials(tls_connector.url, "alice", PASSWORDS["alice"])
           + f"?fingerprint={certificates['other'].fingerprint}")
    session = make_session(url, fingerprint=certificates["server"].fingerprint)
    assert session.endpoint.fingerprint == certificates["server"].fingerprint
    with session:
        assert session.versions()


@pytest.mark.parametrize(("url", "message"), [
    ("http://host:8167/path", "answers at / only"),
    ("https://host:8167/?persistent=maybe", "not true/false"),
    ("https://host:8167/?colour=blue", "take no option colour"),
    ("http://host:8167/?fingerprint=" + "AB" * 32, "https:// URLs only"),
])
def test_bad_urls(url, message):
    with pytest.raises(TargetError, match=message):
        make_session(url)


# -- com:// ------------------------------------------------------------------------------------
COMPANY = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Shop & Co.qbw"


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has COM")
def test_com_elsewhere_than_windows_is_a_clear_error():
    with pytest.raises(TargetError, match="com:// reaches QuickBooks on Windows and this "
                                          "machine runs Linux"):
        make_session("com://?app=MyApp")


def test_com_without_quickbooks_installed_is_a_clear_error(pywin32):
    with pytest.raises(TargetError, match="QuickBooks is not installed on this machine"):
        make_session("com://?app=MyApp")
    with pytest.raises(TargetError, match="QuickBooks is not installed on this machine"):
        session_factory("com://")


def test_com_reaches_local_quickbooks_only():
    with pytest.raises(TargetError, match="this machine only"):
        make_session("com://quickbooks-server/")


@pytest.fixture
def quickbooks(blank_company, pywin32):
    """A fake QuickBooks Desktop (the COM interface to the letter) over a real sandbox file,
    installed behind a fake pywin32."""
    sandbox = SandboxSession(blank_company("behind com"))
    sandbox.open()
    machine = FakeQuickBooks(company_files={COMPANY: sandbox_answerer(sandbox)})
    machine.grant("MyApp", COMPANY)
    pywin32.install_product(PROG_IDS, machine.dispatch)
    yield machine
    sandbox.close()


def test_com_query_string_names_company_app_and_mode(quickbooks):
    target = f"com://?company={quote(COMPANY)}&app=MyApp&mode=multi&read_only=0"
    session = make_session(target)
    assert isinstance(session, DesktopSession)
    assert session.options == SessionOptions(company_file=COMPANY, app_name="MyApp",
                                             connection_mode="Multi")
    with session:
        add_customer(session, "Through COM")
        assert session.company_file() == COMPANY
    assert quickbooks.journal.args_of("BeginSession") == (COMPANY, 1)   # 1: multi-user
    assert quickbooks.journal.args_of("OpenConnection2")[1] == "MyApp"


def test_com_options_as_keywords(quickbooks):
    session = make_session("com://", company=COMPANY, app="MyApp", mode="single")
    assert session.options.connection_mode == "Single"
    assert session.is_authorized()
    other = make_session("com://", company=COMPANY, app="Stranger")
    assert not other.is_authorized()


def test_com_bad_mode():
    with pytest.raises(TargetError, match="single, multi, dontcare"):
        make_session("com://?mode=shared")


# -- factories for servers ---------------------------------------------------------------------
def test_sandbox_factory_serves_the_target_file_to_users_without_their_own(blank_company):
    path, other = blank_company("served"), blank_company("other")
    factory = session_factory(path)
    assert factory.default_company == str(path)
    assert str(factory) == f"the sandbox company file {path}"
    session = factory(SessionOptions(app_name="Server", read_only=True))
    assert isinstance(session, SandboxSession)
    assert session.path == Path(path)
    assert session.options.read_only and session.options.app_name == "Server"
    own = factory(SessionOptions(company_file=str(other)))   # a user's CompanyFile
    assert own.path == Path(other)
    factory.close()


def test_the_sandbox_word_serves_each_users_company_file(blank_company):
    path = blank_company("word")
    factory = session_factory("sandbox")
    assert factory.default_company == ""
    assert factory(SessionOptions(company_file=str(path))).path == Path(path)
    with pytest.raises(TargetError, match="needs a company file"):
        make_session("sandbox")


def test_read_only_target_makes_every_served_session_read_only(blank_company):
    factory = session_factory(blank_company("ro"), read_only=True)
    assert factory(SessionOptions(read_only=False)).options.read_only
    assert "(read-only)" in str(factory)


def test_com_factory_uses_the_servers_company_or_the_targets(quickbooks):
    factory = session_factory(f"com://?company={quote(COMPANY)}")
    assert factory.default_company == COMPANY
    assert "QuickBooks over COM on this machine (QuickBooks Desktop)" in str(factory)
    from_target = factory(SessionOptions(app_name="MyApp"))
    assert from_target.options.company_file == COMPANY
    with from_target:
        assert from_target.company_file() == COMPANY
    from_server = factory(SessionOptions(company_file=r"C:\Other.qbw", app_name="MyApp"))
    assert from_server.options.company_file == r"C:\Other.qbw"


def test_remote_sessions_are_persistent_unless_asked_otherwise(connector):
    url = with_credentials(connector.url, "alice", PASSWORDS["alice"])
    assert make_session(url).persistent is True
    assert make_session(url + "?persistent=0").persistent is False
    assert make_session(url, persistent=False).persistent is False
    # a server's factory makes one-request sessions unless the target asks for more
    assert session_factory(url)(SessionOptions()).persistent is False
    assert session_factory(url + "?persistent=1")(SessionOptions()).persistent is True
