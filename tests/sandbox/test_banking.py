"""Banking and general ledger transactions on real company files: journal entries, deposits,
transfers, sales tax payments, credit card refunds, time tracking and vehicle mileage."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.session import RequestProcessorError

from .ledger_helpers import Books, copy_company, new_company

D = Decimal


def setup_chart(books: Books) -> None:
    """Accounts, names and items the tests share."""
    for name, kind in (("Checking", "Bank"), ("Savings", "Bank"), ("Petty Cash", "Bank"),
                       ("Rent", "Expense"), ("Sales", "Income"),
                       ("Interest Income", "OtherIncome"), ("Visa", "CreditCard")):
        books.account(name, kind)
    books.ok("CustomerAdd", {"Name": "Acme"})
    books.ok("CustomerAdd", {"Name": "Beta"})
    books.ok("VendorAdd", {"Name": "State Tax Agency"})
    books.ok("VendorAdd", {"Name": "Supplier"})
    books.ok("OtherNameAdd", {"Name": "Pat Worker"})
    books.ok("ItemServiceAdd", {"Name": "Consulting", "SalesOrPurchase": {
        "Price": D("150"), "AccountRef": {"FullName": "Sales"}}})
    books.ok("ItemNonInventoryAdd", {"Name": "Widget", "SalesOrPurchase": {
        "Price": D("20"), "AccountRef": {"FullName": "Sales"}}})
    books.ok("ItemOtherChargeAdd", {"Name": "Mileage", "SalesOrPurchase": {
        "Price": D("0.65"), "AccountRef": {"FullName": "Sales"}}})
    books.ok("ItemSalesTaxAdd", {"Name": "State Tax", "TaxRate": D("8"),
                                 "TaxVendorRef": {"FullName": "State Tax Agency"}})
    books.ok("VehicleAdd", {"Name": "Van"})


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = new_company(tmp_path_factory.mktemp("banking"))
    books = Books(path)
    setup_chart(books)
    books.close()
    return path


@pytest.fixture
def books(template: Path, tmp_path: Path) -> Iterator[Books]:
    opened = Books(copy_company(template, tmp_path / "company.qbdb"))
    yield opened
    opened.close()


def paid_invoice(books: Books, amount_lines: int = 2, when: str = "2024-06-01") -> str:
    """An invoice for Acme paid in full into Undeposited Funds; the payment's TxnID."""
    books.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}, "TxnDate": when,
                            "InvoiceLineAdd": [{"ItemRef": {"FullName": "Consulting"},
                                                "Quantity": amount_lines}]})
    payment = books.ok("ReceivePaymentAdd", {
        "CustomerRef": {"FullName": "Acme"}, "TxnDate": when, "RefNumber": "1234",
        "TotalAmount": D("150") * amount_lines, "PaymentMethodRef": {"FullName": "Check"},
        "IsAutoApply": True})
    return payment["TxnID"]


# -- journal entries ---------------------------------------------------------------------------

LINE_TAGS = r"<(JournalDebitLine|JournalCreditLine)>"


def test_balanced_journal_entry_posts_and_keeps_the_line_order(books: Books) -> None:
    request = build([Message("JournalEntryAdd", {
        "TxnDate": "2024-06-01",
        "JournalCreditLine": [{"AccountRef": {"FullName": "Checking"}, "Amount": D("100"),
                               "Memo": "June rent"}],
        "JournalDebitLine": [{"AccountRef": {"FullName": "Rent"}, "Amount": D("60")},
                             {"AccountRef": {"FullName": "Rent"}, "Amount": D("40")}]})],
        version="13.0")
    sent = re.findall(LINE_TAGS, request)
    assert sent[0] == "JournalCreditLine"             # not the schema's debit-first order
    answer = books.raw(request)
    assert re.findall(LINE_TAGS, answer) == sent
    entry = parse_response(answer)[0].records[0]
    queried = books.raw(build([Message("JournalEntryQuery", {"TxnID": entry["TxnID"]})],
                              version="13.0"))
    assert re.findall(LINE_TAGS, queried) == sent
    assert entry["IsAdjustment"] is False
    assert entry["TxnNumber"] >= 1
    line_ids = [line["TxnLineID"] for line in entry["JournalDebitLine"]] + \
        [entry["JournalCreditLine"][0]["TxnLineID"]]
    assert len(set(line_ids)) == 3 and entry["TxnID"] not in line_ids
    assert entry["JournalCreditLine"][0]["Memo"] == "June rent"
    assert books.balance("Checking") == D("-100.00")
    assert books.balance("Rent") == D("100.00")


