"""Parsing responses into typed records, whole and streaming, and round trips."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbconnector.qbxml import spec
from qbconnector.qbxml.build import Message, Pairs, build
from qbconnector.qbxml.parse import (
    ResponseError,
    iter_records,
    parse_request,
    parse_response,
    stream_response,
)
from qbconnector.qbxml.spec import Choice, Element

RESPONSE = b"""<?xml version="1.0" ?>
<QBXML><QBXMLMsgsRs>
<InvoiceQueryRs requestID="9" statusCode="0" statusSeverity="Info" statusMessage="Status OK"
  iteratorRemainingCount="12" iteratorID="{0b3c9a9d-1111-2222-3333-444455556666}">
<InvoiceRet><TxnID>12-1700000000</TxnID>
<TimeCreated>2024-01-15T10:30:00-05:00</TimeCreated><TxnNumber>7</TxnNumber>
<CustomerRef><ListID>80000001-1700000000</ListID><FullName>Acme</FullName></CustomerRef>
<TxnDate>2024-01-15</TxnDate><Subtotal>123.45</Subtotal><IsPaid>false</IsPaid>
<InvoiceLineRet><TxnLineID>13-1700000000</TxnLineID><Quantity>2</Quantity>
<Rate>61.725</Rate><Amount>123.45</Amount></InvoiceLineRet>
<FutureElement>kept as text</FutureElement>
</InvoiceRet>
</InvoiceQueryRs>
<CustomerQueryRs requestID="10" statusCode="1" statusSeverity="Info"
  statusMessage="A query request did not find a matching object in QuickBooks"/>
