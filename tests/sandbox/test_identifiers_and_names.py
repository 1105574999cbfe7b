"""Identifiers and names: ListID/TxnID/TxnLineID shapes and counters, EditSequence, time
stamps, case-insensitive names shared by customers, vendors, employees and other names,
hierarchies, references (ListID wins; 3140 / 3130 worded like QuickBooks) and 3070."""

from __future__ import annotations

import re

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.sandbox.storage.store import Clock

from .conftest import QB, SANDBOX_NOW

UNIX_NOW = int(SANDBOX_NOW.timestamp())
NOT_FOUND = catalogue.QB_MSG_RECORD_NOT_FOUND


def counter(record_id: str) -> int:
    return int(record_id.split("-")[0], 16)


def add_item(qb: QB, name: str = "Work", price: str = "10.00") -> dict:
    return qb.ok("ItemServiceAdd", {"Name": name, "SalesOrPurchase": {
        "Price": price, "AccountRef": {"FullName": "Uncategorized Income"}}})


# -- identifiers ---------------------------------------------------------------------------------

def test_list_ids_are_a_hex_counter_from_80000001_and_the_unix_second(qb: QB) -> None:
    first = qb.ok("CustomerAdd", {"Name": "A"})
    second = qb.ok("VendorAdd", {"Name": "B"})
    third = qb.ok("ClassAdd", {"Name": "C"})
    for record in (first, second, third):
        assert re.fullmatch(r"[0-9A-F]{8}-\d{10}", record["ListID"])
        assert record["ListID"].endswith(f"-{UNIX_NOW}")
    assert counter(second["ListID"]) == counter(first["ListID"]) + 1
    assert counter(third["ListID"]) == counter(first["ListID"]) + 2
    # Every ListID in the company comes from the counter that starts at 80000001.
    accounts = qb.all("AccountQuery")
    assert min(counter(a["ListID"]) for a in accounts) > 0x80000001
    templates = qb.all("TemplateQuery")
    assert min(t["ListID"] for t in templates) == f"80000001-{UNIX_NOW}"


def test_txn_ids_and_line_ids_share_one_counter(qb: QB, clock: Clock) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    add_item(qb)
    invoice = qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"}, "InvoiceLineAdd": [
        {"ItemRef": {"FullName": "Work"}}, {"ItemRef": {"FullName": "Work"}}]})
    assert invoice["TxnID"] == f"1-{UNIX_NOW}"          # the first transaction of the file
    lines = invoice["InvoiceLineRet"]
    assert [line["TxnLineID"] for line in lines] == [f"2-{UNIX_NOW}", f"3-{UNIX_NOW}"]
    clock.advance(61)
    payment = qb.ok("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Buyer"},
                                          "TotalAmount": "5.00", "IsAutoApply": True})
    assert payment["TxnID"] == f"4-{UNIX_NOW + 61}"


def test_edit_sequence_is_the_unix_second_of_the_change(qb: QB, clock: Clock) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Changing"})
    assert customer["EditSequence"] == str(UNIX_NOW)
    clock.advance(3600)
    changed = qb.ok("CustomerMod", {"ListID": customer["ListID"],
                                    "EditSequence": customer["EditSequence"],
                                    "CompanyName": "Later Inc"})
    assert changed["EditSequence"] == str(UNIX_NOW + 3600)


def test_edit_sequence_always_increases_within_one_second(qb: QB) -> None:
    record = qb.ok("CustomerAdd", {"Name": "Quick"})
    seen = [int(record["EditSequence"])]
    for n in range(3):
        record = qb.ok("CustomerMod", {"ListID": record["ListID"],
                                       "EditSequence": record["EditSequence"],
                                       "Phone": f"555-000{n}"})
        seen.append(int(record["EditSequence"]))
    assert seen == [UNIX_NOW, UNIX_NOW + 1, UNIX_NOW + 2, UNIX_NOW + 3]


