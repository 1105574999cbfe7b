"""A relay: a connector whose Backend is another connector, built the way ``serve`` builds it.

client ──http──▶ relay connector ──https, certificate pinned──▶ origin connector ──▶ sandbox

The relay's Backend is a URL with its own credentials (the password from an environment
variable, never in the settings), its users, read-only rule and allowed clients are its own,
and a dead origin is a clear 517 naming it.
"""

from __future__ import annotations

import shutil
from urllib.parse import quote

import httpx
import pytest

from qbconnector import wire
from qbconnector.cli import backend as backends
from qbconnector.qbxml.session import RequestProcessorError
from qbconnector.qbxml.status import HR_COULD_NOT_ACCESS, HR_COULD_NOT_OPEN_FILE, HR_PARSE_ERROR
from qbconnector.remote import RemoteSession
from qbconnector.server import ConnectorServer
from qbconnector.server.auth import LoginBackoff
from qbconnector.server.settings import settings_from_dict

from .conftest import PASSWORDS, sandbox_factory, users
from .helpers import add_customer, ask, server_log, wait_for_record

RELAY_PASSWORD = "relay-account-secret"   # noqa: S105 - a test password
PASSWORD_VARIABLE = "QBC_TEST_ORIGIN_PASSWORD"


@pytest.fixture(scope="module")
def books(module_company, tmp_path_factory):
    """The origin's folder of company files: shop.qbdb (its default) and other.qbdb."""
    folder = module_company.parent
    shutil.copyfile(module_company, folder / "other.qbdb")
    return folder


@pytest.fixture(scope="module")
def origin(start_connector, module_company, books, certificates):
    """The origin: TLS, and a 'relay' account that may name any company file of its folder."""
    return start_connector(
        sandbox_factory(module_company), company=module_company, SSLEnabled=True,
        SSLCertStore=str(certificates["server"].pem),
        Users=users(relay={"Password": RELAY_PASSWORD, "CompanyFile": str(books / "*.qbdb")}))


def backend_url(server: ConnectorServer, certificates, user: str = "relay") -> str:
    pin = quote(certificates["server"].fingerprint)
    return f"https://{user}@127.0.0.1:{server.port}/?fingerprint={pin}&password_env=" \
           f"{PASSWORD_VARIABLE}"


@pytest.fixture(scope="module")
def start_relay(_cheap_scrypt):
    """``start_relay(Backend=..., Users=...)``: a connector built as ``serve`` builds it."""
    started: list[ConnectorServer] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(PASSWORD_VARIABLE, RELAY_PASSWORD)

        def start(**values) -> ConnectorServer:
            raw = {"Port": 0, "Timeout": 20, "Users": users(carol={}, rita={"ReadOnly": True}),
                   **values}
            settings = settings_from_dict(raw, "relay.toml")
            served = backends.open_backend(backends.choose(settings, None))
            server = backends.build_server(
                settings, served, retry_pause=0.01, console_log=False,
                backoff=LoginBackoff(free_attempts=3, base=0.01, cap=0.05))
            started.append(server.start())
            return server

        yield start
        for server in reversed(started):
            server.stop()


@pytest.fixture(scope="module")
def relay(start_relay, origin, certificates, books):
    return start_relay(Backend=backend_url(origin, certificates),
                       Users=users(carol={}, rita={"ReadOnly": True},
                                   dave={"CompanyFile": str(books / "other.qbdb")},
                                   erin={"CompanyFile": "/elsewhere/secret.qbdb"}))


def as_user(server, name="carol", **kwargs) -> RemoteSession:
    return RemoteSession(server.url, user=name, password=f"{name}-secret", **kwargs)


def direct(origin, certificates) -> RemoteSession:
    return RemoteSession(origin.url, user="alice", password=PASSWORDS["alice"],
                         fingerprint=certificates["server"].fingerprint)


def test_the_relay_says_what_it_serves(relay, origin):
    assert relay.backend == (f"the connector at {origin.url} as relay (pinned certificate)")


def test_queries_and_adds_through_two_hops(relay, origin, certificates):
    with as_user(relay) as session:
        added = add_customer(session, "Two Hops Inc")
        through_relay = ask(session, "CustomerQuery", {"FullName": ["Two Hops Inc"]})
    with direct(origin, certificates) as session:
        at_origin = ask(session, "CustomerQuery", {"FullName": ["Two Hops Inc"]})
    list_id = added.records[0]["ListID"]
    assert [r["ListID"] for r in through_relay.records] == [list_id]
    assert [r["ListID"] for r in at_origin.records] == [list_id]


