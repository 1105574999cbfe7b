"""The records API on a real sandbox company file: every operation, paging, errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from qbconnector.api import (
    ConflictError,
    DuplicateNameError,
    InvalidReferenceError,
    NotFoundError,
    Record,
)
from qbconnector.api.records.filters import FilterError
from qbconnector.api.records.naming import plural


def test_collections_are_named_in_snake_case_plural(qb):
    names = qb.collection_names()
    for expected in ("customers", "invoices", "sales_orders", "item_inventories", "accounts",
                     "receive_payments", "classes", "standard_terms", "journal_entries"):
        assert expected in names
    assert plural("Currency") == "currencies" and plural("Class") == "classes"
    assert qb.collection("SalesOrder").type_name == "SalesOrder"
    with pytest.raises(AttributeError, match="no collection 'widgets'"):
        qb.widgets  # noqa: B018
    with pytest.raises(AttributeError, match=r"'invoces' \(did you mean invoices\?\)"):
        qb.invoces  # noqa: B018


def test_operations_follow_the_spec(qb):
    assert qb.customers.operations() == ["query", "get", "count", "add", "modify", "delete"]
    assert "void" in qb.invoices.operations()
    assert "add" not in qb.templates.operations()
    with pytest.raises(NotImplementedError, match="no add for Template"):
        qb.templates.add(name="x")


def test_add_returns_the_stored_record_with_typed_values(qb):
    customer = qb.customers.add(name="Acme", company_name="Acme Inc",
                                bill_address={"addr1": "1 Main St", "city": "Springfield"},
                                credit_limit=Decimal("2500"))
    assert isinstance(customer, Record) and customer.tag == "CustomerRet"
    assert customer.full_name == customer["FullName"] == "Acme"
    assert customer.bill_address.city == "Springfield"
    assert customer.credit_limit == Decimal("2500.00")
    assert isinstance(customer.time_created, datetime) and customer.time_created.tzinfo
    assert customer.is_active is True and customer.sublevel == 0
    assert customer.id == customer.list_id
    with pytest.raises(AttributeError, match="read-only"):
        customer.name = "x"
    with pytest.raises(AttributeError, match="has no field 'nickname'"):
        customer.nickname  # noqa: B018
    assert customer.to_dict()["CreditLimit"] == "2500.00"


def test_get_and_get_by_name(qb):
    added = qb.customers.add(name="Acme")
    assert qb.customers.get(added.list_id) == added
    assert qb.customers.get_by_name("acme").list_id == added.list_id
    with pytest.raises(NotFoundError):
        qb.customers.get("80FFFFFF-1")


def test_query_pages_through_iterators_transparently(qb):
    for i in range(23):
        qb.customers.add(name=f"Customer {i:02d}")
    names = [c.name for c in qb.customers.query()]         # page_size=5 -> 5 round trips
    assert names == [f"Customer {i:02d}" for i in range(23)]
    assert [c.name for c in qb.customers.query(limit=7)] == names[:7]
    assert qb.customers.query(name_starts_with="Customer 1").first().name == "Customer 10"
    assert qb.customers.count() == 23
    assert qb.customers.count(name_contains="2") == 5
    # Leaving a paged query early stops the iterator in the session.
    for _customer in qb.customers.query():
        break
    if hasattr(qb.session, "iterators"):
        assert qb.session.iterators == {}


def test_filters_map_to_qbxml_and_unknown_filters_fail_before_sending(qb):
    qb.customers.add(name="Active")
    inactive = qb.customers.add(name="Dormant", is_active=False)
    assert [c.name for c in qb.customers.query()] == ["Active"]
    assert [c.name for c in qb.customers.query(active="inactive")] == ["Dormant"]
    assert len(qb.customers.query(active="all").all()) == 2
    assert qb.customers.query(ids=[inactive.list_id]).first().name == "Dormant"
    with pytest.raises(FilterError, match="unknown filter 'colour'.*name_contains"):
        qb.customers.query(colour="red")
    with pytest.raises(FilterError, match="Customer queries have no PaidStatus"):
        qb.customers.query(paid=True)
    fields = qb.customers.query(fields=["name", "list_id"]).first()
    assert set(fields) == {"Name", "ListID"}


def test_modify_sends_only_changes_and_reports_conflicts(qb):
    customer = qb.customers.add(name="Acme", phone="555-0100", fax="555-0101")
    changed = qb.customers.modify(customer, phone="555-0199")
    assert (changed.phone, changed.fax) == ("555-0199", "555-0101")
    assert int(changed.edit_sequence) > int(customer.edit_sequence)
    by_id = qb.customers.modify(customer.list_id, fax="555-0777")    # fetches EditSequence
    assert by_id.fax == "555-0777"
    with pytest.raises(ConflictError) as info:
        qb.customers.modify(customer, phone="555-0000")              # stale record
    conflict = info.value
    assert conflict.status_code == 3200
    assert conflict.sent_edit_sequence == customer.edit_sequence
    assert conflict.current_edit_sequence == by_id.edit_sequence
    assert conflict.record.fax == "555-0777" and conflict.changes == {"phone": "555-0000"}


def test_errors_carry_status_request_and_meaning(qb):
    qb.customers.add(name="Acme")
    with pytest.raises(DuplicateNameError) as info:
        qb.vendors.add(name="ACME")
    assert info.value.status_code == 3100 and info.value.request == "VendorAddRq"
    assert 'The name "ACME" of the list element is already in use.' in str(info.value)
    with pytest.raises(InvalidReferenceError, match='QuickBooks Customer "Nobody"'):
        qb.invoices.add(customer_ref="Nobody", lines=[{"desc": "x", "amount": 1}])


def test_transactions_delete_and_void(qb):
    qb.customers.add(name="Acme")
    qb.accounts.add(name="Sales", account_type="Income")
    qb.item_services.add(name="Consulting",
                         sales_or_purchase={"price": Decimal("100"), "account_ref": "Sales"})
    invoice = qb.invoices.add(customer_ref="Acme", txn_date=date(2024, 1, 5),
                              lines=[{"item_ref": "Consulting", "quantity": 2}])
    assert invoice.subtotal == Decimal("200.00") and invoice.is_paid is False
    assert len(qb.invoices.query(customer="Acme").all()) == 1
    assert qb.invoices.query(customer="Acme").first().get("InvoiceLineRet") is None
    lines = qb.invoices.query(customer="Acme", include_line_items=True).first()
    assert lines.invoice_line_ret[0].amount == Decimal("200.00")
    voided = qb.invoices.void(invoice)
    assert voided.txn_id == invoice.txn_id
    assert qb.invoices.get(invoice.txn_id).subtotal == Decimal("0.00")
    assert qb.customers.get_by_name("Acme").total_balance == Decimal("0.00")
    deleted = qb.invoices.delete(invoice)
    assert deleted.txn_del_type == "Invoice"
    assert qb.invoices.count() == 0


def test_paging_over_thousands_of_records(qb):
    total = 1_260
    for start in range(0, total, 420):
        with qb.batch() as batch:
            for i in range(start, start + 420):
                batch.customers.add(name=f"Bulk {i:05d}")
        assert all(r.ok for r in batch.results)
    seen = [c.name for c in qb.customers.query(page_size=500)]    # 3 pages
    assert seen == [f"Bulk {i:05d}" for i in range(total)]
    assert qb.customers.count(name_starts_with="Bulk 01") == 260


def test_raw_qbxml_stays_available(qb):
    response = qb.process('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>'
                          '<QBXMLMsgsRq onError="stopOnError"><HostQueryRq/></QBXMLMsgsRq>'
                          '</QBXML>')
    assert "<HostQueryRs" in response and 'statusCode="0"' in response


def test_each_operation_on_the_main_types(qb):
    """Vendors, items, accounts, sales orders and received payments through the API."""
    vendor = qb.vendors.add(name="Supply Co", vendor_address={"city": "Denver"})
    vendor = qb.vendors.modify(vendor, phone="555-0200")
    assert vendor.phone == "555-0200" and qb.vendors.get(vendor.list_id).name == "Supply Co"
    account = qb.accounts.add(name="Sales", account_type="Income")
    assert qb.accounts.modify(account, desc="Product sales").desc == "Product sales"
    item = qb.item_services.add(name="Consulting", sales_or_purchase={
        "price": Decimal("100"), "account_ref": "Sales"})
    item = qb.item_services.modify(item, sales_or_purchase_mod={"price": Decimal("120")})
    assert item.sales_or_purchase.price == Decimal("120.00")
    qb.customers.add(name="Acme")
    order = qb.sales_orders.add(customer_ref="Acme",
                                lines=[{"item_ref": "Consulting", "quantity": 2}])
    assert order.total_amount == Decimal("240.00") and order.is_fully_invoiced is False
    invoice = qb.invoices.add(customer_ref="Acme", link_to_txn_id=[order.txn_id])
    assert invoice.subtotal == Decimal("240.00")
    assert qb.sales_orders.get(order.txn_id).is_fully_invoiced is True
    payment = qb.receive_payments.add(customer_ref="Acme", total_amount=Decimal("100"),
                                      applied_to_txn_add=[{"txn_id": invoice.txn_id,
                                                           "payment_amount": Decimal("100")}])
    assert payment.applied_to_txn_ret[0].balance_remaining == Decimal("140.00")
    assert qb.invoices.query(paid=False).first().balance_remaining == Decimal("140.00")
    assert qb.receive_payments.count() == 1
    qb.receive_payments.delete(payment)
    assert qb.invoices.get(invoice.txn_id).balance_remaining == Decimal("240.00")
    qb.vendors.delete(vendor)
    assert qb.vendors.count() == 0


def test_pages_of_large_records_hold_fewer_of_them(qb, monkeypatch):
    """A query with line items starts small and sizes its pages by the text that came back,
    so large records (many lines) do not make large pages."""
    import re

    from qbconnector.api.records import collections

    qb.customers.add(name="Acme")
    qb.accounts.add(name="Income", account_type="Income")
    qb.item_services.add(name="Task", sales_or_purchase={"price": Decimal("10"),
                                                          "account_ref": "Income"})
    shape = [1, 1, 40, 40, 40] + [1] * 12
    for lines in shape:
        qb.invoices.add(customer_ref="Acme",
                        lines=[{"item_ref": "Task", "quantity": 1}] * lines)
    sent: list[int] = []
    process = qb.session.process

    def spy(text: str) -> str:
        sent.extend(int(n) for n in re.findall(r"<MaxReturned>(\d+)</MaxReturned>", text))
        return process(text)

    monkeypatch.setattr(qb.session, "process", spy)
    monkeypatch.setattr(collections, "PAGE_CHARS", 20_000)
    monkeypatch.setattr(collections, "FIRST_PAGE_WITH_LINES", 2)
    got = qb.invoices.query(include_line_items=True, page_size=5).all()
    assert [len(i.invoice_line_ret) for i in got] == shape
    assert sent[0] == 2, sent                # before the records' size is known
    assert min(sent[1:]) < 5, sent           # 40-line invoices: smaller pages
    assert sent[-1] == 5, sent               # small records again: back to the page size
    sent.clear()
    assert len(qb.invoices.query(page_size=5).all()) == 17
    assert sent == [5, 5, 5, 5], sent             # without lines: the page size throughout


def test_a_query_without_max_returned_is_sent_whole(qb, monkeypatch):
    """BarCodeQueryRq takes the iterator attribute but has no MaxReturned: it is sent as
    one plain request (a limit is applied to what comes back), never refused by the
    builder."""
    sent: list[str] = []
    process = qb.session.process

    def spy(text: str) -> str:
        sent.append(text)
        return process(text)

    monkeypatch.setattr(qb.session, "process", spy)
    assert qb.bar_codes.query().all() == []
    assert qb.bar_codes.query(limit=2).all() == []
    with qb.batch() as batch:
        found = batch.bar_codes.query(limit=2)
        names = batch.customers.query(limit=1)
    assert found.ok and found.records == [] and names.ok
    import re

    requests = [t for t in sent if "BarCodeQueryRq" in t]
    assert len(requests) == 3
    bar_code_rqs = [re.search(r"<BarCodeQueryRq[^>]*?(/>|>.*?</BarCodeQueryRq>)", t, re.S)
                    for t in requests]
    assert all(m is not None for m in bar_code_rqs)
    assert all("MaxReturned" not in m.group(0) and "iterator=" not in m.group(0)
               for m in bar_code_rqs)
    assert "<MaxReturned>1</MaxReturned>" in requests[-1]     # the customers' query


def test_a_batch_query_limit_cuts_what_comes_back(qb):
    for name in ("A", "B", "C"):
        qb.customers.add(name=name)
    with qb.batch() as batch:
        two = batch.customers.query(limit=2)
        every = batch.customers.query()
    assert [r.name for r in two.records] == ["A", "B"]
    assert [r.name for r in every.records] == ["A", "B", "C"]


def test_deleted_records_by_type_and_date(qb):
    from datetime import timedelta

    gone = qb.customers.add(name="Gone Co")
    kept = qb.customers.add(name="Kept Co")
    qb.accounts.add(name="Sales", account_type="Income")
    qb.item_services.add(name="Work", sales_or_purchase={"price": Decimal("5"),
                                                          "account_ref": "Sales"})
    invoice = qb.invoices.add(customer_ref="Kept Co", lines=[{"item_ref": "Work"}])
    qb.customers.delete(gone)
    qb.invoices.delete(invoice)
    lists = qb.list_deleteds.query(types=["Customer", "Vendor"]).all()
    assert [(r.list_del_type, r.list_id, r.full_name) for r in lists] == [
        ("Customer", gone.list_id, "Gone Co")]
    txns = qb.txn_deleteds.query(types="Invoice").all()
    assert [(r.txn_del_type, r.txn_id) for r in txns] == [("Invoice", invoice.txn_id)]
    later = lists[0].time_deleted + timedelta(days=1)
    assert qb.list_deleteds.query(types=["Customer"], deleted_since=later).all() == []
    assert len(qb.list_deleteds.query(types=["Customer"],
                                      deleted_until=later).all()) == 1
    assert kept.list_id not in {r.list_id for r in lists}
    with pytest.raises(FilterError, match="need types=.*Customer"):
        qb.list_deleteds.query().all()
    with pytest.raises(FilterError, match="'Widget' cannot be asked for"):
        qb.txn_deleteds.query(types=["Widget"]).all()
    with pytest.raises(FilterError, match="Customer queries have no ListDelType"):
        qb.customers.query(types=["Customer"]).all()