def test_unbalanced_journal_entry_is_refused_with_3180(books: Books) -> None:
    rs = books.one("JournalEntryAdd", {
        "TxnDate": "2024-06-01",
        "JournalDebitLine": [{"AccountRef": {"FullName": "Rent"}, "Amount": D("100")}],
        "JournalCreditLine": [{"AccountRef": {"FullName": "Checking"}, "Amount": D("99.99")}]})
    assert (rs.status_code, rs.status_severity) == (3180, "Error")
    assert rs.status_message == catalogue.status_message(
        3180, "transaction", object_type="General Journal transaction",
        qb_message="Transaction not in balance.")
    assert "General Journal transaction.  QuickBooks error message: Transaction not in " \
           "balance." in rs.status_message
    assert books.balance("Rent") == 0 and books.balance("Checking") == 0
    assert books.one("JournalEntryQuery").status_code == 1


def test_journal_entry_without_lines_is_a_parse_error(books: Books) -> None:
    text = build([Message("JournalEntryAdd", {"TxnDate": "2024-06-01", "JournalDebitLine": [
        {"AccountRef": {"FullName": "Rent"}, "Amount": D("1")}]})], version="13.0")
    without_lines = re.sub(r"<JournalDebitLine>.*</JournalDebitLine>", "", text, flags=re.S)
    with pytest.raises(RequestProcessorError) as raised:
        books.session.process(without_lines)
    assert raised.value.hresult == catalogue.HR_PARSE_ERROR


def test_receivable_line_moves_the_customer_balance(books: Books) -> None:
    books.journal("2024-06-01", [("Accounts Receivable", D("250"), "Acme")],
                  [("Sales", D("250"), None)])
    assert books.name_balance("Customer", "Acme") == D("250.00")
    assert books.balance("Accounts Receivable") == D("250.00")
    books.journal("2024-06-02", [("Rent", D("80"), None)],
                  [("Accounts Payable", D("80"), "Supplier")])
    assert books.name_balance("Vendor", "Supplier") == D("80.00")
    assert books.balance("Accounts Payable") == D("80.00")


@pytest.mark.parametrize("account, entity", [("Accounts Receivable", None),
                                             ("Accounts Receivable", "Supplier"),
                                             ("Accounts Payable", None),
                                             ("Accounts Payable", "Acme")])
def test_receivable_and_payable_lines_need_the_right_name(books: Books, account: str,
                                                          entity: str | None) -> None:
    line = {"AccountRef": {"FullName": account}, "Amount": D("10")}
    if entity:
        line["EntityRef"] = {"FullName": entity}
    rs = books.one("JournalEntryAdd", {"TxnDate": "2024-06-01", "JournalDebitLine": [line],
                                       "JournalCreditLine": [{"AccountRef": {
                                           "FullName": "Checking"}, "Amount": D("10")}]})
    assert rs.status_code == 3180
    assert rs.status_message.startswith("There was an error when saving a General Journal "
                                        "transaction.  QuickBooks error message: ")
    assert account in rs.status_message
    assert books.balance(account) == 0


