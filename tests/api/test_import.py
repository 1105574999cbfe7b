"""Import from CSV and JSONL into real sandbox companies: export -> import round trips, re-runs
that change nothing, upserts that send only what changed, mapping files, results files."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from qbconnector.api import Connection
from qbconnector.api.transfer.export import export
from qbconnector.api.transfer.importing import import_file
from qbconnector.api.transfer.mapping import MappingError, load_mapping
from qbconnector.api.transfer.tables import table_name
from qbconnector.sandbox import SandboxSession
from tests.api.transfer_data import (
    TYPES,
    by_key,
    fresh_copy,
    populated_copy,
    snapshot,
)


@pytest.fixture(scope="module")
def template(_blank_company_template, tmp_path_factory) -> Path:
    return populated_copy(_blank_company_template, tmp_path_factory.mktemp("import"))


@pytest.fixture
def shop(template, tmp_path) -> Path:
    return fresh_copy(template, tmp_path)


def open_company(path: Path) -> Connection:
    return Connection(SandboxSession(path), prefetch=False).open()


def editions(qb: Connection) -> dict[str, str]:
    return {i: r["EditSequence"] for name in TYPES for i, r in snapshot(qb, name).items()}


def export_files(shop: Path, folder: Path, fmt: str) -> dict[str, Path]:
    """Export every test type; returns the file to import for each."""
    qb = open_company(shop)
    try:
        if fmt == "jsonl":
            export(qb, TYPES, str(folder / "shop.jsonl"))
            return dict.fromkeys(TYPES, folder / "shop.jsonl")
        export(qb, TYPES, str(folder / "shop.csv"))   # shop.customer.csv, shop.invoice.csv...
        return {name: folder / f"shop.{table_name(qb.collection(name).type_name)}.csv"
                for name in TYPES}
    finally:
        qb.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_then_import_into_a_fresh_company_reproduces_the_records(
        shop, blank_company, tmp_path, fmt):
    files = export_files(shop, tmp_path, fmt)
    target = open_company(blank_company("fresh"))
    for name in TYPES:   # dependency order: names before the transactions that use them
        summary = import_file(target, name, files[name])
        assert summary.errors == 0 and summary.added == summary.rows > 0
    source = open_company(shop)
    for name in TYPES:
        kind = source.collection(name).kind
        expected = by_key(snapshot(source, name), kind)
        got = by_key(snapshot(target, name), kind)
        assert got == expected, name
    source.close()

    # the same import again: every record is skipped and nothing in QuickBooks changes
    before = editions(target)
    for name in TYPES:
        summary = import_file(target, name, files[name], results=tmp_path / f"{name}.csv")
        assert summary.skipped == summary.rows and summary.added == summary.modified == 0
        with open(tmp_path / f"{name}.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == summary.rows and {r["operation"] for r in rows} == {"skip"}
        assert all(before[r["id"]] == r["edit_sequence"] for r in rows)
    assert editions(target) == before
    target.close()


def test_upsert_sends_only_what_changed(shop, tmp_path):
    qb = open_company(shop)
    export(qb, ["customers", "invoices"], str(tmp_path / "data.jsonl"))
    before = editions(qb)
    records = [json.loads(line) for line in (tmp_path / "data.jsonl").read_text().splitlines()]
    customer = next(r for r in records if r["_type"] == "Customer" and r["Sublevel"] == 0)
    customer["Phone"] = "555-0000"
    customer["BillAddress"]["City"] = "Shelbyville"
    invoice = next(r for r in records if r["_type"] == "Invoice"
                   and len(r["InvoiceLineRet"]) >= 2 and "ItemRef" in r["InvoiceLineRet"][0])
    first_line = invoice["InvoiceLineRet"][0]
    first_line["Quantity"] = "11"
    first_line["Amount"] = str(Decimal(first_line["Rate"]) * 11)
    records.append({"_type": "Customer", "Name": "Brand New", "Phone": "1"})
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    customers = import_file(qb, "customers", tmp_path / "data.jsonl",
                            results=tmp_path / "c.jsonl")
    invoices = import_file(qb, "invoices", tmp_path / "data.jsonl")
    assert (customers.added, customers.modified, customers.errors) == (1, 1, 0)
    assert customers.skipped == customers.rows - 2
    assert (invoices.added, invoices.modified, invoices.errors) == (0, 1, 0)
    results = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    modified = next(r for r in results if r["operation"] == "modify")
    assert modified["id"] == customer["ListID"] and modified["key"] == customer["FullName"]

    now = qb.customers.get(customer["ListID"])
    assert now["Phone"] == "555-0000" and now["BillAddress"]["City"] == "Shelbyville"
    assert now["BillAddress"]["Addr1"] == customer["BillAddress"]["Addr1"]   # kept
    changed = qb.invoices.query(ids=[invoice["TxnID"]], include_line_items=True).first()
    lines = changed["InvoiceLineRet"]
    assert str(lines[0]["Quantity"]) == "11"
    assert lines[0]["Amount"] == lines[0]["Rate"] * 11
    assert changed["Subtotal"] == sum(x.get("Amount", 0) for x in lines)
    assert [x["TxnLineID"] for x in lines] == [x["TxnLineID"] for x in invoice["InvoiceLineRet"]]
    after = editions(qb)
    touched = {customer["ListID"], invoice["TxnID"], *(i for i in after if i not in before)}
    # the new invoice total changes its customer's balance: QuickBooks bumps that record
    balance_owner = qb.customers.get_by_name(invoice["CustomerRef"]["FullName"]).id
    assert {i for i in before if before[i] != after.get(i)} <= touched | {balance_owner}
    qb.close()


def _custom_fields(qb, collection: str) -> dict[str, dict[str, str]]:
    """Public custom field values of every record of a collection, by FullName/RefNumber."""
    out = {}
    for record in getattr(qb, collection).query(owner_ids=["0"]):
        key = record.get("FullName") or record.get("RefNumber")
        rets = record.get("DataExtRet") or []
        out[key] = {r["DataExtName"]: r["DataExtValue"] for r in rets}
    return out


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_custom_fields_round_trip_and_a_re_import_sends_nothing(blank_company, tmp_path, fmt):
    """Export writes custom fields (DataExtRet); import writes them back after each record:
    the definitions the company lacks, DataExtAdd for new values, DataExtMod for changed
    ones, nothing for equal ones."""
    from qbconnector.qbxml.build import Message

    qb = open_company(blank_company())
    qb.customers.add(name="Acme")
    qb.customers.add(name="Plain")
    qb.accounts.add(name="Sales", account_type="Income")
    qb.item_services.add(name="Work", sales_or_purchase={"price": Decimal("5"),
                                                          "account_ref": "Sales"})
    qb.send([Message("DataExtDefAdd", {"OwnerID": "0", "DataExtName": name,
                                       "DataExtType": "STR255TYPE",
                                       "AssignToObject": ["Customer", "Item"]})
             for name in ("Color", "Region")]
            + [Message("DataExtAdd", {"OwnerID": "0", "DataExtName": name,
                                      "ListDataExtType": kind,
                                      "ListObjRef": {"FullName": target},
                                      "DataExtValue": value})
               for name, kind, target, value in [("Color", "Customer", "Acme", "red"),
                                                 ("Region", "Customer", "Acme", "West"),
                                                 ("Color", "Item", "Work", "blue")]])
    source = {"customers": _custom_fields(qb, "customers"),
              "item_services": _custom_fields(qb, "item_services")}
    export(qb, ["customers", "item_services"], str(tmp_path / f"c.{fmt}"))
    qb.close()
    files = ({"customers": tmp_path / "c.jsonl", "item_services": tmp_path / "c.jsonl"}
             if fmt == "jsonl" else
             {"customers": tmp_path / "c.customer.csv",
              "item_services": tmp_path / "c.item_service.csv"})
    target = open_company(blank_company())
    target.accounts.add(name="Sales", account_type="Income")
    first = {name: import_file(target, name, files[name]) for name in files}
    assert first["customers"].custom_fields_written == 2
    assert first["item_services"].custom_fields_written == 1
    assert all(s.errors == 0 and s.custom_fields_not_imported == 0 for s in first.values())
    for name in files:
        assert _custom_fields(target, name) == source[name]
    # Re-running changes nothing; a changed value is modified, and only that one.
    again = {name: import_file(target, name, files[name]) for name in files}
    assert all((s.added, s.modified, s.custom_fields_written) == (0, 0, 0)
               for s in again.values())
    acme = target.customers.get_by_name("Acme")
    target.send([Message("DataExtMod", {"OwnerID": "0", "DataExtName": "Color",
                                        "ListDataExtType": "Customer",
                                        "ListObjRef": {"ListID": acme.id},
                                        "DataExtValue": "green"})])
    results = tmp_path / "results.csv"
    third = import_file(target, "customers", files["customers"], results=results)
    assert (third.modified, third.skipped, third.custom_fields_written) == (1, 1, 1)
    assert "custom fields: Color" in results.read_text()
    assert _custom_fields(target, "customers") == source["customers"]
    target.close()


def test_a_custom_field_quickbooks_refuses_is_an_error_on_its_row(blank_company, tmp_path):
    rows = [{"Name": "Long", "DataExtRet": [{"OwnerID": "0", "DataExtName": "Note",
                                             "DataExtType": "STR255TYPE",
                                             "DataExtValue": "x" * 300}]},
            {"Name": "Fine", "DataExtRet": [{"OwnerID": "0", "DataExtName": "Note",
                                             "DataExtType": "STR255TYPE",
                                             "DataExtValue": "ok"}]},
            {"Name": "Private", "DataExtRet": [{"OwnerID": "{6B063959-81B0-4622-85D6-"
                                                "F548C8CCB517}", "DataExtName": "AppKey",
                                                "DataExtValue": "ignored"}]}]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    qb = open_company(blank_company())
    summary = import_file(qb, "customers", tmp_path / "c.jsonl", results=tmp_path / "r.csv")
    assert (summary.added, summary.errors, summary.custom_fields_written,
            summary.custom_fields_not_imported) == (2, 1, 1, 1)
    report = {r["source_row"]: r for r in csv.DictReader((tmp_path / "r.csv").open())}
    long_row = next(r for r in report.values() if r["key"] == "Long")
    assert long_row["operation"] == "error" and long_row["id"]    # the customer is there
    assert "custom field Note: DataExtAdd 3070" in long_row["message"]
    assert _custom_fields(qb, "customers") == {"Long": {}, "Fine": {"Note": "ok"},
                                               "Private": {}}
    qb.close()


def test_jobs_are_added_after_their_parents(blank_company, tmp_path):
    rows = [{"Name": "Phase 1", "ParentRef": {"FullName": "Acme:Build"}, "Sublevel": 2},
            {"Name": "Build", "ParentRef": {"FullName": "Acme"}, "Sublevel": 1},
            {"Name": "Acme", "Sublevel": 0}]
    (tmp_path / "jobs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    qb = open_company(blank_company())
    summary = import_file(qb, "customers", tmp_path / "jobs.jsonl")
    assert (summary.added, summary.errors) == (3, 0)
    assert qb.customers.get_by_name("Acme:Build:Phase 1")["Sublevel"] == 2
    qb.close()


CUSTOMERS_CSV = """\
Customer,First,Last,Active,Tier,Phone,Since
Web Shopper,Ann,Lee,Y,gold,555-1000,03/01/2024
Second Buyer,Bo,Kim,n,silver,,15/13/2024
Third Party,Cy,Day,yes,gold,,02/01/2024
"""

CUSTOMERS_TOML = """\
type = "Customer"

