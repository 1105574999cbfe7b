"""One user's data and state are not another's: the error-recovery table between users.

Alice and Bob are full users of one connector and company file, with the same application
name; the reader is read-only. Each test is an attack of issue 14 on stored message-set
statuses that worked when they were shared by everyone.
"""

from __future__ import annotations

import pytest

from qbconnector.sandbox import SandboxSessions, create_company
from qbconnector.sandbox.engine import recovery
from tests.server.helpers import client, post

ADD = ('<CustomerAddRq><CustomerAdd><Name>{name}</Name></CustomerAdd></CustomerAddRq>')


def message_set(body: str = "", **attrs: str) -> str:
    attributes = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
            f'onError="stopOnError"{attributes}>{body}</QBXMLMsgsRq></QBXML>')


def customer_exists(c, name: str) -> bool:
    found = post(c, message_set(f"<CustomerQueryRq><FullName>{name}</FullName>"
                                "</CustomerQueryRq>"))
    return "<CustomerRet>" in found.text


@pytest.fixture
def server(start_server, hashed, tmp_path):
    users = {"alice": {"Password": hashed["alice"]}, "bob": {"Password": hashed["bob"]},
             "reader": {"Password": hashed["reader"], "ReadOnly": True}}
    company = create_company(tmp_path / "shared.qbdb")
    return start_server(SandboxSessions(company), users=users)


def test_a_read_only_user_stores_reads_and_clears_no_status(server):
    with client(server, "alice") as alice:
        stored = post(alice, message_set(ADD.format(name="Kept"), newMessageSetID="A-1"))
        assert "statusCode=\"0\"" in stored.text
    with client(server, "reader") as reader:
        for attrs in ({"newMessageSetID": "R-1"}, {"oldMessageSetID": "A-1"},
                      {"oldMessageSetID": "ClearAllMessageSets"},
                      {"oldMessageSetID": "A-1", "newMessageSetID": "R-2"}):
            answer = post(reader, message_set("<HostQueryRq/>", **attrs))
            assert answer.status_code == 200
            assert 'statusCode="3260"' in answer.text and "<HostRet>" not in answer.text
            assert "Kept" not in answer.text                  # alice's answer is not shown
    with client(server, "alice") as alice:               # alice's status is still there
        again = post(alice, message_set(oldMessageSetID="A-1"))
        assert again.text == stored.text


def test_another_user_cannot_read_or_replace_a_stored_answer(server):
    with client(server, "alice") as alice:
        stored = post(alice, message_set(ADD.format(name="Alice Co"), newMessageSetID="X-1"))
    with client(server, "bob") as bob:
        asked = post(bob, message_set(oldMessageSetID="X-1"))
        assert 'messageSetStatusCode="600"' in asked.text and "Alice Co" not in asked.text
        post(bob, message_set("<HostQueryRq/>", newMessageSetID="X-1"))   # his own X-1
    with client(server, "alice") as alice:
        assert post(alice, message_set(oldMessageSetID="X-1")).text == stored.text


def test_another_user_cannot_pre_empt_a_message_set_id(server):
    with client(server, "bob") as bob:      # bob guesses the ID alice will use next
        post(bob, message_set("<HostQueryRq/>", newMessageSetID="NEXT"))
    with client(server, "alice") as alice:
        # alice's add, sent as a retry would be (old = new): it must run, not answer bob's
        answer = post(alice, message_set(ADD.format(name="Must Exist"),
                                         oldMessageSetID="NEXT", newMessageSetID="NEXT"))
        assert "<CustomerAddRs" in answer.text and 'statusCode="0"' in answer.text
        assert customer_exists(alice, "Must Exist")


def test_another_user_cannot_clear_or_evict_stored_statuses(server, monkeypatch):
    monkeypatch.setattr(recovery, "KEPT_PER_OWNER", 5)
    with client(server, "alice") as alice:
        stored = post(alice, message_set(ADD.format(name="Durable"), newMessageSetID="D-1"))
    with client(server, "bob") as bob:
        post(bob, message_set(oldMessageSetID="ClearAllMessageSets"))
        for i in range(8):                       # more new IDs than anyone keeps
            post(bob, message_set("<HostQueryRq/>", newMessageSetID=f"B-{i}"))
        assert 'messageSetStatusCode="600"' in post(
            bob, message_set(oldMessageSetID="B-0")).text        # his oldest went...
        assert "<HostQueryRs" in post(bob, message_set(oldMessageSetID="B-7")).text
    with client(server, "alice") as alice:                       # ...alice's did not
        assert post(alice, message_set(oldMessageSetID="D-1")).text == stored.text


def test_statuses_are_kept_per_application_too(server):
    with client(server, "alice") as alice:
        stored = post(alice, message_set(ADD.format(name="App One"), newMessageSetID="P-1"),
                      X_QBConnector_AppName="one")
        other = post(alice, message_set(oldMessageSetID="P-1"), X_QBConnector_AppName="two")
        assert 'messageSetStatusCode="600"' in other.text
        same = post(alice, message_set(oldMessageSetID="P-1"), X_QBConnector_AppName="one")
        assert same.text == stored.text