def test_journal_entry_numbers_follow_the_preference(books: Books) -> None:
    lines = ([("Rent", D("1"), None)], [("Checking", D("1"), None)])
    assert books.journal("2024-06-01", *lines)["RefNumber"] == "1"
    assert books.journal("2024-06-01", *lines)["RefNumber"] == "2"
    assert books.journal("2024-06-01", *lines, RefNumber="100")["RefNumber"] == "100"
    assert books.journal("2024-06-01", *lines)["RefNumber"] == "101"
    assert books.journal("2024-06-01", *lines, RefNumber="Accrual")["RefNumber"] == "Accrual"
    store = books.session.store
    with store.transaction(write=True):
        prefs = store.meta("preferences")
        store.set_meta("preferences", prefs.replace('"IsAssigningJournalEntryNumbers":"true"',
                                                    '"IsAssigningJournalEntryNumbers":"false"')
                       .replace('"IsAssigningJournalEntryNumbers": "true"',
                                '"IsAssigningJournalEntryNumbers": "false"'))
    assert "RefNumber" not in books.journal("2024-06-01", *lines)


def test_adjusting_entry_is_marked(books: Books) -> None:
    entry = books.journal("2024-06-30", [("Rent", D("5"), None)], [("Checking", D("5"), None)],
                          IsAdjustment=True)
    assert entry["IsAdjustment"] is True


def test_journal_entry_mod_replaces_the_line_set(books: Books) -> None:
    entry = books.journal("2024-06-01", [("Rent", D("100"), None)],
                          [("Checking", D("60"), None), ("Savings", D("40"), None)])
    debit = entry["JournalDebitLine"][0]["TxnLineID"]
    checking = entry["JournalCreditLine"][0]["TxnLineID"]
    modified = books.ok("JournalEntryMod", {
        "TxnID": entry["TxnID"], "EditSequence": entry["EditSequence"],
        "JournalLineMod": [
            {"TxnLineID": debit, "Amount": D("120")},
            {"TxnLineID": checking, "Amount": D("70")},
            {"TxnLineID": "-1", "JournalLineType": "Credit",
             "AccountRef": {"FullName": "Petty Cash"}, "Amount": D("50")}]})
    assert [line["Amount"] for line in modified["JournalDebitLine"]] == [D("120.00")]
    credits = modified["JournalCreditLine"]
    assert [(c["AccountRef"]["FullName"], c["Amount"]) for c in credits] == [
        ("Checking", D("70.00")), ("Petty Cash", D("50.00"))]
    assert credits[0]["TxnLineID"] == checking and credits[1]["TxnLineID"] != checking
    assert (books.balance("Rent"), books.balance("Checking"), books.balance("Savings"),
            books.balance("Petty Cash")) == (D("120.00"), D("-70.00"), 0, D("-50.00"))
    unbalanced = books.one("JournalEntryMod", {
        "TxnID": entry["TxnID"], "EditSequence": modified["EditSequence"],
        "JournalLineMod": [{"TxnLineID": debit, "Amount": D("121")}]})
    assert unbalanced.status_code == 3180
    assert books.balance("Rent") == D("120.00")


def test_void_and_delete_take_a_journal_entry_out_of_the_balances(books: Books) -> None:
    entry = books.journal("2024-06-01", [("Accounts Receivable", D("75"), "Acme")],
                          [("Sales", D("75"), None)])
    books.done("TxnVoid", {"TxnVoidType": "JournalEntry", "TxnID": entry["TxnID"]})
    assert books.name_balance("Customer", "Acme") == 0 and books.balance("Sales") == 0
    other = books.journal("2024-06-02", [("Rent", D("9"), None)], [("Checking", D("9"), None)])
    books.done("TxnDel", {"TxnDelType": "JournalEntry", "TxnID": other["TxnID"]})
    assert books.balance("Rent") == 0 and books.balance("Checking") == 0


# -- deposits ----------------------------------------------------------------------------------