def test_edit_sequence_of_transactions_increases_too(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    invoice = qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"}})
    changed = qb.ok("InvoiceMod", {"TxnID": invoice["TxnID"],
                                   "EditSequence": invoice["EditSequence"], "Memo": "m"})
    assert int(changed["EditSequence"]) == int(invoice["EditSequence"]) + 1


def test_times_are_local_with_offset_and_modified_moves(qb: QB, clock: Clock) -> None:
    text = qb.raw(build(Message("CustomerAdd", {"Name": "Timed"}), version="13.0"))
    assert "<TimeCreated>2024-03-15T10:30:00-05:00</TimeCreated>" in text
    assert "<TimeModified>2024-03-15T10:30:00-05:00</TimeModified>" in text
    created = parse_response(text)[0].records[0]
    assert created["TimeCreated"] == SANDBOX_NOW
    clock.advance(90)
    changed = qb.ok("CustomerMod", {"ListID": created["ListID"],
                                    "EditSequence": created["EditSequence"], "Fax": "1"})
    assert changed["TimeCreated"] == SANDBOX_NOW
    assert changed["TimeModified"] == clock.now()
    assert changed["TimeModified"].utcoffset() == SANDBOX_NOW.utcoffset()


# -- names -------------------------------------------------------------------------------------

def test_names_are_case_insensitive(qb: QB) -> None:
    added = qb.ok("CustomerAdd", {"Name": "Acme Rockets"})
    found = qb.ok("CustomerQuery", {"FullName": "ACME rockets"})
    assert found["ListID"] == added["ListID"]
    assert found["Name"] == "Acme Rockets"               # stored as written
    rs = qb.one("CustomerAdd", {"Name": "acme ROCKETS"})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3100, "Error", 'The name "acme ROCKETS" of the list element is already in use.')


@pytest.mark.parametrize("first,second", [("CustomerAdd", "VendorAdd"),
                                          ("VendorAdd", "EmployeeAdd"),
                                          ("EmployeeAdd", "OtherNameAdd"),
                                          ("OtherNameAdd", "CustomerAdd")])
def test_customers_vendors_employees_other_names_share_names(qb: QB, first: str,
                                                             second: str) -> None:
    def named(request: str) -> dict:
        # An employee is named after its first, middle and last names.
        return {"FirstName": "Acme", "LastName": "Co"} if request == "EmployeeAdd" else \
            {"Name": "Acme Co"}

    qb.ok(first, named(first))
    rs = qb.one(second, named(second))
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3100, "Error", 'The name "Acme Co" of the list element is already in use.')
    assert rs.records == []


def test_employee_name_is_first_middle_last(qb: QB) -> None:
    employee = qb.ok("EmployeeAdd", {"FirstName": "Dan", "MiddleName": "T.",
                                     "LastName": "Miller"})
    assert employee["Name"] == "Dan T. Miller"
    assert qb.ok("EmployeeQuery", {"FullName": "dan t. miller"})["ListID"] == \
        employee["ListID"]
    renamed = qb.ok("EmployeeMod", {"ListID": employee["ListID"],
                                    "EditSequence": employee["EditSequence"],
                                    "LastName": "Mills"})
    assert renamed["Name"] == "Dan T. Mills"
    assert qb.one("VendorAdd", {"Name": "Dan T. Mills"}).status_code == 3100
    assert qb.ok("VendorAdd", {"Name": "Dan T. Miller"})


