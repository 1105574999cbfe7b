"""A relay: our connector serving RemoteSessions that point at another connector of ours.

client ──http──▶ relay connector ──https (pinned)──▶ origin connector ──▶ sandbox company file
"""

from __future__ import annotations

import pytest

from qbconnector.qbxml.session import RequestProcessorError
from qbconnector.qbxml.status import HR_COULD_NOT_ACCESS, HR_PARSE_ERROR
from qbconnector.remote import RemoteSession
from qbconnector.targets import session_factory

from .conftest import PASSWORDS, sandbox_factory, users
from .helpers import add_customer, ask, server_log


@pytest.fixture(scope="module")
def origin(start_connector, module_company, certificates):
    return start_connector(sandbox_factory(module_company), company=module_company,
                           SSLEnabled=True, SSLCertStore=str(certificates["server"].pem))


def relay_to(start_connector, origin, certificates, **options):
    """A connector whose sessions are RemoteSessions on ``origin`` as its user alice."""
    factory = session_factory(origin.url, user="alice", password=PASSWORDS["alice"],
                              fingerprint=certificates["server"].fingerprint, **options)
    # the relay has its own users: carol here is not a user of the origin
    return start_connector(factory, Users=users(carol={}))


@pytest.fixture(scope="module")
def relay(start_connector, origin, certificates):
    return relay_to(start_connector, origin, certificates)


@pytest.fixture(scope="module")
def persistent_relay(start_connector, origin, certificates):
    return relay_to(start_connector, origin, certificates, persistent=True)


def carol(server, **kwargs) -> RemoteSession:
    return RemoteSession(server.url, user="carol", password="carol-secret", **kwargs)


def test_a_request_through_two_hops(relay, origin, certificates):
    with carol(relay) as session:
        added = add_customer(session, "Two Hops Inc")
        through_relay = ask(session, "CustomerQuery", {"FullName": ["Two Hops Inc"]})
    with RemoteSession(origin.url, user="alice", password=PASSWORDS["alice"],
                       fingerprint=certificates["server"].fingerprint) as direct:
        at_origin = ask(direct, "CustomerQuery", {"FullName": ["Two Hops Inc"]})
    list_id = added.records[0]["ListID"]
    assert [r["ListID"] for r in through_relay.records] == [list_id]
    assert [r["ListID"] for r in at_origin.records] == [list_id]


def test_interaction_types_through_the_relay(relay, module_company):
    with carol(relay) as session:
        assert session.company_file() == str(module_company.resolve())
        versions = session.versions()
        assert session.newest_version() == versions[-1]
        assert session.is_authorized() and session.is_company_accessible()


def test_request_processor_error_keeps_its_hresult_across_hops(relay):
    with carol(relay) as session, pytest.raises(RequestProcessorError) as caught:
        session.process("<QBXML><QBXMLMsgsRq>")
    assert caught.value.hresult == HR_PARSE_ERROR


def test_iterator_survives_two_hops_when_both_are_persistent(persistent_relay):
    with carol(persistent_relay, persistent=True) as session:
        for i in range(3):
            add_customer(session, f"Relayed {i}")
        first = ask(session, "CustomerQuery", {"MaxReturned": 1, "NameFilter": {
            "MatchCriterion": "StartsWith", "Name": "Relayed"}}, iterator="Start")
        assert first.iterator_remaining_count == 2
        rest = ask(session, "CustomerQuery", {"MaxReturned": 5}, iterator="Continue",
                   iteratorID=first.iterator_id)
    assert rest.status_code == 0
    assert len(rest.records) == 2


def test_iterator_does_not_survive_a_non_persistent_hop(relay):
    with carol(relay, persistent=True) as session:
        for i in range(2):
            add_customer(session, f"Short-lived {i}")
        first = ask(session, "CustomerQuery", {"MaxReturned": 1, "NameFilter": {
            "MatchCriterion": "StartsWith", "Name": "Short-lived"}}, iterator="Start")
        rest = ask(session, "CustomerQuery", {"MaxReturned": 5}, iterator="Continue",
                   iteratorID=first.iterator_id)
    assert rest.status_code != 0


def test_origin_refusing_the_relay_is_a_517_naming_the_origin(start_connector, origin,
                                                               certificates):
    wrong = "relay-has-the-wrong-password"
    factory = session_factory(origin.url, user="alice", password=wrong,
                              fingerprint=certificates["server"].fingerprint)
    relay = start_connector(factory, Users=users(carol={}))
    with server_log() as records, carol(relay) as session, \
            pytest.raises(RequestProcessorError) as caught:
        session.versions()
    error = caught.value
    assert error.hresult == HR_COULD_NOT_ACCESS
    assert origin.url in error.message and "alice" in error.message
    assert wrong not in error.message
    assert all(wrong not in r.getMessage() for r in records)
