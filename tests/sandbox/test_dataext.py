"""Data extensions: custom field definitions (DataExtDef*) and values (DataExt*) on list
records, transactions and the company, returned by queries that name their OwnerID."""

from __future__ import annotations

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response

from .conftest import QB, SANDBOX_NOW

APP = "{90A44FB7-27F3-4815-AC85-166DA7E7D1EB}"


def define(qb: QB, name: str = "Color", owner: str = "0", kind: str = "STR255TYPE",
           objects: tuple[str, ...] = ("Customer",)) -> dict:
    return qb.ok("DataExtDefAdd", {"OwnerID": owner, "DataExtName": name, "DataExtType": kind,
                                   "AssignToObject": list(objects)})


def on_customer(name: str, value: str, customer: str = "Acme", owner: str = "0") -> dict:
    return {"OwnerID": owner, "DataExtName": name, "ListDataExtType": "Customer",
            "ListObjRef": {"FullName": customer}, "DataExtValue": value}


@pytest.fixture
def acme(qb: QB) -> QB:
    qb.ok("CustomerAdd", {"Name": "Acme"})
    return qb


# -- definitions ---------------------------------------------------------------------------------

def test_definition_add_and_query(qb: QB) -> None:
    added = define(qb, objects=("Customer", "Vendor"))
    assert (added["OwnerID"], added["DataExtName"], added["DataExtType"],
            added["AssignToObject"]) == ("0", "Color", "STR255TYPE", ["Customer", "Vendor"])
    define(qb, "AppLock", owner=APP, objects=("Company",))
    assert [d["DataExtName"] for d in qb.all("DataExtDefQuery")] == ["Color", "AppLock"]
    mine = qb.all("DataExtDefQuery", {"OwnerID": APP})
    assert [(d["OwnerID"], d["DataExtName"]) for d in mine] == [(APP, "AppLock")]
    vendors = qb.all("DataExtDefQuery", {"AssignToObject": ["Vendor"]})
    assert [d["DataExtName"] for d in vendors] == ["Color"]


def test_definition_shows_enterprise_settings_only_when_used(qb: QB) -> None:
    # [035]: QuickBooks Desktop answers a 13.0 DataExtDefQuery without DataExtID,
    # DataExtListRequire, DataExtTxnRequire and DataExtFormatString.
    plain = define(qb, "Plain")
    assert list(plain) == ["OwnerID", "DataExtName", "DataExtType", "AssignToObject"]
    required = qb.ok("DataExtDefAdd", {"OwnerID": "0", "DataExtName": "Required",
                                       "DataExtType": "STR255TYPE",
                                       "AssignToObject": ["Customer"],
                                       "DataExtListRequire": True})
    assert required["DataExtListRequire"] is True
    assert required["DataExtTxnRequire"] is False and "DataExtID" in required


def test_definition_query_with_nothing_to_find_is_status_1(qb: QB) -> None:
    rs = qb.one("DataExtDefQuery", {"OwnerID": APP})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        1, "Info", "A query request did not find a matching object in QuickBooks")


def test_definition_name_in_use_is_3100(qb: QB) -> None:
    define(qb, "AppLock", owner=APP, objects=("Company",))
    rs = qb.one("DataExtDefAdd", {"OwnerID": APP, "DataExtName": "applock",
                                  "DataExtType": "STR255TYPE", "AssignToObject": ["Company"]})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3100, "Error", 'The name "applock" of the list element is already in use.')
    other_owner = define(qb, "AppLock", owner="0", objects=("Customer",))
    assert other_owner["OwnerID"] == "0"                    # names are per owner


def test_definition_mod_renames_and_assigns(acme: QB) -> None:
    define(acme)
    acme.ok("DataExtAdd", on_customer("Color", "red"))
    changed = acme.ok("DataExtDefMod", {"OwnerID": "0", "DataExtName": "Color",
                                        "DataExtNewName": "Colour",
                                        "AssignToObject": ["Vendor"]})
    assert (changed["DataExtName"], changed["AssignToObject"]) == ("Colour",
                                                                   ["Customer", "Vendor"])
    customer = acme.ok("CustomerQuery", {"FullName": "Acme", "OwnerID": ["0"]})
    assert [(x["DataExtName"], x["DataExtValue"]) for x in customer["DataExtRet"]] == \
        [("Colour", "red")]


