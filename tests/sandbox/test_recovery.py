"""qbXML error recovery as QuickBooks documents it: stored statuses per user and application.

``newMessageSetID`` keeps a message set's answer; ``oldMessageSetID`` with a new ID asks for
it (the set is not run again), alone it is a status check that clears what it returns, and a
message set the file never saw answers ``messageSetStatusCode="600"``.
"""

from __future__ import annotations

import sqlite3

from qbconnector.qbxml.session import Caller, calling_as
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.storage.store import open_company_file

from .conftest import open_session
from .test_message_level import message_set

ADD = "<CustomerAddRq><CustomerAdd><Name>{}</Name></CustomerAdd></CustomerAddRq>"


def with_ids(body: str, **attrs: str) -> str:
    text = message_set(body)
    attributes = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return text.replace('<QBXMLMsgsRq onError="stopOnError"',
                        f'<QBXMLMsgsRq onError="stopOnError"{attributes}', 1)


def customers(session: SandboxSession) -> int:
    return session.process(message_set("<CustomerQueryRq/>")).count("<CustomerRet>")


def test_old_id_alone_answers_the_stored_status_once_then_clears_it(session):
    stored = session.process(with_ids(ADD.format("Once"), newMessageSetID="S-1"))
    assert 'newMessageSetID="S-1" messageSetStatusCode="0"' in stored
    assert session.process(with_ids("", oldMessageSetID="S-1")) == stored
    cleared = session.process(with_ids("", oldMessageSetID="S-1"))
    assert 'messageSetStatusCode="600"' in cleared and "<CustomerAddRs" not in cleared


def test_a_message_set_the_file_never_saw_answers_600_and_runs_nothing(session):
    before = customers(session)
    answer = session.process(with_ids(ADD.format("Never"), oldMessageSetID="UNKNOWN"))
    assert '<QBXMLMsgsRs messageSetStatusCode="600">' in answer
    assert "<CustomerAddRs" not in answer and customers(session) == before


def test_old_and_new_ids_answer_the_stored_status_or_run_the_set(session):
    first = session.process(with_ids(ADD.format("Retried"), newMessageSetID="R-1"))
    again = session.process(with_ids(ADD.format("Retried"), oldMessageSetID="R-1",
                                     newMessageSetID="R-1"))
    assert again == first and customers(session) == 1          # not added twice
    fresh = session.process(with_ids(ADD.format("Fresh"), oldMessageSetID="LOST",
                                     newMessageSetID="F-1"))
    assert 'newMessageSetID="F-1"' in fresh and customers(session) == 2
    assert session.process(with_ids("", oldMessageSetID="F-1")) == fresh


def test_clear_all_forgets_this_applications_statuses_only(company_path, clock):
    one = open_session(company_path, clock, app_name="one")
    two = open_session(company_path, clock, app_name="two")
    try:
        kept = two.process(with_ids(ADD.format("Two"), newMessageSetID="T-1"))
        one.process(with_ids(ADD.format("One"), newMessageSetID="O-1"))
        one.process(with_ids("", oldMessageSetID="ClearAllMessageSets"))
        assert 'messageSetStatusCode="600"' in one.process(with_ids("", oldMessageSetID="O-1"))
        assert two.process(with_ids("", oldMessageSetID="T-1")) == kept
    finally:
        one.close()
        two.close()


def test_statuses_belong_to_the_user_a_server_names(session):
    with calling_as(Caller(user="alice")):
        stored = session.process(with_ids(ADD.format("Hers"), newMessageSetID="U-1"))
    with calling_as(Caller(user="bob")):
        assert 'messageSetStatusCode="600"' in session.process(
            with_ids("", oldMessageSetID="U-1"))
    with calling_as(Caller(user="alice")):
        assert session.process(with_ids("", oldMessageSetID="U-1")) == stored


def test_a_read_only_session_keeps_no_status(company_path, clock):
    reader = open_session(company_path, clock, read_only=True)
    try:
        answer = reader.process(with_ids("<HostQueryRq/>", newMessageSetID="RO-1"))
        assert "<HostRet>" in answer
        assert 'messageSetStatusCode="600"' in reader.process(
            with_ids("", oldMessageSetID="RO-1"))
    finally:
        reader.close()
    db = open_company_file(company_path)
    assert db.execute("SELECT COUNT(*) FROM message_sets").fetchone()[0] == 0
    db.close()


def test_a_file_with_the_shared_table_of_older_versions_is_upgraded(company_path, clock):
    db = sqlite3.connect(company_path)
    db.executescript("DROP TABLE message_sets; CREATE TABLE message_sets (id TEXT PRIMARY KEY,"
                     " response TEXT NOT NULL, created REAL NOT NULL);"
                     "INSERT INTO message_sets VALUES ('OLD', '<QBXML/>', 0);")
    db.close()
    session = open_session(company_path, clock)
    try:
        assert 'messageSetStatusCode="600"' in session.process(
            with_ids("", oldMessageSetID="OLD"))      # nobody's: not handed to anyone
        session.process(with_ids(ADD.format("After"), newMessageSetID="N-1"))
        assert "<CustomerAddRs" in session.process(with_ids("", oldMessageSetID="N-1"))
    finally:
        session.close()