def test_other_lists_have_their_own_names(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Shared"})
    qb.ok("ClassAdd", {"Name": "Shared"})
    qb.ok("AccountAdd", {"Name": "Shared", "AccountType": "Expense"})
    add_item(qb, "Shared")
    rs = qb.one("ItemNonInventoryAdd", {"Name": "shared", "SalesOrPurchase": {
        "AccountRef": {"FullName": "Uncategorized Income"}}})
    assert rs.status_code == 3100                          # items share one name space


def test_hierarchy_full_name_sublevel_and_parent(qb: QB) -> None:
    parent = qb.ok("CustomerAdd", {"Name": "Parent"})
    job = qb.ok("CustomerAdd", {"Name": "Job", "ParentRef": {"FullName": "Parent"}})
    phase = qb.ok("CustomerAdd", {"Name": "Phase", "ParentRef": {"ListID": job["ListID"]}})
    assert (parent["FullName"], parent["Sublevel"], "ParentRef" in parent) == \
        ("Parent", 0, False)
    assert (job["Name"], job["FullName"], job["Sublevel"]) == ("Job", "Parent:Job", 1)
    assert job["ParentRef"] == {"ListID": parent["ListID"], "FullName": "Parent"}
    assert (phase["FullName"], phase["Sublevel"]) == ("Parent:Job:Phase", 2)
    assert phase["ParentRef"] == {"ListID": job["ListID"], "FullName": "Parent:Job"}


def test_hierarchy_in_accounts_classes_and_items(qb: QB) -> None:
    qb.ok("AccountAdd", {"Name": "Travel", "AccountType": "Expense"})
    sub = qb.ok("AccountAdd", {"Name": "Air", "AccountType": "Expense",
                               "ParentRef": {"FullName": "Travel"}})
    assert (sub["FullName"], sub["Sublevel"]) == ("Travel:Air", 1)
    qb.ok("ClassAdd", {"Name": "East"})
    assert qb.ok("ClassAdd", {"Name": "Boston", "ParentRef": {"FullName": "East"}}
                 )["FullName"] == "East:Boston"
    add_item(qb, "Services")
    item = qb.ok("ItemServiceAdd", {"Name": "Design", "ParentRef": {"FullName": "Services"},
                                    "SalesOrPurchase": {"AccountRef": {
                                        "FullName": "Uncategorized Income"}}})
    assert (item["FullName"], item["Sublevel"]) == ("Services:Design", 1)


def test_same_name_under_different_parents_but_unique_full_name(qb: QB) -> None:
    for parent in ("North", "South"):
        qb.ok("CustomerAdd", {"Name": parent})
        qb.ok("CustomerAdd", {"Name": "Kitchen", "ParentRef": {"FullName": parent}})
    rs = qb.one("CustomerAdd", {"Name": "kitchen", "ParentRef": {"FullName": "north"}})
    assert (rs.status_code, rs.status_message) == (
        3100, 'The name "kitchen" of the list element is already in use.')
    names = [c["FullName"] for c in qb.all("CustomerQuery")]
    assert names == ["North", "North:Kitchen", "South", "South:Kitchen"]


@pytest.mark.parametrize("request_name", ["CustomerAdd", "VendorAdd", "ClassAdd"])
def test_name_with_a_colon_is_refused(qb: QB, request_name: str) -> None:
    rs = qb.one(request_name, {"Name": "Bad:Name"})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3090, "Error", 'There was an error when storing "Bad:Name" in the "Name" field.  '
                       f"QuickBooks error message: {catalogue.QB_MSG_NAME_HAS_COLON}")
    assert qb.one(request_name.replace("Add", "Query")).status_code == 1


# -- references ---------------------------------------------------------------------------------

def test_list_id_wins_over_full_name_in_a_ref(qb: QB) -> None:
    one = qb.ok("CustomerAdd", {"Name": "One"})
    qb.ok("CustomerAdd", {"Name": "Two"})
    invoice = qb.ok("InvoiceAdd", {"CustomerRef": {"ListID": one["ListID"],
                                                   "FullName": "Two"}})
    assert invoice["CustomerRef"] == {"ListID": one["ListID"], "FullName": "One"}


def test_list_id_wins_even_when_it_names_nothing(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Two"})
    rs = qb.one("InvoiceAdd", {"CustomerRef": {"ListID": "80000999-1700000000",
                                               "FullName": "Two"}})
    assert (rs.status_code, rs.status_message) == (
        3140, 'There is an invalid reference to QuickBooks Customer "80000999-1700000000" in '
              f"the Invoice.  QuickBooks error message: {NOT_FOUND}")


def test_list_id_wins_in_parent_ref(qb: QB) -> None:
    first = qb.ok("CustomerAdd", {"Name": "First"})
    qb.ok("CustomerAdd", {"Name": "Second"})
    job = qb.ok("CustomerAdd", {"Name": "Job", "ParentRef": {"ListID": first["ListID"],
                                                             "FullName": "Second"}})
    assert job["FullName"] == "First:Job"


def test_3140_for_a_header_ref(qb: QB) -> None:
    rs = qb.one("InvoiceAdd", {"CustomerRef": {"FullName": "Ghost"}})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3140, "Error", 'There is an invalid reference to QuickBooks Customer "Ghost" in the '
                       f"Invoice.  QuickBooks error message: {NOT_FOUND}")
    assert rs.records == []


