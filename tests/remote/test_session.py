"""RemoteSession against a real connector on 127.0.0.1 serving a real sandbox company file."""

from __future__ import annotations

import gc
import logging
import socket

import httpx
import pytest

from qbconnector.qbxml.session import RequestProcessorError, SessionOptions, TransportError
from qbconnector.qbxml.status import HR_INVALID_TICKET, HR_PARSE_ERROR
from qbconnector.remote import (
    RemoteAccessDenied,
    RemoteAuthenticationError,
    RemoteConnectionError,
    RemoteEndpoint,
    RemoteError,
    RemoteProtocolError,
    RemoteSession,
    RemoteTransportError,
)
from qbconnector.sandbox import SandboxSession

from .conftest import PASSWORDS, sandbox_factory, users
from .helpers import add_customer, ask


@pytest.fixture(scope="module")
def seen_options() -> list[SessionOptions]:
    return []


@pytest.fixture(scope="module")
def connector(start_connector, module_company, seen_options, tmp_path_factory):
    missing = tmp_path_factory.mktemp("nothing") / "missing.qbdb"
    return start_connector(sandbox_factory(module_company, seen_options), company=module_company,
                           Users=users(lost={"CompanyFile": str(missing)}))


def remote(connector, user: str = "alice", **kwargs) -> RemoteSession:
    return RemoteSession(connector.url, user=user, password=PASSWORDS.get(user, f"{user}-secret"),
                         **kwargs)


# -- every interaction type -------------------------------------------------------------------
def test_company_file_is_the_servers(connector, module_company):
    with remote(connector) as session:
        assert session.company_file() == str(module_company.resolve())


def test_versions_and_newest_version(connector, module_company):
    expected = SandboxSession(module_company).versions()
    with remote(connector) as session:
        assert session.versions() == expected
        newest = session.newest_version()
    assert newest in expected
    as_numbers = [tuple(int(p) for p in v.split(".")) for v in expected]
    assert tuple(int(p) for p in newest.split(".")) == max(as_numbers)


def test_authorized_and_accessible(connector):
    with remote(connector) as session:
        assert session.is_authorized() is True
        assert session.is_company_accessible() is True


def test_company_not_accessible(connector):
    # user "lost" has a CompanyFile that does not exist: 106 answers 1 (no)
    with remote(connector, "lost") as session:
        assert session.is_company_accessible() is False


def test_process_add_then_query_round_trip(connector):
    with remote(connector) as session:
        added = add_customer(session, "Remote Round Trip Ltd")
        list_id = added.records[0]["ListID"]
        found = ask(session, "CustomerQuery", {"ListID": [list_id]})
    assert found.status_code == 0
    assert [r["Name"] for r in found.records] == ["Remote Round Trip Ltd"]
    assert found.records[0]["EditSequence"] == added.records[0]["EditSequence"]


def test_read_only_user_is_refused_writes(connector):
    with remote(connector, "reader") as session:
        response = ask(session, "CustomerAdd", {"CustomerAdd": {"Name": "Not Allowed"}})
        assert response.status_code == 3260
        assert ask(session, "CustomerQuery", {"MaxReturned": 1}).status_code in (0, 1)


def test_unicode_round_trip(connector):
    name = "Zoë Ærø Café"
    with remote(connector) as session:
        add_customer(session, name)
        found = ask(session, "CustomerQuery", {"FullName": [name]})
    assert [r["Name"] for r in found.records] == [name]


# -- request processor errors -----------------------------------------------------------------
def test_parse_error_is_a_request_processor_error(connector):
    with remote(connector) as session, pytest.raises(RequestProcessorError) as caught:
        session.process("<?xml version='1.0'?><QBXML><QBXMLMsgsRq>")
    assert caught.value.hresult == HR_PARSE_ERROR == 0x80040400
    assert "pars" in caught.value.message.lower()


def test_process_needs_open(connector):
    session = remote(connector)
    with pytest.raises(RequestProcessorError) as caught:
        session.process("<QBXML/>")
    assert caught.value.hresult == HR_INVALID_TICKET


