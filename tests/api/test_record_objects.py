"""Record objects: typed values, nested aggregates as records, JSON-ready copies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qbconnector.api.records.record import Record, underlying
from qbconnector.qbxml.jsonify import jsonable

DATA = {"TxnID": "1A-1700000000", "TxnDate": date(2024, 5, 1),
        "CustomerRef": {"ListID": "80-1", "FullName": "Acme"},
        "InvoiceLineRet": [{"TxnLineID": "1B", "Amount": Decimal("12.50"),
                            "ItemRef": {"FullName": "Bolt"}}],
        "Subtotal": Decimal("12.50"), "IsPaid": False}


def test_aggregates_are_records_and_read_the_same_every_time() -> None:
    record = Record(DATA, "InvoiceRet")
    assert isinstance(record.customer_ref, Record)
    assert record.customer_ref is record["CustomerRef"]
    assert record.customer_ref.full_name == "Acme"
    line = record.invoice_line_ret[0]
    assert isinstance(line, Record) and line.item_ref.full_name == "Bolt"
    assert record.invoice_line_ret is record.invoice_line_ret
    assert record.subtotal == Decimal("12.50") and record.is_paid is False
    with pytest.raises(AttributeError, match="has no field"):
        _ = record.no_such_field
    with pytest.raises(AttributeError, match="read-only"):
        record.subtotal = Decimal(1)


def test_to_dict_is_json_ready_before_and_after_fields_are_read() -> None:
    expected = jsonable(DATA)
    assert Record(DATA).to_dict() == expected
    read = Record(DATA)
    _ = read.customer_ref.full_name, read.invoice_line_ret[0].item_ref
    assert read.to_dict() == expected
    assert expected["InvoiceLineRet"][0]["Amount"] == "12.50"
    assert expected["TxnDate"] == "2024-05-01"


def test_equality_with_records_and_dicts_and_the_parsers_data_untouched() -> None:
    one, two = Record(DATA), Record(DATA)
    _ = one.customer_ref
    assert one == two and one == DATA
    assert DATA == one  # noqa: SIM300 - the reflected comparison is the point
    assert one != Record({**DATA, "Subtotal": Decimal("13")})
    assert isinstance(DATA["CustomerRef"], dict)              # the caller's dict not wrapped
    assert underlying(two)["CustomerRef"] == {"ListID": "80-1", "FullName": "Acme"}


def test_a_field_the_type_has_but_the_record_does_not_carry_reads_as_none() -> None:
    record = Record(DATA, "InvoiceRet")
    assert record.memo is None and record.customer_msg_ref is None   # InvoiceRet has them
    assert record.customer_ref.list_id == "80-1"
    line = record.invoice_line_ret[0]
    assert line.class_ref is None and line.item_ref.list_id is None  # nested: their spec
    with pytest.raises(AttributeError, match="InvoiceRet has no field 'colour'; it has "
                                             "txn_id, time_created"):
        _ = record.colour
    with pytest.raises(AttributeError, match="has no field 'colour'"):
        _ = line.colour
    unknown = Record({"A": 1}, "NotAType")                           # no spec: only its data
    with pytest.raises(AttributeError):
        _ = unknown.b


def test_customer_company_name_is_none_on_a_customer_without_one(blank_company) -> None:
    import qbconnector

    with qbconnector.connect(str(blank_company())) as qb:
        customer = qb.customers.add(name="Ann")
        assert customer.company_name is None and customer.name == "Ann"
        assert qb.customers.get(customer.id).company_name is None