def test_deposit_moves_payments_out_of_undeposited_funds(books: Books) -> None:
    payment_id = paid_invoice(books, amount_lines=2)
    assert books.balance("Undeposited Funds") == D("300.00")
    deposit = books.ok("DepositAdd", {
        "TxnDate": "2024-06-03", "DepositToAccountRef": {"FullName": "Checking"},
        "DepositLineAdd": [{"PaymentTxnID": payment_id}]})
    assert deposit["DepositTotal"] == D("300.00")
    line = deposit["DepositLineRet"][0]
    assert (line["TxnType"], line["TxnID"]) == ("ReceivePayment", payment_id)
    assert line["EntityRef"]["FullName"] == "Acme"
    assert line["AccountRef"]["FullName"] == "Undeposited Funds"
    assert (line["CheckNumber"], line["PaymentMethodRef"]["FullName"]) == ("1234", "Check")
    assert line["Amount"] == D("300.00")
    assert books.balance("Undeposited Funds") == 0
    assert books.balance("Checking") == D("300.00")
    again = books.one("DepositAdd", {"TxnDate": "2024-06-04",
                                     "DepositToAccountRef": {"FullName": "Savings"},
                                     "DepositLineAdd": [{"PaymentTxnID": payment_id}]})
    assert again.status_code == 3180 and "already been deposited" in again.status_message
    books.done("TxnDel", {"TxnDelType": "Deposit", "TxnID": deposit["TxnID"]})
    assert books.balance("Undeposited Funds") == D("300.00") and books.balance("Checking") == 0
    redeposit = books.ok("DepositAdd", {"TxnDate": "2024-06-04",
                                        "DepositToAccountRef": {"FullName": "Savings"},
                                        "DepositLineAdd": [{"PaymentTxnID": payment_id}]})
    assert redeposit["DepositTotal"] == D("300.00") and books.balance("Savings") == D("300.00")


def test_deposit_of_a_sales_receipt_with_overrides(books: Books) -> None:
    receipt = books.ok("SalesReceiptAdd", {"CustomerRef": {"FullName": "Beta"},
                                           "TxnDate": "2024-06-02", "SalesReceiptLineAdd": [
                                               {"ItemRef": {"FullName": "Consulting"}}]})
    books.ok("ClassAdd", {"Name": "East"})
    deposit = books.ok("DepositAdd", {
        "TxnDate": "2024-06-03", "DepositToAccountRef": {"FullName": "Checking"},
        "DepositLineAdd": [{"PaymentTxnID": receipt["TxnID"], "OverrideMemo": "walk-in",
                            "OverrideCheckNumber": "77",
                            "OverrideClassRef": {"FullName": "East"}}]})
    line = deposit["DepositLineRet"][0]
    assert (line["TxnType"], line["Memo"], line["CheckNumber"]) == ("SalesReceipt", "walk-in",
                                                                   "77")
    assert line["ClassRef"]["FullName"] == "East"
    assert books.balance("Checking") == D("150.00") and books.balance("Undeposited Funds") == 0


def test_deposit_account_lines_and_cash_back(books: Books) -> None:
    deposit = books.ok("DepositAdd", {
        "TxnDate": "2024-06-03", "DepositToAccountRef": {"FullName": "Checking"},
        "CashBackInfoAdd": {"AccountRef": {"FullName": "Petty Cash"}, "Amount": D("20")},
        "DepositLineAdd": [{"AccountRef": {"FullName": "Interest Income"}, "Amount": D("5.25"),
                            "Memo": "interest"},
                           {"EntityRef": {"FullName": "Acme"},
                            "AccountRef": {"FullName": "Sales"}, "Amount": D("100")}]})
    assert deposit["DepositTotal"] == D("85.25")
    assert deposit["CashBackInfoRet"]["Amount"] == D("20.00")
    assert deposit["CashBackInfoRet"]["TxnLineID"]
    assert [line.get("TxnType") for line in deposit["DepositLineRet"]] == [None, None]
    assert (books.balance("Checking"), books.balance("Petty Cash"),
            books.balance("Interest Income"), books.balance("Sales")) == (
        D("85.25"), D("20.00"), D("5.25"), D("100.00"))