def test_3140_for_a_ref_of_another_kind(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    rs = qb.one("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"},
                               "TermsRef": {"FullName": "Net 99"}})
    assert rs.status_message == ('There is an invalid reference to QuickBooks Terms "Net 99" in '
                                 f"the Invoice.  QuickBooks error message: {NOT_FOUND}")


def test_3140_for_a_list_record_ref(qb: QB) -> None:
    rs = qb.one("CustomerAdd", {"Name": "C", "SalesRepRef": {"FullName": "JJ"}})
    assert rs.status_message == ('There is an invalid reference to QuickBooks SalesRep "JJ" in '
                                 f"the Customer.  QuickBooks error message: {NOT_FOUND}")


@pytest.mark.parametrize("form", ["Invoice", "SalesOrder", "Estimate", "SalesReceipt",
                                  "CreditMemo"])
def test_3140_for_a_line_ref_says_line(qb: QB, form: str) -> None:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    rs = qb.one(f"{form}Add", {"CustomerRef": {"FullName": "Buyer"},
                               f"{form}LineAdd": [{"ItemRef": {"FullName": "da product"}}]})
    assert (rs.status_code, rs.status_message) == (
        3140, 'There is an invalid reference to QuickBooks Item "da product" in the '
              f"{form} line.  QuickBooks error message: {NOT_FOUND}")


def test_3130_for_a_parent_that_does_not_exist(qb: QB) -> None:
    rs = qb.one("CustomerAdd", {"Name": "Orphan", "ParentRef": {"FullName": "Nobody"}})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3130, "Error", 'There is an invalid reference to a parent "Nobody" in the Customers '
                       f"list.  QuickBooks error message: {NOT_FOUND}")


def test_refs_answer_list_id_and_current_full_name(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Parent"})
    job = qb.ok("CustomerAdd", {"Name": "Job", "ParentRef": {"FullName": "PARENT"}})
    invoice = qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": "parent:job"}})
    assert invoice["CustomerRef"] == {"ListID": job["ListID"], "FullName": "Parent:Job"}


# -- lengths ---------------------------------------------------------------------------------

def unchecked(qb: QB, name: str, data: dict) -> tuple[int, str, str]:
    rs = parse_response(qb.raw(build(Message(name, data), version="13.0", check=False)))[0]
    return rs.status_code, rs.status_severity, rs.status_message


def test_3070_for_a_string_too_long(qb: QB) -> None:
    name = "N" * 42                                        # a customer name holds 41
    assert unchecked(qb, "CustomerAdd", {"Name": name}) == (
        3070, "Error", f'The string "{name}" in the field "Name" is too long.')
    assert qb.one("CustomerQuery").status_code == 1
    assert qb.ok("CustomerAdd", {"Name": "N" * 41})["Name"] == "N" * 41


def test_3070_names_the_field(qb: QB) -> None:
    assert unchecked(qb, "AccountAdd", {"Name": "Cash", "AccountType": "Bank",
                                        "AccountNumber": "a5ad6d73"}) == (
        3070, "Error", 'The string "a5ad6d73" in the field "AccountNumber" is too long.')


def test_3070_inside_an_aggregate(qb: QB) -> None:
    street = "S" * 42
    code, _, message = unchecked(qb, "CustomerAdd", {"Name": "Addr",
                                                     "BillAddress": {"Addr1": street}})
    assert (code, message) == (3070, f'The string "{street}" in the field "Addr1" is too long.')


def test_3070_in_a_mod(qb: QB) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Short"})
    assert unchecked(qb, "CustomerMod", {"ListID": customer["ListID"],
                                         "EditSequence": customer["EditSequence"],
                                         "Name": "L" * 42})[0] == 3070
    assert qb.ok("CustomerQuery")["Name"] == "Short"
