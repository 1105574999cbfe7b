"""The Accounting API over HTTP: QBO's rules for ids, SyncToken, server-filled fields, full and
sparse updates, lists, transactions, balances, faults and formats."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from qbconnector.qbo_wire.values import loads


@pytest.fixture(scope="module")
def qb(blank_double):
    with blank_double.client() as client:
        yield client


def body(reply) -> dict:  # noqa: ANN001
    return loads(reply.text)


def create(qb, entity: str, data: dict) -> dict:  # noqa: ANN001
    reply = post_json(qb, f"/{entity.lower()}", data)
    assert reply.status_code == 200, reply.text
    return body(reply)[entity]


def fault(reply, status: int = 400) -> dict:  # noqa: ANN001
    assert reply.status_code == status, reply.text
    errors = body(reply)["Fault"]["Error"]
    return errors[0]


@pytest.fixture(scope="module")
def catalog(qb) -> dict:
    income = create(qb, "Account", {"Name": "Consulting Income", "AccountType": "Income"})
    bank = create(qb, "Account", {"Name": "Operating Bank", "AccountType": "Bank"})
    expense = create(qb, "Account", {"Name": "Supplies", "AccountType": "Expense"})
    item = create(qb, "Item", {"Name": "Consulting", "Type": "Service", "UnitPrice": 75,
                               "IncomeAccountRef": {"value": income["Id"]}})
    customer = create(qb, "Customer", {"DisplayName": "Amy's Bird Sanctuary",
                                       "BillAddr": {"Line1": "4581 Finch St.",
                                                    "City": "Bayshore"}})
    vendor = create(qb, "Vendor", {"DisplayName": "Norton Lumber"})
    return {"income": income, "bank": bank, "expense": expense, "item": item,
            "customer": customer, "vendor": vendor}


def invoice_body(catalog: dict, amount: str = "100.00") -> dict:
    return {"CustomerRef": {"value": catalog["customer"]["Id"]},
            "Line": [{"Amount": Decimal(amount), "DetailType": "SalesItemLineDetail",
                      "SalesItemLineDetail": {"ItemRef": {"value": catalog["item"]["Id"],
                                                          "name": "whatever"}}}]}


def post_json(qb, path: str, data, **params):  # noqa: ANN001, ANN201
    from qbconnector.qbo_wire.values import dumps

    return qb.post(path, content=dumps(data), params=params,
                   headers={"Content-Type": "application/json"})


def test_create_fills_what_the_server_fills(qb, catalog):
    reply = post_json(qb, "/invoice", invoice_body(catalog))
    assert reply.headers["content-type"] == "application/json;charset=utf-8"
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", reply.headers["intuit_tid"])
    data = body(reply)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", data["time"])
    invoice = data["Invoice"]
    assert isinstance(invoice["Id"], str) and invoice["SyncToken"] == "0"
    assert invoice["DocNumber"].isdigit()
    assert [line["Id"] for line in invoice["Line"][:1]] == ["1"]
    assert invoice["Line"][0]["LineNum"] == 1
    assert invoice["Line"][-1] == {"Amount": Decimal("100.00"), "DetailType": "SubTotalLineDetail",
                                   "SubTotalLineDetail": {}}
    assert invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]["name"] == "Consulting"
    assert invoice["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"] == {"value": "NON"}
    assert invoice["TotalAmt"] == invoice["Balance"] == Decimal("100.00")
    assert '"TotalAmt":100.00' in reply.text and '"TotalTax":0' in reply.text
    assert invoice["BillAddr"]["City"] == "Bayshore"
    assert invoice["DueDate"] > invoice["TxnDate"]
    assert invoice["CustomerRef"]["name"] == "Amy's Bird Sanctuary"
    again = qb.get(f"/invoice/{invoice['Id']}")
    assert body(again)["Invoice"] == invoice


def test_doc_numbers_are_unique_unless_allowed(qb, catalog):
    first = create(qb, "Invoice", {**invoice_body(catalog), "DocNumber": "A-1"})
    clash = post_json(qb, "/invoice", {**invoice_body(catalog), "DocNumber": "A-1"})
    assert fault(clash)["code"] == "6140"
    allowed = post_json(qb, "/invoice", {**invoice_body(catalog), "DocNumber": "A-1"},
                        include="allowduplicatedocnum")
    assert allowed.status_code == 200 and first["DocNumber"] == "A-1"


def test_sync_token_rules(qb, catalog):
    customer = create(qb, "Customer", {"DisplayName": "Token Tester"})
    same = post_json(qb, "/customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True,
                                       "DisplayName": "Token Tester"})
    assert body(same)["Customer"]["SyncToken"] == "0"
    assert body(same)["Customer"]["MetaData"] == customer["MetaData"]
    changed = post_json(qb, "/customer", {"Id": customer["Id"], "SyncToken": "0",
                                          "sparse": True, "Notes": "likes birds"})
    assert body(changed)["Customer"]["SyncToken"] == "1"
    stale = post_json(qb, "/customer", {"Id": customer["Id"], "SyncToken": "0",
                                        "sparse": True, "Notes": "stale"})
    error = fault(stale)
    assert error["code"] == "5010" and error["Message"] == "Stale Object Error"
    assert body(qb.get(f"/customer/{customer['Id']}"))["Customer"]["Notes"] == "likes birds"


def test_full_update_clears_omitted_fields_sparse_keeps_them(qb):
    customer = create(qb, "Customer", {"DisplayName": "Full Update", "Notes": "keep?",
                                       "CompanyName": "Full Co"})
    sparse = body(post_json(qb, "/customer", {"Id": customer["Id"], "SyncToken": "0",
                                              "sparse": True, "Notes": "changed"}))["Customer"]
    assert sparse["CompanyName"] == "Full Co"
    full = body(post_json(qb, "/customer", {"Id": customer["Id"], "SyncToken": "1",
                                            "DisplayName": "Full Update 2"}))["Customer"]
    assert "CompanyName" not in full and "Notes" not in full
    assert full["FullyQualifiedName"] == full["PrintOnCheckName"] == "Full Update 2"
    assert full["SyncToken"] == "2"


def test_full_update_replaces_lines_without_ids(qb, catalog):
    invoice = create(qb, "Invoice", invoice_body(catalog))
    lines = invoice_body(catalog, "40.00")["Line"]
    updated = body(post_json(qb, "/invoice", {**invoice_body(catalog), "Line": lines,
                                              "Id": invoice["Id"], "SyncToken": "0"}))["Invoice"]
    assert updated["Line"][0]["Id"] == "2" and updated["TotalAmt"] == Decimal("40.00")
    assert len(updated["Line"]) == 2


def test_unknown_fields(qb, catalog):
    error = fault(post_json(qb, "/invoice", {"BadJson": True}))
    assert error["code"] == "2010" and 'Unrecognized field "BadJson"' in error["Detail"]
    line = invoice_body(catalog)["Line"][0]
    line["Bogus"] = 1
    line["SalesItemLineDetail"]["AlsoBogus"] = "x"
    invoice = create(qb, "Invoice", {**invoice_body(catalog), "Line": [line]})
    assert "Bogus" not in invoice["Line"][0]
    assert "AlsoBogus" not in invoice["Line"][0]["SalesItemLineDetail"]


def test_required_and_references(qb, catalog):
    error = fault(post_json(qb, "/item", {"Type": "Service"}))
    assert (error["code"], error["element"]) == ("2020", "Name")
    line_error = fault(post_json(qb, "/invoice", {
        "CustomerRef": {"value": catalog["customer"]["Id"]}, "Line": [{"Amount": 5}]}))
    assert line_error["element"] == "Line.DetailType"
    missing = fault(post_json(qb, "/invoice", {**invoice_body(catalog),
                                               "CustomerRef": {"value": "99999"}}))
    assert missing["code"] == "2500"


def test_lists_deactivate_with_suffix_hide_and_refuse_references(qb, catalog):
    customer = create(qb, "Customer", {"DisplayName": "Gone Soon"})
    gone = body(post_json(qb, "/customer", {"Id": customer["Id"], "SyncToken": "0",
                                            "sparse": True, "Active": False}))["Customer"]
    assert gone["DisplayName"] == "Gone Soon (deleted)" and gone["Active"] is False
    visible = body(qb.get("/query", params={"query": "SELECT * FROM Customer WHERE DisplayName "
                                                     "LIKE 'Gone%'"}))["QueryResponse"]
    assert visible == {}
    everyone = body(qb.get("/query", params={
        "query": "select * from Customer where DisplayName like 'Gone%' and Active IN (true, "
                 "false)"}))["QueryResponse"]
    assert everyone["Customer"][0]["Id"] == customer["Id"]
    error = fault(post_json(qb, "/invoice", {**invoice_body(catalog),
                                             "CustomerRef": {"value": customer["Id"]}}))
    assert error["code"] == "610"
    delete = fault(post_json(qb, "/customer", {"Id": customer["Id"], "SyncToken": "1"},
                             operation="delete"))
    assert delete["code"] == "500"


def test_duplicate_names_share_one_namespace(qb, catalog):
    error = fault(post_json(qb, "/vendor", {"DisplayName": "amy's bird sanctuary"}))
    assert error["code"] == "6240" and error["Message"] == "Duplicate Name Exists Error"


def test_payments_credits_voids_move_balances(qb, catalog):
    customer = create(qb, "Customer", {"DisplayName": "Balance Person"})
    base = {**invoice_body(catalog, "300.00"), "CustomerRef": {"value": customer["Id"]}}
    invoice = create(qb, "Invoice", base)
    memo = create(qb, "CreditMemo", {**base, "Line": invoice_body(catalog, "50.00")["Line"]})
    assert memo["RemainingCredit"] == Decimal("50.00")
    payment = create(qb, "Payment", {
        "CustomerRef": {"value": customer["Id"]}, "TotalAmt": "200.00",
        "Line": [{"Amount": "250.00", "LinkedTxn": [{"TxnId": invoice["Id"],
                                                     "TxnType": "Invoice"}]},
                 {"Amount": "50.00", "LinkedTxn": [{"TxnId": memo["Id"],
                                                    "TxnType": "CreditMemo"}]}]})
    assert payment["UnappliedAmt"] == 0
    after = body(qb.get(f"/invoice/{invoice['Id']}"))["Invoice"]
    assert after["Balance"] == Decimal("50.00")
    assert after["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert body(qb.get(f"/creditmemo/{memo['Id']}"))["CreditMemo"]["RemainingCredit"] == 0
    assert body(qb.get(f"/customer/{customer['Id']}"))["Customer"]["Balance"] == \
        Decimal("50.00")
    too_much = fault(post_json(qb, "/payment", {
        "CustomerRef": {"value": customer["Id"]}, "TotalAmt": 80,
        "Line": [{"Amount": 80, "LinkedTxn": [{"TxnId": invoice["Id"],
                                               "TxnType": "Invoice"}]}]}))
    assert too_much["code"] == "6000"
    voided = body(post_json(qb, "/payment", {"Id": payment["Id"], "SyncToken": "0",
                                             "sparse": True}, operation="update",
                            include="void"))["Payment"]
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"] == "Voided"
    assert voided["SyncToken"] == "1"
    assert body(qb.get(f"/invoice/{invoice['Id']}"))["Invoice"]["Balance"] == \
        Decimal("300.00")
    assert body(qb.get(f"/customer/{customer['Id']}"))["Customer"]["Balance"] == \
        Decimal("250.00")


def test_void_and_delete_invoice(qb, catalog):
    invoice = create(qb, "Invoice", invoice_body(catalog))
    voided = body(post_json(qb, "/invoice", {"Id": invoice["Id"], "SyncToken": "0"},
                            operation="void"))["Invoice"]
    assert (voided["TotalAmt"], voided["Balance"], voided["PrivateNote"]) == (0, 0, "Voided")
    assert len(voided["Line"]) == len(invoice["Line"])
    stale = fault(post_json(qb, "/invoice", {"Id": invoice["Id"], "SyncToken": "0"},
                            operation="delete"))
    assert stale["code"] == "5010"
    deleted = body(post_json(qb, "/invoice", {"Id": invoice["Id"], "SyncToken": "1"},
                             operation="delete"))
    assert deleted["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": invoice["Id"]}
    assert fault(post_json(qb, "/invoice", {"Id": invoice["Id"], "SyncToken": "1"},
                           operation="delete"))["code"] == "610"
    assert fault(qb.get(f"/invoice/{invoice['Id']}"))["code"] == "610"


def test_ledger_balances_and_reports(qb, catalog):
    create(qb, "Bill", {"VendorRef": {"value": catalog["vendor"]["Id"]}, "Line": [
        {"Amount": "120.50", "DetailType": "AccountBasedExpenseLineDetail",
         "AccountBasedExpenseLineDetail": {"AccountRef": {"value": catalog["expense"]["Id"]}}}]})
    trial = body(qb.get("/reports/TrialBalance", params={"date_macro": "all"}))
    assert "time" not in trial
    total = trial["Rows"]["Row"][-1]["Summary"]["ColData"]
    assert total[1]["value"] == total[2]["value"] != "0.00"
    sheet = body(qb.get("/reports/BalanceSheet", params={"date_macro": "all"}))
    rows = sheet["Rows"]["Row"]
    assert rows[0]["Summary"]["ColData"][1]["value"] == rows[1]["Summary"]["ColData"][1]["value"]
    pnl = body(qb.get("/reports/ProfitAndLoss", params={"start_date": "2000-01-01",
                                                        "end_date": "2100-01-01",
                                                        "accounting_method": "Accrual"}))
    assert pnl["Header"]["ReportBasis"] == "Accrual"
    groups = [r.get("group") for r in pnl["Rows"]["Row"]]
    assert groups[0] == "Income" and groups[-1] == "NetIncome"
    ap = body(qb.get("/reports/AgedPayables"))
    assert ap["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"] == "120.50"
    assert fault(qb.get("/reports/NoSuchReport"))["code"] == "500"


def test_query_paging_and_counts(qb, catalog):
    for index in range(5):
        create(qb, "Class", {"Name": f"Paging {index}"})
    count = body(qb.get("/query", params={"query": "SELECT COUNT(*) FROM Class WHERE Name LIKE "
                                                   "'Paging%'"}))
    assert count["QueryResponse"] == {"totalCount": 5}
    page = body(qb.get("/query", params={"query": "SELECT * FROM Class WHERE Name LIKE "
                                                  "'Paging%' ORDER BY Name DESC STARTPOSITION 2 "
                                                  "MAXRESULTS 2"}))["QueryResponse"]
    assert [c["Name"] for c in page["Class"]] == ["Paging 3", "Paging 2"]
    assert (page["startPosition"], page["maxResults"]) == (2, 2)
    past = body(qb.get("/query", params={"query": "SELECT * FROM Class STARTPOSITION 500"}))
    assert past["QueryResponse"] == {}
    posted = qb.post("/query", content="SELECT * FROM Class WHERE Name = 'Paging 1'",
                     headers={"Content-Type": "application/text"})
    assert body(posted)["QueryResponse"]["Class"][0]["Name"] == "Paging 1"


@pytest.mark.parametrize(("text", "code", "detail"), [
    ("SELECT * FROM Custmoer", "4001", "invalid context declaration: Custmoer"),
    ("SELECT * FROM Customer WHERE DisplayName = NULL", "4000", "QueryParserError: Encountered"),
    ("SELECT * FROM Customer WHERE Id = '1' OR Id = '2'", "4001", "OR"),
    ("SELECT * FROM Customer, Vendor", "4000", "QueryParserError"),
    ("SELECT * FROM Customer STARTPOSITION 0", "4001", "value 0 is too small"),
    ("SELECT * FROM Customer MAXRESULTS 1001", "4001", "too large"),
    ("SELECT * FROM Customer WHERE Nonsense = '1'", "4001", "Nonsense"),
])
def test_query_faults(qb, text, code, detail):
    error = fault(qb.get("/query", params={"query": text}))
    assert error["code"] == code and detail in error["Detail"]
    assert "element" not in error


def test_query_injection_is_just_a_string(qb, catalog):
    hostile = "x' OR DisplayName LIKE '%"
    from qbconnector.qbo_wire.query import build

    text = build("Customer", where=[("DisplayName", "=", hostile)])
    assert body(qb.get("/query", params={"query": text}))["QueryResponse"] == {}
    raw = fault(qb.get("/query", params={"query": f"SELECT * FROM Customer WHERE DisplayName "
                                                  f"= '{hostile}'"}))
    assert raw["code"] in ("4000", "4001")
    escaped = build("Customer", where=[("DisplayName", "=", "Amy's Bird Sanctuary")])
    found = body(qb.get("/query", params={"query": escaped}))["QueryResponse"]["Customer"]
    assert found[0]["Id"] == catalog["customer"]["Id"]


def test_batch(qb, catalog):
    items = [{"bId": "bid1", "operation": "create", "Vendor": {"DisplayName": "Batch Vendor"}},
             {"bId": "bid2", "operation": "delete", "Invoice": {"Id": "999999",
                                                                "SyncToken": "0"}},
             {"bId": "bid3", "operation": "update",
              "Customer": {"Id": catalog["customer"]["Id"], "SyncToken": "99", "sparse": True,
                           "Notes": "x"}},
             {"bId": "bid4", "Query": "select * from Item where Name = 'Consulting'"}]
    reply = post_json(qb, "/batch", {"BatchItemRequest": items})
    assert reply.status_code == 200
    out = body(reply)["BatchItemResponse"]
    assert [i["bId"] for i in out] == ["bid1", "bid2", "bid3", "bid4"]
    assert out[0]["Vendor"]["DisplayName"] == "Batch Vendor"
    assert out[1]["Fault"]["Error"][0]["code"] == "610"
    assert out[2]["Fault"]["Error"][0]["code"] == "5010"
    assert out[3]["QueryResponse"]["Item"][0]["Name"] == "Consulting"
    too_many = post_json(qb, "/batch", {"BatchItemRequest": [items[3]] * 31})
    assert fault(too_many)["code"] == "1040"


def test_cdc(qb, catalog, blank_double):
    since = blank_double.double.now_text()
    customer = create(qb, "Customer", {"DisplayName": "CDC Person"})
    invoice = create(qb, "Invoice", invoice_body(catalog))
    post_json(qb, "/invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")
    reply = body(qb.get("/cdc", params={"entities": "customer,Invoice", "changedSince": since}))
    responses = reply["CDCResponse"][0]["QueryResponse"]
    by_name = {next(iter(r)): r for r in responses}
    assert customer["Id"] in [c["Id"] for c in by_name["Customer"]["Customer"]]
    stub = by_name["Invoice"]["Invoice"][-1]
    assert stub["status"] == "Deleted" and set(stub) == {"domain", "status", "Id", "MetaData"}
    old = fault(qb.get("/cdc", params={"entities": "Customer",
                                       "changedSince": "2001-01-01T00:00:00-07:00"}))
    assert old["code"] == "6000"


def test_requestid_returns_the_first_answer(qb):
    data = {"DisplayName": "Idempotent Ida"}
    first = post_json(qb, "/customer", data, requestid="req-1")
    second = post_json(qb, "/customer", data, requestid="req-1")
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    count = body(qb.get("/query", params={"query": "SELECT COUNT(*) FROM Customer WHERE "
                                                   "DisplayName = 'Idempotent Ida'"}))
    assert count["QueryResponse"]["totalCount"] == 1
    error = fault(post_json(qb, "/customer", data, requestid="r" * 51))
    assert error["code"] == "6000"


def test_xml_by_accept(qb, catalog):
    reply = qb.get(f"/customer/{catalog['customer']['Id']}",
                   headers={"Accept": "application/xml"})
    assert reply.headers["content-type"].startswith("application/xml")
    from lxml import etree

    root = etree.fromstring(reply.content)
    ns = {"q": "http://schema.intuit.com/finance/v3"}
    assert root.tag.endswith("IntuitResponse") and root.get("time")
    assert root.find("q:Customer", ns).get("domain") == "QBO"
    assert root.find("q:Customer/q:DisplayName", ns).text == "Amy's Bird Sanctuary"
    bad = qb.get("/query", params={"query": "SELECT * FROM Nope"},
                 headers={"Accept": "application/xml"})
    assert bad.status_code == 400
    assert etree.fromstring(bad.content).find("q:Fault/q:Error", ns).get("code") == "4001"


def test_paths_and_ids(qb):
    assert fault(qb.get("/customer/1.5"))["code"] == "2030"
    assert fault(qb.get("/customer/1/5"))["code"] == "500"
    assert fault(qb.get("/nosuchentity/1"))["code"] == "500"
    info = body(qb.get(f"/companyinfo/{qb.base_url.path.split('/')[-1]}"))
    assert info["CompanyInfo"]["CompanyName"]
    assert body(qb.get("/preferences", params={"minorversion": "4"}))["Preferences"]


def test_minorversion_is_accepted_and_ignored(qb, catalog):
    for value in ("1", "65", "75", "999"):
        reply = qb.get(f"/item/{catalog['item']['Id']}", params={"minorversion": value})
        assert reply.status_code == 200
        assert body(reply)["Item"]["Name"] == "Consulting"


def test_auth_failures(blank_double):
    import httpx

    api = blank_double.api
    missing = httpx.get(f"{api}/customer/1")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    gateway = missing.json()
    assert gateway["fault"]["error"][0]["code"] == "3200"
    assert gateway["fault"]["type"] == "AUTHENTICATION" and isinstance(gateway["time"], int)
    tokens = blank_double.authorize()
    other_realm = httpx.get(f"{blank_double.base}/v3/company/123/customer/1",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert other_realm.status_code == 403
    assert other_realm.json()["fault"]["error"][0]["code"] == "3100"
    blank_double.clock.advance(3601)
    try:
        expired = httpx.get(f"{api}/customer/1",
                            headers={"Authorization": f"Bearer {tokens['access_token']}"})
    finally:
        blank_double.clock.advance(-3601)
    assert expired.status_code == 401
    assert expired.json()["fault"]["error"][0]["detail"].startswith("Token expired")
