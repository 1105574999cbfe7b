"""The records API over QuickBooks Online, against the double: the same collections and
operations as on Desktop, filters in QBO's query language, typed records, references by
name, sparse updates and conflicts, deactivation, void, paging, batches, change data
capture and reports."""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

import qbconnector
from qbconnector.api.records.filters import FilterError
from qbconnector.qbo.filters import build_plan, macro
from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.query import build
from tests.qbo.conftest import income_account, seed


def text_of(entity: str, **filters) -> str:
    plan = build_plan(spec.entity(entity), filters, lambda e, name: {"Acme": "7"}[name],
                      today=date(2026, 5, 20))
    return build(entity, where=plan.where, order_by=plan.order_by)


def test_filters_become_qbo_query_text_with_escaping():
    assert text_of("Customer", name_contains="O'Brien \\ Sons", active="all") == (
        "SELECT * FROM Customer WHERE DisplayName LIKE '%O\\'Brien \\\\ Sons%' "
        "AND Active IN (true, false)")
    assert text_of("Invoice", customer="Acme", txn_date=(date(2026, 1, 1), None),
                   paid=False, order_by="-TxnDate") == (
        "SELECT * FROM Invoice WHERE CustomerRef = '7' AND TxnDate >= '2026-01-01' AND "
        "Balance > 0 ORDERBY TxnDate DESC")
    since = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert text_of("Account", account_type="OtherCurrentAsset", modified_since=since) == (
        "SELECT * FROM Account WHERE AccountType = 'Other Current Asset' AND "
        "MetaData.LastUpdatedTime >= '2026-05-01T08:00:00+00:00'")
    assert text_of("Invoice", txn_date="LastMonth", ref_numbers=["1001", "1002"]) == (
        "SELECT * FROM Invoice WHERE TxnDate >= '2026-04-01' AND TxnDate <= '2026-04-30' AND "
        "DocNumber IN ('1001', '1002')")
    assert text_of("Customer", display_name="Acme", full_names=["A:B"]) == (
        "SELECT * FROM Customer WHERE DisplayName = 'Acme' AND FullyQualifiedName IN ('A:B')")


@pytest.mark.parametrize("entity, filters, words", [
    ("Invoice", {"colour": "red"}, "unknown filter 'colour'"),
    ("Customer", {"owner_ids": ["0"]}, "cannot be expressed in QBO"),
    ("Invoice", {"types": ["Invoice"]}, "change data capture"),
    ("Invoice", {"customer_with_children": True, "customer": "Acme"}, "no hierarchy filter"),
    ("Customer", {"name_contains": "50%"}, "literal '%'"),
    ("Invoice", {"name_contains": "x"}, "Invoice records have no name"),
    ("Invoice", {"active": "all"}, "no active status"),
    ("Invoice", {"account_type": "Bank"}, "QBO cannot filter Invoice by AccountType"),
    ("Invoice", {"include_line_items": False}, "always sends lines"),
    ("Invoice", {"txn_date": "ThisFiscalYear"}, "fiscal periods"),
])
def test_filters_qbo_cannot_express_fail_before_anything_is_sent(entity, filters, words):
    with pytest.raises(FilterError, match=words.replace("(", r"\(")):
        build_plan(spec.entity(entity), filters, lambda e, n: "1", today=date(2026, 5, 20))


def test_date_macros_on_the_calendar():
    today = date(2026, 5, 20)        # a Wednesday
    assert macro("ThisWeek", today) == (date(2026, 5, 17), date(2026, 5, 23))
    assert macro("ThisMonthToDate", today) == (date(2026, 5, 1), today)
    assert macro("LastQuarter", today) == (date(2026, 1, 1), date(2026, 3, 31))
    assert macro("NextYear", today) == (date(2027, 1, 1), date(2027, 12, 31))
    assert macro("LastYearToDate", today) == (date(2025, 1, 1), date(2025, 5, 20))