def test_deposit_without_lines_is_3150(books: Books) -> None:
    rs = books.one("DepositAdd", {"TxnDate": "2024-06-03",
                                  "DepositToAccountRef": {"FullName": "Checking"},
                                  "Memo": "Interest"})
    assert (rs.status_code, rs.status_severity) == (3150, "Error")
    assert rs.status_message == 'There is a missing element: "DepositLineAdd".'
    assert rs.records == []


def test_deposit_3150_matches_the_real_exchange(books: Books, transcripts: Path) -> None:
    request = (transcripts / "077-deposit-add-missing-line-3150.request.xml").read_text()
    # QuickBooks 2021 was asked in qbXML 15.0; the sandbox speaks up to 14.0.
    request = request.replace('<?qbxml version="15.0"?>', '<?qbxml version="13.0"?>')
    expected = parse_response((transcripts / "077-deposit-add-missing-line-3150.response.xml")
                              .read_text())[0]
    books.account("Educators Credit Union", "Bank")
    answer = parse_response(books.session.process(request))[0]
    assert (answer.status_code, answer.status_severity, answer.status_message) == (
        expected.status_code, expected.status_severity, expected.status_message)


def test_deposit_of_a_payment_not_in_undeposited_funds_is_refused(books: Books) -> None:
    books.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}, "TxnDate": "2024-06-01",
                            "InvoiceLineAdd": [{"ItemRef": {"FullName": "Consulting"}}]})
    payment = books.ok("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Acme"},
                                             "TotalAmount": D("150"), "IsAutoApply": True,
                                             "DepositToAccountRef": {"FullName": "Checking"}})
    rs = books.one("DepositAdd", {"DepositToAccountRef": {"FullName": "Savings"},
                                  "DepositLineAdd": [{"PaymentTxnID": payment["TxnID"]}]})
    assert rs.status_code == 3180 and "Undeposited Funds" in rs.status_message
    assert books.balance("Savings") == 0


# -- transfers and sales tax -------------------------------------------------------------------

def test_transfer_moves_money_between_accounts(books: Books) -> None:
    books.journal("2024-06-01", [("Checking", D("500"), None)], [("Sales", D("500"), None)])
    transfer = books.ok("TransferAdd", {"TxnDate": "2024-06-02",
                                        "TransferFromAccountRef": {"FullName": "Checking"},
                                        "TransferToAccountRef": {"FullName": "Savings"},
                                        "Amount": D("175.50"), "Memo": "to savings"})
    assert transfer["Amount"] == D("175.50")
    assert (transfer["FromAccountBalance"], transfer["ToAccountBalance"]) == (D("324.50"),
                                                                              D("175.50"))
    assert (books.balance("Checking"), books.balance("Savings")) == (D("324.50"), D("175.50"))
    same = books.one("TransferAdd", {"TransferFromAccountRef": {"FullName": "Checking"},
                                     "TransferToAccountRef": {"FullName": "Checking"},
                                     "Amount": D("1")})
    assert same.status_code == 3180
    assert books.ok("TransferQuery", {"TxnID": transfer["TxnID"]})["Memo"] == "to savings"


