"""Answers real QuickBooks gives and the sandbox now gives too: Intuit's DOCTYPE prolog
declares the version (every other DTD stays refused), an empty or malformed object ID is 3000,
a line with an amount but no item is QuickBooks' missing element, empty request elements are
not echoed back, and CompanyRet carries AddressBlock from qbXML 6.0."""

from __future__ import annotations

import json

import pytest

from qbconnector.qbxml import xmlsafe
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.session import RequestProcessorError
from qbconnector.qbxml.validate import read_message_set, validate
from qbconnector.sandbox import SandboxSession

INTUIT = "<!DOCTYPE QBXML PUBLIC '-//INTUIT//DTD QBXML QBD 2.0//EN'>"
BODY = ('<QBXML><QBXMLMsgsRq onError="continueOnError">{}</QBXMLMsgsRq></QBXML>')


def message_set(body: str, version: str = "13.0") -> str:
    return f'<?xml version="1.0"?><?qbxml version="{version}"?>' + BODY.format(body)


@pytest.fixture
def session(blank_company):
    with SandboxSession(blank_company()) as opened:
        opened.process(message_set(
            "<CustomerAddRq><CustomerAdd><Name>Ann</Name></CustomerAdd></CustomerAddRq>"
            "<AccountAddRq><AccountAdd><Name>Fees</Name><AccountType>Income</AccountType>"
            "</AccountAdd></AccountAddRq>"
            "<ItemServiceAddRq><ItemServiceAdd><Name>Work</Name><SalesOrPurchase><Price>5.00"
            "</Price><AccountRef><FullName>Fees</FullName></AccountRef></SalesOrPurchase>"
            "</ItemServiceAdd></ItemServiceAddRq>"))
        yield opened


def statuses(session: SandboxSession, body: str) -> list[tuple[int, str]]:
    return [(r.status_code, r.status_message)
            for r in parse_response(session.process(message_set(body)))]


@pytest.mark.parametrize("doctype", [
    INTUIT, '<!DOCTYPE QBXML PUBLIC "-//INTUIT//DTD QBXML QBD 2.0//EN" '
            '"http://developer.intuit.com">'])
def test_intuits_doctype_declares_the_version(session, doctype):
    request = f'<?xml version="1.0"?>\n{doctype}\n' + BODY.format(
        "<CustomerQueryRq><MaxReturned>1</MaxReturned></CustomerQueryRq>")
    assert validate(request) == []
    assert read_message_set(xmlsafe.parse(request)).version == "2.0"
    [answer] = parse_response(session.process(request))
    assert answer.status_code == 0 and answer.records[0]["Name"] == "Ann"


@pytest.mark.parametrize("prolog", [
    "<!DOCTYPE QBXML PUBLIC '-//INTUIT//DTD QBXML QBD 2.0//EN' [<!ENTITY x 'y'>]>",
    "<!DOCTYPE QBXML SYSTEM 'file:///etc/passwd'>",
    "<!DOCTYPE QBXML PUBLIC '-//EVIL//DTD X//EN' 'http://example.com/x.dtd'>",
    "<!ENTITY lol 'lol'>",
    INTUIT + INTUIT,
])
def test_every_other_dtd_stays_refused(session, prolog):
    request = f'<?xml version="1.0"?>\n{prolog}\n' + BODY.format("<HostQueryRq/>")
    with pytest.raises(xmlsafe.XMLError, match="DTD"):
        xmlsafe.parse(request)
    with pytest.raises(RequestProcessorError):
        session.process(request)


