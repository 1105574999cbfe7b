"""Read-only users: every write request type is refused with 3260 and never reaches a session."""

from __future__ import annotations

import pytest
from lxml import etree

from qbconnector.qbxml import spec as qbspec
from qbconnector.qbxml.access import is_read_only, read_only_requests, writes_in
from qbconnector.qbxml.example import example
from qbconnector.server.readonly import refusal
from tests.server.helpers import Journal, client, post, recording

QBXML = qbspec.load("qbxml")
QBPOSXML = qbspec.load("qbposxml")
WRITES = sorted(set(QBXML.requests) - read_only_requests("qbxml"))
QUERIES = sorted(read_only_requests("qbxml"))
POS_WRITES = sorted(set(QBPOSXML.requests) - read_only_requests("qbposxml"))


def minimal_request(name: str) -> str:
    """A valid minimal request of type ``name``, or a bare envelope where QuickBooks Desktop
    has no such request (the server only looks at element names)."""
    try:
        return example([name], minimal=True)
    except ValueError:
        return envelope(QBXML, name)


def envelope(spec: qbspec.Spec, *names: str, root: str = "QBXML") -> str:
    """A message set of empty ``names`` elements."""
    message_set = spec.message_set_of[names[0]]
    body = "".join(f'<{name} requestID="{i}"/>' for i, name in enumerate(names, 1))
    header = "qbxml" if root == "QBXML" else "qbposxml"
    return (f'<?xml version="1.0"?><?{header} version="{spec.latest}"?><{root}>'
            f'<{message_set} onError="continueOnError">{body}</{message_set}></{root}>')


def test_the_spec_split_is_deny_by_default():
    assert "CustomerAddRq" in WRITES and "TxnDelRq" in WRITES and "ListMergeRq" in WRITES
    assert "DataEventSubscriptionAddRq" in WRITES and "TxnVoidRq" in WRITES
    assert {"HostQueryRq", "CompanyQueryRq", "PreferencesQueryRq", "CustomerQueryRq",
            "GeneralSummaryReportQueryRq"} <= set(QUERIES)
    assert not any(w.endswith("QueryRq") for w in WRITES)
    assert writes_in(("CustomerQueryRq", "NotInTheSpecRq", "CustomerAddRq")) == (
        "NotInTheSpecRq", "CustomerAddRq")


def test_refusal_answers_every_request_with_3260():
    text = refusal((("CustomerAddRq", "7"), ("HostQueryRq", None)))
    root = etree.fromstring(text.encode())
    rs = list(root.find("QBXMLMsgsRs"))
    assert [r.tag for r in rs] == ["CustomerAddRs", "HostQueryRs"]
    assert rs[0].get("requestID") == "7" and rs[1].get("requestID") is None
    for r in rs:
        assert r.get("statusCode") == "3260"
        assert r.get("statusSeverity") == "Error"
        assert r.get("statusMessage") == "Insufficient permission level to perform this action."


@pytest.fixture
def journaled(start_server, session_factory):
    journal = Journal()
    return start_server(recording(session_factory, journal)), journal


def test_read_only_user_is_refused_every_write_type(journaled):
    server, journal = journaled
    assert len(WRITES) > 100
    with client(server, "reader") as c:
        for name in WRITES:
            r = post(c, minimal_request(name))
            assert r.status_code == 200, name
            rs = etree.fromstring(r.content)[0]
            assert rs.tag == QBXML.message_set_of[name][:-2] + "Rs"
            assert [(x.tag, x.get("statusCode")) for x in rs] == [
                (name[:-2] + "Rs", "3260")], name
    assert journal.created == 0, "a refused write reached a session"


def test_a_write_among_queries_refuses_the_whole_message_set(journaled):
    server, journal = journaled
    with client(server, "reader") as c:
        r = post(c, envelope(QBXML, "CustomerQueryRq", "InvoiceAddRq", "HostQueryRq"))
    answers = [(x.get("statusCode"), x.get("requestID")) for x in etree.fromstring(r.content)[0]]
    assert answers == [("3260", "1"), ("3260", "2"), ("3260", "3")]
    assert journal.created == 0


def test_read_only_user_may_run_every_query_type(journaled):
    server, journal = journaled
    queries = [q for q in QUERIES if QBXML.message_set_of[q] == "QBXMLMsgsRq"
               and QBXML.available(QBXML.messages[q], QBXML.latest)]
    with client(server, "reader") as c:
        r = post(c, example(queries, minimal=True))
    assert r.status_code == 200, r.text
    answers = list(etree.fromstring(r.content)[0])
    assert len(answers) == len(queries)
    assert all(x.get("statusCode") != "3260" for x in answers)
    assert journal.count("enter") == 1


def test_full_user_writes_reach_the_session(journaled):
    server, journal = journaled
    with client(server, "alice") as c:
        r = post(c, example(["CustomerAddRq"], minimal=True))
    assert r.status_code == 200
    assert etree.fromstring(r.content)[0][0].get("statusCode") == "0"
    assert journal.count("enter") == 1


def test_read_only_user_against_point_of_sale_writes(journaled):
    server, journal = journaled
    with client(server, "reader") as c:
        for name in POS_WRITES:
            r = post(c, envelope(QBPOSXML, name, root="QBPOSXML"), X_QBPOS="True")
            rs = etree.fromstring(r.content)[0]
            assert [x.get("statusCode") for x in rs] == ["3260"], name
    assert journal.created == 0


def test_read_only_flag_reaches_the_session_options(start_server, session_factory):
    seen = []
    server = start_server(lambda o: seen.append(o) or session_factory(o))
    with client(server, "reader") as c:
        post(c)
    with client(server, "alice") as c:
        post(c)
    assert [o.read_only for o in seen] == [True, False]


# -- the server and the sessions apply the one rule alike -------------------------------------
def test_server_and_read_only_sessions_agree_on_every_request_type(journaled, company_path):
    """For every request type of the spec: the server refuses a read-only user's request
    exactly when a read-only sandbox session refuses it, and both follow the one rule."""
    from qbconnector.qbxml.parse import parse_response
    from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
    from qbconnector.sandbox import SandboxSession

    server, _ = journaled
    session = SandboxSession(company_path, SessionOptions(read_only=True))
    session.open()
    by_server, by_session, not_processed = set(), set(), set()
    try:
        with client(server, "reader") as c:
            for name in QBXML.requests:
                request = minimal_request(name)
                answer = post(c, request)
                if answer.status_code == 200 and \
                        etree.fromstring(answer.content)[0][0].get("statusCode") == "3260":
                    by_server.add(name)
                try:
                    response = parse_response(session.process(request))[0]
                except RequestProcessorError:
                    not_processed.add(name)   # a message set ProcessRequest does not take
                    continue
                if response.status_code == 3260:
                    by_session.add(name)
    finally:
        session.close()
    writes = {name for name in QBXML.requests if not is_read_only(name)}
    assert by_server == writes
    assert by_session == writes - not_processed
    # subscriptions go to ProcessSubscription, not ProcessRequest; and three queries have no
    # QuickBooks Desktop example (an empty element is not a valid request of theirs)
    no_example = {n for n in QBXML.requests if minimal_request(n) == envelope(QBXML, n)}
    assert not_processed == {n for n in QBXML.requests if n in no_example or
                             QBXML.message_set_of[n] == "QBXMLSubscriptionMsgsRq"}