def test_sales_tax_payment_check_pays_sales_tax_payable(books: Books) -> None:
    books.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}, "TxnDate": "2024-06-01",
                            "ItemSalesTaxRef": {"FullName": "State Tax"},
                            "InvoiceLineAdd": [{"ItemRef": {"FullName": "Widget"},
                                                "Quantity": 10,
                                                "SalesTaxCodeRef": {"FullName": "Tax"}}]})
    owed = books.balance("Sales Tax Payable")
    assert owed == D("200") * D("0.08")
    check = books.ok("SalesTaxPaymentCheckAdd", {
        "PayeeEntityRef": {"FullName": "State Tax Agency"}, "TxnDate": "2024-06-30",
        "BankAccountRef": {"FullName": "Checking"}, "RefNumber": "5001",
        "SalesTaxPaymentCheckLineAdd": [{"ItemSalesTaxRef": {"FullName": "State Tax"},
                                         "Amount": owed}]})
    assert check["Amount"] == owed and check["RefNumber"] == "5001"
    assert check["SalesTaxPaymentCheckLineRet"][0]["TxnLineID"]
    assert books.balance("Sales Tax Payable") == 0
    assert books.balance("Checking") == -owed


# -- refunds -----------------------------------------------------------------------------------

def test_credit_card_refund_of_a_credit_memo(books: Books) -> None:
    memo = books.ok("CreditMemoAdd", {"CustomerRef": {"FullName": "Beta"},
                                      "TxnDate": "2024-06-01", "CreditMemoLineAdd": [
                                          {"ItemRef": {"FullName": "Consulting"}}]})
    assert books.name_balance("Customer", "Beta") == D("-150.00")
    too_much = books.one("ARRefundCreditCardAdd", {
        "CustomerRef": {"FullName": "Beta"}, "RefundFromAccountRef": {"FullName": "Checking"},
        "RefundAppliedToTxnAdd": [{"TxnID": memo["TxnID"], "RefundAmount": D("150.01")}]})
    assert too_much.status_code == 3210
    refund = books.ok("ARRefundCreditCardAdd", {
        "CustomerRef": {"FullName": "Beta"}, "TxnDate": "2024-06-05",
        "RefundFromAccountRef": {"FullName": "Checking"},
        "PaymentMethodRef": {"FullName": "Visa"},
        "RefundAppliedToTxnAdd": [{"TxnID": memo["TxnID"], "RefundAmount": D("100")}]})
    assert refund["TotalAmount"] == D("100.00")
    assert refund["ARAccountRef"]["FullName"] == "Accounts Receivable"
    applied = refund["RefundAppliedToTxnRet"][0]
    assert (applied["TxnType"], applied["RefundAmount"], applied["CreditRemaining"]) == (
        "CreditMemo", D("100.00"), D("50.00"))
    assert books.name_balance("Customer", "Beta") == D("-50.00")
    assert books.balance("Checking") == D("-100.00")
    assert books.ok("CreditMemoQuery", {"TxnID": memo["TxnID"]})["CreditRemaining"] == D("50")
    books.done("TxnDel", {"TxnDelType": "ARRefundCreditCard", "TxnID": refund["TxnID"]})
    assert books.ok("CreditMemoQuery", {"TxnID": memo["TxnID"]})["CreditRemaining"] == D("150")
    assert books.name_balance("Customer", "Beta") == D("-150.00")


def test_credit_card_refund_of_an_unused_payment(books: Books) -> None:
    payment = books.ok("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Acme"},
                                             "TotalAmount": D("80"), "TxnDate": "2024-06-01",
                                             "IsAutoApply": False})
    assert payment["UnusedPayment"] == D("80.00")
    books.ok("ARRefundCreditCardAdd", {
        "CustomerRef": {"FullName": "Acme"}, "TxnDate": "2024-06-02",
        "RefundAppliedToTxnAdd": [{"TxnID": payment["TxnID"], "RefundAmount": D("30")}]})
    assert books.ok("ReceivePaymentQuery", {"TxnID": payment["TxnID"]})["UnusedPayment"] == \
        D("50.00")
    # Refunded from Undeposited Funds by default, where the payment is waiting.
    assert books.balance("Undeposited Funds") == D("50.00")
    assert books.name_balance("Customer", "Acme") == D("-50.00")


# -- time and mileage --------------------------------------------------------------------------

