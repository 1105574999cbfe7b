"""Message level: what QuickBooks cannot parse gets no response but an HRESULT; responses
come in request order with requestID and QuickBooks' statuses; stopOnError and
continueOnError; each request happens completely or not at all."""

from __future__ import annotations

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.session import RequestProcessorError
from qbconnector.sandbox.engine.session import SandboxSession

from .conftest import QB

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{version}"?>\n'


def message_set(body: str, version: str = "13.0", on_error: str = "stopOnError") -> str:
    return (HEAD.format(version=version)
            + f'<QBXML><QBXMLMsgsRq onError="{on_error}">{body}</QBXMLMsgsRq></QBXML>')


GOOD_ADD = "<CustomerAddRq><CustomerAdd><Name>Written</Name></CustomerAdd></CustomerAddRq>"


def hresult_of(session: SandboxSession, text: str) -> int:
    with pytest.raises(RequestProcessorError) as caught:
        session.process(text)
    assert caught.value.message == catalogue.hresult_message(caught.value.hresult)
    return caught.value.hresult


def nothing_written(session: SandboxSession) -> bool:
    return QB(session).one("CustomerQuery").status_code == 1


# -- what QuickBooks cannot parse ---------------------------------------------------------------

PARSE_ERRORS = {
    "misordered": "<CustomerAddRq><CustomerAdd><CompanyName>C</CompanyName><Name>N</Name>"
                  "</CustomerAdd></CustomerAddRq>",
    "missing required": "<CustomerAddRq><CustomerAdd><CompanyName>C</CompanyName>"
                        "</CustomerAdd></CustomerAddRq>",
    "unknown tag": "<CustomerAddRq><CustomerAdd><Name>N</Name><Colour>red</Colour>"
                   "</CustomerAdd></CustomerAddRq>",
    "unknown request": "<CustomerFrobRq><Name>N</Name></CustomerFrobRq>",
    "bad enum value": "<CustomerQueryRq><ActiveStatus>Sometimes</ActiveStatus>"
                      "</CustomerQueryRq>",
    "line without lines": "<JournalEntryAddRq><JournalEntryAdd><TxnDate>2024-01-02</TxnDate>"
                          "</JournalEntryAdd></JournalEntryAddRq>",
}


@pytest.mark.parametrize("body", PARSE_ERRORS.values(), ids=PARSE_ERRORS.keys())
def test_unparseable_message_set_gets_no_response_but_0x80040400(session: SandboxSession,
                                                                   body: str) -> None:
    text = message_set(GOOD_ADD + body)           # a valid request first: it must not run
    assert hresult_of(session, text) == catalogue.HR_PARSE_ERROR
    assert nothing_written(session)


def test_parse_error_message_is_quickbooks_wording(session: SandboxSession) -> None:
    with pytest.raises(RequestProcessorError) as caught:
        session.process(message_set(PARSE_ERRORS["unknown tag"]))
    assert str(caught.value) == ("0x80040400 QuickBooks found an error when parsing the "
                                 "provided XML text stream.")


def test_malformed_xml_is_a_parse_error(session: SandboxSession) -> None:
    assert hresult_of(session, message_set(GOOD_ADD)[:-10]) == catalogue.HR_PARSE_ERROR
    assert hresult_of(session, "no xml here") == catalogue.HR_PARSE_ERROR


def test_hostile_xml_is_refused_as_a_parse_error(session: SandboxSession) -> None:
    text = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "boom">]>\n'
            '<?qbxml version="13.0"?>\n<QBXML><QBXMLMsgsRq onError="stopOnError">'
            "<CustomerAddRq><CustomerAdd><Name>&e;</Name></CustomerAdd></CustomerAddRq>"
            "</QBXMLMsgsRq></QBXML>")
    assert hresult_of(session, text) == catalogue.HR_PARSE_ERROR
    assert nothing_written(session)


def test_element_newer_than_the_version_is_a_parse_error(session: SandboxSession) -> None:
    # PreferredDeliveryMethod arrived with qbXML 12.0.
    body = ("<CustomerAddRq><CustomerAdd><Name>N</Name><PreferredDeliveryMethod>Email"
            "</PreferredDeliveryMethod></CustomerAdd></CustomerAddRq>")
    assert hresult_of(session, message_set(body, version="11.0")) == catalogue.HR_PARSE_ERROR
    assert QB(session).one("CustomerAdd", {"Name": "N", "PreferredDeliveryMethod": "Email"},
                           version="12.0").status_code == 0