[fields]
Name = "Customer"
FirstName = "First"
last_name = "Last"
CompanyName = { template = "{First} {Last} household" }
IsActive = { column = "Active", type = "bool" }
"TermsRef/FullName" = { column = "Tier", map = { gold = "Net 30", silver = "Net 15" } }
Phone = { column = "Phone", default = "n/a" }
"bill_address/country" = { value = "USA" }
JobStartDate = { column = "Since", type = "date", format = "%m/%d/%Y" }
"""

ORDERS_CSV = """\
Order,Date,Customer,SKU,Qty,Price
W-1,2024-03-01,Web Shopper,Service 1,2,45.00
W-1,2024-03-01,Web Shopper,Part 2,"1,000",
W-2,2024-03-02,Third Party,Part 3,1,
W-3,2024-03-02,Nobody Known,Part 3,1,
W-1,2024-03-01,Web Shopper,Service 2,1,
"""

ORDERS_TOML = """\
upsert_by = "RefNumber"

[fields]
RefNumber = "Order"
TxnDate = { column = "Date", type = "date" }
"CustomerRef/FullName" = "Customer"
Memo = { template = "Web order {Order}" }

[lines]
group_by = "Order"

[lines.fields]
"ItemRef/FullName" = "SKU"
Quantity = { column = "Qty", type = "decimal" }
Rate = { column = "Price", type = "decimal" }
"""


def test_mapping_file_renames_converts_sets_constants_and_builds_lines(shop, tmp_path):
    (tmp_path / "customers.csv").write_text(CUSTOMERS_CSV)
    (tmp_path / "customers.toml").write_text(CUSTOMERS_TOML)
    (tmp_path / "orders.csv").write_text(ORDERS_CSV)
    (tmp_path / "orders.toml").write_text(ORDERS_TOML)
    qb = open_company(shop)
    summary = import_file(qb, "customers", tmp_path / "customers.csv",
                          mapping=tmp_path / "customers.toml", results=tmp_path / "c.csv")
    assert (summary.added, summary.errors) == (2, 1)
    with open(tmp_path / "c.csv", newline="") as f:
        results = {r["source_row"]: r for r in csv.DictReader(f)}
    assert results["2"]["operation"] == "error"
    assert "JobStartDate" in results["2"]["message"] and "15/13/2024" in results["2"]["message"]
    ann = qb.customers.get_by_name("Web Shopper")
    assert ann.id == results["1"]["id"] and ann["EditSequence"] == results["1"]["edit_sequence"]
    assert (ann["FirstName"], ann["LastName"], ann["CompanyName"]) == \
        ("Ann", "Lee", "Ann Lee household")
    assert ann["TermsRef"]["FullName"] == "Net 30" and ann["IsActive"] is True
    assert ann["BillAddress"]["Country"] == "USA" and str(ann["JobStartDate"]) == "2024-03-01"
    third = qb.customers.get_by_name("Third Party")
    assert third["Phone"] == "n/a"

    orders = import_file(qb, "invoices", tmp_path / "orders.csv",
                         mapping=tmp_path / "orders.toml", results=tmp_path / "o.jsonl")
    results_list = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert [r["source_row"] for r in results_list] == ["1,2,5", "3", "4"]
    assert [r["operation"] for r in results_list] == ["add", "add", "error"]
    assert results_list[2]["status_code"] in (3140, 3130) and results_list[2]["key"] == "W-3"
    assert orders.added == 2 and orders.errors == 1
    w1 = qb.invoices.query(ref_numbers=["W-1"], include_line_items=True).first()
    assert w1["Memo"] == "Web order W-1" and str(w1["TxnDate"]) == "2024-03-01"
    assert [(x["ItemRef"]["FullName"], str(x["Quantity"])) for x in w1["InvoiceLineRet"]] == \
        [("Service 1", "2"), ("Part 2", "1000"), ("Service 2", "1")]
    assert str(w1["InvoiceLineRet"][0]["Rate"]) == "45.00"

    again = import_file(qb, "invoices", tmp_path / "orders.csv",
                        mapping=tmp_path / "orders.toml")
    assert (again.skipped, again.added, again.modified, again.errors) == (2, 0, 0, 1)
    qb.close()


def test_stop_on_error_sends_nothing_after_the_failure(blank_company, tmp_path):
    rows = [{"Name": "One"}, {"Name": "Two", "SalesTaxCodeRef": {"FullName": "Missing"}},
            {"Name": "Three"}, {"Name": "Four"}]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    qb = open_company(blank_company())
    summary = import_file(qb, "customers", tmp_path / "c.jsonl", on_error="stopOnError",
                          batch_size=2, results=tmp_path / "r.csv")
    with open(tmp_path / "r.csv", newline="") as f:
        results = list(csv.DictReader(f))
    assert [r["operation"] for r in results] == ["add", "error", "error", "error"]
    assert "not sent" in results[2]["message"]
    assert qb.customers.count(active="all") == 1
    summary_all = import_file(qb, "customers", tmp_path / "c.jsonl")
    assert (summary.added, summary_all.added, summary_all.skipped, summary_all.errors) == \
        (1, 2, 1, 1)
    qb.close()


def test_a_refnumber_shared_by_two_transactions_is_an_error_not_a_guess(shop, tmp_path):
    qb = open_company(shop)
    first = qb.invoices.query(ref_numbers=["INV-001"], include_line_items=True).first()
    qb.invoices.add(CustomerRef={"FullName": first["CustomerRef"]["FullName"]},
                    RefNumber="INV-001", lines=[{"Desc": "duplicate number"}])
    (tmp_path / "i.jsonl").write_text(json.dumps(first.to_dict()) + "\n")
    summary = import_file(qb, "invoices", tmp_path / "i.jsonl", results=tmp_path / "r.csv")
    assert summary.errors == 1
    assert "2 Invoice records have RefNumber 'INV-001'" in (tmp_path / "r.csv").read_text()
    by_id = import_file(qb, "invoices", tmp_path / "i.jsonl", upsert_by="ID")
    assert by_id.skipped == 1
    qb.close()


def test_unknown_columns_are_errors_that_name_the_fields(blank_company, tmp_path):
    (tmp_path / "c.csv").write_text("Nmae,Phone\nAcme,1\n")
    qb = open_company(blank_company())
    summary = import_file(qb, "customers", tmp_path / "c.csv", results=tmp_path / "r.csv")
    text = (tmp_path / "r.csv").read_text()
    assert summary.errors == 1 and "Nmae" in text and "CompanyName" in text
    qb.close()


def test_mapping_files_are_checked_when_loaded(tmp_path):
    bad = {"x.toml": '[fields]\nName = { column = "A", value = "B" }\n',
           "y.toml": '[fields]\nName = { column = "A", type = "money" }\n',
           "z.toml": '[colums]\nName = "A"\n'}
    messages = []
    for name, text in bad.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(MappingError) as caught:
            load_mapping(tmp_path / name)
        messages.append(str(caught.value))
    assert "exactly one of column, value, template" in messages[0]
    assert "unknown type 'money'" in messages[1]
    assert "unknown section(s) colums" in messages[2]


def test_jsonl_mapping_reaches_into_objects_and_lists_and_dry_run_sends_nothing(shop, tmp_path):
    orders = [{"id": "J-1", "customer": {"name": "Customer 02"}, "placed": "2024-04-02",
               "items": [{"sku": "Part 1", "qty": 3}, {"sku": "Service 2", "qty": "1.5"}]},
              {"id": "INV-001", "customer": {"name": "Customer 02"}, "placed": "2024-04-03",
               "items": [{"sku": "Part 1", "qty": 1}]}]
    (tmp_path / "orders.jsonl").write_text("".join(json.dumps(o) + "\n" for o in orders))
    (tmp_path / "orders.toml").write_text("""\
