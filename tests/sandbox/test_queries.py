"""Queries: lookups by value (500 on a miss), filters, order, MaxReturned, line items and
linked transactions, IncludeRetElement, metaData, statusCode 1, iterators; and the
Host/Company/Preferences queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message
from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.records import queries
from qbconnector.sandbox.storage.store import Clock

from .conftest import QB, SANDBOX_NOW, SANDBOX_TZ, open_session

NO_MATCH = (1, "Info", "A query request did not find a matching object in QuickBooks")


def missing(value: str) -> tuple[int, str, str]:
    return catalogue.status(500, value=value)


def status(rs) -> tuple[int, str, str]:
    return rs.status_code, rs.status_severity, rs.status_message


def names(records) -> list[str]:
    return [r.get("FullName", r.get("Name")) for r in records]


def add_customers(qb: QB, *specs: str | dict) -> list:
    messages = [Message("CustomerAdd", {"Name": s} if isinstance(s, str) else s)
                for s in specs]
    responses = qb.send(*messages)
    assert all(r.status_code == 0 for r in responses), [r.status_message for r in responses]
    return [r.records[0] for r in responses]


@pytest.fixture
def sales(qb: QB) -> QB:
    """Customers (one with a job) and a service item priced at 100.00."""
    add_customers(qb, "Parent", {"Name": "Job", "ParentRef": {"FullName": "Parent"}}, "Other")
    qb.ok("ItemServiceAdd", {"Name": "Work", "SalesOrPurchase": {
        "Price": "100.00", "AccountRef": {"FullName": "Uncategorized Income"}}})
    return qb


def invoice(qb: QB, customer: str = "Parent", quantity: int = 1, **fields) -> dict:
    return qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": customer}, **fields,
                                "InvoiceLineAdd": [{"ItemRef": {"FullName": "Work"},
                                                    "Quantity": quantity}]})


# -- lookups by value ---------------------------------------------------------------------------

def test_query_by_list_ids(qb: QB) -> None:
    a, b, _ = add_customers(qb, "A", "B", "C")
    rs = qb.one("CustomerQuery", {"ListID": [b["ListID"], a["ListID"]]})
    assert status(rs) == (0, "Info", "Status OK")
    assert {r["ListID"] for r in rs.records} == {a["ListID"], b["ListID"]}


def test_query_by_list_id_with_a_miss_is_a_500_warning_with_the_rest(qb: QB) -> None:
    (a,) = add_customers(qb, "A")
    rs = qb.one("CustomerQuery", {"ListID": [a["ListID"], "80000999-1700000000"]})
    assert status(rs) == missing("80000999-1700000000")
    assert [r["ListID"] for r in rs.records] == [a["ListID"]]


def test_query_by_full_names_with_a_miss(qb: QB) -> None:
    add_customers(qb, "Parent", {"Name": "Job", "ParentRef": {"FullName": "Parent"}})
    rs = qb.one("CustomerQuery", {"FullName": ["parent:JOB", "bleech"]})
    assert status(rs) == missing("bleech")
    assert names(rs.records) == ["Parent:Job"]
    only_miss = qb.one("CustomerQuery", {"FullName": "bleech"})
    assert status(only_miss) == missing("bleech") and only_miss.records == []


def test_query_by_list_id_ignores_active_status(qb: QB) -> None:
    (a,) = add_customers(qb, {"Name": "Sleeping", "IsActive": False})
    assert qb.ok("CustomerQuery", {"ListID": a["ListID"]})["IsActive"] is False
    assert qb.ok("CustomerQuery", {"FullName": "Sleeping"})["Name"] == "Sleeping"


def test_query_by_txn_ids_with_a_miss(sales: QB) -> None:
    first, second = invoice(sales), invoice(sales)
    rs = sales.one("InvoiceQuery", {"TxnID": [second["TxnID"], "999-1700000000"]})
    assert status(rs) == missing("999-1700000000")
    assert [r["TxnID"] for r in rs.records] == [second["TxnID"]]
    assert first["TxnID"] != second["TxnID"]


def test_txn_id_of_another_type_is_a_miss(sales: QB) -> None:
    inv = invoice(sales)
    rs = sales.one("SalesReceiptQuery", {"TxnID": inv["TxnID"]})
    assert status(rs) == missing(inv["TxnID"])


def test_query_by_ref_numbers_in_creation_order(sales: QB) -> None:
    invoice(sales, RefNumber="B-2")
    invoice(sales, RefNumber="a-1")
    invoice(sales, RefNumber="A-1")
    rs = sales.one("InvoiceQuery", {"RefNumber": ["b-2", "a-1", "Z-9"]})
    assert status(rs) == missing("Z-9")
    assert [r["RefNumber"] for r in rs.records] == ["B-2", "a-1", "A-1"]
    exact = sales.one("InvoiceQuery", {"RefNumberCaseSensitive": "A-1"})
    assert [r["RefNumber"] for r in exact.records] == ["A-1"]


# -- no match -------------------------------------------------------------------------------------

def test_no_match_is_status_1_with_quickbooks_wording(qb: QB) -> None:
    rs = qb.one("CustomerQuery", {"NameFilter": {"MatchCriterion": "StartsWith",
                                                 "Name": "zzz"}})
    assert status(rs) == NO_MATCH
    assert rs.records == []
    assert status(qb.one("InvoiceQuery")) == NO_MATCH


# -- order and MaxReturned ------------------------------------------------------------------------

def test_lists_come_back_by_name_children_after_their_parent(qb: QB) -> None:
    add_customers(qb, "beta", "Alpha Two", "alpha", {"Name": "Zed", "ParentRef": {
        "FullName": "alpha"}}, {"Name": "Ann", "ParentRef": {"FullName": "alpha"}})
    assert names(qb.all("CustomerQuery")) == ["alpha", "alpha:Ann", "alpha:Zed", "Alpha Two",
                                              "beta"]


def test_item_query_orders_items_by_type_then_name(qb: QB) -> None:
    # QuickBooks' item list shows services, then non-inventory parts, then other charges...
    account = {"AccountRef": {"FullName": "Uncategorized Income"}}
    qb.ok("ItemOtherChargeAdd", {"Name": "Delivery", "SalesOrPurchase": account})
    qb.ok("ItemServiceAdd", {"Name": "Mowing", "SalesOrPurchase": account})
    qb.ok("ItemNonInventoryAdd", {"Name": "Bolts", "SalesOrPurchase": account})
    qb.ok("ItemServiceAdd", {"Name": "Edging", "SalesOrPurchase": account})
    items = qb.all("ItemQuery")
    assert [(i.tag, i["Name"]) for i in items] == [
        ("ItemServiceRet", "Edging"), ("ItemServiceRet", "Mowing"),
        ("ItemNonInventoryRet", "Bolts"), ("ItemOtherChargeRet", "Delivery")]


def test_accounts_by_number_put_the_unnumbered_first(qb: QB, session) -> None:
    # [023]: with account numbers on, each type lists its accounts without a number first
    # (by name), then by number, subaccounts after their parent.
    from qbconnector.sandbox.company import preferences
    preferences.use_account_numbers(session)
    for name, number in (("Due to Owner", "20700"), ("Withheld", None), ("Accrued", "20600"),
                         ("Another", None)):
        qb.ok("AccountAdd", {"Name": name, "AccountType": "OtherCurrentLiability",
                             **({"AccountNumber": number} if number else {})})
    qb.ok("AccountAdd", {"Name": "Sub", "AccountType": "OtherCurrentLiability",
                         "AccountNumber": "1", "ParentRef": {"FullName": "Accrued"}})
    listed = [a["FullName"] for a in qb.all("AccountQuery", {"AccountType":
                                                              "OtherCurrentLiability"})]
    mine = [n for n in listed if n in ("Due to Owner", "Withheld", "Accrued", "Another",
                                       "Accrued:Sub")]
    assert mine == ["Another", "Withheld", "Accrued", "Accrued:Sub", "Due to Owner"]


def test_transactions_come_back_by_date_then_creation(sales: QB) -> None:
    for ref, day in (("1", "2024-03-10"), ("2", "2024-01-05"), ("3", "2024-03-10"),
                     ("4", "2024-02-01")):
        invoice(sales, RefNumber=ref, TxnDate=day)
    assert [r["RefNumber"] for r in sales.all("InvoiceQuery")] == ["2", "4", "1", "3"]


def test_max_returned_cuts_the_ordered_answer(qb: QB) -> None:
    add_customers(qb, "C", "A", "D", "B")
    assert names(qb.all("CustomerQuery", {"MaxReturned": 2})) == ["A", "B"]
    assert names(qb.all("CustomerQuery", {"MaxReturned": 10})) == ["A", "B", "C", "D"]


# -- list filters ---------------------------------------------------------------------------------

def test_active_status_defaults_to_active_only(qb: QB) -> None:
    add_customers(qb, "Awake", {"Name": "Asleep", "IsActive": False})
    assert names(qb.all("CustomerQuery")) == ["Awake"]
    assert names(qb.all("CustomerQuery", {"ActiveStatus": "ActiveOnly"})) == ["Awake"]
    assert names(qb.all("CustomerQuery", {"ActiveStatus": "InactiveOnly"})) == ["Asleep"]
    assert names(qb.all("CustomerQuery", {"ActiveStatus": "All"})) == ["Asleep", "Awake"]


@pytest.mark.parametrize("criterion,text,expected", [
    ("StartsWith", "ACME", ["Acme Rockets", "acme widgets"]),
    ("Contains", "WIDGET", ["acme widgets", "Widget World"]),
    ("EndsWith", "ROCKETS", ["Acme Rockets", "Best Rockets"]),
    ("StartsWith", "rocket", []),
])
def test_name_filter_is_case_insensitive(qb: QB, criterion: str, text: str,
                                         expected: list[str]) -> None:
    add_customers(qb, "Acme Rockets", "acme widgets", "Widget World", "Best Rockets")
    found = qb.all("CustomerQuery", {"NameFilter": {"MatchCriterion": criterion,
                                                    "Name": text}})
    assert names(found) == expected


def test_name_range_filter_is_inclusive(qb: QB) -> None:
    add_customers(qb, "Apple", "Banana", "cherry", "Date", "Fig")
    assert names(qb.all("CustomerQuery", {"NameRangeFilter": {
        "FromName": "banana", "ToName": "DATE"}})) == ["Banana", "cherry", "Date"]
    assert names(qb.all("CustomerQuery", {"NameRangeFilter": {"FromName": "d"}})) == \
        ["Date", "Fig"]
    assert names(qb.all("CustomerQuery", {"NameRangeFilter": {"ToName": "Banana"}})) == \
        ["Apple", "Banana"]


@pytest.mark.parametrize("operator,amount,expected", [
    ("LessThan", "200.00", ["Other", "Parent:Job"]),
    ("LessThanEqual", "200.00", ["Other", "Parent", "Parent:Job"]),
    ("Equal", "200.00", ["Parent"]),
    ("GreaterThan", "100.00", ["Parent"]),
    ("GreaterThanEqual", "100.00", ["Parent", "Parent:Job"]),
])
def test_total_balance_filter(sales: QB, operator: str, amount: str,
                              expected: list[str]) -> None:
    invoice(sales, "Parent:Job")                  # Job 100; Parent 0 own, 100 with its job
    invoice(sales, "Parent")                      # Parent 100 own, 200 with its job
    found = sales.all("CustomerQuery", {"TotalBalanceFilter": {"Operator": operator,
                                                               "Amount": amount}})
    assert names(found) == expected


def test_from_and_to_modified_date_are_inclusive(qb: QB, clock: Clock) -> None:
    stamps = []
    for name in ("First", "Second", "Third"):
        add_customers(qb, name)
        stamps.append(clock.now())
        clock.advance(3600)
    between = {"FromModifiedDate": stamps[0], "ToModifiedDate": stamps[1]}
    assert names(qb.all("CustomerQuery", between)) == ["First", "Second"]
    after = {"FromModifiedDate": stamps[1] + timedelta(seconds=1)}
    assert names(qb.all("CustomerQuery", after)) == ["Third"]
    before = {"ToModifiedDate": stamps[1] - timedelta(seconds=1)}
    assert names(qb.all("CustomerQuery", before)) == ["First"]


def test_modified_dates_are_in_the_company_time_zone(qb: QB, clock: Clock) -> None:
    # 22:00 at -05:00 is already the next day in UTC; QuickBooks compares in local time.
    clock.fixed = datetime(2024, 3, 15, 22, 0, tzinfo=SANDBOX_TZ)
    add_customers(qb, "Late")
    clock.advance(3 * 3600)                                   # 01:00 on the 16th
    add_customers(qb, "Later")
    assert names(qb.all("CustomerQuery", {"ToModifiedDate": date(2024, 3, 15)})) == ["Late"]
    assert names(qb.all("CustomerQuery", {"FromModifiedDate": date(2024, 3, 16)})) == \
        ["Later"]
    local = {"FromModifiedDate": "2024-03-15T21:59:00",      # no offset: the company's time
             "ToModifiedDate": "2024-03-15T22:00:00"}
    assert names(qb.all("CustomerQuery", local)) == ["Late"]


def test_a_mod_moves_a_record_into_a_later_modified_range(qb: QB, clock: Clock) -> None:
    (old,) = add_customers(qb, "Old")
    add_customers(qb, "Untouched")
    clock.advance(86400)
    qb.ok("CustomerMod", {"ListID": old["ListID"], "EditSequence": old["EditSequence"],
                          "Phone": "555"})
    assert names(qb.all("CustomerQuery", {"FromModifiedDate": clock.now()})) == ["Old"]


# -- transaction filters ------------------------------------------------------------------------

def test_modified_date_range_filter_on_transactions(sales: QB, clock: Clock) -> None:
    invoice(sales, RefNumber="early")
    clock.advance(7200)
    invoice(sales, RefNumber="late")
    found = sales.all("InvoiceQuery", {"ModifiedDateRangeFilter": {
        "FromModifiedDate": SANDBOX_NOW + timedelta(seconds=1)}})
    assert [r["RefNumber"] for r in found] == ["late"]
    found = sales.all("InvoiceQuery", {"ModifiedDateRangeFilter": {
        "ToModifiedDate": SANDBOX_NOW}})
    assert [r["RefNumber"] for r in found] == ["early"]


def test_txn_date_range_filter_is_inclusive(sales: QB) -> None:
    for day in ("2024-01-31", "2024-02-01", "2024-02-29", "2024-03-01"):
        invoice(sales, RefNumber=day, TxnDate=day)
    found = sales.all("InvoiceQuery", {"TxnDateRangeFilter": {
        "FromTxnDate": date(2024, 2, 1), "ToTxnDate": date(2024, 2, 29)}})
    assert [r["RefNumber"] for r in found] == ["2024-02-01", "2024-02-29"]
    found = sales.all("InvoiceQuery", {"TxnDateRangeFilter": {"FromTxnDate": "2024-02-29"}})
    assert [r["RefNumber"] for r in found] == ["2024-02-29", "2024-03-01"]


MACRO_DAYS = ["2022-12-31", "2023-01-01", "2023-03-15", "2023-10-01", "2023-12-31",
              "2024-01-01", "2024-02-01", "2024-02-15", "2024-02-16", "2024-02-29",
              "2024-03-01", "2024-03-02", "2024-03-03", "2024-03-09", "2024-03-10",
              "2024-03-14", "2024-03-15", "2024-03-16", "2024-03-17", "2024-03-23",
              "2024-03-24", "2024-03-31", "2024-04-01", "2024-04-13", "2024-04-14",
              "2024-04-30", "2024-05-01", "2024-06-30", "2024-07-01", "2024-12-31",
              "2025-01-01", "2025-12-31", "2026-01-01"]


def days_between(first: str, last: str) -> list[str]:
    return [d for d in MACRO_DAYS if first <= d <= last]


# Today is Friday 2024-03-15; weeks run Sunday to Saturday; the fiscal year is the calendar
# year (a new company's FirstMonthFiscalYear is January).
MACROS = {
    "All": MACRO_DAYS,
    "Today": ["2024-03-15"],
    "Yesterday": ["2024-03-14"],
    "ThisWeek": days_between("2024-03-10", "2024-03-16"),
    "ThisWeekToDate": days_between("2024-03-10", "2024-03-15"),
    "LastWeek": days_between("2024-03-03", "2024-03-09"),
    "LastWeekToDate": days_between("2024-03-03", "2024-03-08"),
    "NextWeek": days_between("2024-03-17", "2024-03-23"),
    "NextFourWeeks": days_between("2024-03-17", "2024-04-13"),
    "ThisMonth": days_between("2024-03-01", "2024-03-31"),
    "ThisMonthToDate": days_between("2024-03-01", "2024-03-15"),
    "LastMonth": days_between("2024-02-01", "2024-02-29"),
    "LastMonthToDate": days_between("2024-02-01", "2024-02-15"),
    "NextMonth": days_between("2024-04-01", "2024-04-30"),
    "ThisCalendarQuarter": days_between("2024-01-01", "2024-03-31"),
    "ThisCalendarQuarterToDate": days_between("2024-01-01", "2024-03-15"),
    "LastCalendarQuarter": days_between("2023-10-01", "2023-12-31"),
    "NextCalendarQuarter": days_between("2024-04-01", "2024-06-30"),
    "LastCalendarQuarterToDate": days_between("2023-10-01", "2023-12-14"),
    "ThisFiscalQuarter": days_between("2024-01-01", "2024-03-31"),
    "ThisFiscalQuarterToDate": days_between("2024-01-01", "2024-03-15"),
    "LastFiscalQuarter": days_between("2023-10-01", "2023-12-31"),
    "LastFiscalQuarterToDate": days_between("2023-10-01", "2023-12-14"),
    "NextFiscalQuarter": days_between("2024-04-01", "2024-06-30"),
    "ThisCalendarYear": days_between("2024-01-01", "2024-12-31"),
    "ThisCalendarYearToDate": days_between("2024-01-01", "2024-03-15"),
    "LastCalendarYear": days_between("2023-01-01", "2023-12-31"),
    "LastCalendarYearToDate": days_between("2023-01-01", "2023-03-15"),
    "NextCalendarYear": days_between("2025-01-01", "2025-12-31"),
    "ThisFiscalYear": days_between("2024-01-01", "2024-12-31"),
    "ThisFiscalYearToDate": days_between("2024-01-01", "2024-03-15"),
    "LastFiscalYear": days_between("2023-01-01", "2023-12-31"),
    "LastFiscalYearToDate": days_between("2023-01-01", "2023-03-15"),
    "NextFiscalYear": days_between("2025-01-01", "2025-12-31"),
}


@pytest.fixture(scope="module")
def dated_invoices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QB]:
    """One invoice on each of MACRO_DAYS, shared by the read-only date macro tests."""
    path = tmp_path_factory.mktemp("macros") / "dated.qbdb"
    clock = Clock(fixed=SANDBOX_NOW)
    create_company(path, clock=clock)
    qb = QB(open_session(path, clock))
    qb.ok("CustomerAdd", {"Name": "Other"})
    qb.send(*[Message("InvoiceAdd", {"CustomerRef": {"FullName": "Other"},
                                     "TxnDate": day, "RefNumber": day})
              for day in MACRO_DAYS])
    yield qb
    qb.session.close()


def test_every_date_macro_is_covered() -> None:
    from qbconnector.qbxml import spec
    enum = spec.load().message("InvoiceQueryRq").child("TxnDateRangeFilter") \
        .child("DateMacro").enum
    assert set(enum) == set(MACROS)


@pytest.mark.parametrize("macro", sorted(MACROS))
def test_date_macros(dated_invoices: QB, macro: str) -> None:
    found = dated_invoices.all("InvoiceQuery", {"TxnDateRangeFilter": {"DateMacro": macro}})
    assert [r["RefNumber"] for r in found] == MACROS[macro]


def test_date_macros_follow_the_fiscal_year(sales: QB) -> None:
    sales.session.store.set_meta("fiscal_first_month", "7")   # a July-June fiscal year
    sales.send(*[Message("InvoiceAdd", {"CustomerRef": {"FullName": "Other"},
                                        "TxnDate": day, "RefNumber": day})
                 for day in MACRO_DAYS])

    def refs(macro: str) -> list[str]:
        return [r["RefNumber"] for r in sales.all("InvoiceQuery", {"TxnDateRangeFilter": {
            "DateMacro": macro}})]

    assert refs("ThisFiscalYear") == days_between("2023-07-01", "2024-06-30")
    assert refs("LastFiscalYear") == days_between("2022-07-01", "2023-06-30")
    assert refs("ThisFiscalQuarter") == days_between("2024-01-01", "2024-03-31")
    assert refs("LastFiscalQuarter") == days_between("2023-10-01", "2023-12-31")
    assert refs("NextFiscalYear") == days_between("2024-07-01", "2025-06-30")


def test_entity_filter_with_and_without_children(sales: QB) -> None:
    invoice(sales, "Parent", RefNumber="parent")
    invoice(sales, "Parent:Job", RefNumber="job")
    invoice(sales, "Other", RefNumber="other")
    parent = sales.ok("CustomerQuery", {"FullName": "Parent"})

    def refs(entity_filter: dict) -> list[str]:
        return [r["RefNumber"] for r in sales.all("InvoiceQuery",
                                                  {"EntityFilter": entity_filter})]

    assert refs({"FullName": "parent"}) == ["parent"]
    assert refs({"ListID": parent["ListID"]}) == ["parent"]
    assert refs({"FullNameWithChildren": "Parent"}) == ["parent", "job"]
    assert refs({"ListIDWithChildren": parent["ListID"]}) == ["parent", "job"]
    assert refs({"FullName": "Parent:Job"}) == ["job"]


def test_account_filter_with_children(sales: QB) -> None:
    sales.ok("AccountAdd", {"Name": "Trade AR", "AccountType": "AccountsReceivable"})
    sales.ok("AccountAdd", {"Name": "Export", "AccountType": "AccountsReceivable",
                            "ParentRef": {"FullName": "Trade AR"}})
    invoice(sales, RefNumber="standard")
    invoice(sales, RefNumber="trade", ARAccountRef={"FullName": "Trade AR"})
    invoice(sales, RefNumber="export", ARAccountRef={"FullName": "Trade AR:Export"})

    def refs(account_filter: dict) -> list[str]:
        return [r["RefNumber"] for r in sales.all("InvoiceQuery",
                                                  {"AccountFilter": account_filter})]

    assert refs({"FullName": "Trade AR"}) == ["trade"]
    assert refs({"FullNameWithChildren": "Trade AR"}) == ["trade", "export"]
    assert refs({"FullName": "Accounts Receivable"}) == ["standard"]


@pytest.mark.parametrize("criterion,text,expected", [
    ("StartsWith", "inv-1", ["INV-10", "INV-11", "inv-100"]),
    ("Contains", "V-2", ["INV-20"]),
    ("EndsWith", "0", ["INV-10", "INV-20", "inv-100"]),
])
def test_ref_number_filter(sales: QB, criterion: str, text: str, expected: list[str]) -> None:
    for ref in ("INV-10", "INV-11", "INV-20", "inv-100"):
        invoice(sales, RefNumber=ref)
    found = sales.all("InvoiceQuery", {"RefNumberFilter": {"MatchCriterion": criterion,
                                                           "RefNumber": text}})
    assert [r["RefNumber"] for r in found] == expected


def test_ref_number_range_filter_is_inclusive(sales: QB) -> None:
    for ref in ("1001", "1002", "1003", "1004"):
        invoice(sales, RefNumber=ref)
    found = sales.all("InvoiceQuery", {"RefNumberRangeFilter": {"FromRefNumber": "1002",
                                                                "ToRefNumber": "1003"}})
    assert [r["RefNumber"] for r in found] == ["1002", "1003"]
    found = sales.all("InvoiceQuery", {"RefNumberRangeFilter": {"FromRefNumber": "1003"}})
    assert [r["RefNumber"] for r in found] == ["1003", "1004"]


def test_paid_status(sales: QB) -> None:
    paid = invoice(sales, "Other", RefNumber="paid")
    invoice(sales, "Other", RefNumber="open")
    part = invoice(sales, "Other", RefNumber="part")
    sales.ok("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Other"},
                                   "TotalAmount": "150.00", "AppliedToTxnAdd": [
                                       {"TxnID": paid["TxnID"], "PaymentAmount": "100.00"},
                                       {"TxnID": part["TxnID"], "PaymentAmount": "50.00"}]})

    def refs(paid_status: str) -> list[str]:
        return [r["RefNumber"] for r in sales.all("InvoiceQuery", {"PaidStatus": paid_status})]

    assert refs("All") == ["paid", "open", "part"]
    assert refs("PaidOnly") == ["paid"]
    assert refs("NotPaidOnly") == ["open", "part"]


def test_line_items_only_when_asked(sales: QB) -> None:
    invoice(sales)
    plain = sales.ok("InvoiceQuery")
    assert "InvoiceLineRet" not in plain
    assert plain["Subtotal"] == Decimal("100.00")
    assert "InvoiceLineRet" not in sales.ok("InvoiceQuery", {"IncludeLineItems": False})
    lines = sales.ok("InvoiceQuery", {"IncludeLineItems": True})["InvoiceLineRet"]
    assert [(line["ItemRef"]["FullName"], line["Amount"]) for line in lines] == \
        [("Work", Decimal("100.00"))]


def test_linked_transactions_only_when_asked(sales: QB) -> None:
    inv = invoice(sales, "Other")
    payment = sales.ok("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Other"},
                                             "TotalAmount": "40.00", "IsAutoApply": True})
    assert "LinkedTxn" not in sales.ok("InvoiceQuery", {"TxnID": inv["TxnID"]})
    linked = sales.ok("InvoiceQuery", {"TxnID": inv["TxnID"], "IncludeLinkedTxns": True})
    assert "RefNumber" not in payment
    assert linked["LinkedTxn"] == [{"TxnID": payment["TxnID"], "TxnType": "ReceivePayment",
                                    "TxnDate": SANDBOX_NOW.date(), "LinkType": "AMTTYPE",
                                    "Amount": Decimal("-40.00")}]


def test_include_ret_element_returns_only_those_elements(sales: QB) -> None:
    found = sales.all("CustomerQuery", {"IncludeRetElement": ["Name", "ListID",
                                                              "TotalBalance"]})
    assert [list(r) for r in found] == [["ListID", "Name", "TotalBalance"]] * 3
    invoice(sales)
    inv = sales.ok("InvoiceQuery", {"IncludeLineItems": True,
                                    "IncludeRetElement": ["TxnID", "InvoiceLineRet"]})
    assert list(inv) == ["TxnID", "InvoiceLineRet"]
    assert inv["InvoiceLineRet"][0]["Amount"] == Decimal("100.00")


def test_metadata_only_answers_the_count_without_records(qb: QB) -> None:
    add_customers(qb, "A", "B", "C")
    rs = qb.one("CustomerQuery", metaData="MetaDataOnly")
    assert (rs.status_code, rs.records, rs.attrs.get("retCount")) == (0, [], "3")
    both = qb.one("CustomerQuery", {"MaxReturned": 2}, metaData="MetaDataAndResponseData")
    assert (both.attrs.get("retCount"), names(both.records)) == ("2", ["A", "B"])
    plain = qb.one("CustomerQuery")
    assert "retCount" not in plain.attrs


# -- iterators ------------------------------------------------------------------------------------

GUID = re.compile(r"\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}", re.I)


def test_iterator_start_continue_to_the_end(qb: QB) -> None:
    add_customers(qb, "E", "B", "D", "A", "C")
    first = qb.one("CustomerQuery", {"MaxReturned": 2}, iterator="Start")
    assert first.status_code == 0
    assert GUID.fullmatch(first.iterator_id or "")
    assert (names(first.records), first.iterator_remaining_count) == (["A", "B"], 3)
    second = qb.one("CustomerQuery", {"MaxReturned": 2}, iterator="Continue",
                    iteratorID=first.iterator_id)
    assert (second.iterator_id, names(second.records), second.iterator_remaining_count) == \
        (first.iterator_id, ["C", "D"], 1)
    third = qb.one("CustomerQuery", {"MaxReturned": 2}, iterator="Continue",
                   iteratorID=first.iterator_id)
    assert (names(third.records), third.iterator_remaining_count) == (["E"], 0)


def test_iterator_pages_transactions_with_their_filters(sales: QB) -> None:
    for day in ("2024-03-03", "2024-03-01", "2024-03-02"):
        invoice(sales, RefNumber=day, TxnDate=day)
    first = sales.one("InvoiceQuery", {"MaxReturned": 2, "IncludeLineItems": True},
                      iterator="Start")
    assert [r["RefNumber"] for r in first.records] == ["2024-03-01", "2024-03-02"]
    assert all("InvoiceLineRet" in r for r in first.records)
    rest = sales.one("InvoiceQuery", {"MaxReturned": 2}, iterator="Continue",
                     iteratorID=first.iterator_id)
    assert [r["RefNumber"] for r in rest.records] == ["2024-03-03"]
    assert "InvoiceLineRet" in rest.records[0]          # the Start request's options hold


def test_iterator_stop_ends_it(qb: QB) -> None:
    add_customers(qb, "A", "B", "C")
    first = qb.one("CustomerQuery", {"MaxReturned": 1}, iterator="Start")
    stop = qb.one("CustomerQuery", iterator="Stop", iteratorID=first.iterator_id)
    assert (stop.status_code, stop.records) == (0, [])
    again = qb.one("CustomerQuery", {"MaxReturned": 1}, iterator="Continue",
                   iteratorID=first.iterator_id)
    assert status(again) == catalogue.status(3391, iterator_id=first.iterator_id)


def test_unknown_iterator_is_3391(qb: QB) -> None:
    unknown = "{11111111-2222-3333-4444-555555555555}"
    rs = qb.one("CustomerQuery", {"MaxReturned": 5}, iterator="Continue", iteratorID=unknown)
    assert status(rs) == (3391, "Error", f'The iteratorID "{unknown}" is not valid.')
    assert rs.records == []


def test_finished_iterator_is_gone(qb: QB) -> None:
    add_customers(qb, "A")
    first = qb.one("CustomerQuery", {"MaxReturned": 5}, iterator="Start")
    assert first.iterator_remaining_count == 0
    rs = qb.one("CustomerQuery", {"MaxReturned": 5}, iterator="Continue",
                iteratorID=first.iterator_id)
    assert rs.status_code == 3391


def test_expired_iterator_is_3391(qb: QB, monkeypatch: pytest.MonkeyPatch) -> None:
    add_customers(qb, "A", "B")
    first = qb.one("CustomerQuery", {"MaxReturned": 1}, iterator="Start")
    later = queries.time.monotonic() + queries.ITERATOR_TTL_SECONDS + 1
    monkeypatch.setattr(queries.time, "monotonic", lambda: later)
    rs = qb.one("CustomerQuery", {"MaxReturned": 1}, iterator="Continue",
                iteratorID=first.iterator_id)
    assert status(rs) == catalogue.status(3391, iterator_id=first.iterator_id)


def test_iterator_lives_only_as_long_as_its_session(qb: QB, company_path, clock) -> None:
    add_customers(qb, "A", "B")
    first = qb.one("CustomerQuery", {"MaxReturned": 1}, iterator="Start")
    qb.session.close()
    qb.session = open_session(company_path, clock)
    rs = qb.one("CustomerQuery", {"MaxReturned": 1}, iterator="Continue",
                iteratorID=first.iterator_id)
    assert rs.status_code == 3391
    qb.session.close()


def test_iterator_of_another_query_is_3391(qb: QB) -> None:
    add_customers(qb, "A", "B")
    first = qb.one("CustomerQuery", {"MaxReturned": 1}, iterator="Start")
    rs = qb.one("VendorQuery", {"MaxReturned": 1}, iterator="Continue",
                iteratorID=first.iterator_id)
    assert status(rs) == catalogue.status(3391, iterator_id=first.iterator_id)


def test_iterator_with_nothing_to_find(qb: QB) -> None:
    rs = qb.one("CustomerQuery", {"MaxReturned": 10}, iterator="Start")
    assert status(rs) == NO_MATCH
    assert rs.iterator_remaining_count == 0


# -- host, company, preferences -----------------------------------------------------------------

def test_host_query(qb: QB, session) -> None:
    host = qb.ok("HostQuery")
    assert host["SupportedQBXMLVersion"] == session.versions()
    assert host["Country"] == "US"
    assert host["QBFileMode"] == "SingleUser"
    assert host["MajorVersion"] and host["ProductName"]


def test_host_query_reports_multi_user_mode(company_path, clock) -> None:
    opened = open_session(company_path, clock, connection_mode="Multi")
    try:
        assert QB(opened).ok("HostQuery")["QBFileMode"] == "MultiUser"
    finally:
        opened.close()


def test_company_query(qb: QB, company_path) -> None:
    company = qb.ok("CompanyQuery")
    assert company["CompanyName"] == "template"       # named after the file it was made as
    assert company["FirstMonthFiscalYear"] == "January"
    assert company["IsSampleCompany"] is False


def test_company_query_lists_intuit_services_from_7_0(qb: QB) -> None:
    # [002, 003, 004]: the fixed list of 16 Intuit services, "Never" in a file that uses none;
    # SubscribedServices arrived with qbXML 7.0 [001 at 5.0 has none].
    services = qb.ok("CompanyQuery")["SubscribedServices"]["Service"]
    assert len(services) == 16
    assert len({s["Domain"] for s in services}) == 16
    assert all(list(s) == ["Name", "Domain", "ServiceStatus"] for s in services)
    assert {s["ServiceStatus"] for s in services} == {"Never"}
    assert "SubscribedServices" not in qb.ok("CompanyQuery", version="6.0")


def test_preferences_query(qb: QB) -> None:
    prefs = qb.ok("PreferencesQuery")
    assert prefs["PurchasesAndVendorsPreferences"]["DaysBillsAreDue"] == 10
    assert prefs["ReportsPreferences"]["SummaryReportBasis"] == "Accrual"


def test_host_company_preferences_in_one_message_set(qb: QB) -> None:
    responses = qb.send(Message("HostQuery", request_id="0"),
                        Message("CompanyQuery", request_id="1"),
                        Message("PreferencesQuery", request_id="2"))
    assert [(r.name, r.request_id, r.status_code, len(r.records)) for r in responses] == [
        ("HostQueryRs", "0", 0, 1), ("CompanyQueryRs", "1", 0, 1),
        ("PreferencesQueryRs", "2", 0, 1)]
    assert [r.records[0].tag for r in responses] == ["HostRet", "CompanyRet",
                                                     "PreferencesRet"]


def test_include_ret_element_on_company_query(qb: QB) -> None:
    company = qb.ok("CompanyQuery", {"IncludeRetElement": ["CompanyName"]})
    assert list(company) == ["CompanyName"]


def test_from_date_after_to_date_is_3030(sales: QB) -> None:
    invoice(sales)
    expected = (3030, "Error", "Invalid date range: From date is greater than To date.")
    rs = sales.one("InvoiceQuery", {"TxnDateRangeFilter": {"FromTxnDate": "2024-03-15",
                                                           "ToTxnDate": "2024-03-14"}})
    assert status(rs) == expected
    rs = sales.one("InvoiceQuery", {"ModifiedDateRangeFilter": {
        "FromModifiedDate": SANDBOX_NOW, "ToModifiedDate": SANDBOX_NOW - timedelta(seconds=1)}})
    assert status(rs) == expected
    rs = sales.one("CustomerQuery", {"FromModifiedDate": "2024-03-16",
                                     "ToModifiedDate": "2024-03-15"})
    assert status(rs) == expected
    same_day = sales.all("InvoiceQuery", {"TxnDateRangeFilter": {"FromTxnDate": "2024-03-15",
                                                                 "ToTxnDate": "2024-03-15"}})
    assert len(same_day) == 1