</QBXMLMsgsRs></QBXML>"""


def test_statuses_iterators_and_typed_records():
    result = parse_response(RESPONSE)
    invoice_rs, customer_rs = result.responses
    assert (invoice_rs.name, invoice_rs.request_id, invoice_rs.status_code) == (
        "InvoiceQueryRs", "9", 0)
    assert invoice_rs.status_severity == "Info" and invoice_rs.ret_count == 1
    assert invoice_rs.iterator_remaining_count == 12
    assert invoice_rs.iterator_id == "{0b3c9a9d-1111-2222-3333-444455556666}"
    record = invoice_rs.records[0]
    assert record.tag == "InvoiceRet"
    assert record["TxnNumber"] == 7
    assert record["TxnDate"] == date(2024, 1, 15)
    assert record["TimeCreated"] == datetime(2024, 1, 15, 10, 30,
                                             tzinfo=timezone(timedelta(hours=-5)))
    assert record["Subtotal"] == Decimal("123.45") and record["IsPaid"] is False
    assert record["CustomerRef"] == {"ListID": "80000001-1700000000", "FullName": "Acme"}
    line = record["InvoiceLineRet"]
    assert isinstance(line, list) and line[0]["Rate"] == Decimal("61.725")
    assert record["FutureElement"] == "kept as text"
    assert customer_rs.status_code == 1 and customer_rs.records == []


def test_streaming_gives_the_same_as_the_whole_parse():
    whole = [(r.name, r.status_code, [dict(x) for x in r.records])
             for r in parse_response(RESPONSE)]
    streamed = []
    for response in stream_response(io.BytesIO(RESPONSE)):
        streamed.append((response.name, response.status_code,
                         [dict(x) for x in response.records()]))
    assert streamed == whole
    pairs = list(iter_records(RESPONSE))
    assert [(r.name, rec.tag) for r, rec in pairs] == [("InvoiceQueryRs", "InvoiceRet")]


def test_streaming_skipped_records_do_not_confuse_later_responses():
    names = [r.name for r in stream_response(RESPONSE)]   # never reads records()
    assert names == ["InvoiceQueryRs", "CustomerQueryRs"]


def test_every_real_quickbooks_response_parses(transcripts):
    files = sorted(transcripts.glob("*.response.xml"))
    assert len(files) > 70
    for path in files:
        data = path.read_bytes()
        whole = parse_response(data)
        assert whole.responses, path.name
        for response in whole:
            assert response.status_severity in ("Info", "Warn", "Error"), path.name
        streamed = [(r.name, [dict(x) for x in r.records()]) for r in stream_response(data)]
        assert streamed == [(r.name, [dict(x) for x in r.records]) for r in whole], path.name


@pytest.mark.parametrize("collector_on", [True, False])
def test_the_cycle_collector_is_left_as_it_was(collector_on):
    """parse_response pauses the collector while it converts; it restores the caller's
    setting afterwards, also when the text is refused."""
    import gc

    was = gc.isenabled()
    try:
        (gc.enable if collector_on else gc.disable)()
        assert parse_response(RESPONSE)[0].records
        assert gc.isenabled() is collector_on
        with pytest.raises(ResponseError):
            parse_response(b"<QBXML><Elsewhere/></QBXML>")   # fails mid-conversion
        assert gc.isenabled() is collector_on
    finally:
        (gc.enable if was else gc.disable)()


def test_not_a_response_is_a_clear_error():
    with pytest.raises(ResponseError, match="root element is html"):
        parse_response(b"<html/>")
    with pytest.raises(ResponseError, match="malformed"):
        parse_response(b"<QBXML><QBXMLMsgsRs>")
    with pytest.raises(ResponseError, match="document type declaration"):
        list(stream_response(b'<!DOCTYPE x [<!ENTITY a "b">]><QBXML/>'))


# -- property-based round trips ----------------------------------------------------------------

SP = spec.load()
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)


def _value(element: Element):
    t = element.type
    if element.enum:
        return st.sampled_from(element.enum)
    if t == "AMTTYPE":
        return st.decimals(-10**6, 10**6, places=2, allow_nan=False, allow_infinity=False)
    if t in ("PRICETYPE", "QUANTYPE", "PERCENTTYPE"):
        return st.decimals(-10**6, 10**6, places=5, allow_nan=False, allow_infinity=False)
    if t == "BOOLTYPE":
        return st.booleans()
    if t == "INTTYPE":
        low = int(element.minv) if element.minv else -1000
        high = int(element.maxv) if element.maxv else 10**6
        return st.integers(low, high)
    if t == "DATETYPE":
        return st.dates(date(1990, 1, 1), date(2090, 12, 31))
    if t == "DATETIMETYPE":
        zones = st.sampled_from([timezone(timedelta(hours=h, minutes=m))
                                 for h, m in ((-5, 0), (0, 0), (5, 30), (-9, -30))])
        return st.builds(lambda d, z: d.replace(tzinfo=z, microsecond=0),
                         st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1)), zones)
    if t == "TIMEINTERVALTYPE":
        return st.integers(0, 10**6).map(lambda s: timedelta(seconds=s))
    if t == "GUIDTYPE":
        return st.uuids().map(lambda u: "{" + str(u).upper() + "}")
    if t == "IDTYPE":
        return st.from_regex(r"[0-9A-F]{1,8}-[0-9]{10}", fullmatch=True)
    if t == "FLOATTYPE":
        return st.decimals(-1000, 1000, places=3, allow_nan=False, allow_infinity=False)
    limit = min(element.maxlen or 30, 30)
    return _text.map(lambda s, n=limit: s[:n])


def _data(particles: tuple, depth: int = 0):
    """A strategy for ordered data of a content model (one branch per OR-group)."""
    parts = []
    for p in particles:
        if not (p.qbd and (not p.since or spec.version_key(p.since) <= (13, 0))):
            continue
        if isinstance(p, Choice):
            branches = [b for b in p.branches if all(x.qbd for x in b)]
            if not branches:
                continue
            choice = st.sampled_from(branches).flatmap(lambda b, d=depth: _data(b, d))
            parts.append(choice if p.min else st.one_of(st.just(Pairs()), choice))
            continue
        if p.is_leaf:
            item = _value(p).map(lambda v, n=p.name: Pairs([(n, v)]))
        elif depth < 3:
            item = _data(p.children, depth + 1).map(lambda v, n=p.name: Pairs([(n, v)]))
        else:
            continue
        parts.append(item if p.min else st.one_of(st.just(Pairs()), item))
    return st.tuples(*parts).map(lambda chunks: Pairs(x for c in chunks for x in c))


def _normalise(data):
    out = {}
    for key, value in data:
        value = _normalise(value) if isinstance(value, Pairs) else value
        out.setdefault(key, []).append(value)
    return out


def _as_lists(record):
    out = {}
    for key, value in record.items():
        items = value if isinstance(value, list) else [value]
        out[key] = [_as_lists(v) if isinstance(v, dict) else v for v in items]
    return out


ROUND_TRIP = ["CustomerAddRq", "InvoiceAddRq", "ItemInventoryAddRq", "ReceivePaymentAddRq",
              "JournalEntryAddRq", "TimeTrackingAddRq", "VendorQueryRq"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ROUND_TRIP).flatmap(
    lambda n: st.tuples(st.just(n), _data(SP.message(n).children))))
def test_request_data_survives_build_and_parse(case):
    name, data = case
    text = build(Message(name, data), version="13.0", check=False)
    [(parsed_name, _attrs, parsed)] = parse_request(text)
    assert parsed_name == name
    assert _as_lists(parsed) == _normalise(data)


RETS = {"CustomerQueryRs": "CustomerRet", "InvoiceQueryRs": "InvoiceRet",
        "BillQueryRs": "BillRet", "ItemInventoryQueryRs": "ItemInventoryRet"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(RETS)).flatmap(
    lambda n: st.tuples(st.just(n), _data(SP.message(n).child(RETS[n]).children))))
def test_record_data_survives_build_and_parse_response(case):
    name, record = case
    text = build(Message(name, Pairs([(RETS[name], record)]), statusCode="0",
                         statusSeverity="Info"), version="13.0", check=False)
    [response] = parse_response(text).responses
    assert _as_lists(response.records[0]) == _normalise(record)