def test_interaction_types_through_the_relay(relay, module_company):
    with as_user(relay) as session:
        assert session.company_file() == str(module_company.resolve())
        versions = session.versions()
        assert session.newest_version() == versions[-1]
        assert session.is_authorized() and session.is_company_accessible()


def test_request_processor_error_keeps_its_hresult_across_hops(relay):
    with as_user(relay) as session, pytest.raises(RequestProcessorError) as caught:
        session.process("<QBXML><QBXMLMsgsRq>")
    assert caught.value.hresult == HR_PARSE_ERROR


def test_an_iterator_continues_over_a_persistent_connection(relay):
    """The relay's Backend is per-request, yet a client's persistent connection is kept open
    end to end: the relay keeps its own session at the origin open for as long."""
    with as_user(relay, persistent=True) as session:
        for i in range(3):
            add_customer(session, f"Relayed {i}")
        first = ask(session, "CustomerQuery", {"MaxReturned": 1, "NameFilter": {
            "MatchCriterion": "StartsWith", "Name": "Relayed"}}, iterator="Start")
        assert first.iterator_remaining_count == 2
        rest = ask(session, "CustomerQuery", {"MaxReturned": 5}, iterator="Continue",
                   iteratorID=first.iterator_id)
    assert rest.status_code == 0
    assert [r["Name"] for r in first.records + rest.records] == [
        "Relayed 0", "Relayed 1", "Relayed 2"]


def test_without_a_persistent_connection_each_request_is_its_own_session(relay):
    with as_user(relay) as session:
        add_customer(session, "Short-lived 0")
        add_customer(session, "Short-lived 1")
        first = ask(session, "CustomerQuery", {"MaxReturned": 1, "NameFilter": {
            "MatchCriterion": "StartsWith", "Name": "Short-lived"}}, iterator="Start")
        rest = ask(session, "CustomerQuery", {"MaxReturned": 5}, iterator="Continue",
                   iteratorID=first.iterator_id)
    assert rest.status_code != 0      # the iterator ended with the origin's session


def test_a_read_only_user_is_refused_at_the_relay(relay, origin, certificates):
    """The relay's account at the origin may write; its read-only user may not."""
    with server_log() as records, as_user(relay, "rita") as session:
        refused = ask(session, "CustomerAdd", {"CustomerAdd": {"Name": "Rita Was Here"}})
        allowed = ask(session, "CustomerQuery", {"MaxReturned": 1})
        assert wait_for_record(records, "user=rita type=0 requests=CustomerQueryRq")
        assert wait_for_record(records, "user=relay type=0 requests=CustomerQueryRq")
    assert refused.status_code == 3260 and allowed.status_code == 0
    relayed = [r.getMessage() for r in records if "user=relay" in r.getMessage()]
    assert not any("CustomerAddRq" in line for line in relayed), relayed
    assert any("CustomerQueryRq" in line for line in relayed), relayed
    with direct(origin, certificates) as session:
        assert not ask(session, "CustomerQuery", {"FullName": ["Rita Was Here"]}).records


def test_the_relays_allowed_clients_come_first(start_relay, origin, certificates):
    closed = start_relay(Backend=backend_url(origin, certificates), AllowedClients="10.9.9.9")
    with server_log() as records:
        answer = httpx.post(closed.url, content=b"x", auth=("carol", "carol-secret"))
    assert answer.status_code == wire.FORBIDDEN
    assert not any("user=relay" in r.getMessage() for r in records)


def test_a_users_company_file_is_passed_on(relay, books):
    with as_user(relay, "dave") as session:
        assert session.company_file() == str((books / "other.qbdb").resolve())
        add_customer(session, "Only In Other")
    with as_user(relay) as session:   # carol: the origin's default file
        assert not ask(session, "CustomerQuery", {"FullName": ["Only In Other"]}).records


def test_a_company_file_the_origin_does_not_allow_is_refused(relay):
    with as_user(relay, "erin") as session, pytest.raises(RequestProcessorError) as caught:
        session.company_file()
    assert caught.value.hresult == HR_COULD_NOT_OPEN_FILE
    assert "relay may not open '/elsewhere/secret.qbdb'" in caught.value.message


