"""Sales: form amounts, subtotal, sales tax and totals; invoice payment state; received
payments (applied, auto-applied, 3210, unused, linked both ways); credit memo credits;
sales orders invoiced through LinkToTxnID and line LinkToTxn (IsFullyInvoiced, 570); the
customer balances they leave (jobs included)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.session import RequestProcessorError

from .conftest import QB, SANDBOX_NOW

D = Decimal
FORMS = ["Invoice", "SalesReceipt", "CreditMemo", "Estimate", "SalesOrder"]
TODAY = SANDBOX_NOW.date()


@pytest.fixture
def shop(qb: QB) -> QB:
    """A customer with a job, a taxable and a non-taxable item, an 8.25% sales tax item."""
    responses = qb.send(
        Message("VendorAdd", {"Name": "State Board"}),
        Message("ItemSalesTaxAdd", {"Name": "State Tax", "TaxRate": "8.25",
                                    "TaxVendorRef": {"FullName": "State Board"}}),
        Message("CustomerAdd", {"Name": "Acme", "ItemSalesTaxRef": {"FullName": "State Tax"},
                                "SalesTaxCodeRef": {"FullName": "Tax"}}),
        Message("CustomerAdd", {"Name": "Kitchen", "ParentRef": {"FullName": "Acme"},
                                "ItemSalesTaxRef": {"FullName": "State Tax"},
                                "SalesTaxCodeRef": {"FullName": "Tax"}}),
        Message("CustomerAdd", {"Name": "Exempt Co", "SalesTaxCodeRef": {"FullName": "Non"},
                                "ItemSalesTaxRef": {"FullName": "State Tax"}}),
        Message("ItemServiceAdd", {"Name": "Labor", "SalesTaxCodeRef": {"FullName": "Non"},
                                   "SalesOrPurchase": {"Price": "50.00", "AccountRef": {
                                       "FullName": "Uncategorized Income"}}}),
        Message("ItemNonInventoryAdd", {"Name": "Widget", "SalesTaxCodeRef": {"FullName": "Tax"},
                                        "SalesOrPurchase": {"Price": "12.50", "AccountRef": {
                                            "FullName": "Uncategorized Income"}}}))
    assert [r.status_code for r in responses] == [0] * 7, [r.status_message for r in responses]
    return qb


def line(item: str, quantity: Any = None, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"ItemRef": {"FullName": item}, **fields}
    if quantity is not None:
        out["Quantity"] = quantity
    return out


def form(qb: QB, kind: str, customer: str = "Acme", lines: list[dict] | None = None,
         **fields: Any) -> dict:
    return qb.ok(f"{kind}Add", {"CustomerRef": {"FullName": customer}, **fields,
                                f"{kind}LineAdd": lines or [line("Labor", 2)]})


def balance(qb: QB, name: str) -> tuple[Decimal, Decimal]:
    customer = qb.ok("CustomerQuery", {"FullName": name})
    return customer["Balance"], customer["TotalBalance"]


def account_balance(qb: QB, name: str) -> Decimal:
    return qb.ok("AccountQuery", {"FullName": name})["Balance"]


# -- sales form amounts ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", FORMS)
def test_line_amount_is_quantity_times_rate(shop: QB, kind: str) -> None:
    txn = form(shop, kind, lines=[line("Labor", 3), line("Widget", 2, Rate="11.111"),
                                  line("Labor")])
    lines = txn[f"{kind}LineRet"]
    assert [(x.get("Quantity"), x["Rate"], x["Amount"]) for x in lines] == [
        (3, D("50.00"), D("150.00")),                  # the item's price
        (2, D("11.111"), D("22.22")),                  # given rate, rounded to cents
        (None, D("50.00"), D("50.00"))]                # no quantity: one
    assert txn["Subtotal"] == D("222.22")


@pytest.mark.parametrize("kind", FORMS)
def test_given_amount_with_quantity_gives_the_rate(shop: QB, kind: str) -> None:
    txn = form(shop, kind, lines=[line("Labor", 4, Amount="90.00")])
    (only,) = txn[f"{kind}LineRet"]
    assert (only["Quantity"], only["Rate"], only["Amount"]) == (4, D("22.50"), D("90.00"))


@pytest.mark.parametrize("kind", [*FORMS, "Charge"])
def test_an_amount_alone_gives_the_rate_in_its_shortest_form(shop: QB, kind: str) -> None:
    # [041, 054, 048, 056]: quantity one (not returned), rate written without trailing zeros
    # (2.8, 123.45, 100) and a zero rate as 0.00.
    amounts = ["2.80", "123.45", "100.00", "0.00"]
    if kind == "Charge":
        bodies = [{"CustomerRef": {"FullName": "Acme"}, "ItemRef": {"FullName": "Labor"},
                   "Amount": a} for a in amounts]
        texts = [shop.raw(build(Message("ChargeAdd", b), version="13.0")) for b in bodies]
    else:
        texts = [shop.raw(build(Message(f"{kind}Add", {
            "CustomerRef": {"FullName": "Acme"},
            f"{kind}LineAdd": [line("Labor", Amount=a) for a in amounts]}), version="13.0"))]
    text = "".join(texts)
    assert re.findall(r"<Rate>([^<]*)</Rate>", text) == ["2.8", "123.45", "100", "0.00"]
    assert "<Quantity>" not in text


def test_item_lines_are_non_taxable_in_a_file_without_sales_tax(qb: QB) -> None:
    # [040, 049, 052, 053, 071]: items have no tax code, yet every item line carries "Non";
    # a line without an item carries none.
    qb.ok("CustomerAdd", {"Name": "Plain"})
    item = qb.ok("ItemNonInventoryAdd", {"Name": "Part", "SalesOrPurchase": {
        "Price": "3.00", "AccountRef": {"FullName": "Uncategorized Income"}}})
    assert "SalesTaxCodeRef" not in item
    invoice = qb.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Plain"}, "InvoiceLineAdd": [
        line("Part", 2), {"Desc": "a note"}]})
    part, note = invoice["InvoiceLineRet"]
    assert part["SalesTaxCodeRef"]["FullName"] == "Non"
    assert "SalesTaxCodeRef" not in note
    # [062]: a description-only line has no amount either.
    assert list(note) == ["TxnLineID", "Desc"]
    assert (invoice["SalesTaxPercentage"], invoice["SalesTaxTotal"]) == (D("0.00"), D("0.00"))


def test_opening_balance_is_an_untaxed_unnumbered_invoice(shop: QB) -> None:
    # [056]: memo and one item-less line "Opening balance", rate as entered, no RefNumber,
    # no tax item (the customer's tax code is shown), due the day it is dated.
    shop.ok("CustomerAdd", {"Name": "Opened", "ItemSalesTaxRef": {"FullName": "State Tax"},
                            "SalesTaxCodeRef": {"FullName": "Tax"},
                            "TermsRef": {"FullName": "Net 30"},
                            "OpenBalance": "100.00", "OpenBalanceDate": "2024-01-05"})
    text = shop.raw(build(Message("InvoiceQuery", {"IncludeLineItems": True}),
                          version="13.0"))
    (opening,) = parse_response(text)[0].records
    assert opening["Memo"] == "Opening balance"
    assert str(opening["TxnDate"]) == str(opening["DueDate"]) == "2024-01-05"   # not Net 30
    assert "RefNumber" not in opening and "ItemSalesTaxRef" not in opening
    assert opening["CustomerSalesTaxCodeRef"]["FullName"] == "Tax"
    assert (opening["SalesTaxPercentage"], opening["BalanceRemaining"]) == (D("0.00"),
                                                                          D("100.00"))
    (only,) = opening["InvoiceLineRet"]
    assert list(only) == ["TxnLineID", "Desc", "Rate", "Amount"]
    assert "<Rate>100</Rate>" in text
    later = form(shop, "Invoice", customer="Opened")
    assert later["RefNumber"] == "1"            # the opening balance took no number
    assert balance(shop, "Opened") == (D("200.00"), D("200.00"))


def test_sales_order_lines_are_open_until_closed(shop: QB) -> None:
    order = form(shop, "SalesOrder", lines=[line("Labor", 1)])
    modded = shop.ok("SalesOrderMod", {"TxnID": order["TxnID"],
                                       "EditSequence": order["EditSequence"],
                                       "SalesOrderLineMod": [
                                           {"TxnLineID": order["SalesOrderLineRet"][0][
                                               "TxnLineID"]},
                                           {"TxnLineID": "-1", **line("Widget", 2)}]})
    assert [x["IsManuallyClosed"] for x in modded["SalesOrderLineRet"]] == [False, False]
    closed = shop.ok("SalesOrderMod", {"TxnID": order["TxnID"],
                                       "EditSequence": modded["EditSequence"],
                                       "IsManuallyClosed": "true"})
    assert [x["IsManuallyClosed"] for x in closed["SalesOrderLineRet"]] == [True, True]


@pytest.mark.parametrize("kind", FORMS)
def test_sales_tax_on_taxable_lines_rounded_to_cents(shop: QB, kind: str) -> None:
    txn = form(shop, kind, lines=[line("Widget", 3, Rate="11.11"),     # 33.33 taxable
                                  line("Labor", 1)])                  # 50.00 not taxable
    assert txn["Subtotal"] == D("83.33")
    assert txn["ItemSalesTaxRef"]["FullName"] == "State Tax"
    assert txn["SalesTaxPercentage"] == D("8.25")
    assert txn["SalesTaxTotal"] == D("2.75")                          # 2.749725
    if kind != "Invoice":
        assert txn["TotalAmount"] == D("86.08")


def test_subtotal_and_percent_discount_lines(shop: QB) -> None:
    shop.ok("ItemSubtotalAdd", {"Name": "Sub"})
    shop.ok("ItemDiscountAdd", {"Name": "Ten Off", "DiscountRatePercent": "10",
                                "SalesTaxCodeRef": {"FullName": "Non"},
                                "AccountRef": {"FullName": "Uncategorized Income"}})
    txn = form(shop, "SalesReceipt", lines=[line("Labor", 2), line("Widget", 4), line("Sub"),
                                            line("Ten Off")])
    amounts = [x["Amount"] for x in txn["SalesReceiptLineRet"]]
    assert amounts == [D("100.00"), D("50.00"), D("150.00"), D("-15.00")]
    assert txn["SalesReceiptLineRet"][3]["RatePercent"] == D("10")
    assert (txn["Subtotal"], txn["SalesTaxTotal"], txn["TotalAmount"]) == \
        (D("135.00"), D("4.13"), D("139.13"))
    assert account_balance(shop, "Uncategorized Income") == D("135.00")


def test_sales_tax_group_adds_its_rates(shop: QB) -> None:
    shop.ok("ItemSalesTaxAdd", {"Name": "County", "TaxRate": "1.5"})
    shop.ok("ItemSalesTaxGroupAdd", {"Name": "Combined", "ItemSalesTaxRef": [
        {"FullName": "State Tax"}, {"FullName": "County"}]})
    txn = form(shop, "SalesReceipt", lines=[line("Widget", 8)],
               ItemSalesTaxRef={"FullName": "Combined"})
    assert (txn["SalesTaxPercentage"], txn["SalesTaxTotal"], txn["TotalAmount"]) == \
        (D("9.75"), D("9.75"), D("109.75"))


def test_line_tax_code_decides_what_is_taxed(shop: QB) -> None:
    txn = form(shop, "Invoice", lines=[
        line("Labor", 2, SalesTaxCodeRef={"FullName": "Tax"}),        # made taxable
        line("Widget", 4, SalesTaxCodeRef={"FullName": "Non"})])      # made non-taxable
    assert (txn["Subtotal"], txn["SalesTaxTotal"]) == (D("150.00"), D("8.25"))


def test_non_taxable_customer_pays_no_tax(shop: QB) -> None:
    txn = form(shop, "SalesReceipt", "Exempt Co", lines=[line("Widget", 4)])
    assert txn["CustomerSalesTaxCodeRef"]["FullName"] == "Non"
    assert (txn["Subtotal"], txn["SalesTaxTotal"], txn["TotalAmount"]) == \
        (D("50.00"), D("0.00"), D("50.00"))
    overridden = form(shop, "SalesReceipt", "Exempt Co", lines=[line("Widget", 4)],
                      CustomerSalesTaxCodeRef={"FullName": "Tax"})
    assert overridden["SalesTaxTotal"] == D("4.13")                   # 4.125 rounds up


def test_form_of_text_lines_is_zero(shop: QB) -> None:
    txn = shop.ok("EstimateAdd", {"CustomerRef": {"FullName": "Acme"},
                                  "EstimateLineAdd": [{"Desc": "To be priced"}]})
    assert txn["EstimateLineRet"][0]["Desc"] == "To be priced"
    assert (txn["Subtotal"], txn["SalesTaxTotal"], txn["TotalAmount"]) == (0, 0, 0)


def test_totals_follow_a_line_mod(shop: QB) -> None:
    txn = form(shop, "SalesReceipt", lines=[line("Widget", 2)])
    changed = shop.ok("SalesReceiptMod", {
        "TxnID": txn["TxnID"], "EditSequence": txn["EditSequence"],
        "SalesReceiptLineMod": [{"TxnLineID": txn["SalesReceiptLineRet"][0]["TxnLineID"],
                                 "Quantity": 4}]})
    assert (changed["Subtotal"], changed["SalesTaxTotal"], changed["TotalAmount"]) == \
        (D("50.00"), D("4.13"), D("54.13"))
    assert account_balance(shop, "Undeposited Funds") == D("54.13")


def test_sales_receipt_posts_to_undeposited_funds(shop: QB) -> None:
    form(shop, "SalesReceipt", lines=[line("Widget", 4)])
    assert account_balance(shop, "Undeposited Funds") == D("54.13")
    assert account_balance(shop, "Uncategorized Income") == D("50.00")
    assert account_balance(shop, "Sales Tax Payable") == D("4.13")
    assert balance(shop, "Acme") == (0, 0)                          # paid on the spot


def test_estimates_and_sales_orders_do_not_post(shop: QB) -> None:
    form(shop, "Estimate")
    form(shop, "SalesOrder")
    assert balance(shop, "Acme") == (0, 0)
    assert account_balance(shop, "Accounts Receivable") == 0
    assert account_balance(shop, "Uncategorized Income") == 0


# -- invoices and customer balances ---------------------------------------------------------------

def test_new_invoice_is_open(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Widget", 4)])
    assert (invoice["AppliedAmount"], invoice["BalanceRemaining"], invoice["IsPaid"]) == \
        (D("0.00"), D("54.13"), False)
    assert invoice["ARAccountRef"]["FullName"] == "Accounts Receivable"
    assert balance(shop, "Acme") == (D("54.13"), D("54.13"))
    assert account_balance(shop, "Accounts Receivable") == D("54.13")
    assert account_balance(shop, "Sales Tax Payable") == D("4.13")


def test_customer_total_balance_includes_jobs(shop: QB) -> None:
    shop.ok("CustomerAdd", {"Name": "Phase 2", "ParentRef": {"FullName": "Acme:Kitchen"}})
    form(shop, "Invoice", "Acme", lines=[line("Labor", 1)])
    form(shop, "Invoice", "Acme:Kitchen", lines=[line("Labor", 2)])
    form(shop, "Invoice", "Acme:Kitchen:Phase 2", lines=[line("Labor", 4)])
    assert balance(shop, "Acme") == (D("50.00"), D("350.00"))
    assert balance(shop, "Acme:Kitchen") == (D("100.00"), D("300.00"))
    assert balance(shop, "Acme:Kitchen:Phase 2") == (D("200.00"), D("200.00"))
    assert account_balance(shop, "Accounts Receivable") == D("350.00")


def test_customer_balance_follows_invoice_mods_and_deletes(shop: QB) -> None:
    invoice = form(shop, "Invoice", "Acme:Kitchen", lines=[line("Labor", 2)])
    shop.ok("InvoiceMod", {"TxnID": invoice["TxnID"], "EditSequence": invoice["EditSequence"],
                           "InvoiceLineMod": [
                               {"TxnLineID": invoice["InvoiceLineRet"][0]["TxnLineID"]},
                               {"TxnLineID": "-1", "ItemRef": {"FullName": "Labor"}}]})
    assert balance(shop, "Acme") == (0, D("150.00"))
    moved = shop.ok("InvoiceQuery", {"TxnID": invoice["TxnID"]})
    shop.ok("InvoiceMod", {"TxnID": invoice["TxnID"], "EditSequence": moved["EditSequence"],
                           "CustomerRef": {"FullName": "Exempt Co"}})
    assert balance(shop, "Acme") == (0, 0)
    assert balance(shop, "Acme:Kitchen") == (0, 0)
    assert balance(shop, "Exempt Co") == (D("150.00"), D("150.00"))


def test_moving_a_job_moves_its_balance(shop: QB) -> None:
    form(shop, "Invoice", "Acme:Kitchen", lines=[line("Labor", 2)])
    shop.ok("CustomerAdd", {"Name": "Bath", "ParentRef": {"FullName": "Acme:Kitchen"}})
    form(shop, "Invoice", "Acme:Kitchen:Bath", lines=[line("Labor", 1)])
    kitchen = shop.ok("CustomerQuery", {"FullName": "Acme:Kitchen"})
    moved = shop.ok("CustomerMod", {"ListID": kitchen["ListID"],
                                    "EditSequence": kitchen["EditSequence"],
                                    "ParentRef": {"FullName": "Exempt Co"}})
    assert (moved["FullName"], moved["Balance"], moved["TotalBalance"]) == \
        ("Exempt Co:Kitchen", D("100.00"), D("150.00"))
    bath = shop.ok("CustomerQuery", {"FullName": "Exempt Co:Kitchen:Bath"})
    assert (bath["Sublevel"], bath["TotalBalance"]) == (2, D("50.00"))
    assert balance(shop, "Acme") == (0, 0)
    assert balance(shop, "Exempt Co") == (0, D("150.00"))


def test_due_date_follows_terms(shop: QB) -> None:
    invoice = form(shop, "Invoice", TermsRef={"FullName": "Net 30"}, TxnDate="2024-01-31")
    assert invoice["DueDate"] == TODAY.replace(month=3, day=1)
    plain = form(shop, "Invoice", TxnDate="2024-01-31")
    assert plain["DueDate"] == plain["TxnDate"]


def test_ref_numbers_count_up_per_form(shop: QB) -> None:
    assert [form(shop, "Invoice")["RefNumber"] for _ in range(2)] == ["1", "2"]
    form(shop, "Invoice", RefNumber="1041")
    assert form(shop, "Invoice")["RefNumber"] == "1042"
    assert form(shop, "SalesReceipt")["RefNumber"] == "1"


# -- received payments ----------------------------------------------------------------------------

def pay(qb: QB, customer: str = "Acme", total: str | None = None, **fields: Any) -> dict:
    data: dict[str, Any] = {"CustomerRef": {"FullName": customer}}
    if total is not None:
        data["TotalAmount"] = total
    return qb.ok("ReceivePaymentAdd", {**data, **fields})


def applied(txn_id: str, amount: str, **fields: Any) -> dict[str, Any]:
    return {"TxnID": txn_id, "PaymentAmount": amount, **fields}


def test_payment_applied_to_invoices(shop: QB) -> None:
    first = form(shop, "Invoice", lines=[line("Labor", 2)])              # 100.00
    second = form(shop, "Invoice", lines=[line("Labor", 3)])             # 150.00
    payment = pay(shop, total="180.00", AppliedToTxnAdd=[
        applied(first["TxnID"], "100.00"), applied(second["TxnID"], "60.00")])
    assert (payment["TotalAmount"], payment["UnusedPayment"], payment["UnusedCredits"]) == \
        (D("180.00"), D("20.00"), D("0.00"))
    assert payment["DepositToAccountRef"]["FullName"] == "Undeposited Funds"
    assert [(a["TxnID"], a["TxnType"], a["TxnDate"], a["RefNumber"], a["BalanceRemaining"],
             a["Amount"]) for a in payment["AppliedToTxnRet"]] == [
        (first["TxnID"], "Invoice", TODAY, "1", D("0.00"), D("100.00")),
        (second["TxnID"], "Invoice", TODAY, "2", D("90.00"), D("60.00"))]
    paid = shop.ok("InvoiceQuery", {"TxnID": first["TxnID"]})
    part = shop.ok("InvoiceQuery", {"TxnID": second["TxnID"]})
    assert (paid["AppliedAmount"], paid["BalanceRemaining"], paid["IsPaid"]) == \
        (D("-100.00"), D("0.00"), True)
    assert (part["AppliedAmount"], part["BalanceRemaining"], part["IsPaid"]) == \
        (D("-60.00"), D("90.00"), False)
    assert balance(shop, "Acme") == (D("70.00"), D("70.00"))         # 250 - 180
    assert account_balance(shop, "Undeposited Funds") == D("180.00")
    assert account_balance(shop, "Accounts Receivable") == D("70.00")


def test_payment_and_invoice_link_each_other(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)], RefNumber="INV-7")
    payment = pay(shop, total="30.00", RefNumber="CHK-1",
                  AppliedToTxnAdd=[applied(invoice["TxnID"], "30.00")])
    linked = shop.ok("InvoiceQuery", {"TxnID": invoice["TxnID"],
                                      "IncludeLinkedTxns": True})["LinkedTxn"]
    assert linked == [{"TxnID": payment["TxnID"], "TxnType": "ReceivePayment",
                       "TxnDate": TODAY, "RefNumber": "CHK-1", "LinkType": "AMTTYPE",
                       "Amount": D("-30.00")}]
    (back,) = shop.ok("ReceivePaymentQuery", {"TxnID": payment["TxnID"]})["AppliedToTxnRet"]
    assert (back["TxnID"], back["RefNumber"], back["Amount"], back["BalanceRemaining"]) == \
        (invoice["TxnID"], "INV-7", D("30.00"), D("70.00"))


def test_auto_apply_pays_the_oldest_invoices_first(shop: QB) -> None:
    late = form(shop, "Invoice", lines=[line("Labor", 1)], TxnDate="2024-03-10")    # 50
    early = form(shop, "Invoice", lines=[line("Labor", 2)], TxnDate="2024-03-01")   # 100
    job = form(shop, "Invoice", "Acme:Kitchen", lines=[line("Labor", 3)],
               TxnDate="2024-03-05")                                                 # 150
    other = form(shop, "Invoice", "Exempt Co", lines=[line("Labor", 1)],
                 TxnDate="2024-02-01")
    payment = pay(shop, total="200.00", IsAutoApply=True)
    assert [(a["TxnID"], a["Amount"]) for a in payment["AppliedToTxnRet"]] == [
        (early["TxnID"], D("100.00")), (job["TxnID"], D("100.00"))]
    assert payment["UnusedPayment"] == D("0.00")
    assert shop.ok("InvoiceQuery", {"TxnID": late["TxnID"]})["BalanceRemaining"] == D("50.00")
    assert shop.ok("InvoiceQuery", {"TxnID": other["TxnID"]})["IsPaid"] is False


def test_auto_apply_leaves_the_rest_unused(shop: QB) -> None:
    form(shop, "Invoice", lines=[line("Labor", 1)])
    payment = pay(shop, total="80.00", IsAutoApply=True)
    assert (sum(a["Amount"] for a in payment["AppliedToTxnRet"]), payment["UnusedPayment"]) \
        == (D("50.00"), D("30.00"))
    assert balance(shop, "Acme") == (D("-30.00"), D("-30.00"))


def test_applied_to_and_auto_apply_together_cannot_be_parsed(shop: QB) -> None:
    invoice = form(shop, "Invoice")
    text = (
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError='
        '"stopOnError"><ReceivePaymentAddRq><ReceivePaymentAdd><CustomerRef><FullName>Acme'
        '</FullName></CustomerRef><TotalAmount>10.00</TotalAmount><IsAutoApply>true'
        '</IsAutoApply><AppliedToTxnAdd><TxnID>' + invoice["TxnID"] + '</TxnID><PaymentAmount>'
        '10.00</PaymentAmount></AppliedToTxnAdd></ReceivePaymentAdd></ReceivePaymentAddRq>'
        '</QBXMLMsgsRq></QBXML>')
    with pytest.raises(RequestProcessorError) as caught:
        shop.session.process(text)
    assert caught.value.hresult == catalogue.HR_PARSE_ERROR


def test_paying_more_than_an_invoice_owes_is_3210(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)])            # 100.00
    pay(shop, total="40.00", AppliedToTxnAdd=[applied(invoice["TxnID"], "40.00")])
    rs = shop.one("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Acme"},
                                        "TotalAmount": "70.00",
                                        "AppliedToTxnAdd": [applied(invoice["TxnID"],
                                                                    "60.01")]})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        3210, "Info", 'The "AppliedToTxnAdd payment amount" field has an invalid value '
                      f'"60.01".  QuickBooks error message: {catalogue.QB_MSG_PAY_MORE_THAN_DUE}')
    assert rs.records == []
    assert len(shop.all("ReceivePaymentQuery")) == 1                   # nothing saved
    assert shop.ok("InvoiceQuery", {"TxnID": invoice["TxnID"]})["BalanceRemaining"] == \
        D("60.00")


def test_applying_more_than_the_payment_is_refused(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)])
    rs = shop.one("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Acme"},
                                        "TotalAmount": "20.00",
                                        "AppliedToTxnAdd": [applied(invoice["TxnID"],
                                                                    "30.00")]})
    assert rs.status_code == 3210
    assert shop.one("ReceivePaymentQuery").status_code == 1


def test_payment_without_total_is_what_it_applies(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)])
    payment = pay(shop, AppliedToTxnAdd=[applied(invoice["TxnID"], "25.00")])
    assert (payment["TotalAmount"], payment["UnusedPayment"]) == (D("25.00"), D("0.00"))


def test_payment_mod_reapplies_and_frees_the_invoice(shop: QB) -> None:
    first = form(shop, "Invoice", lines=[line("Labor", 2)])
    second = form(shop, "Invoice", lines=[line("Labor", 2)])
    payment = pay(shop, total="100.00", AppliedToTxnAdd=[applied(first["TxnID"], "100.00")])
    moved = shop.ok("ReceivePaymentMod", {
        "TxnID": payment["TxnID"], "EditSequence": payment["EditSequence"],
        "AppliedToTxnMod": [{"TxnID": second["TxnID"], "PaymentAmount": "100.00"}]})
    assert [a["TxnID"] for a in moved["AppliedToTxnRet"]] == [second["TxnID"]]
    assert shop.ok("InvoiceQuery", {"TxnID": first["TxnID"]})["IsPaid"] is False
    assert shop.ok("InvoiceQuery", {"TxnID": second["TxnID"]})["IsPaid"] is True


def test_deleting_a_payment_reopens_its_invoices(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)])
    payment = pay(shop, total="100.00", AppliedToTxnAdd=[applied(invoice["TxnID"], "100.00")])
    assert shop.one("TxnDel", {"TxnDelType": "ReceivePayment",
                               "TxnID": payment["TxnID"]}).status_code == 0
    reopened = shop.ok("InvoiceQuery", {"TxnID": invoice["TxnID"], "IncludeLinkedTxns": True})
    assert (reopened["BalanceRemaining"], reopened["IsPaid"]) == (D("100.00"), False)
    assert "LinkedTxn" not in reopened
    assert balance(shop, "Acme") == (D("100.00"), D("100.00"))
    assert account_balance(shop, "Undeposited Funds") == 0


def test_payments_cannot_be_voided(shop: QB) -> None:
    # TxnVoidType has no ReceivePayment: QuickBooks lets an application delete a payment only.
    from qbconnector.qbxml import spec
    void_types = spec.load().message("TxnVoidRq").child("TxnVoidType").enum
    assert "ReceivePayment" not in void_types and "Invoice" in void_types


def test_voiding_a_paid_invoice_leaves_the_payment_unused(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)])
    payment = pay(shop, total="100.00", AppliedToTxnAdd=[applied(invoice["TxnID"], "100.00")])
    shop.one("TxnVoid", {"TxnVoidType": "Invoice", "TxnID": invoice["TxnID"]})
    after = shop.ok("ReceivePaymentQuery", {"TxnID": payment["TxnID"]})
    assert "AppliedToTxnRet" not in after
    assert after["UnusedPayment"] == D("100.00")
    assert balance(shop, "Acme") == (D("-100.00"), D("-100.00"))


def test_deleting_a_paid_invoice_leaves_the_payment_unused(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)])
    payment = pay(shop, total="100.00", AppliedToTxnAdd=[applied(invoice["TxnID"], "100.00")])
    assert shop.one("TxnDel", {"TxnDelType": "Invoice",
                               "TxnID": invoice["TxnID"]}).status_code == 0
    after = shop.ok("ReceivePaymentQuery", {"TxnID": payment["TxnID"]})
    assert "AppliedToTxnRet" not in after
    assert (after["TotalAmount"], after["UnusedPayment"]) == (D("100.00"), D("100.00"))
    assert balance(shop, "Acme") == (D("-100.00"), D("-100.00"))


# -- credit memos -------------------------------------------------------------------------------

def test_credit_memo_credits_the_customer(shop: QB) -> None:
    credit = form(shop, "CreditMemo", lines=[line("Widget", 4)])
    assert (credit["TotalAmount"], credit["CreditRemaining"]) == (D("54.13"), D("54.13"))
    assert balance(shop, "Acme") == (D("-54.13"), D("-54.13"))
    assert account_balance(shop, "Accounts Receivable") == D("-54.13")
    assert account_balance(shop, "Sales Tax Payable") == D("-4.13")


def test_credit_memo_applied_with_a_payment(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)])                        # 100
    credit = form(shop, "CreditMemo", lines=[line("Labor", 1)], RefNumber="CM-1")    # 50
    payment = pay(shop, total="30.00", AppliedToTxnAdd=[applied(
        invoice["TxnID"], "30.00", SetCredit=[{"CreditTxnID": credit["TxnID"],
                                               "AppliedAmount": "50.00"}])])
    (entry,) = payment["AppliedToTxnRet"]
    assert (entry["Amount"], entry["BalanceRemaining"]) == (D("30.00"), D("20.00"))
    after = shop.ok("InvoiceQuery", {"TxnID": invoice["TxnID"], "IncludeLinkedTxns": True})
    assert (after["AppliedAmount"], after["BalanceRemaining"], after["IsPaid"]) == \
        (D("-80.00"), D("20.00"), False)
    assert {(x["TxnType"], x["Amount"]) for x in after["LinkedTxn"]} == {
        ("ReceivePayment", D("-30.00")), ("CreditMemo", D("-50.00"))}
    used = shop.ok("CreditMemoQuery", {"TxnID": credit["TxnID"], "IncludeLinkedTxns": True})
    assert used["CreditRemaining"] == D("0.00")
    assert [(x["TxnID"], x["TxnType"]) for x in used["LinkedTxn"]] == \
        [(invoice["TxnID"], "Invoice")]
    assert balance(shop, "Acme") == (D("20.00"), D("20.00"))         # 100 - 50 - 30


def test_credit_beyond_what_the_invoice_owes_is_3210(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 1)])                        # 50
    credit = form(shop, "CreditMemo", lines=[line("Labor", 2)])                      # 100
    rs = shop.one("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Acme"},
                                        "TotalAmount": "0.00", "AppliedToTxnAdd": [applied(
                                            invoice["TxnID"], "0.00", SetCredit=[{
                                                "CreditTxnID": credit["TxnID"],
                                                "AppliedAmount": "60.00"}])]})
    assert rs.status_code == 3210
    assert shop.ok("CreditMemoQuery", {"TxnID": credit["TxnID"]})["CreditRemaining"] == \
        D("100.00")


def test_credit_beyond_what_the_credit_memo_has_is_3210(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 4)])                        # 200
    credit = form(shop, "CreditMemo", lines=[line("Labor", 1)])                      # 50
    rs = shop.one("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Acme"},
                                        "TotalAmount": "0.00", "AppliedToTxnAdd": [applied(
                                            invoice["TxnID"], "0.00", SetCredit=[{
                                                "CreditTxnID": credit["TxnID"],
                                                "AppliedAmount": "60.00"}])]})
    assert rs.status_code == 3210
    assert shop.ok("InvoiceQuery", {"TxnID": invoice["TxnID"]})["BalanceRemaining"] == \
        D("200.00")


# -- sales orders into invoices -----------------------------------------------------------------

@pytest.fixture
def order(shop: QB) -> dict:
    return form(shop, "SalesOrder", lines=[line("Labor", 4), line("Widget", 10)],
                RefNumber="SO-1")


def test_link_to_txn_id_copies_the_open_lines(shop: QB, order: dict) -> None:
    invoice = shop.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"},
                                     "LinkToTxnID": order["TxnID"]})
    assert [(x["ItemRef"]["FullName"], x["Quantity"], x["Amount"])
            for x in invoice["InvoiceLineRet"]] == [("Labor", 4, D("200.00")),
                                                    ("Widget", 10, D("125.00"))]
    assert invoice["Subtotal"] == D("325.00")
    after = shop.ok("SalesOrderQuery", {"TxnID": order["TxnID"], "IncludeLineItems": True})
    assert after["IsFullyInvoiced"] is True
    assert [x["Invoiced"] for x in after["SalesOrderLineRet"]] == [4, 10]


def test_line_link_to_txn_invoices_part_of_a_line(shop: QB, order: dict) -> None:
    labor, widget = order["SalesOrderLineRet"]
    invoice = shop.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}, "InvoiceLineAdd": [
        {"Quantity": 3, "LinkToTxn": {"TxnID": order["TxnID"],
                                      "TxnLineID": widget["TxnLineID"]}}]})
    (only,) = invoice["InvoiceLineRet"]
    assert (only["ItemRef"]["FullName"], only["Rate"], only["Amount"]) == \
        ("Widget", D("12.50"), D("37.50"))
    after = shop.ok("SalesOrderQuery", {"TxnID": order["TxnID"], "IncludeLineItems": True,
                                        "IncludeLinkedTxns": True})
    assert after["IsFullyInvoiced"] is False
    assert [x["Invoiced"] for x in after["SalesOrderLineRet"]] == [0, 3]
    # A quantity link has no amount; LinkedTxn requires one, so it is 0.00.
    assert after["LinkedTxn"] == [{"TxnID": invoice["TxnID"], "TxnType": "Invoice",
                                   "TxnDate": TODAY, "RefNumber": invoice["RefNumber"],
                                   "LinkType": "QUANTYPE", "Amount": D("0.00")}]
    back = shop.ok("InvoiceQuery", {"TxnID": invoice["TxnID"], "IncludeLinkedTxns": True})
    assert back["LinkedTxn"] == [{"TxnID": order["TxnID"], "TxnType": "SalesOrder",
                                  "TxnDate": TODAY, "RefNumber": "SO-1",
                                  "LinkType": "QUANTYPE", "Amount": D("0.00")}]
    rest = shop.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"},
                                  "LinkToTxnID": order["TxnID"]})
    assert [(x["ItemRef"]["FullName"], x["Quantity"]) for x in rest["InvoiceLineRet"]] == \
        [("Labor", 4), ("Widget", 7)]                               # only what is still open
    assert shop.ok("SalesOrderQuery", {"TxnID": order["TxnID"]})["IsFullyInvoiced"] is True


def test_linking_a_fully_invoiced_order_is_570(shop: QB, order: dict) -> None:
    shop.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}, "LinkToTxnID": order["TxnID"]})
    rs = shop.one("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"},
                                 "LinkToTxnID": order["TxnID"],
                                 "InvoiceLineAdd": [line("Labor", 1)]})
    assert (rs.status_code, rs.status_severity, rs.status_message) == (
        570, "Warn", f'Unable to link to transaction "{order["TxnID"]}" because it has '
                     "already been closed.")
    (saved,) = rs.records                                            # saved, without the link
    assert [x["Quantity"] for x in saved["InvoiceLineRet"]] == [1]
    assert "LinkedTxn" not in shop.ok("InvoiceQuery", {"TxnID": saved["TxnID"],
                                                       "IncludeLinkedTxns": True})


def test_linking_a_manually_closed_order_is_570(shop: QB, order: dict) -> None:
    shop.ok("SalesOrderMod", {"TxnID": order["TxnID"], "EditSequence": order["EditSequence"],
                              "IsManuallyClosed": True})
    widget = order["SalesOrderLineRet"][1]
    rs = shop.one("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}, "InvoiceLineAdd": [
        {"Quantity": 1, "ItemRef": {"FullName": "Widget"},
         "LinkToTxn": {"TxnID": order["TxnID"], "TxnLineID": widget["TxnLineID"]}}]})
    assert (rs.status_code, rs.status_severity) == (570, "Warn")
    after = shop.ok("SalesOrderQuery", {"TxnID": order["TxnID"], "IncludeLineItems": True})
    assert [x["Invoiced"] for x in after["SalesOrderLineRet"]] == [0, 0]


def test_link_to_a_transaction_that_is_not_there_is_3120(shop: QB) -> None:
    rs = shop.one("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"},
                                 "LinkToTxnID": "999-1700000000"})
    assert (rs.status_code, rs.status_message) == catalogue.status(
        3120, object_id="999-1700000000", qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)[::2]
    assert shop.one("InvoiceQuery").status_code == 1


def test_deleting_the_invoice_reopens_the_order(shop: QB, order: dict) -> None:
    invoice = shop.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"},
                                     "LinkToTxnID": order["TxnID"]})
    shop.one("TxnDel", {"TxnDelType": "Invoice", "TxnID": invoice["TxnID"]})
    after = shop.ok("SalesOrderQuery", {"TxnID": order["TxnID"], "IncludeLineItems": True,
                                        "IncludeLinkedTxns": True})
    assert after["IsFullyInvoiced"] is False
    assert [x["Invoiced"] for x in after["SalesOrderLineRet"]] == [0, 0]
    assert "LinkedTxn" not in after


def test_deleting_an_applied_credit_memo_takes_the_credit_back(shop: QB) -> None:
    invoice = form(shop, "Invoice", lines=[line("Labor", 2)])                        # 100
    credit = form(shop, "CreditMemo", lines=[line("Labor", 1)])                      # 50
    payment = pay(shop, total="10.00", AppliedToTxnAdd=[applied(
        invoice["TxnID"], "10.00", SetCredit=[{"CreditTxnID": credit["TxnID"],
                                               "AppliedAmount": "50.00"}])])
    assert shop.one("TxnDel", {"TxnDelType": "CreditMemo",
                               "TxnID": credit["TxnID"]}).status_code == 0
    assert shop.ok("InvoiceQuery", {"TxnID": invoice["TxnID"]})["BalanceRemaining"] == \
        D("90.00")
    (entry,) = shop.ok("ReceivePaymentQuery", {"TxnID": payment["TxnID"]})["AppliedToTxnRet"]
    assert (entry["Amount"], entry["BalanceRemaining"], "LinkedTxn" in entry) == \
        (D("10.00"), D("90.00"), False)
    assert balance(shop, "Acme") == (D("90.00"), D("90.00"))