def test_time_tracking_records_time_without_posting(books: Books) -> None:
    before = books.session.store.db.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    entry = books.ok("TimeTrackingAdd", {"TxnDate": "2024-06-03",
                                         "EntityRef": {"FullName": "Pat Worker"},
                                         "CustomerRef": {"FullName": "Acme"},
                                         "ItemServiceRef": {"FullName": "Consulting"},
                                         "Duration": timedelta(hours=2, minutes=30),
                                         "Notes": "site visit"})
    assert entry["Duration"] == timedelta(hours=2, minutes=30)
    assert entry["BillableStatus"] == "Billable"
    assert entry["TxnNumber"] >= 1
    internal = books.ok("TimeTrackingAdd", {"EntityRef": {"FullName": "Pat Worker"},
                                            "Duration": timedelta(minutes=45)})
    assert internal["BillableStatus"] == "NotBillable"
    after = books.session.store.db.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    assert after == before
    found = books.one("TimeTrackingQuery", {"TxnDateRangeFilter": {
        "FromTxnDate": "2024-06-03", "ToTxnDate": "2024-06-03"}})
    assert [r["TxnID"] for r in found.records] == [entry["TxnID"]]


def test_vehicle_mileage_computes_miles_and_billing(books: Books) -> None:
    trip = books.ok("VehicleMileageAdd", {"VehicleRef": {"FullName": "Van"},
                                          "CustomerRef": {"FullName": "Acme"},
                                          "ItemRef": {"FullName": "Mileage"},
                                          "TripStartDate": "2024-06-03",
                                          "TripEndDate": "2024-06-04",
                                          "OdometerStart": D("12000"),
                                          "OdometerEnd": D("12180.5")})
    assert trip["TotalMiles"] == D("180.5")
    assert trip["BillableRate"] == D("0.65")
    assert trip["BillableAmount"] == (D("180.5") * D("0.65")).quantize(D("0.01"), ROUND_HALF_UP)
    assert trip["BillableStatus"] == "Billable"
    own_trip = books.ok("VehicleMileageAdd", {"VehicleRef": {"FullName": "Van"},
                                              "TotalMiles": D("42"), "Notes": "errand"})
    assert own_trip["TotalMiles"] == D("42") and own_trip["BillableStatus"] == "NotBillable"
    assert "BillableAmount" not in own_trip
    assert own_trip["TripEndDate"] == books.session.clock.now().date()
    backwards = books.one("VehicleMileageAdd", {"VehicleRef": {"FullName": "Van"},
                                                "OdometerStart": D("100"),
                                                "OdometerEnd": D("90")})
    assert backwards.status_code == 3180


def test_deposit_mod_replaces_lines(books: Books) -> None:
    payment_id = paid_invoice(books, amount_lines=1)
    deposit = books.ok("DepositAdd", {
        "TxnDate": "2024-06-03", "DepositToAccountRef": {"FullName": "Checking"},
        "DepositLineAdd": [{"PaymentTxnID": payment_id},
                           {"AccountRef": {"FullName": "Interest Income"}, "Amount": D("5")}]})
    interest_line = deposit["DepositLineRet"][1]["TxnLineID"]
    modified = books.ok("DepositMod", {
        "TxnID": deposit["TxnID"], "EditSequence": deposit["EditSequence"],
        "DepositLineMod": [{"TxnLineID": interest_line, "Amount": D("7.50")}]})
    assert [line["Amount"] for line in modified["DepositLineRet"]] == [D("7.50")]
    assert modified["DepositTotal"] == D("7.50")
    assert (books.balance("Checking"), books.balance("Undeposited Funds"),
            books.balance("Interest Income")) == (D("7.50"), D("150.00"), D("7.50"))
    again = books.ok("DepositAdd", {"DepositToAccountRef": {"FullName": "Savings"},
                                    "DepositLineAdd": [{"PaymentTxnID": payment_id}]})
    assert again["DepositTotal"] == D("150.00") and books.balance("Undeposited Funds") == 0