def test_collections_operations_and_typed_records(online):
    qb = online
    assert {"customers", "invoices", "payments", "bills", "items", "accounts",
            "journal_entries", "company_info", "preferences"} <= set(qb.collection_names())
    assert qb.collection("JournalEntry") is qb.journal_entries
    assert qb.tax_codes.operations() == ["query", "get", "count"]
    assert "void" in qb.invoices.operations() and "void" not in qb.bills.operations()
    with pytest.raises(AttributeError, match="did you mean customers"):
        qb.collection("customerz")
    seed(qb, customers=3, invoices=2)
    customer = qb.customers.get_by_name("Customer 001")
    assert customer.display_name == customer["DisplayName"] == "Customer 001"
    assert customer.id.isdigit() and qb.customers.get(customer.id) == customer
    assert customer.bill_addr.city == "Springfield" and customer.sync_token == "0"
    assert customer.ship_addr is None and customer.notes is None      # absent: None
    with pytest.raises(AttributeError, match="has no field 'colour'"):
        customer.colour  # noqa: B018
    invoice = qb.invoices.query(ref_numbers=["INV-0001"]).first()
    assert isinstance(invoice.total_amt, Decimal) and invoice.total_amt == Decimal("271.00")
    assert invoice.txn_date == date(2026, 2, 15)
    assert invoice.meta_data.create_time.tzinfo is not None
    assert invoice.customer_ref.name == "Customer 001"
    lines = [x for x in invoice.line if x.detail_type == "SalesItemLineDetail"]
    assert [(x.sales_item_line_detail.qty, x.amount) for x in lines] == [
        (Decimal(2), Decimal("240.00")), (Decimal(2), Decimal("31.00"))]
    as_json = invoice.to_dict()
    assert as_json["TotalAmt"] == "271.00" and as_json["TxnDate"] == "2026-02-15"
    with pytest.raises(qbconnector.NotFoundError):
        qb.customers.get("99999")
    with pytest.raises(qbconnector.InvalidReferenceError, match="no active Customer named"):
        qb.invoices.add(customer_ref="Nobody", lines=[{"item_ref": "Consulting",
                                                        "quantity": 1}])
    with pytest.raises(qbconnector.ValidationError, match="has no field 'colour'"):
        qb.customers.add(display_name="X", colour="red")
    with pytest.raises(qbconnector.ValidationError, match="cannot be written"):
        qb.customers.add(display_name="X", balance=5)
    with pytest.raises(NotImplementedError, match="no add for TaxCode"):
        qb.tax_codes.add(name="X")


def test_queries_page_through_everything(online):
    qb = online
    seed(qb, customers=95)
    before = qb.session.stats.requests
    names = [c.display_name for c in qb.customers.query(name_starts_with="Customer")]
    assert names == [f"Customer {n:03d}" for n in range(95)]        # pages of 40
    assert qb.session.stats.requests - before == 3
    assert qb.customers.count(name_starts_with="Customer 0") == 95
    assert len(qb.customers.query(limit=7).all()) == 7
    assert [c.display_name for c in qb.customers.query(
        name_ends_with="9", order_by="-DisplayName", limit=2)] == ["Customer 089",
                                                                   "Customer 079"]
    trimmed = qb.customers.query(fields=["display_name"], limit=1).first()
    assert set(trimmed) == {"Id", "SyncToken", "DisplayName"}


def test_modify_is_sparse_and_a_stale_sync_token_is_a_conflict(online):
    qb = online
    seed(qb, customers=1)
    customer = qb.customers.get_by_name("Customer 000")
    changed = qb.customers.modify(customer, notes="call first")
    assert changed.notes == "call first" and changed.sync_token == "1"
    assert changed.company_name == "Co 0" and changed.bill_addr.city == "Springfield"
    with pytest.raises(qbconnector.ConflictError) as caught:
        qb.customers.modify(customer, notes="stale")        # still SyncToken 0
    conflict = caught.value
    assert conflict.sent_edit_sequence == "0" and conflict.current_edit_sequence == "1"
    assert conflict.record.notes == "call first" and conflict.changes == {"notes": "stale"}
    assert conflict.sent_record is customer
    by_id = qb.customers.modify(customer.id, notes="by id")  # reads the SyncToken first
    assert by_id.sync_token == "2"