# -- headers from SessionOptions -------------------------------------------------------------
def test_point_of_sale_and_app_headers_reach_the_server(connector, seen_options):
    options = SessionOptions(app_name="Shop Sync", pos=True, pos_practice=True,
                             pos_version="12.0")
    before = len(seen_options)
    with remote(connector, options=options, delay_after_open_ms=1) as session, \
            pytest.raises(RequestProcessorError) as caught:
        session.company_file()
    # the sandbox has no Point of Sale: the connector's 517, as QuickBooks' own error
    assert not isinstance(caught.value, RemoteError)
    assert "Point of Sale" in caught.value.message
    asked = seen_options[before:]
    assert asked, "the server made no session"
    assert {(o.app_name, o.pos, o.pos_practice, o.pos_version) for o in asked} == {
        ("Shop Sync", True, True, "12.0")}


def test_without_pos_the_server_sees_no_pos(connector, seen_options):
    before = len(seen_options)
    with remote(connector) as session:
        session.company_file()
    assert [(o.pos, o.pos_practice, o.pos_version) for o in seen_options[before:]] == [
        (False, False, None)]


def test_malformed_header_is_the_servers_400(connector):
    options = SessionOptions(pos=True, pos_version="twelve")
    with remote(connector, options=options) as session, \
            pytest.raises(RemoteProtocolError) as caught:
        session.company_file()
    assert caught.value.status == 400
    assert "X-QBPOSVersion" in str(caught.value)


def test_delay_after_open_is_bounded():
    with pytest.raises(ValueError, match="delay_after_open_ms"):
        RemoteSession("http://127.0.0.1:9/", delay_after_open_ms=60_001)


# -- authentication ---------------------------------------------------------------------------
def test_wrong_password_is_an_authentication_error_without_the_password(connector, caplog):
    wrong = "Wr0ng-Pa55word-xyzzy"
    session = RemoteSession(connector.url, user="alice", password=wrong)
    with caplog.at_level(logging.DEBUG), pytest.raises(RemoteAuthenticationError) as caught:
        session.versions()
    error = caught.value
    assert error.status == 401
    assert "alice" in str(error) and connector.url in str(error)
    everything = " ".join([str(error), repr(error), repr(error.args), repr(session),
                           repr(session.endpoint), caplog.text])
    assert wrong not in everything
    assert PASSWORDS["alice"] not in everything


def test_password_in_the_url_is_kept_out_of_messages(connector):
    url = connector.url.replace("http://", "http://alice:Wr0ng-in-url@")
    session = RemoteSession(url)
    assert session.url == connector.url
    with pytest.raises(RemoteAuthenticationError) as caught:
        session.versions()
    assert "Wr0ng-in-url" not in str(caught.value) + repr(session) + repr(session.endpoint)


def test_no_credentials(connector):
    with pytest.raises(RemoteAuthenticationError, match="without a user name"):
        RemoteSession(connector.url).company_file()


def test_password_with_special_characters(connector):
    # bob's password has ':', '@', '/', '%' and a non-ASCII letter
    with remote(connector, "bob") as session:
        assert session.is_authorized()


def test_refused_client_is_access_denied(start_connector, module_company):
    server = start_connector(sandbox_factory(module_company), company=module_company,
                             AllowedClients="10.1.2.*")
    with pytest.raises(RemoteAccessDenied) as caught:
        remote(server).versions()
    assert caught.value.status == 403
    assert "AllowedClients" in str(caught.value)


# -- connections ------------------------------------------------------------------------------
def test_connection_refused_names_the_url():
    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(RemoteConnectionError) as caught:
        RemoteSession(url, user="alice", password="alice-secret").versions()
    assert url in str(caught.value)
    assert "alice-secret" not in str(caught.value)


def test_keep_alive_uses_one_connection(connector):
    ports: list[int] = []
    with remote(connector) as session:
        session.endpoint.client.event_hooks["response"].append(
            lambda r: ports.append(r.extensions["network_stream"]
                                   .get_extra_info("client_addr")[1]))
        session.company_file()
        session.versions()
        ask(session, "HostQuery")
        session.is_authorized()
    assert len(ports) == 4
    assert len(set(ports)) == 1


def test_shared_endpoint_is_a_session_factory(connector):
    endpoint = RemoteEndpoint(connector.url, user="alice", password=PASSWORDS["alice"])
    try:
        first = endpoint(SessionOptions(app_name="one"))
        second = endpoint.session(SessionOptions(app_name="two"))
        for session in (first, second):
            with session:
                assert ask(session, "HostQuery").status_code == 0
        # sessions on a shared endpoint leave its connections open for the next one
        assert endpoint._client is not None
    finally:
        endpoint.close()


