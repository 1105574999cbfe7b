"""The wire rules as pure functions: no socket, no session."""

from __future__ import annotations

import base64

import pytest

from qbconnector import wire
from qbconnector.server import protocol
from qbconnector.server.protocol import Call, Reply, RequestHead


def head(method="POST", path="/", **headers):
    base = {"content-length": "10", "authorization": "Basic x"}
    base.update({k.replace("_", "-").lower(): v for k, v in headers.items()})
    return RequestHead(method, path, {k: v for k, v in base.items() if v is not None})


def decide(h, allowed=True, authenticated=True):
    return protocol.decide(h, client_allowed=allowed, authenticated=authenticated,
                           client="10.0.0.9")


def test_rule_order():
    assert decide(head(path="/x", method="GET"), False, False).status == 404
    assert decide(head(method="GET"), False, False).status == 405
    assert decide(head(content_length=None), False, False).status == 411
    assert decide(head(transfer_encoding="chunked"), False, False).status == 411
    assert decide(head(), False, False).status == 403
    assert decide(head(x_acctsyncinteractiontype="9"), True, False).status == 401
    assert decide(head(x_acctsyncinteractiontype="9")).status == 400
    assert decide(head()) == Call()


def test_401_carries_the_basic_challenge():
    reply = decide(head(), True, False)
    assert dict(reply.headers)["WWW-Authenticate"].startswith("Basic realm=")


def test_path_with_query_string_is_still_root():
    assert isinstance(decide(head(path="/?x=1")), Call)


def test_bad_content_length_is_400():
    assert decide(head(content_length="ten")).status == 400


@pytest.mark.parametrize("value,expected", [("0", 0), ("1", 1), ("101", 101), ("106", 106),
                                            (" 103 ", 103), ("", 0)])
def test_interaction_types(value, expected):
    assert decide(head(x_acctsyncinteractiontype=value)).interaction == expected


@pytest.mark.parametrize("value", ["2", "107", "99", "abc", "0x1", "-1"])
def test_unknown_interaction_types(value):
    reply = decide(head(x_acctsyncinteractiontype=value))
    assert reply.status == 400 and b"X-AcctSyncInteractionType" in reply.body


def test_optional_headers():
    call = decide(head(x_qbpos="True", x_acctqbpospractice="false", x_qbposversion="12.0",
                       x_delayafteropen="250"))
    assert call == Call(0, True, False, "12.0", 250, None)
    assert decide(head(x_qbpos="yes")).status == 400
    assert decide(head(x_delayafteropen="1.5")).status == 400
    assert decide(head(x_delayafteropen=str(protocol.MAX_DELAY_AFTER_OPEN_MS + 1))).status == 400


def test_credentials():
    def creds(value):
        return protocol.credentials(RequestHead("POST", "/", {"authorization": value}))

    assert creds("Basic " + base64.b64encode(b"u:p:w").decode()) == ("u", "p:w")
    assert creds("basic " + base64.b64encode("é:ü".encode()).decode()) == ("é", "ü")
    assert creds("Basic " + base64.b64encode("é:ü".encode("latin-1")).decode()) == ("é", "ü")
    assert creds("Basic " + base64.b64encode(b":p").decode()) is None
    assert creds("Basic @@@") is None
    assert creds("Digest abc") is None
    assert protocol.credentials(RequestHead("POST", "/", {})) is None


def test_reply_bodies():
    assert protocol.reply_for(0, "<QBXML/>") == Reply(200, b"<QBXML/>", protocol.XML)
    assert protocol.reply_for(1, r"C:\Books\a.qbw").body == b"C:\\Books\\a.qbw\r\n"
    assert protocol.reply_for(101, None).body == b"\r\n"
    assert protocol.reply_for(102, None).body == b"\r\n"
    assert protocol.reply_for(103, ["2.0", "13.0", "8.0"]).body == b"13.0\r\n"
    assert protocol.reply_for(104, ["1.0", "2.0"]).body == b"1.0\r\n2.0\r\n"
    assert protocol.reply_for(105, True).body == b"0\r\n"
    assert protocol.reply_for(106, False).body == b"1\r\n"


def test_processor_error():
    reply = protocol.processor_error(-2147220480, "parse error")   # signed HRESULT
    assert reply.status == 517
    assert reply.body == b"0x80040400 parse error\r\n"
    assert dict(reply.headers)[wire.HRESULT_HEADER] == "0x80040400"


def test_from_pairs_lowercases_and_keeps_first():
    h = RequestHead.from_pairs("post", "/", [(b"X-QBPOS", b"True"), (b"x-qbpos", b"False")])
    assert h.method == "POST" and h.headers == {"x-qbpos": "True"}


def test_a_request_without_optional_headers_is_a_plain_call():
    """read_call answers a request naming none of its headers at once: with what it makes of
    the same request naming each one with its default."""
    bare = RequestHead.from_pairs("POST", "/", [(b"content-length", b"5")])
    spelled = RequestHead.from_pairs("POST", "/", [
        (b"content-length", b"5"), (b"X-AcctSyncInteractionType", b"0"),
        (b"X-QBPOS", b"False"), (b"X-AcctQBPOSPractice", b"false")])
    assert protocol.read_call(bare) == protocol.read_call(spelled) == Call()
    named = RequestHead.from_pairs("POST", "/", [(b"content-length", b"5"),
                                                 (b"x-qbconnector-appname", b"Books")])
    assert protocol.read_call(named) == Call(app_name="Books")