def test_request_newer_than_the_version_is_a_parse_error(session: SandboxSession) -> None:
    # TransferAddRq is a qbXML 12.0 request.
    body = ("<TransferAddRq><TransferAdd><TransferFromAccountRef><FullName>A</FullName>"
            "</TransferFromAccountRef><TransferToAccountRef><FullName>B</FullName>"
            "</TransferToAccountRef><Amount>1.00</Amount></TransferAdd></TransferAddRq>")
    assert hresult_of(session, message_set(body, version="11.0")) == catalogue.HR_PARSE_ERROR


def test_string_too_long_is_a_status_not_a_parse_error(qb: QB) -> None:
    text = build(Message("CustomerAdd", {"Name": "x" * 42}), version="13.0", check=False)
    rs = parse_response(qb.raw(text))[0]
    assert (rs.status_code, rs.status_severity) == (3070, "Error")


def test_field_absent_from_desktop_is_530_and_the_rest_is_applied(qb: QB) -> None:
    # [039]: IsStatementWithParent is in the spec but not in QuickBooks Desktop (US).
    added = qb.ok("CustomerAdd", {"Name": "Hancock"})
    body = (f"<CustomerModRq requestID=\"7\"><CustomerMod><ListID>{added['ListID']}</ListID>"
            f"<EditSequence>{added['EditSequence']}</EditSequence>"
            "<JobStatus>Awarded</JobStatus><IsStatementWithParent>true</IsStatementWithParent>"
            "</CustomerMod></CustomerModRq>" + GOOD_ADD)
    responses = parse_response(qb.raw(message_set(body, version="7.0"), "7.0"))
    mod, after = responses
    assert (mod.request_id, mod.status_code, mod.status_severity, mod.status_message) == (
        "7", 530, "Warn", 'The field "IsStatementWithParent" is not supported by this '
                          "implementation.")
    assert mod.records[0]["JobStatus"] == "Awarded"
    assert "IsStatementWithParent" not in mod.records[0]
    assert after.status_code == 0                  # a warning does not stop the message set
    assert qb.ok("CustomerQuery", {"FullName": "Hancock"})["JobStatus"] == "Awarded"


def test_field_absent_from_desktop_in_the_wrong_place_is_still_a_parse_error(
        session: SandboxSession) -> None:
    body = ("<CustomerAddRq><CustomerAdd><Name>N</Name><Mobile>1</Mobile>"
            "<CompanyName>C</CompanyName></CustomerAdd></CustomerAddRq>")
    assert hresult_of(session, message_set(body)) == catalogue.HR_PARSE_ERROR
    assert nothing_written(session)


def test_rollback_on_error_is_refused_with_0x80040413(session: SandboxSession) -> None:
    text = message_set(GOOD_ADD, on_error="rollbackOnError")
    assert hresult_of(session, text) == catalogue.HR_ROLLBACK_UNSUPPORTED
    assert nothing_written(session)


@pytest.mark.parametrize("version", ["15.0", "99.0", "13.7", "thirteen"])
def test_unsupported_version_is_0x80040423(session: SandboxSession, version: str) -> None:
    text = message_set(GOOD_ADD).replace('version="13.0"', f'version="{version}"')
    assert hresult_of(session, text) == catalogue.HR_VERSION_UNSUPPORTED
    assert nothing_written(session)


# -- responses ------------------------------------------------------------------------------------

def test_responses_come_in_request_order_echoing_request_ids(qb: QB) -> None:
    responses = qb.send(Message("CustomerAdd", {"Name": "B"}, request_id="first"),
                        Message("HostQuery", request_id="2"),
                        Message("CustomerQuery", {"FullName": "B"}, request_id="x-3"),
                        Message("CustomerAdd", {"Name": "B"}, request_id="4"),
                        Message("CustomerQuery", {"FullName": "Nobody"}),
                        on_error="continueOnError")
    assert [(r.name, r.request_id) for r in responses] == [
        ("CustomerAddRs", "first"), ("HostQueryRs", "2"), ("CustomerQueryRs", "x-3"),
        ("CustomerAddRs", "4"), ("CustomerQueryRs", None)]
    assert [(r.status_code, r.status_severity) for r in responses] == [
        (0, "Info"), (0, "Info"), (0, "Info"), (3100, "Error"), (500, "Warn")]
    assert responses[0].status_message == "Status OK"
    assert "requestID" not in responses[4].attrs