def test_the_password_is_never_in_the_settings_or_the_log(relay, start_relay, origin,
                                                          certificates):
    with server_log() as records, as_user(relay) as session:
        assert session.versions()
    assert records and all(RELAY_PASSWORD not in r.getMessage() for r in records)
    assert RELAY_PASSWORD not in backend_url(origin, certificates)


def test_a_wrong_pin_is_a_517_naming_the_certificate(start_relay, origin, certificates):
    other = quote(certificates["other"].fingerprint)
    relay = start_relay(Backend=f"https://relay@127.0.0.1:{origin.port}/?fingerprint={other}"
                                f"&password_env={PASSWORD_VARIABLE}")
    with as_user(relay) as session, pytest.raises(RequestProcessorError) as caught:
        session.versions()
    assert caught.value.hresult == HR_COULD_NOT_ACCESS
    assert "not the pinned" in caught.value.message and origin.url in caught.value.message


def test_origin_refusing_the_relay_is_a_517_naming_the_origin(start_relay, origin,
                                                               certificates, monkeypatch):
    wrong = "relay-has-the-wrong-password"
    monkeypatch.setenv("QBC_TEST_WRONG", wrong)
    relay = start_relay(Backend=backend_url(origin, certificates).replace(
        PASSWORD_VARIABLE, "QBC_TEST_WRONG"))
    with server_log() as records, as_user(relay) as session, \
            pytest.raises(RequestProcessorError) as caught:
        session.versions()
    error = caught.value
    assert error.hresult == HR_COULD_NOT_ACCESS
    assert origin.url in error.message and "'relay'" in error.message
    assert wrong not in error.message
    assert all(wrong not in r.getMessage() for r in records)


def test_the_origin_stopped_mid_way(start_connector, start_relay, module_company, books,
                                    certificates):
    """A 517 naming the origin while it is down; the relay stays up and recovers."""
    def start_origin(port: int = 0) -> ConnectorServer:
        return start_connector(
            sandbox_factory(module_company), company=module_company, Port=port,
            SSLEnabled=True, SSLCertStore=str(certificates["server"].pem),
            Users=users(relay={"Password": RELAY_PASSWORD,
                               "CompanyFile": str(books / "*.qbdb")}))

    origin = start_origin()
    relay = start_relay(Backend=backend_url(origin, certificates))
    with as_user(relay, persistent=True) as session:
        assert ask(session, "HostQuery").status_code == 0
        port = origin.port
        origin.stop()
        with pytest.raises(RequestProcessorError) as caught:
            ask(session, "HostQuery")
        assert caught.value.hresult == HR_COULD_NOT_ACCESS
        assert f"127.0.0.1:{port}" in caught.value.message
        answer = httpx.post(relay.url, content=b"", auth=("carol", "carol-secret"),
                            headers={wire.INTERACTION_HEADER: str(wire.COMPANY_FILE)})
        assert answer.status_code == wire.PROCESSOR_ERROR       # the relay is still up
        assert f"cannot reach the connector at https://127.0.0.1:{port}/" in answer.text
        start_origin(port)                                     # back on the same port
        assert ask(session, "HostQuery").status_code == 0


def test_a_saved_connection_as_the_backend(start_relay, origin, certificates, tmp_path):
    """The backend may be a saved connection: its target, pin and password variable."""
    from qbconnector.profiles import remove_profile, save_profile

    url = f"https://relay@127.0.0.1:{origin.port}/"
    save_profile("office", url, fingerprint=certificates["server"].fingerprint,
                 password_env=PASSWORD_VARIABLE)
    try:
        relay = start_relay(Backend="office")
        assert relay.backend == f"the connector at {origin.url} as relay (pinned certificate)"
        with as_user(relay) as session:
            assert ask(session, "HostQuery").status_code == 0
        save_profile("office", url, fingerprint=certificates["server"].fingerprint,
                     password_keyring=True)
        from click.testing import CliRunner

        from qbconnector.cli.main import cli

        config = tmp_path / "relay.toml"
        config.write_text('Backend = "office"\n[Users.carol]\nPassword = "carol-secret"\n')
        result = CliRunner().invoke(cli, ["serve", "--config", str(config)])
        assert result.exit_code == 5 and "Traceback" not in result.output
        # the test extra installs keyring, with no backend on a CI machine
        assert "password_keyring: the OS keyring cannot be used here" in result.output
    finally:
        remove_profile("office")
