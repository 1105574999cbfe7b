"""Hostile bodies are answered with an error and the server stays up."""

from __future__ import annotations

import pytest

from qbconnector.qbxml.xmlsafe import declared_version
from qbconnector.server.scan import HostileOrMalformed, Remembered, _scan, scan_request
from tests.server.helpers import HOST_QUERY, Journal, client, post, recording

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
              for i in range(1, 10))
    + ']><QBXML><QBXMLMsgsRq><HostQueryRq requestID="&lol9;"/></QBXMLMsgsRq></QBXML>')
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   '<QBXML><QBXMLMsgsRq><HostQueryRq requestID="&xxe;"/></QBXMLMsgsRq></QBXML>')
UTF16_DOCTYPE = ('<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x [<!ENTITY a "b">]>'
                 '<QBXML/>').encode("utf-16")
DEEP = "<QBXML>" + "<a>" * 100_000 + "</a>" * 100_000 + "</QBXML>"


@pytest.fixture
def journaled(start_server, session_factory):
    journal = Journal()
    server = start_server(recording(session_factory, journal),
                          server_kwargs={"max_body": 1024 * 1024})
    return server, journal


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, UTF16_DOCTYPE, DEEP,
                                  "not xml at all", "<QBXML>", "\x00\x01\x02",
                                  b"\xff\xfe\x00\x00<\x00\x00\x00"],
                         ids=["billion-laughs", "external-entity", "utf16-doctype", "deep",
                              "text", "unclosed", "binary", "utf32"])
def test_hostile_xml_is_a_parse_error_and_never_reaches_a_session(journaled, body):
    server, journal = journaled
    with client(server) as c:
        r = post(c, body)
        assert r.status_code == 517
        assert r.text.startswith("0x80040400 ")
        assert post(c).status_code == 200       # still serving
    assert journal.count("enter") == 1          # only the good request got through


def test_huge_body_is_413_before_it_is_read(journaled):
    server, journal = journaled
    with client(server) as c:
        r = post(c, b"<QBXML>" + b" " * (2 * 1024 * 1024) + b"</QBXML>")
        assert r.status_code == 413
    with client(server) as c:
        assert post(c).status_code == 200
    assert journal.count("enter") == 1


def test_lying_content_length_does_not_hang_the_server(journaled):
    from tests.server.helpers import raw_connection

    server, _ = journaled
    import base64

    auth = base64.b64encode(b"alice:alice-secret").decode()
    with raw_connection(server) as sock:
        sock.sendall((f"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
                      f"Content-Length: 999999999\r\n\r\n<QBXML>").encode())
        data = sock.recv(4096)
    assert data.startswith(b"HTTP/1.1 413")
    with client(server) as c:
        assert post(c).status_code == 200


def test_scan_lists_requests_and_refuses_declarations():
    scan = scan_request(HOST_QUERY.encode())
    assert scan.root == "QBXML" and scan.message_set == "QBXMLMsgsRq"
    assert scan.requests == (("HostQueryRq", "1"),) and scan.on_error == "stopOnError"
    assert scan.text == HOST_QUERY
    for bad in (BILLION_LAUGHS.encode(), EXTERNAL_ENTITY.encode(), UTF16_DOCTYPE, b""):
        with pytest.raises(HostileOrMalformed):
            scan_request(bad)


def test_scan_decodes_declared_encodings():
    text = ('<?xml version="1.0" encoding="utf-16"?><QBXML><QBXMLMsgsRq>'
            '<CustomerAddRq requestID="é"/></QBXMLMsgsRq></QBXML>')
    scan = scan_request(text.encode("utf-16"))
    assert scan.requests == (("CustomerAddRq", "é"),) and scan.text == text
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><QBXML><M><R a="é"/></M></QBXML>'
    assert scan_request(latin.encode("latin-1")).text == latin


def test_a_repeated_body_is_scanned_once_and_each_caller_gets_its_own_tree():
    remembered = Remembered(limit=4)
    body = HOST_QUERY.encode()
    first = scan_with(remembered, body)
    assert remembered.scan_of(body) is None          # once is not a repeat: nothing kept
    second = scan_with(remembered, body)
    kept = remembered.scan_of(body)
    assert kept is not None and kept.tree is not second.tree
    for scan in (second, kept):
        assert (scan.root, scan.message_set, scan.on_error, scan.requests, scan.names,
                scan.text, scan.recovery) == (first.root, first.message_set, first.on_error,
                                              first.requests, first.names, first.text,
                                              first.recovery)
    # a session may change the tree it takes: the next caller still gets the request as sent
    kept.tree[0].clear()
    again = remembered.scan_of(body)
    assert again.tree[0][0].tag == "HostQueryRq" and again.tree[0][0].get("requestID") == "1"
    assert declared_version(again.tree, "qbxml") == "13.0"     # the <?qbxml?> header too


def test_hostile_large_and_new_bodies_are_not_remembered():
    remembered = Remembered(limit=2, size=len(HOST_QUERY) + 10)
    for _ in range(2):
        with pytest.raises(HostileOrMalformed):
            scan_with(remembered, BILLION_LAUGHS.encode())
        assert remembered.scan_of(BILLION_LAUGHS.encode()) is None
    large = HOST_QUERY.replace('requestID="1"', 'requestID="' + "9" * 20 + '"').encode()
    for _ in range(2):
        scan_with(remembered, large)
    assert remembered.scan_of(large) is None
    bodies = [HOST_QUERY.replace('"1"', f'"{n}"').encode() for n in range(4)]
    for body in bodies + bodies[:1]:        # the first is seen again after three others
        scan_with(remembered, body)
    assert remembered.scan_of(bodies[0]) is None   # only the newest two sightings are kept
    for body in (bodies[1], bodies[1], bodies[2], bodies[2], bodies[3], bodies[3]):
        scan_with(remembered, body)    # three repeats: the newest two are remembered
    assert [remembered.scan_of(b) is not None for b in bodies] == [False, False, True, True]


def scan_with(remembered: Remembered, body: bytes):
    """What scan_request does, with a table of its own."""
    found = remembered.scan_of(body)
    if found is not None:
        return found
    scan = _scan(body)
    remembered.note(body, scan)
    return scan