def test_response_text_is_shaped_like_quickbooks(qb: QB) -> None:
    text = qb.raw(build([Message("CustomerAdd", {"Name": "Éloïse"}, request_id="1"),
                         Message("CustomerAdd", {"Name": "Éloïse"}, request_id="2")],
                        version="13.0", on_error="continueOnError"))
    assert text.startswith('<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n')
    assert text.isascii() and "&#201;lo&#239;se" in text       # non-ASCII as references
    assert "<?qbxml" not in text
    # An error is a self-closing element carrying only its status.
    assert ('<CustomerAddRs requestID="2" statusCode="3100" statusSeverity="Error" '
            'statusMessage="The name &quot;&#201;lo&#239;se&quot; of the list element is '
            'already in use." />') in text


def test_stop_on_error_keeps_done_requests_and_answers_3231_after(qb: QB) -> None:
    responses = qb.send(Message("CustomerAdd", {"Name": "One"}, request_id="1"),
                        Message("CustomerAdd", {"Name": "one"}, request_id="2"),
                        Message("CustomerAdd", {"Name": "Three"}, request_id="3"),
                        Message("HostQuery", request_id="4"),
                        on_error="stopOnError")
    assert [(r.request_id, r.status_code) for r in responses] == [
        ("1", 0), ("2", 3100), ("3", 3231), ("4", 3231)]
    skipped = responses[2]
    assert (skipped.status_severity, skipped.status_message) == \
        ("Error", "The request has not been processed.")
    assert skipped.records == []
    assert [c["Name"] for c in qb.all("CustomerQuery")] == ["One"]


def test_stop_on_error_does_not_stop_on_warnings(qb: QB) -> None:
    responses = qb.send(Message("CustomerQuery", {"FullName": "Nobody"}),
                        Message("CustomerQuery", {"ListID": "80000999-1"}),
                        Message("CustomerAdd", {"Name": "After"}), on_error="stopOnError")
    assert [r.status_code for r in responses] == [500, 500, 0]


def test_stop_on_error_does_not_stop_on_an_empty_query(qb: QB) -> None:
    responses = qb.send(Message("CustomerQuery"), Message("CustomerAdd", {"Name": "After"}),
                        on_error="stopOnError")
    assert [r.status_code for r in responses] == [1, 0]


def test_continue_on_error_runs_every_request(qb: QB) -> None:
    responses = qb.send(Message("CustomerAdd", {"Name": "One"}),
                        Message("CustomerAdd", {"Name": "One"}),
                        Message("CustomerAdd", {"Name": "Two", "ParentRef": {"FullName": "X"}}),
                        Message("CustomerAdd", {"Name": "Three"}),
                        on_error="continueOnError")
    assert [r.status_code for r in responses] == [0, 3100, 3130, 0]
    assert [c["Name"] for c in qb.all("CustomerQuery")] == ["One", "Three"]


def test_later_requests_see_earlier_ones_in_the_same_message_set(qb: QB) -> None:
    responses = qb.send(Message("CustomerAdd", {"Name": "Parent"}),
                        Message("CustomerAdd", {"Name": "Job", "ParentRef": {"FullName":
                                                                            "Parent"}}),
                        Message("CustomerQuery", {"FullName": "Parent:Job"}))
    assert [r.status_code for r in responses] == [0, 0, 0]
    assert responses[2].records[0]["ListID"] == responses[1].records[0]["ListID"]


# -- atomic requests ------------------------------------------------------------------------------

def test_failing_list_add_leaves_nothing_behind(qb: QB) -> None:
    before = qb.ok("CustomerAdd", {"Name": "Before"})
    rs = qb.one("CustomerAdd", {"Name": "Bad", "TermsRef": {"FullName": "Net 999"}})
    assert rs.status_code == 3140
    after = qb.ok("CustomerAdd", {"Name": "After"})
    # The failed request used no ListID: the counter moved by one between the two adds.
    assert int(after["ListID"].split("-")[0], 16) == int(before["ListID"].split("-")[0], 16) + 1
    assert [c["Name"] for c in qb.all("CustomerQuery")] == ["After", "Before"]