def test_delete_void_and_deactivate(online):
    qb = online
    seed(qb, customers=2, invoices=3)
    first, second, third = qb.invoices.query(order_by="DocNumber").all()
    gone = qb.invoices.delete(first)
    assert gone.status == "Deleted" and gone.id == first.id
    assert qb.invoices.count() == 2
    voided = qb.invoices.void(second)
    assert voided.total_amt == 0 and voided.private_note == "Voided"
    inactive = qb.customers.delete(qb.customers.get_by_name("Customer 001"))
    assert inactive.active is False
    assert [c.display_name for c in qb.customers.query()] == ["Customer 000"]
    assert len(qb.customers.query(active="all").all()) == 2
    assert qb.customers.query(active="inactive").first().id == inactive.id
    with pytest.raises(NotImplementedError, match="no void for Bill"):
        qb.bills.void("1")
    assert third.doc_number == "INV-0002"


def test_batches_are_chunked_to_thirty_with_a_result_per_operation(online):
    qb = online
    before = qb.session.stats.requests
    with qb.batch() as batch:
        results = [batch.customers.add(display_name=f"B {n}") for n in range(40)]
        duplicate = batch.customers.add(display_name="B 1")
        found = batch.customers.query(name_starts_with="B ")
    assert qb.session.stats.requests - before == 2
    assert all(r.ok for r in results) and results[39].record.display_name == "B 39"
    assert isinstance(duplicate.error, qbconnector.DuplicateNameError)
    with pytest.raises(qbconnector.DuplicateNameError):
        duplicate.record  # noqa: B018
    assert len(found.records) == 40          # items see what earlier items of the batch did


def test_changes_include_deletions(online):
    qb = online
    seed(qb, customers=2, invoices=2)
    since = datetime.now(UTC) - timedelta(minutes=5)
    invoice = qb.invoices.query(ref_numbers=["INV-0000"]).first()
    qb.invoices.delete(invoice)
    found = {(c.type_name, c.id): c for c in qb.changes(["customers", "invoices"], since)}
    assert found[("Invoice", invoice.id)].deleted
    assert found[("Invoice", invoice.id)].record is None
    assert sum(1 for k in found if k[0] == "Customer") == 2
    with pytest.raises(qbconnector.ValidationError, match="30 days"):
        list(qb.changes(["customers"], datetime.now(UTC) - timedelta(days=31)))


def test_reports_by_qbo_or_desktop_name(online):
    qb = online
    seed(qb, customers=1, invoices=1)
    report = qb.report("ProfitAndLossStandard", start_date=date(2026, 1, 1),
                       end_date=date(2026, 12, 31), accounting_method="Accrual")
    assert report.name == "ProfitAndLoss" and report.header["ReportBasis"] == "Accrual"
    assert report.total("Income") == Decimal("151.00")
    balance = qb.report("CustomerBalance", customer="Customer 000")
    assert balance.rows
    assert income_account(qb)


def test_answers_are_freed_without_waiting_for_the_cycle_collector(online):
    """The session releases each httpx response once its JSON is read: a page of records goes
    when it is used, not at the collector's next pass."""
    qb = online
    seed(qb, customers=3)
    qb.customers.count()                                 # token, connection, pools warm
    gc.collect()
    gc.disable()
    try:
        before = sum(isinstance(o, httpx.Response) for o in gc.get_objects())
        for _ in range(5):
            assert len(qb.customers.query().all()) == 3
        after = sum(isinstance(o, httpx.Response) for o in gc.get_objects())
    finally:
        gc.enable()
    assert after == before