[fields]
RefNumber = "id"
"CustomerRef/FullName" = "customer.name"
TxnDate = { column = "placed", type = "date" }

[lines]
source = "items"

[lines.fields]
"ItemRef/FullName" = "sku"
Quantity = { column = "qty", type = "decimal" }
""")
    qb = open_company(shop)
    before = editions(qb)
    dry = import_file(qb, "invoices", tmp_path / "orders.jsonl",
                      mapping=tmp_path / "orders.toml", dry_run=True, results=tmp_path / "d.csv")
    assert (dry.added, dry.modified) == (1, 1) and editions(qb) == before
    assert "dry run" in (tmp_path / "d.csv").read_text()
    real = import_file(qb, "invoices", tmp_path / "orders.jsonl",
                       mapping=tmp_path / "orders.toml")
    assert (real.added, real.modified, real.errors) == (1, 1, 0)
    new = qb.invoices.query(ref_numbers=["J-1"], include_line_items=True).first()
    assert new["CustomerRef"]["FullName"] == "Customer 02"
    assert [(x["ItemRef"]["FullName"], str(x["Quantity"])) for x in new["InvoiceLineRet"]] == \
        [("Part 1", "3"), ("Service 2", "1.5")]
    changed = qb.invoices.query(ref_numbers=["INV-001"], include_line_items=True).first()
    assert len(changed["InvoiceLineRet"]) == 1 and str(changed["TxnDate"]) == "2024-04-03"
    qb.close()