def test_failing_invoice_leaves_no_transaction_posting_or_balance(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    qb.ok("ItemServiceAdd", {"Name": "Work", "SalesOrPurchase": {
        "Price": "50.00", "AccountRef": {"FullName": "Uncategorized Income"}}})
    rs = qb.one("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"}, "InvoiceLineAdd": [
        {"ItemRef": {"FullName": "Work"}, "Quantity": 2},
        {"ItemRef": {"FullName": "Missing"}, "Quantity": 1}]})
    assert rs.status_code == 3140
    assert qb.one("InvoiceQuery").status_code == 1
    assert qb.ok("CustomerQuery", {"FullName": "Buyer"})["Balance"] == 0
    ar = qb.ok("AccountQuery", {"FullName": "Accounts Receivable"})
    assert ar["Balance"] == 0
    invoice = qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"}, "InvoiceLineAdd": [
        {"ItemRef": {"FullName": "Work"}, "Quantity": 1}]})
    assert (invoice["TxnID"].split("-")[0], invoice["TxnNumber"], invoice["RefNumber"]) == \
        ("1", 1, "1")
    assert session_postings(qb.session) == 2


def session_postings(session: SandboxSession) -> int:
    return session.store.db.execute("SELECT count(*) FROM postings").fetchone()[0]


def test_failing_mod_changes_nothing(qb: QB) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Stay", "CompanyName": "Old Co"})
    rs = qb.one("CustomerMod", {"ListID": customer["ListID"],
                                "EditSequence": customer["EditSequence"],
                                "CompanyName": "New Co", "TermsRef": {"FullName": "Nope"}})
    assert rs.status_code == 3140
    again = qb.ok("CustomerQuery", {"ListID": customer["ListID"]})
    assert again == customer


def test_host_query_alone_does_not_touch_the_company_file(session: SandboxSession) -> None:
    """HostQueryRq reads nothing of the file: a set of those runs no SQL statement at all
    (not even BEGIN); next to a request that does, it is answered all the same."""
    statements: list[str] = []
    session.store.db.set_trace_callback(statements.append)
    try:
        host = '<HostQueryRq requestID="h"/>'
        answer = session.process(message_set(host + host))
        assert statements == []
        assert answer.count('<HostQueryRs requestID="h" statusCode="0"') == 2
        mixed = session.process(message_set(host + GOOD_ADD + host))
        assert statements and statements[0] == "BEGIN IMMEDIATE"
        assert [r.status_code for r in parse_response(mixed)] == [0, 0, 0]
    finally:
        session.store.db.set_trace_callback(None)


# -- a request text validated once ------------------------------------------------------------
def test_a_valid_request_text_is_validated_once_and_answered_the_same(session, monkeypatch):
    from qbconnector.sandbox.engine import processor

    checked: list[str] = []
    real = processor.read_message_set

    def counting(root, *args, **kwargs):
        checked.append(root[0][0].tag)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(processor, "read_message_set", counting)
    monkeypatch.setattr(processor, "_VALIDATED", {})
    query = message_set('<CustomerQueryRq requestID="q"><MaxReturned>2</MaxReturned>'
                        "</CustomerQueryRq>")
    answers = [session.process(query) for _ in range(3)]
    assert checked == ["CustomerQueryRq"] and answers[0] == answers[1] == answers[2]
    # the same set in another version is another text: validated for itself
    session.process(query.replace('version="13.0"', 'version="7.0"'))
    assert checked == ["CustomerQueryRq"] * 2


def test_invalid_or_unsupported_request_texts_are_validated_every_time(session, monkeypatch):
    from qbconnector.sandbox.engine import processor

    checked: list[str] = []
    real = processor.read_message_set

    def counting(root, *args, **kwargs):
        checked.append(root[0][0].tag)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(processor, "read_message_set", counting)
    monkeypatch.setattr(processor, "_VALIDATED", {})
    misordered = message_set("<CustomerAddRq><CustomerAdd><CompanyName>C</CompanyName>"
                             "<Name>N</Name></CustomerAdd></CustomerAddRq>")
    for _ in range(2):
        assert hresult_of(session, misordered) == catalogue.HR_PARSE_ERROR
    unsupported = message_set("<CustomerAddRq><CustomerAdd><Name>Kept apart</Name>"
                              "<IsStatementWithParent>true</IsStatementWithParent>"
                              "</CustomerAdd></CustomerAddRq>", version="7.0")
    statuses = [parse_response(session.process(unsupported))[0].status_code for _ in range(2)]
    assert statuses == [530, 3100]          # added with the warning, then the name is taken
    assert checked == ["CustomerAddRq"] * 4 and processor._VALIDATED == {}