# -- the server's error answers ---------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "headers", "status"), [
    ("POST", "/other", {}, 404),
    ("GET", "/", {}, 405),
    ("POST", "/", {"X-AcctSyncInteractionType": "7"}, 400),
])
def test_error_answers_of_the_real_server_map_to_remote_errors(connector, method, path,
                                                               headers, status):
    from qbconnector.remote.errors import error_for_status

    with httpx.Client(auth=("alice", PASSWORDS["alice"])) as raw:
        response = raw.request(method, connector.url.rstrip("/") + path, content=b"",
                               headers=headers)
    assert response.status_code == status
    error = error_for_status(response.status_code, response.content, connector.url, "alice")
    assert isinstance(error, RemoteProtocolError)
    assert error.status == status
    assert error.server_message and error.server_message in str(error)


def test_length_required_answer_maps_to_a_protocol_error(connector):
    from qbconnector.remote.errors import error_for_status

    request = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n0\r\n\r\n")
    with socket.create_connection((connector.host, connector.port), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    assert status == 411
    error = error_for_status(status, body, connector.url, None)
    assert isinstance(error, RemoteProtocolError) and "411" in str(error)


# -- persistent sessions (101 / 102) ----------------------------------------------------------
def _start_iterator(session: RemoteSession, prefix: str) -> str:
    for i in range(5):
        add_customer(session, f"{prefix} {i}")
    first = ask(session, "CustomerQuery", {"MaxReturned": 2, "NameFilter": {
        "MatchCriterion": "StartsWith", "Name": prefix}}, iterator="Start")
    assert first.status_code == 0 and len(first.records) == 2
    assert first.iterator_id and first.iterator_remaining_count == 3
    return first.iterator_id


def _continue(session: RemoteSession, iterator_id: str):
    return ask(session, "CustomerQuery", {"MaxReturned": 2}, iterator="Continue",
               iteratorID=iterator_id)


def test_persistent_session_keeps_an_iterator_alive(connector):
    with remote(connector, persistent=True) as session:
        iterator_id = _start_iterator(session, "Persistent")
        second = _continue(session, iterator_id)
        third = _continue(session, iterator_id)
    assert second.status_code == 0 and len(second.records) == 2
    assert third.status_code == 0 and len(third.records) == 1
    assert third.iterator_remaining_count == 0
    names = {r["Name"] for r in second.records + third.records}
    assert names <= {f"Persistent {i}" for i in range(5)} and len(names) == 3


def test_without_persistence_the_iterator_dies_with_the_request(connector):
    with remote(connector) as session:
        iterator_id = _start_iterator(session, "Transient")
        again = _continue(session, iterator_id)
    assert again.status_code != 0
    assert not again.records


def test_close_sends_102_and_the_server_closes_the_session(connector):
    holder = remote(connector, persistent=True)
    holder.open()                      # 101: the connector keeps this user's session open
    try:
        iterator_id = _start_iterator(holder, "Held")
        # another session of the same user is served by the kept session meanwhile
        with remote(connector) as other:
            assert _continue(other, iterator_id).status_code == 0
    finally:
        holder.close()                 # 102
    assert not holder.is_open
    with remote(connector) as other:
        assert _continue(other, iterator_id).status_code != 0
    holder.close()                     # twice is fine, and sends nothing more


def test_no_answer_within_the_timeout_is_a_transport_error():
    # a listener that accepts and reads but never answers: the request may have been processed
    with socket.create_server(("127.0.0.1", 0)) as listener:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        session = RemoteSession(url, user="alice", password="alice-secret",
                                timeout=httpx.Timeout(0.3, connect=5))
        with session, pytest.raises(RemoteTransportError) as caught:
            session.process("<QBXML/>")
    assert isinstance(caught.value, TransportError)
    assert url in str(caught.value) and "may or may not" in str(caught.value)


def test_answers_are_freed_without_waiting_for_the_cycle_collector(connector):
    """httpx keeps a response in a cycle with its stream; the session breaks it once the body
    is read, so a page's bytes go as soon as they are used (not at the next collection,
    which an export may make rarer)."""
    with remote(connector) as session:
        add_customer(session, "Freed Answers")          # connection made, pools warm
        gc.collect()
        gc.disable()
        try:
            before = sum(isinstance(o, httpx.Response) for o in gc.get_objects())
            for _ in range(5):
                assert ask(session, "CustomerQuery", {"MaxReturned": 5}).status_code == 0
            after = sum(isinstance(o, httpx.Response) for o in gc.get_objects())
        finally:
            gc.enable()
    assert after == before
