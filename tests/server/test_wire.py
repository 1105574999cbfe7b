"""The wire protocol against a real server on loopback: status codes and exact bodies."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from tests.server.helpers import HOST_QUERY, client, post, raw_exchange


def test_execute_returns_the_session_response(server):
    with client(server) as c:
        r = post(c)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(r.content)
    rs = root.find("QBXMLMsgsRs/HostQueryRs")
    assert rs is not None and rs.get("statusCode") == "0" and rs.get("requestID") == "1"


def test_interaction_type_zero_is_the_default_and_explicit(server):
    with client(server) as c:
        assert post(c).content == post(c, interaction=0).content


def test_company_file_is_path_and_crlf(server, company_path):
    with client(server) as c:
        r = post(c, b"", interaction=1)
    assert r.status_code == 200
    assert r.content == company_path.encode() + b"\r\n"


def test_open_and_close_persistent_bodies_are_crlf(server):
    with client(server) as c:
        assert post(c, b"", interaction=101).content == b"\r\n"
        assert post(c, b"", interaction=102).content == b"\r\n"
        # 102 without an open persistent connection succeeds and does nothing
        r = post(c, b"", interaction=102)
        assert (r.status_code, r.content) == (200, b"\r\n")


def test_latest_version_and_all_versions(server, session_factory):
    from qbconnector.qbxml.session import SessionOptions

    versions = session_factory(SessionOptions()).versions()
    newest = max(versions, key=lambda v: tuple(int(x) for x in v.split(".")))
    with client(server) as c:
        assert post(c, b"", interaction=103).content == newest.encode() + b"\r\n"
        r = post(c, b"", interaction=104)
    assert r.content == ("\r\n".join(versions) + "\r\n").encode()


def test_authorized_and_accessible_answer_zero_for_yes(server):
    with client(server) as c:
        assert post(c, b"", interaction=105).content == b"0\r\n"
        assert post(c, b"", interaction=106).content == b"0\r\n"


def test_authorized_and_accessible_answer_one_for_no(start_server, session_factory):
    class Refusing:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def is_authorized(self):
            return False

        def is_company_accessible(self):
            return False

    server = start_server(lambda o: Refusing(session_factory(o)))
    with client(server) as c:
        assert post(c, b"", interaction=105).content == b"1\r\n"
        assert post(c, b"", interaction=106).content == b"1\r\n"


@pytest.mark.parametrize("value", ["2", "100", "107", "abc", "-1", "1.0"])
def test_unknown_interaction_type_is_400(server, value):
    with client(server) as c:
        r = post(c, b"", X_AcctSyncInteractionType=value)
    assert r.status_code == 400
    assert "X-AcctSyncInteractionType" in r.text


@pytest.mark.parametrize("header,value", [
    ("X-QBPOS", "yes"), ("X-AcctQBPOSPractice", "maybe"), ("X-QBPOSVersion", "twelve"),
    ("X-QBPOSVersion", ""), ("X-DelayAfterOpen", "soon"), ("X-DelayAfterOpen", "-5"),
    ("X-DelayAfterOpen", "99999999"),
])
def test_malformed_optional_headers_are_400(server, header, value):
    with client(server) as c:
        r = c.post("/", content=HOST_QUERY, headers={header: value})
    assert r.status_code == 400
    assert header in r.text


WELL_FORMED = [
    {"X-QBPOS": "False"}, {"X-QBPOS": "true", "X-AcctQBPOSPractice": "TRUE"},
    {"X-QBPOSVersion": "12"}, {"X-QBPOSVersion": "V11.0"}, {"X-DelayAfterOpen": "0"},
    {"X-DelayAfterOpen": "5"}, {"X-AcctQBPOSPractice": "0", "X-QBPOS": "1"},
]


def test_well_formed_optional_headers_are_accepted(start_server, session_factory):
    seen = []

    def factory(options):
        seen.append(options)
        return session_factory(options)

    server = start_server(factory)
    with client(server) as c:
        for headers in WELL_FORMED:
            r = c.post("/", content=HOST_QUERY, headers=headers)
            pos = headers.get("X-QBPOS", "false").lower() in ("true", "1")
            if pos:    # the sandbox has no Point of Sale: a 517 that says so
                assert r.status_code == 517, headers
                assert "Point of Sale is not available" in r.text
            else:
                assert r.status_code == 200, headers
            assert seen[-1].pos is pos
            practice = headers.get("X-AcctQBPOSPractice", "").lower() in ("true", "1")
            assert seen[-1].pos_practice is practice
            assert seen[-1].pos_version == headers.get("X-QBPOSVersion")


def test_other_path_is_404(server):
    with client(server) as c:
        r = c.post("/qbxml", content=HOST_QUERY)
    assert r.status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_method_is_405(server, method):
    with client(server) as c:
        r = c.request(method, "/", content=b"x" if method != "GET" else None)
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


def test_missing_content_length_is_411(server):
    auth = base64.b64encode(b"alice:alice-secret").decode()
    raw = raw_exchange(server, (f"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}"
                                "\r\n\r\n").encode())
    assert raw.startswith(b"HTTP/1.1 411 ")


def test_chunked_body_is_411(server):
    auth = base64.b64encode(b"alice:alice-secret").decode()
    body = HOST_QUERY.encode()
    raw = raw_exchange(server, (
        f"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n").encode()
        + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 411 ")


def test_chunked_body_with_httpx_stream_is_411(server):
    def gen():
        yield HOST_QUERY.encode()

    with client(server) as c:
        r = c.post("/", content=gen())
    assert r.status_code == 411


def test_missing_credentials_is_401_with_basic_challenge(server):
    with client(server, user=None) as c:
        r = post(c)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].lower().startswith("basic")


@pytest.mark.parametrize("user,password", [("alice", "wrong"), ("nobody", "alice-secret"),
                                           ("ALICE", "alice-secret"), ("alice", "")])
def test_wrong_credentials_are_401(server, user, password):
    with client(server, user=user, password=password) as c:
        r = post(c)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].lower().startswith("basic")


@pytest.mark.parametrize("header", ["Basic", "Basic !!!notbase64", "Bearer abc",
                                    "Basic " + base64.b64encode(b"no-colon").decode()])
def test_malformed_authorization_is_401(server, header):
    with client(server, user=None) as c:
        r = c.post("/", content=HOST_QUERY, headers={"Authorization": header})
    assert r.status_code == 401


def test_401_comes_before_400(server):
    with client(server, user=None) as c:
        r = post(c, X_AcctSyncInteractionType="999")
    assert r.status_code == 401


def test_404_comes_before_401(server):
    with client(server, user=None) as c:
        assert c.get("/elsewhere").status_code == 404


def test_processor_error_is_517_with_hresult(server):
    with client(server) as c:
        r = post(c, "<QBXML><QBXMLMsgsRq>")
    assert r.status_code == 517
    assert r.text.startswith("0x80040400 ")
    assert r.headers["x-qbconnector-hresult"] == "0x80040400"


def test_session_error_at_open_is_517(start_server, session_factory):
    from qbconnector.qbxml.session import RequestProcessorError

    class CannotOpen:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def open(self):
            raise RequestProcessorError(0x80040403, "Could not open the specified QuickBooks "
                                                    "company data file.")

    server = start_server(lambda o: CannotOpen(session_factory(o)))
    with client(server) as c:
        r = post(c)
    assert r.status_code == 517
    assert r.text == "0x80040403 Could not open the specified QuickBooks company data file.\r\n"


def test_keep_alive_serves_many_requests_on_one_connection(server):
    with client(server) as c:
        for _ in range(5):
            assert post(c).status_code == 200
        # httpx pooled one connection: every request reused it
        pool = c._transport._pool
        assert len(pool.connections) == 1


def test_app_name_comes_from_user_then_header(start_server, session_factory, hashed):
    seen = []

    def factory(options):
        seen.append(options)
        return session_factory(options)

    users = {"alice": {"Password": hashed["alice"]},
             "bob": {"Password": hashed["bob"], "AppName": "Configured App",
                     "ConnectionMode": "Multi", "CompanyFile": "/data/other.qbw"}}
    server = start_server(factory, users=users, AuthFlags="0x6")
    with client(server) as c:
        post(c, **{"X-QBConnector-AppName": "Client App"})
    with client(server, "bob") as c:
        post(c, **{"X-QBConnector-AppName": "Client App"})
    assert seen[0].app_name == "Client App"
    assert seen[0].auth_flags == 0x6
    assert (seen[1].app_name, seen[1].connection_mode) == ("Configured App", "Multi")
    assert seen[1].company_file == "/data/other.qbw"