def test_definition_del_removes_its_values(acme: QB) -> None:
    define(acme)
    acme.ok("DataExtAdd", on_customer("Color", "red"))
    deleted = acme.ok("DataExtDefDel", {"OwnerID": "0", "DataExtName": "Color"})
    assert (deleted["OwnerID"], deleted["DataExtName"], deleted["TimeDeleted"]) == \
        ("0", "Color", SANDBOX_NOW)
    assert "DataExtRet" not in acme.ok("CustomerQuery", {"OwnerID": ["0"]})
    assert acme.one("DataExtDefDel", {"OwnerID": "0", "DataExtName": "Color"}
                    ).status_code == 3120


# -- values ------------------------------------------------------------------------------------

def test_value_on_a_customer_is_returned_for_its_owner_only(acme: QB) -> None:
    define(acme)
    added = acme.ok("DataExtAdd", on_customer("Color", "red"))
    assert (added.tag, added["OwnerID"], added["DataExtName"], added["DataExtType"],
            added["DataExtValue"]) == ("DataExtRet", "0", "Color", "STR255TYPE", "red")
    with_ext = acme.ok("CustomerQuery", {"FullName": "Acme", "OwnerID": ["0"]})
    assert with_ext["DataExtRet"] == [{"OwnerID": "0", "DataExtName": "Color",
                                       "DataExtType": "STR255TYPE", "DataExtValue": "red"}]
    assert "DataExtRet" not in acme.ok("CustomerQuery", {"FullName": "Acme"})
    assert "DataExtRet" not in acme.ok("CustomerQuery", {"FullName": "Acme",
                                                         "OwnerID": [APP]})


def test_adding_a_value_twice_is_3180(acme: QB) -> None:
    define(acme, "AppLock", owner=APP)
    acme.ok("DataExtAdd", on_customer("AppLock", "LOCKED", owner=APP))
    rs = acme.one("DataExtAdd", on_customer("AppLock", "UNLOCKED", owner=APP))
    assert (rs.status_code, rs.status_severity, rs.status_message) == catalogue.status(
        3180, "data_extension", name="AppLock", qb_message=catalogue.QB_MSG_DATAEXT_EXISTS)
    ext = acme.ok("CustomerQuery", {"OwnerID": [APP]})["DataExtRet"]
    assert [x["DataExtValue"] for x in ext] == ["LOCKED"]


def test_mod_changes_and_del_removes_a_value(acme: QB, clock) -> None:
    define(acme)
    acme.ok("DataExtAdd", on_customer("Color", "red"))
    changed = acme.ok("DataExtMod", on_customer("Color", "blue"))
    assert changed["DataExtValue"] == "blue"
    clock.advance(30)
    deleted = acme.ok("DataExtDel", {"OwnerID": "0", "DataExtName": "Color",
                                     "ListDataExtType": "Customer",
                                     "ListObjRef": {"FullName": "Acme"}})
    assert (deleted.tag, deleted["DataExtName"], deleted["TimeDeleted"]) == \
        ("DataExtDelRet", "Color", clock.now())
    assert "DataExtRet" not in acme.ok("CustomerQuery", {"OwnerID": ["0"]})
    again = acme.one("DataExtDel", {"OwnerID": "0", "DataExtName": "Color",
                                    "ListDataExtType": "Customer",
                                    "ListObjRef": {"FullName": "Acme"}})
    assert again.status_code == 3120


def test_custom_field_without_a_definition_is_refused(acme: QB) -> None:
    rs = acme.one("DataExtAdd", on_customer("Undefined", "x"))
    assert (rs.status_code, rs.status_message) == catalogue.status(
        3120, object_id="Undefined", qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)[::2]


