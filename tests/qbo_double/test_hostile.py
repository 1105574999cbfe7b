"""Bad input is a QBO fault, never a traceback or a changed record, and the server stays up:
malformed JSON, wrong types, huge bodies, deep nesting, query injection, throttling."""

from __future__ import annotations

import pytest

from qbconnector.qbo_wire.values import loads


@pytest.fixture(scope="module")
def qb(blank_double):
    with blank_double.client() as client:
        yield client


@pytest.fixture(scope="module")
def customer(qb) -> dict:
    reply = qb.post("/customer", json={"DisplayName": "Hostile Target", "Notes": "intact"})
    return loads(reply.text)["Customer"]


def fault_code(reply) -> str:  # noqa: ANN001
    assert reply.headers["content-type"].startswith("application/json")
    assert "Traceback" not in reply.text
    return loads(reply.text)["Fault"]["Error"][0]["code"]


@pytest.mark.parametrize("payload", [
    b"{not json", b"", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'{"DisplayName": }',
    b'"just a string"', b"null",
])
def test_malformed_bodies(qb, payload):
    reply = qb.post("/customer", content=payload, headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert fault_code(reply) in ("2010", "500", "2020")


@pytest.mark.parametrize("body", [
    {"DisplayName": ["a list"]}, {"DisplayName": {"an": "object"}}, {"Balance": "lots"},
    {"DisplayName": "Typed", "Taxable": "maybe"}, {"DisplayName": "Typed", "SalesTermRef": 7.5},
    {"DisplayName": "Typed", "PreferredDeliveryMethod": 12, "Active": []},
])
def test_wrong_types(qb, body):
    reply = qb.post("/customer", json=body)
    assert reply.status_code == 400 and fault_code(reply) in ("2010", "2020", "2080", "2500")


def test_wrong_types_in_an_update_change_nothing(qb, customer):
    reply = qb.post("/customer", json={"Id": customer["Id"], "SyncToken": "0", "sparse": True,
                                       "Notes": "changed", "Balance": "NaN"})
    assert reply.status_code == 400
    current = loads(qb.get(f"/customer/{customer['Id']}").text)["Customer"]
    assert current["Notes"] == "intact" and current["SyncToken"] == "0"


def test_huge_body_is_413(qb):
    reply = qb.post("/customer", content=b'{"Notes":"' + b"x" * (5 * 1024 * 1024) + b'"}',
                    headers={"Content-Type": "application/json"})
    assert reply.status_code == 413


def test_deep_nesting(qb):
    deep = "[" * 100000 + "]" * 100000
    reply = qb.post("/customer", content=deep, headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and fault_code(reply) == "2010"
    nested = {"DisplayName": "Nested"}
    node = nested
    for _ in range(200):
        node["BillAddr"] = {"Line1": "x"}
        node = node["BillAddr"]
    assert qb.post("/customer", json=nested).status_code in (200, 400)


@pytest.mark.parametrize("text", [
    "SELECT * FROM Customer WHERE DisplayName = 'x' OR '1'='1'",
    "SELECT * FROM Customer; DELETE FROM Customer",
    "SELECT * FROM Customer WHERE DisplayName = 'unterminated",
    "SELECT * FROM Customer JOIN Vendor",
    "SELECT * FROM Customer WHERE DisplayName = 'a' -- comment",
    "SELECT * FROM sqlite_master", "x" * 20000, "SELECT * FROM Customer WHERE Id = '1'\x00",
])
def test_query_injection_attempts(qb, customer, text):
    reply = qb.get("/query", params={"query": text})
    assert reply.status_code == 400 and fault_code(reply) in ("4000", "4001")
    assert loads(qb.get(f"/customer/{customer['Id']}").text)["Customer"]["Notes"] == "intact"


def test_server_still_answers(qb, customer):
    assert qb.get(f"/customer/{customer['Id']}").status_code == 200


def test_throttle_answers_xml_429(blank_template, tmp_path):
    import httpx

    from qbconnector.qbo_double.throttle import Limits
    from tests.qbo_double.conftest import start

    running = start(blank_template, tmp_path, throttle=Limits(per_minute=5, per_second=5))
    try:
        with running.client() as client:
            replies = [client.get(f"/companyinfo/{running.realm}") for _ in range(7)]
        assert [r.status_code for r in replies].count(429) == 2
        throttled = replies[-1]
        assert throttled.headers["content-type"].startswith("application/xml")
        assert 'code="3001"' in throttled.text and 'type="SERVICE"' in throttled.text
        assert throttled.headers["intuit_tid"]
        assert httpx.get(f"{running.base}/health").status_code == 200
    finally:
        running.server.stop()
        running.double.close()