def test_an_empty_or_malformed_object_id_is_3000(session):
    invalid = 'The given object ID "{}" in the field "{}" is invalid.'
    answers = statuses(session, (
        "<InvoiceAddRq><InvoiceAdd><CustomerRef><ListID></ListID></CustomerRef>"
        "<InvoiceLineAdd><ItemRef><FullName>Work</FullName></ItemRef><Quantity>1</Quantity>"
        "</InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>"
        "<CustomerModRq><CustomerMod><ListID>pending_123</ListID><EditSequence>1"
        "</EditSequence><Phone>1</Phone></CustomerMod></CustomerModRq>"
        "<ListDelRq><ListDelType>Customer</ListDelType><ListID></ListID></ListDelRq>"
        "<TxnDelRq><TxnDelType>Invoice</TxnDelType><TxnID>pending_9</TxnID></TxnDelRq>"
        "<TxnVoidRq><TxnVoidType>Invoice</TxnVoidType><TxnID></TxnID></TxnVoidRq>"
        "<CustomerModRq><CustomerMod><ListID>80000999-1</ListID><EditSequence>1"
        "</EditSequence></CustomerMod></CustomerModRq>"))
    assert answers[:5] == [(3000, invalid.format("", "list id")),
                           (3000, invalid.format("pending_123", "list id")),
                           (3000, invalid.format("", "list id")),
                           (3000, invalid.format("pending_9", "txn id")),
                           (3000, invalid.format("", "txn id"))]
    assert answers[5][0] == 3120                     # well formed, but names nothing
    [count] = parse_response(session.process(message_set(
        '<InvoiceQueryRq metaData="MetaDataOnly"/>')))
    assert count.attrs["retCount"] == "0"           # nothing was posted without a customer


def test_a_line_with_an_amount_but_no_item_is_a_missing_item(session):
    answers = statuses(session, (
        "<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Ann</FullName></CustomerRef>"
        "<InvoiceLineAdd><Desc>labour</Desc><Amount>10.00</Amount></InvoiceLineAdd>"
        "</InvoiceAdd></InvoiceAddRq>"
        "<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Ann</FullName></CustomerRef>"
        "<InvoiceLineAdd><Desc>a line of words only</Desc></InvoiceLineAdd>"
        "<InvoiceLineAdd><ItemRef><FullName>Work</FullName></ItemRef><Quantity>2</Quantity>"
        "</InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>"))
    assert answers == [(3150, 'There is a missing element: "ItemRef".'),
                       (0, "Status OK")]


def test_empty_elements_of_a_request_are_not_echoed_back(session):
    [added] = parse_response(session.process(message_set(
        "<CustomerAddRq><CustomerAdd><Name>Bea</Name><CompanyName></CompanyName>"
        "<BillAddress><Addr1></Addr1><City>Denver</City></BillAddress><Notes/>"
        "</CustomerAdd></CustomerAddRq>")))
    record = added.records[0]
    assert "CompanyName" not in record and "Notes" not in record
    assert record["BillAddress"] == {"City": "Denver"}
    text = session.process(message_set(
        f"<CustomerModRq><CustomerMod><ListID>{record['ListID']}</ListID><EditSequence>"
        f"{record['EditSequence']}</EditSequence><BillAddress><Addr1>1 Main</Addr1><Addr2>"
        "</Addr2><City>Denver</City></BillAddress></CustomerMod></CustomerModRq>"))
    [changed] = parse_response(text)
    assert changed.records[0]["BillAddress"] == {"Addr1": "1 Main", "City": "Denver"}


def test_company_ret_carries_its_address_block_from_6_0(session):
    sample = session.process(message_set("<CompanyQueryRq/>"))
    assert "<AddressBlock>" not in sample                 # a new company has no address
    modern = "<CompanyQueryRq/>"
    company = json.loads(session.store.meta("company"))
    company["Address"] = {"Addr1": "110 Sampson Way", "City": "Middlefield", "State": "CA",
                          "PostalCode": "94471", "Country": "US"}
    session.store.set_meta("company", json.dumps(company))
    [answer] = parse_response(session.process(message_set(modern)))
    assert answer.records[0]["AddressBlock"] == {"Addr1": "110 Sampson Way",
                                                  "Addr2": "Middlefield, CA 94471"}
    assert validate(session.process(message_set(modern))) == []
    old = session.process(message_set(modern, version="5.0"))
    assert "<AddressBlock>" not in old and "<Address>" in old
