"""Building request message sets from Python data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from qbconnector.qbxml.build import BuildError, Message, Pairs, build, build_one
from qbconnector.qbxml.validate import ValidationError


def _body(text: str) -> etree._Element:
    return etree.fromstring(text.encode())[0][0]


def test_header_message_set_attributes_and_request_id():
    text = build(Message("CustomerQuery", {"MaxReturned": 5}, request_id="7", iterator="Start"),
                 version="13.0", on_error="continueOnError")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>')
    root = etree.fromstring(text.encode())
    msgs = root[0]
    assert msgs.tag == "QBXMLMsgsRq" and msgs.get("onError") == "continueOnError"
    query = msgs[0]
    assert query.tag == "CustomerQueryRq"
    assert (query.get("requestID"), query.get("iterator")) == ("7", "Start")


def test_any_key_order_and_snake_case_come_out_in_schema_order():
    text = build_one("customer_add", {
        "email": "a@example.com", "bill_address": {"postal_code": "12345", "addr1": "1 Main"},
        "Name": "Acme", "is_active": True, "credit_limit": Decimal("2500"),
    }, version="13.0")
    add = _body(text)[0]
    assert [c.tag for c in add] == ["Name", "IsActive", "BillAddress", "Email", "CreditLimit"]
    assert [c.tag for c in add.find("BillAddress")] == ["Addr1", "PostalCode"]
    assert add.findtext("CreditLimit") == "2500.00"
    assert add.findtext("IsActive") == "true"


def test_values_are_formatted_and_escaped_and_non_ascii_becomes_references():
    text = build_one("InvoiceAdd", {
        "CustomerRef": "Müller & Söhne <GmbH>", "TxnDate": date(2024, 1, 5),
        "Memo": 'say "hi"',
        "InvoiceLineAdd": [{"ItemRef": {"FullName": "Widget"}, "Quantity": Decimal("1.234567"),
                            "Rate": 10}, {"ItemRef": "Fee", "Amount": 3.5}],
    }, version="13.0")
    assert text.isascii()
    assert "M&#252;ller &amp; S&#246;hne &lt;GmbH&gt;" in text
    assert "<Memo>say &quot;hi&quot;</Memo>" in text
    add = _body(text)[0]
    lines = add.findall("InvoiceLineAdd")
    assert lines[0].findtext("Quantity") == "1.23457" and lines[0].findtext("Rate") == "10"
    assert lines[1].findtext("Amount") == "3.50"
    assert add.findtext("CustomerRef/FullName") == "Müller & Söhne <GmbH>"


def test_interleaved_repeats_keep_the_callers_order():
    text = build_one("InvoiceAdd", Pairs([
        ("CustomerRef", "Acme"),
        ("InvoiceLineAdd", {"ItemRef": "A", "Amount": 1}),
        ("InvoiceLineGroupAdd", {"ItemGroupRef": "G"}),
        ("InvoiceLineAdd", {"ItemRef": "B", "Amount": 2}),
    ]), version="13.0")
    assert [c.tag for c in _body(text)[0]][1:] == [
        "InvoiceLineAdd", "InvoiceLineGroupAdd", "InvoiceLineAdd"]


def test_unknown_keys_and_bad_values_are_all_reported_with_paths():
    with pytest.raises(BuildError) as info:
        build_one("CustomerAdd", {"Name": "A", "Nmae": "typo", "CreditLimit": "lots",
                                  "IsActive": 3}, version="13.0")
    text = str(info.value)
    assert "QBXMLMsgsRq/CustomerAddRq[1]/CustomerAdd/Nmae: CustomerAdd has no field 'Nmae' " \
        "(did you mean Name?)" in text
    assert "CustomerAdd/CreditLimit: 'lots' is not a number" in text
    assert "CustomerAdd/IsActive: 3 is not a boolean" in text


def test_an_unknown_field_gets_a_did_you_mean_in_the_callers_style():
    with pytest.raises(BuildError) as info:
        build_one("CustomerAdd", {"name": "A", "phon": "1", "bill_adress": {"cty": "x"},
                                  "zzzzzz": 1}, version="13.0")
    text = str(info.value)
    assert "CustomerAdd/phon: CustomerAdd has no field 'phon' (did you mean phone" in text
    assert "CustomerAdd/bill_adress: CustomerAdd has no field 'bill_adress' (did you mean " \
        "bill_address" in text
    assert "CustomerAdd/zzzzzz: CustomerAdd has no field 'zzzzzz' (it has: name, is_active" \
        in text


def test_build_validates_by_default():
    with pytest.raises(ValidationError) as info:
        build_one("CustomerAdd", {"Name": "x" * 42, "IsActive": "yes"}, version="13.0")
    assert [str(p) for p in info.value.problems] == [
        f"QBXMLMsgsRq/CustomerAddRq[1]/CustomerAdd/Name: {'x' * 42!r} is 42 characters, "
        "at most 41",
        "QBXMLMsgsRq/CustomerAddRq[1]/CustomerAdd/IsActive: 'yes' is not a valid boolean "
        "(true or false)",
    ]
    with pytest.raises(ValidationError, match="missing required element Name"):
        build_one("CustomerAdd", {"CompanyName": "Acme"})
    with pytest.raises(ValidationError, match=r"not in qbXML 11.0 \(added in 12.0\)"):
        build_one("CustomerAdd", {"Name": "A", "JobTitle": "Boss"}, version="11.0")


def test_unknown_messages_and_empty_clearing_values():
    with pytest.raises(BuildError, match="unknown qbxml request 'CustomerFrobRq'"):
        build(Message("CustomerFrobRq"))
    text = build_one("CustomerMod", {"ListID": "80000001-1", "EditSequence": "1", "Memo": None,
                                     "Notes": ""}, version="13.0")
    mod = _body(text)[0]
    assert mod.find("Notes") is not None and (mod.find("Notes").text or "") == ""


def test_several_messages_and_mappings():
    text = build({"HostQuery": {}, "CompanyQuery": {}}, version="13.0")
    assert [el.tag for el in etree.fromstring(text.encode())[0]] == [
        "HostQueryRq", "CompanyQueryRq"]


def test_point_of_sale_messages():
    text = build(Message("CustomerQuery", {"MaxReturned": 3}), family="qbposxml", version="3.0")
    assert '<?qbposxml version="3.0"?>' in text and "<QBPOSXMLMsgsRq" in text