def test_private_value_without_a_definition_is_a_255_string(qb: QB) -> None:
    added = qb.ok("DataExtAdd", {"OwnerID": APP, "DataExtName": "FileID",
                                 "OtherDataExtType": "Company",
                                 "DataExtValue": "{67F3C9B6-86F1-4FBB-B1FF-966DE1813D20}"})
    assert (added["DataExtType"], added["DataExtValue"]) == (
        "STR255TYPE", "{67F3C9B6-86F1-4FBB-B1FF-966DE1813D20}")
    company = qb.ok("CompanyQuery", {"OwnerID": [APP]})
    assert company["DataExtRet"] == [{"OwnerID": APP, "DataExtName": "FileID",
                                      "DataExtType": "STR255TYPE", "DataExtValue":
                                      "{67F3C9B6-86F1-4FBB-B1FF-966DE1813D20}"}]
    assert "DataExtRet" not in qb.ok("CompanyQuery")
    deleted = qb.ok("DataExtDel", {"OwnerID": APP, "DataExtName": "FileID",
                                   "OtherDataExtType": "Company"})
    assert deleted["DataExtName"] == "FileID"
    assert "DataExtRet" not in qb.ok("CompanyQuery", {"OwnerID": [APP]})


def test_value_too_long_is_3070(acme: QB) -> None:
    define(acme)
    value = "v" * 256
    text = build(Message("DataExtAdd", on_customer("Color", value)), version="13.0",
                 check=False)
    rs = parse_response(acme.raw(text))[0]
    assert (rs.status_code, rs.status_message) == (
        3070, f'The string "{value}" in the field "DataExtValue" is too long.')


def test_value_on_a_record_that_does_not_exist_is_3140(acme: QB) -> None:
    define(acme)
    rs = acme.one("DataExtAdd", on_customer("Color", "red", customer="Nobody"))
    assert (rs.status_code, rs.status_severity) == (3140, "Error")
    assert '"Nobody"' in rs.status_message


def test_value_on_a_transaction(acme: QB) -> None:
    define(acme, "Priority", objects=("Invoice",))
    invoice = acme.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}})
    acme.ok("DataExtAdd", {"OwnerID": "0", "DataExtName": "Priority",
                           "TxnDataExtType": "Invoice", "TxnID": invoice["TxnID"],
                           "DataExtValue": "high"})
    found = acme.ok("InvoiceQuery", {"TxnID": invoice["TxnID"], "OwnerID": ["0"]})
    assert [(x["DataExtName"], x["DataExtValue"]) for x in found["DataExtRet"]] == \
        [("Priority", "high")]
    rs = acme.one("DataExtAdd", {"OwnerID": "0", "DataExtName": "Priority",
                                 "TxnDataExtType": "Invoice", "TxnID": "999-1700000000",
                                 "DataExtValue": "low"})
    assert rs.status_code == 3120


def test_values_through_iterators_and_include_ret_element(acme: QB) -> None:
    define(acme)
    acme.ok("CustomerAdd", {"Name": "Beta"})
    acme.ok("DataExtAdd", on_customer("Color", "red"))
    acme.ok("DataExtAdd", on_customer("Color", "green", customer="Beta"))
    first = acme.one("CustomerQuery", {"MaxReturned": 1, "OwnerID": ["0"]}, iterator="Start")
    rest = acme.one("CustomerQuery", {"MaxReturned": 1}, iterator="Continue",
                    iteratorID=first.iterator_id)
    assert [r["DataExtRet"][0]["DataExtValue"] for r in first.records + rest.records] == \
        ["red", "green"]
    narrow = acme.all("CustomerQuery", {"IncludeRetElement": ["Name"], "OwnerID": ["0"]})
    assert [(list(r), r["DataExtRet"][0]["DataExtValue"]) for r in narrow] == [
        (["Name", "DataExtRet"], "red"), (["Name", "DataExtRet"], "green")]


def test_deleting_a_record_deletes_its_values(acme: QB) -> None:
    define(acme)
    acme.ok("DataExtAdd", on_customer("Color", "red"))
    customer = acme.ok("CustomerQuery")
    assert acme.one("ListDel", {"ListDelType": "Customer",
                                "ListID": customer["ListID"]}).status_code == 0
    acme.ok("CustomerAdd", {"Name": "Acme"})
    assert "DataExtRet" not in acme.ok("CustomerQuery", {"OwnerID": ["0"]})
