"""Writes: Add and Mod for every list and transaction type, EditSequence (3200), what a Mod
keeps and clears, line Mod semantics, renames (3170), ListDel, TxnDel, TxnVoid and the
queries of what was deleted."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, Pairs
from qbconnector.qbxml.example import example_data
from qbconnector.sandbox.core.objects import registry
from qbconnector.sandbox.storage.store import Clock

from .conftest import QB, SANDBOX_NOW

UNIX_NOW = int(SANDBOX_NOW.timestamp())
VERSION = "13.0"

# Transaction types a minimal Add cannot create: QuickBooks wants more than the schema does
# (lines, accounts, a transaction to apply to), or their rules are written on other branches
# (purchases, inventory). Their own tests cover their Add and Mod.
# Types whose minimal Add is refused for business reasons (a purchase order needs a vendor:
# 3150; inventory transfers need multi-location inventory: 3250) or that need records of
# their own; each is tested in test_purchases.py, test_inventory.py or test_banking.py.
OWNED_ELSEWHERE = {"ARRefundCreditCard", "Bill", "BillPaymentCheck", "BillPaymentCreditCard",
                   "BuildAssembly", "Check", "CreditCardCharge", "CreditCardCredit", "Deposit",
                   "InventoryAdjustment", "ItemReceipt", "JournalEntry", "PurchaseOrder",
                   "Transfer", "TransferInventory", "VendorCredit"}

# What the Refs a minimal Add needs point to (created by the `setup` fixture).
REF_NAMES = {"CustomerRef": "Cust", "EntityRef": "Cust", "SalesRepEntityRef": "Emp Loyee",
             "ItemSalesTaxRef": "State Tax", "ExpenseAccountRef": "Wages",
             "VehicleRef": "Van", "BankAccountRef": "Checking"}


def addable(kind: str) -> list[str]:
    names = set(specmod.load().requests_for(VERSION))
    return sorted(name for name, t in registry().items()
                  if t.kind == kind and f"{name}AddRq" in names and name not in OWNED_ELSEWHERE)


def fill(pairs: Any, type_name: str, element: specmod.Element) -> Any:
    """Example data made usable: unique names, Refs to records that exist."""
    if not isinstance(pairs, list):
        return pairs
    out = Pairs()
    for key, value in pairs:
        child = element.child(key)
        if key.endswith("Ref") and key in REF_NAMES:
            out.append((key, {"FullName": REF_NAMES[key]}))
        elif key == "Name":
            out.append((key, f"{type_name} One"[: child.maxlen or None]))
        else:
            out.append((key, fill(value, type_name, child)))
    if element.name == "EmployeeAdd":
        out.append(("FirstName", "Newly"))       # an employee is named after its names
    return out


def minimal(request: str, type_name: str) -> Any:
    return fill(example_data(request, VERSION, minimal=True), type_name,
                specmod.load().message(request))


@pytest.fixture
def setup(qb: QB) -> QB:
    responses = qb.send(
        Message("CustomerAdd", {"Name": "Cust"}),
        Message("EmployeeAdd", {"FirstName": "Emp", "LastName": "Loyee"}),
        Message("ItemSalesTaxAdd", {"Name": "State Tax", "TaxRate": "6.25"}),
        Message("AccountAdd", {"Name": "Wages", "AccountType": "Expense"}),
        Message("VehicleAdd", {"Name": "Van"}),
        Message("AccountAdd", {"Name": "Checking", "AccountType": "Bank"}))
    assert [r.status_code for r in responses] == [0] * 6
    return qb


def id_field(type_name: str) -> str:
    return "ListID" if registry()[type_name].kind == "list" else "TxnID"


# -- Add and Mod for every type ------------------------------------------------------------------

@pytest.mark.parametrize("type_name", addable("list") + addable("txn"))
def test_add_query_and_mod_every_type(setup: QB, type_name: str) -> None:
    qb = setup
    key = id_field(type_name)
    added = qb.ok(f"{type_name}Add", minimal(f"{type_name}AddRq", type_name))
    assert added.tag == f"{type_name}Ret"
    assert (added["TimeCreated"], added["TimeModified"], added["EditSequence"]) == \
        (SANDBOX_NOW, SANDBOX_NOW, str(UNIX_NOW))
    if f"{type_name}QueryRq" in specmod.load().messages:
        query = {key: added[key]}
        for option in ("IncludeLineItems", "IncludeLinkedTxns"):
            if specmod.load().message(f"{type_name}QueryRq").child(option) is not None:
                query[option] = True
        assert qb.ok(f"{type_name}Query", query) == added
    if f"{type_name}ModRq" not in specmod.load().requests_for(VERSION):
        return
    change = Pairs((k, added[k] if k in (key, "EditSequence") else v)
                   for k, v in minimal(f"{type_name}ModRq", type_name)[0][1])
    changed = qb.ok(f"{type_name}Mod", change)
    assert changed[key] == added[key]
    assert changed["EditSequence"] == str(UNIX_NOW + 1)
    assert changed["TimeCreated"] == SANDBOX_NOW
    stale = qb.one(f"{type_name}Mod", change)
    assert (stale.status_code, stale.status_message) == (
        3200, f'The provided edit sequence "{added["EditSequence"]}" is out-of-date. ')


# -- EditSequence --------------------------------------------------------------------------------

def test_stale_edit_sequence_is_3200_with_the_current_record(qb: QB, clock: Clock) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Racer"})
    clock.advance(10)
    current = qb.ok("CustomerMod", {"ListID": customer["ListID"],
                                    "EditSequence": customer["EditSequence"], "Phone": "1"})
    rs = qb.one("CustomerMod", {"ListID": customer["ListID"],
                                "EditSequence": customer["EditSequence"], "Phone": "2"})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3200, "Error", f'The provided edit sequence "{customer["EditSequence"]}" is '
                       "out-of-date. ")
    assert rs.records == [current]                   # the current record, to retry with
    assert qb.ok("CustomerQuery")["Phone"] == "1"


def test_edit_sequence_from_the_future_is_stale_too(qb: QB) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Racer"})
    ahead = str(int(customer["EditSequence"]) + 100)
    rs = qb.one("CustomerMod", {"ListID": customer["ListID"], "EditSequence": ahead,
                                "Phone": "2"})
    assert (rs.status_code, rs.status_message) == (
        3200, f'The provided edit sequence "{ahead}" is out-of-date. ')


def test_mod_of_a_record_that_does_not_exist_is_3120(qb: QB) -> None:
    rs = qb.one("CustomerMod", {"ListID": "80000999-1700000000", "EditSequence": "1",
                                "Phone": "2"})
    assert (rs.status_code, rs.status_severity, rs.status_message) == catalogue.status(
        3120, object_id="80000999-1700000000", qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)


def test_mod_names_the_right_type(qb: QB) -> None:
    vendor = qb.ok("VendorAdd", {"Name": "Seller"})
    rs = qb.one("CustomerMod", {"ListID": vendor["ListID"],
                                "EditSequence": vendor["EditSequence"], "Phone": "2"})
    assert rs.status_code == 3120


# -- what a Mod keeps and clears ---------------------------------------------------------------

def test_omitted_fields_stay_and_empty_elements_clear(qb: QB) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Keeper", "CompanyName": "Keeper Inc",
                                     "Phone": "555-1000", "Fax": "555-2000",
                                     "TermsRef": {"FullName": "Net 30"},
                                     "BillAddress": {"Addr1": "1 Main St", "City": "Reno"}})
    changed = qb.ok("CustomerMod", {"ListID": customer["ListID"],
                                    "EditSequence": customer["EditSequence"],
                                    "CompanyName": "", "Phone": "555-3000",
                                    "TermsRef": {"FullName": ""}})
    assert "CompanyName" not in changed
    assert "TermsRef" not in changed
    assert changed["Phone"] == "555-3000"
    assert (changed["Fax"], changed["BillAddress"]) == ("555-2000", customer["BillAddress"])
    assert changed["BillAddressBlock"] == customer["BillAddressBlock"]
    assert qb.ok("CustomerQuery", {"ListID": customer["ListID"]}) == changed


def test_address_blocks_are_computed_and_follow_the_address(qb: QB) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Addressed", "BillAddress": {
        "Addr1": "123 Main St.", "City": "Mountain View", "State": "CA",
        "PostalCode": "94566"}})
    assert customer["BillAddressBlock"] == {"Addr1": "123 Main St.",
                                            "Addr2": "Mountain View, CA 94566"}
    assert "ShipAddressBlock" not in customer
    vendor = qb.ok("VendorAdd", {"Name": "Supplier", "VendorAddress": {
        "Addr1": "A Cheung Limited", "Addr2": "3818 Bear Rd.", "City": "Berkeley",
        "State": "CA", "PostalCode": "94688", "Country": "US"}})
    assert vendor["VendorAddressBlock"] == {"Addr1": "A Cheung Limited",
                                            "Addr2": "3818 Bear Rd.",
                                            "Addr3": "Berkeley, CA 94688", "Addr4": "US"}
    moved = qb.ok("CustomerMod", {"ListID": customer["ListID"],
                                  "EditSequence": customer["EditSequence"],
                                  "BillAddress": {"Addr1": "9 Lake St", "City": "Reno",
                                                  "State": "NV"}})
    assert moved["BillAddressBlock"] == {"Addr1": "9 Lake St", "Addr2": "Reno, NV"}


def test_address_is_normalised_while_its_block_keeps_the_entry(qb: QB) -> None:
    # [048]: Addr1 and Addr3 sent, a state and a country written out in full.
    customer = qb.ok("CustomerAdd", {"Name": "Typed", "BillAddress": {
        "Addr1": "Tom Test", "Addr3": "123 Test St", "City": "Concord",
        "State": "Massachusetts", "PostalCode": "01742", "Country": "United States"}})
    assert customer["BillAddress"] == {"Addr1": "Tom Test", "Addr2": "123 Test St",
                                       "City": "Concord", "State": "MA",
                                       "PostalCode": "01742", "Country": "USA"}
    assert customer["BillAddressBlock"] == {"Addr1": "Tom Test", "Addr3": "123 Test St",
                                            "Addr4": "Concord, Massachusetts 01742",
                                            "Addr5": "United States"}
    # [033]: a two-letter state in lower case is upper-cased; the block keeps the typing.
    lower = qb.ok("VendorAdd", {"Name": "Lower", "VendorAddress": {
        "Addr1": "1400 NW 13 Ave", "City": "Pompano Beach", "State": "Fl"}})
    assert lower["VendorAddress"]["State"] == "FL"
    assert lower["VendorAddressBlock"]["Addr2"] == "Pompano Beach, Fl"
    # Outside the United States, state and country stay as entered.
    abroad = qb.ok("CustomerAdd", {"Name": "Abroad", "BillAddress": {
        "City": "Toronto", "State": "Ontario", "Country": "Canada"}})
    assert (abroad["BillAddress"]["State"], abroad["BillAddress"]["Country"]) == \
        ("Ontario", "Canada")
    # A Mod that leaves the address alone leaves its block alone.
    kept = qb.ok("CustomerMod", {"ListID": customer["ListID"],
                                 "EditSequence": customer["EditSequence"], "Phone": "1"})
    assert kept["BillAddressBlock"] == customer["BillAddressBlock"]


def test_an_empty_address_aggregate_is_no_address(qb: QB) -> None:
    # [048]: <ShipAddress></ShipAddress> in an Add gives no ShipAddress.
    customer = qb.ok("CustomerAdd", {"Name": "Empty", "ShipAddress": {}})
    assert "ShipAddress" not in customer and "ShipAddressBlock" not in customer


def test_a_form_takes_the_customers_address_with_its_block(qb: QB) -> None:
    # [041, 053]: the transaction shows what was typed for the customer.
    qb.ok("CustomerAdd", {"Name": "Billed", "BillAddress": {
        "Addr1": "1835 Kramer Ln", "City": "Austin", "State": "Texas", "Country": "US"}})
    order = qb.ok("SalesOrderAdd", {"CustomerRef": {"FullName": "Billed"}, "SalesOrderLineAdd": [
        {"Desc": "note"}]})
    assert order["BillAddress"]["State"] == "TX"
    assert order["BillAddressBlock"] == {"Addr1": "1835 Kramer Ln", "Addr2": "Austin, Texas",
                                         "Addr3": "US"}


@pytest.mark.parametrize("request_name,field,value", [
    ("CustomerMod", "Name", ""),
    ("InvoiceMod", "CustomerRef", {"FullName": ""}),
    ("InvoiceMod", "ARAccountRef", {"FullName": ""}),
    ("InvoiceMod", "TemplateRef", {"ListID": ""}),
])
def test_fields_that_cannot_be_cleared_are_3190(qb: QB, request_name: str, field: str,
                                               value: Any) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Kept"})
    record = customer
    if request_name == "InvoiceMod":
        record = qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Kept"}})
    key = "ListID" if request_name == "CustomerMod" else "TxnID"
    rs = qb.one(request_name, {key: record[key], "EditSequence": record["EditSequence"],
                               field: value})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3190, "Error", f"Cannot clear the element in the {field} field. ")
    assert qb.ok(request_name.replace("Mod", "Query"), {key: record[key]}) == record


def test_mod_can_set_a_ref_by_list_id(qb: QB) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Termed"})
    terms = qb.ok("StandardTermsQuery", {"FullName": "Net 15"})
    changed = qb.ok("CustomerMod", {"ListID": customer["ListID"],
                                    "EditSequence": customer["EditSequence"],
                                    "TermsRef": {"ListID": terms["ListID"]}})
    assert changed["TermsRef"] == {"ListID": terms["ListID"], "FullName": "Net 15"}


def test_inactive_by_mod_leaves_default_queries(qb: QB) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Fading"})
    qb.ok("CustomerMod", {"ListID": customer["ListID"],
                          "EditSequence": customer["EditSequence"], "IsActive": False})
    assert qb.one("CustomerQuery").status_code == 1
    assert qb.ok("CustomerQuery", {"ActiveStatus": "InactiveOnly"})["IsActive"] is False


# -- transaction lines ---------------------------------------------------------------------------

@pytest.fixture
def billing(qb: QB) -> QB:
    qb.ok("CustomerAdd", {"Name": "Buyer"})
    for name, price in (("Design", "100.00"), ("Build", "40.00"), ("Test", "15.00")):
        qb.ok("ItemServiceAdd", {"Name": name, "SalesOrPurchase": {
            "Price": price, "AccountRef": {"FullName": "Uncategorized Income"}}})
    return qb


def three_line_invoice(qb: QB) -> dict:
    return qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"}, "InvoiceLineAdd": [
        {"ItemRef": {"FullName": "Design"}, "Quantity": 1},
        {"ItemRef": {"FullName": "Build"}, "Quantity": 2},
        {"ItemRef": {"FullName": "Test"}, "Quantity": 3}]})


def line_summary(invoice: dict) -> list[tuple[str, str, Decimal]]:
    return [(line["TxnLineID"], line["ItemRef"]["FullName"], line["Amount"])
            for line in invoice["InvoiceLineRet"]]


def test_mod_without_lines_keeps_every_line(billing: QB) -> None:
    invoice = three_line_invoice(billing)
    changed = billing.ok("InvoiceMod", {"TxnID": invoice["TxnID"],
                                        "EditSequence": invoice["EditSequence"],
                                        "Memo": "note"})
    assert line_summary(changed) == line_summary(invoice)
    assert (changed["Memo"], changed["Subtotal"]) == ("note", Decimal("225.00"))


def test_line_mod_keeps_listed_updates_them_adds_minus_one_drops_the_rest(billing: QB) -> None:
    invoice = three_line_invoice(billing)
    first, second, third = invoice["InvoiceLineRet"]
    changed = billing.ok("InvoiceMod", {
        "TxnID": invoice["TxnID"], "EditSequence": invoice["EditSequence"],
        "InvoiceLineMod": [
            {"TxnLineID": third["TxnLineID"], "Quantity": 4},
            {"TxnLineID": "-1", "ItemRef": {"FullName": "Design"}, "Rate": "80.00"},
            {"TxnLineID": first["TxnLineID"]}]})
    lines = changed["InvoiceLineRet"]
    assert [line["TxnLineID"] for line in lines[:1]] == [third["TxnLineID"]]
    assert (lines[0]["ItemRef"]["FullName"], lines[0]["Quantity"], lines[0]["Amount"]) == \
        ("Test", 4, Decimal("60.00"))                        # kept its item and rate
    assert lines[1]["TxnLineID"] not in {first["TxnLineID"], second["TxnLineID"],
                                         third["TxnLineID"], "-1"}
    assert (lines[1]["ItemRef"]["FullName"], lines[1]["Amount"]) == ("Design",
                                                                     Decimal("80.00"))
    assert lines[2] == first                                  # listed unchanged: unchanged
    assert second["TxnLineID"] not in {line["TxnLineID"] for line in lines}
    assert changed["Subtotal"] == Decimal("240.00")
    customer = billing.ok("CustomerQuery", {"FullName": "Buyer"})
    assert customer["Balance"] == Decimal("240.00")


def test_line_mod_with_an_unknown_line_id_changes_nothing(billing: QB) -> None:
    invoice = three_line_invoice(billing)
    rs = billing.one("InvoiceMod", {"TxnID": invoice["TxnID"],
                                    "EditSequence": invoice["EditSequence"],
                                    "InvoiceLineMod": [{"TxnLineID": "999-1700000000",
                                                        "Quantity": 2}]})
    assert (rs.status_code, rs.status_message) == catalogue.status(
        3120, object_id="999-1700000000", qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)[::2]
    again = billing.ok("InvoiceQuery", {"TxnID": invoice["TxnID"], "IncludeLineItems": True})
    assert again == invoice


def test_line_ids_of_another_transaction_are_not_lines_of_this_one(billing: QB) -> None:
    one, other = three_line_invoice(billing), three_line_invoice(billing)
    rs = billing.one("InvoiceMod", {"TxnID": one["TxnID"], "EditSequence": one["EditSequence"],
                                    "InvoiceLineMod": [{"TxnLineID": other["InvoiceLineRet"][0]
                                                        ["TxnLineID"], "Quantity": 9}]})
    assert rs.status_code == 3120


# -- renames ------------------------------------------------------------------------------------

def test_rename_onto_a_used_name_is_3170(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "Taken"})
    mine = qb.ok("CustomerAdd", {"Name": "Mine"})
    rs = qb.one("CustomerMod", {"ListID": mine["ListID"], "EditSequence": mine["EditSequence"],
                                "Name": "TAKEN"})
    assert (rs.status_code, rs.status_severity, rs.status_message) == catalogue.status(
        3170, list_type="Customer", name="TAKEN",
        qb_message='The name "TAKEN" of the list element is already in use.')
    assert qb.ok("CustomerQuery", {"ListID": mine["ListID"]})["Name"] == "Mine"


def test_rename_onto_a_name_of_another_entity_list_is_3170(qb: QB) -> None:
    qb.ok("VendorAdd", {"Name": "Supplier"})
    mine = qb.ok("CustomerAdd", {"Name": "Mine"})
    rs = qb.one("CustomerMod", {"ListID": mine["ListID"], "EditSequence": mine["EditSequence"],
                                "Name": "Supplier"})
    assert rs.status_code == 3170


def test_rename_changing_only_case_is_allowed(qb: QB) -> None:
    mine = qb.ok("CustomerAdd", {"Name": "acme"})
    changed = qb.ok("CustomerMod", {"ListID": mine["ListID"],
                                    "EditSequence": mine["EditSequence"], "Name": "ACME"})
    assert (changed["Name"], changed["FullName"]) == ("ACME", "ACME")


def test_rename_carries_children_and_references(qb: QB) -> None:
    parent = qb.ok("CustomerAdd", {"Name": "Old"})
    job = qb.ok("CustomerAdd", {"Name": "Job", "ParentRef": {"FullName": "Old"}})
    qb.ok("CustomerAdd", {"Name": "Phase", "ParentRef": {"FullName": "Old:Job"}})
    invoice = qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Old:Job"}})
    qb.ok("CustomerMod", {"ListID": parent["ListID"], "EditSequence": parent["EditSequence"],
                          "Name": "New"})
    assert [c["FullName"] for c in qb.all("CustomerQuery")] == ["New", "New:Job",
                                                                "New:Job:Phase"]
    moved = qb.ok("CustomerQuery", {"ListID": job["ListID"]})
    assert moved["ParentRef"] == {"ListID": parent["ListID"], "FullName": "New"}
    assert qb.ok("InvoiceQuery", {"TxnID": invoice["TxnID"]})["CustomerRef"] == \
        {"ListID": job["ListID"], "FullName": "New:Job"}
    assert qb.one("CustomerQuery", {"FullName": "Old"}).status_code == 500


def test_moving_under_another_parent(qb: QB) -> None:
    qb.ok("CustomerAdd", {"Name": "A"})
    qb.ok("CustomerAdd", {"Name": "B"})
    job = qb.ok("CustomerAdd", {"Name": "Job", "ParentRef": {"FullName": "A"}})
    moved = qb.ok("CustomerMod", {"ListID": job["ListID"], "EditSequence": job["EditSequence"],
                                  "ParentRef": {"FullName": "B"}})
    assert (moved["FullName"], moved["Sublevel"]) == ("B:Job", 1)


def test_a_record_cannot_become_its_own_descendant(qb: QB) -> None:
    top = qb.ok("CustomerAdd", {"Name": "Top"})
    qb.ok("CustomerAdd", {"Name": "Kid", "ParentRef": {"FullName": "Top"}})
    rs = qb.one("CustomerMod", {"ListID": top["ListID"], "EditSequence": top["EditSequence"],
                                "ParentRef": {"FullName": "Top:Kid"}})
    assert rs.status_severity == "Error"
    assert [c["FullName"] for c in qb.all("CustomerQuery")] == ["Top", "Top:Kid"]


# -- ListDel ---------------------------------------------------------------------------------------

def test_list_del_removes_the_record_and_frees_its_name(qb: QB, clock: Clock) -> None:
    customer = qb.ok("CustomerAdd", {"Name": "Gone"})
    clock.advance(60)
    deleted = qb.one("ListDel", {"ListDelType": "Customer", "ListID": customer["ListID"]})
    assert deleted.status_code == 0
    rs = qb.one("CustomerQuery", {"ListID": customer["ListID"]})
    assert (rs.status_code, rs.records) == (500, [])
    assert qb.ok("CustomerAdd", {"Name": "Gone"})["ListID"] != customer["ListID"]


def test_list_del_answers_what_was_deleted(qb: QB, clock: Clock) -> None:
    customer = qb.ok("ClassAdd", {"Name": "Gone"})
    clock.advance(60)
    text = qb.raw(
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError='
        '"stopOnError"><ListDelRq><ListDelType>Class</ListDelType><ListID>'
        f'{customer["ListID"]}</ListID></ListDelRq></QBXMLMsgsRq></QBXML>')
    assert (f"<ListDelType>Class</ListDelType><ListID>{customer['ListID']}</ListID>"
            "<TimeDeleted>2024-03-15T10:31:00-05:00</TimeDeleted><FullName>Gone</FullName>"
            ) in text


def test_list_del_refused_while_a_transaction_uses_it(billing: QB) -> None:
    invoice = three_line_invoice(billing)
    buyer = billing.ok("CustomerQuery", {"FullName": "Buyer"})
    rs = billing.one("ListDel", {"ListDelType": "Customer", "ListID": buyer["ListID"]})
    assert (rs.status_code, rs.status_severity) == (3170, "Error")
    variant, fields = catalogue.match_message(3170, rs.status_message)
    assert (variant, fields["list_type"], fields["name"]) == (None, "Customer", "Buyer")
    item = billing.ok("ItemServiceQuery", {"FullName": "Design"})
    assert billing.one("ListDel", {"ListDelType": "ItemService",
                                   "ListID": item["ListID"]}).status_code == 3170
    assert billing.ok("InvoiceQuery", {"TxnID": invoice["TxnID"]})["CustomerRef"]["ListID"] == \
        buyer["ListID"]


def test_list_del_refused_while_another_record_uses_it(qb: QB) -> None:
    qb.ok("CustomerTypeAdd", {"Name": "Retail"})
    kind = qb.ok("CustomerTypeQuery")
    qb.ok("CustomerAdd", {"Name": "Shopper", "CustomerTypeRef": {"FullName": "Retail"}})
    rs = qb.one("ListDel", {"ListDelType": "CustomerType", "ListID": kind["ListID"]})
    assert rs.status_code == 3170


def test_list_del_refused_while_it_has_children(qb: QB) -> None:
    parent = qb.ok("CustomerAdd", {"Name": "Parent"})
    job = qb.ok("CustomerAdd", {"Name": "Job", "ParentRef": {"FullName": "Parent"}})
    rs = qb.one("ListDel", {"ListDelType": "Customer", "ListID": parent["ListID"]})
    assert (rs.status_code, rs.status_severity) == (3170, "Error")
    assert catalogue.match_message(3170, rs.status_message)[1]["name"] == "Parent"
    assert qb.one("ListDel", {"ListDelType": "Customer", "ListID": job["ListID"]}
                  ).status_code == 0
    assert qb.one("ListDel", {"ListDelType": "Customer", "ListID": parent["ListID"]}
                  ).status_code == 0


def test_list_del_of_nothing_or_the_wrong_type_is_3120(qb: QB) -> None:
    vendor = qb.ok("VendorAdd", {"Name": "V"})
    for kind, list_id in (("Customer", vendor["ListID"]), ("Vendor", "80000999-1700000000")):
        rs = qb.one("ListDel", {"ListDelType": kind, "ListID": list_id})
        assert (rs.status_code, rs.status_message) == catalogue.status(
            3120, object_id=list_id, qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)[::2]


# -- TxnDel and TxnVoid -------------------------------------------------------------------------

def test_txn_del_removes_the_transaction_and_its_effects(billing: QB) -> None:
    invoice = three_line_invoice(billing)
    assert billing.ok("CustomerQuery")["Balance"] == Decimal("225.00")
    text = billing.raw(
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError='
        '"stopOnError"><TxnDelRq><TxnDelType>Invoice</TxnDelType><TxnID>'
        f'{invoice["TxnID"]}</TxnID></TxnDelRq></QBXMLMsgsRq></QBXML>')
    assert (f"<TxnDelType>Invoice</TxnDelType><TxnID>{invoice['TxnID']}</TxnID>"
            "<TimeDeleted>2024-03-15T10:30:00-05:00</TimeDeleted><RefNumber>1</RefNumber>"
            ) in text
    assert billing.one("InvoiceQuery", {"TxnID": invoice["TxnID"]}).status_code == 500
    assert billing.ok("CustomerQuery")["Balance"] == 0
    assert billing.ok("AccountQuery", {"FullName": "Accounts Receivable"})["Balance"] == 0
    assert billing.ok("AccountQuery", {"FullName": "Uncategorized Income"})["Balance"] == 0
    buyer = billing.ok("CustomerQuery")
    assert billing.one("ListDel", {"ListDelType": "Customer", "ListID": buyer["ListID"]}
                       ).status_code == 0                # no longer used


def test_txn_del_of_nothing_or_the_wrong_type_is_3120(billing: QB) -> None:
    invoice = three_line_invoice(billing)
    rs = billing.one("TxnDel", {"TxnDelType": "SalesReceipt", "TxnID": invoice["TxnID"]})
    assert (rs.status_code, rs.status_message) == catalogue.status(
        3120, object_id=invoice["TxnID"], qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)[::2]
    assert billing.ok("InvoiceQuery")["TxnID"] == invoice["TxnID"]


def test_txn_void_zeroes_amounts_and_keeps_the_record(billing: QB, clock: Clock) -> None:
    invoice = three_line_invoice(billing)
    clock.advance(5)
    rs = billing.one("TxnVoid", {"TxnVoidType": "Invoice", "TxnID": invoice["TxnID"]})
    assert rs.status_code == 0
    voided = billing.ok("InvoiceQuery", {"TxnID": invoice["TxnID"], "IncludeLineItems": True})
    assert (voided["Subtotal"], voided["BalanceRemaining"], voided["AppliedAmount"]) == \
        (0, 0, 0)
    assert voided["Memo"].startswith("VOID:")
    assert [line["Amount"] for line in voided["InvoiceLineRet"]] == [0, 0, 0]
    assert [line["ItemRef"]["FullName"] for line in voided["InvoiceLineRet"]] == \
        ["Design", "Build", "Test"]
    assert [line["Quantity"] for line in voided["InvoiceLineRet"]] == [1, 2, 3]
    assert (voided["TxnID"], voided["RefNumber"], voided["TimeCreated"]) == \
        (invoice["TxnID"], invoice["RefNumber"], invoice["TimeCreated"])
    assert voided["TimeModified"] == clock.now()
    assert int(voided["EditSequence"]) > int(invoice["EditSequence"])
    assert billing.ok("CustomerQuery")["Balance"] == 0
    assert billing.ok("AccountQuery", {"FullName": "Accounts Receivable"})["Balance"] == 0


def test_txn_void_answers_the_voided_transaction(billing: QB, clock: Clock) -> None:
    invoice = three_line_invoice(billing)
    clock.advance(5)
    text = billing.raw(
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError='
        '"stopOnError"><TxnVoidRq><TxnVoidType>Invoice</TxnVoidType><TxnID>'
        f'{invoice["TxnID"]}</TxnID></TxnVoidRq></QBXMLMsgsRq></QBXML>')
    assert (f"<TxnVoidType>Invoice</TxnVoidType><TxnID>{invoice['TxnID']}</TxnID>"
            "<TimeCreated>2024-03-15T10:30:00-05:00</TimeCreated>"
            "<TimeModified>2024-03-15T10:30:05-05:00</TimeModified><RefNumber>1</RefNumber>"
            ) in text


def test_voided_memo_keeps_the_old_memo(billing: QB) -> None:
    invoice = billing.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"},
                                        "Memo": "spring job"})
    billing.one("TxnVoid", {"TxnVoidType": "Invoice", "TxnID": invoice["TxnID"]})
    assert billing.ok("InvoiceQuery")["Memo"] == "VOID: spring job"


# -- what was deleted ----------------------------------------------------------------------------

def test_list_deleted_query(qb: QB, clock: Clock) -> None:
    first = qb.ok("CustomerAdd", {"Name": "First"})
    second = qb.ok("ClassAdd", {"Name": "Second"})
    third = qb.ok("CustomerAdd", {"Name": "Third"})
    for record, kind in ((first, "Customer"), (second, "Class"), (third, "Customer")):
        clock.advance(60)
        assert qb.one("ListDel", {"ListDelType": kind, "ListID": record["ListID"]}
                      ).status_code == 0
    found = qb.all("ListDeletedQuery", {"ListDelType": ["Customer"]})
    assert [(r["ListDelType"], r["ListID"], r["FullName"], r["TimeCreated"]) for r in found] == [
        ("Customer", first["ListID"], "First", SANDBOX_NOW),
        ("Customer", third["ListID"], "Third", SANDBOX_NOW)]
    assert [r["TimeDeleted"] for r in found] == [clock.now() - timedelta(seconds=120),
                                                 clock.now()]
    both = qb.all("ListDeletedQuery", {"ListDelType": ["Customer", "Class"]})
    assert [r["FullName"] for r in both] == ["First", "Second", "Third"]
    recent = qb.all("ListDeletedQuery", {"ListDelType": ["Customer", "Class"],
                                         "DeletedDateRangeFilter": {
                                             "FromDeletedDate": clock.now() - timedelta(
                                                 seconds=60)}})
    assert [r["FullName"] for r in recent] == ["Second", "Third"]


def test_txn_deleted_query(billing: QB, clock: Clock) -> None:
    invoice = three_line_invoice(billing)
    clock.advance(30)
    billing.one("TxnDel", {"TxnDelType": "Invoice", "TxnID": invoice["TxnID"]})
    found = billing.ok("TxnDeletedQuery", {"TxnDelType": ["Invoice", "SalesReceipt"]})
    assert (found["TxnDelType"], found["TxnID"], found["RefNumber"], found["TimeCreated"],
            found["TimeDeleted"]) == ("Invoice", invoice["TxnID"], "1", SANDBOX_NOW,
                                      clock.now())
    rs = billing.one("TxnDeletedQuery", {"TxnDelType": ["SalesReceipt"]})
    assert (rs.status_code, rs.status_message) == (
        1, "A query request did not find a matching object in QuickBooks")


def test_voided_transactions_are_not_deleted(billing: QB) -> None:
    invoice = three_line_invoice(billing)
    billing.one("TxnVoid", {"TxnVoidType": "Invoice", "TxnID": invoice["TxnID"]})
    assert billing.one("TxnDeletedQuery", {"TxnDelType": ["Invoice"]}).status_code == 1


def test_account_tax_line_sent_is_kept(qb: QB) -> None:
    # [030, 032]: the TaxLineID sent is returned, with its name where the sandbox knows it;
    # without one a balance-sheet account gets its type's default line [009].
    named = qb.ok("AccountAdd", {"Name": "Trust", "AccountType": "Bank", "TaxLineID": 9920})
    assert named["TaxLineInfoRet"] == {"TaxLineID": 9920, "TaxLineName": "<Not tax related>"}
    unknown = qb.ok("AccountAdd", {"Name": "Odd", "AccountType": "Expense",
                                   "TaxLineID": 4242})
    assert unknown["TaxLineInfoRet"] == {"TaxLineID": 4242}
    default = qb.ok("AccountAdd", {"Name": "Cash box", "AccountType": "Bank"})
    assert default["TaxLineInfoRet"]["TaxLineName"] == "B/S-Assets: Cash"
    changed = qb.ok("AccountMod", {"ListID": default["ListID"],
                                   "EditSequence": default["EditSequence"], "TaxLineID": 1864})
    assert changed["TaxLineInfoRet"] == {"TaxLineID": 1864, "TaxLineName": "B/S-Assets: Cash"}


def test_moving_a_sub_account_moves_its_balance(billing: QB) -> None:
    billing.ok("AccountAdd", {"Name": "Sales", "AccountType": "Income"})
    sub = billing.ok("AccountAdd", {"Name": "Design Fees", "AccountType": "Income",
                                    "ParentRef": {"FullName": "Sales"}})
    billing.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Buyer"}, "InvoiceLineAdd": [
        {"ItemRef": {"FullName": "Design"}, "Quantity": 2,
         "OverrideItemAccountRef": {"FullName": "Sales:Design Fees"}}]})
    sales = billing.ok("AccountQuery", {"FullName": "Sales"})
    assert (sales["Balance"], sales["TotalBalance"]) == (0, Decimal("200.00"))
    moved = billing.ok("AccountMod", {"ListID": sub["ListID"],
                                      "EditSequence": billing.ok("AccountQuery", {
                                          "ListID": sub["ListID"]})["EditSequence"],
                                      "ParentRef": {"FullName": ""}})
    assert (moved["FullName"], moved["Sublevel"], moved["TotalBalance"]) == \
        ("Design Fees", 0, Decimal("200.00"))
    assert billing.ok("AccountQuery", {"FullName": "Sales"})["TotalBalance"] == 0


def test_list_del_refused_for_an_account_with_sub_accounts(qb: QB) -> None:
    parent = qb.ok("AccountAdd", {"Name": "Travel", "AccountType": "Expense"})
    qb.ok("AccountAdd", {"Name": "Air", "AccountType": "Expense",
                         "ParentRef": {"FullName": "Travel"}})
    rs = qb.one("ListDel", {"ListDelType": "Account", "ListID": parent["ListID"]})
    assert (rs.status_code, rs.status_severity) == (3170, "Error")
    assert qb.ok("AccountQuery", {"ListID": parent["ListID"]})["Name"] == "Travel"
