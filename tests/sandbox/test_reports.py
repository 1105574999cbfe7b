"""GeneralSummaryReportQuery on a real company file: profit & loss, balance sheet and trial
balance computed from a small year of transactions, checked against what those transactions
imply."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from qbconnector.qbxml import xmlsafe
from qbconnector.qbxml.build import Message
from qbconnector.sandbox.reports.summary import period_column, period_subtitle

from .ledger_helpers import Books, Report, copy_company, new_company

D = Decimal

# The year of business the reports summarise (the clock says 2024-06-15; fiscal year = calendar).
RATE = D("150")                        # Consulting's price
PRIOR_SALE_QTY = 4                     # sales receipt, 2023-11-10
PRIOR_RENT = D("200")                  # 2023-12-20
OWNER_MONEY = D("5000")                # opening balance equity, 2024-01-02
INVOICE_QTY = 2                        # invoice to Acme, 2024-02-10
PAYMENT = D("200")                     # paid 2024-03-01, deposited 2024-03-02
RECEIPT_QTY = 1                        # sales receipt, 2024-04-05
RENT = D("800")                        # 2024-05-01
COGS = D("120")                        # on credit from Supplier, 2024-05-10
INTEREST = D("25")                     # deposited 2024-05-31
BANK_CHARGES = D("15")                 # 2024-06-01
TRANSFER = D("1000")                   # checking to savings, 2024-06-05
SUPPLIES = D("60")                     # on the Visa card, 2024-06-10
GAS, ELECTRIC, UTILITIES_OTHER = D("40"), D("35"), D("10")      # 2024-06-12
LOAN = D("2000")                       # 2024-06-14
JULY_RENT = D("100")                   # 2024-07-01, after today


def record_the_year(books: Books) -> None:
    for name, kind in (("Checking", "Bank"), ("Savings", "Bank"), ("Petty Cash", "Bank"),
                       ("Visa", "CreditCard"), ("Loan", "LongTermLiability"),
                       ("Sales", "Income"), ("Interest Income", "OtherIncome"),
                       ("Bank Charges", "OtherExpense"), ("Rent", "Expense"),
                       ("Office Supplies", "Expense"), ("Utilities", "Expense")):
        books.account(name, kind)
    for child in ("Gas", "Electric"):
        books.account(child, "Expense", ParentRef={"FullName": "Utilities"})
    books.ok("CustomerAdd", {"Name": "Acme"})
    books.ok("CustomerAdd", {"Name": "Beta"})
    books.ok("VendorAdd", {"Name": "Supplier"})
    books.ok("ItemServiceAdd", {"Name": "Consulting", "SalesOrPurchase": {
        "Price": RATE, "AccountRef": {"FullName": "Sales"}}})

    def receipt(when: str, customer: str, quantity: int) -> None:
        books.ok("SalesReceiptAdd", {"CustomerRef": {"FullName": customer}, "TxnDate": when,
                                     "DepositToAccountRef": {"FullName": "Checking"},
                                     "SalesReceiptLineAdd": [{"ItemRef": {
                                         "FullName": "Consulting"}, "Quantity": quantity}]})

    receipt("2023-11-10", "Beta", PRIOR_SALE_QTY)
    books.journal("2023-12-20", [("Rent", PRIOR_RENT, None)], [("Checking", PRIOR_RENT, None)])
    books.journal("2024-01-02", [("Checking", OWNER_MONEY, None)],
                  [("Opening Bal Equity", OWNER_MONEY, None)])
    books.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}, "TxnDate": "2024-02-10",
                            "InvoiceLineAdd": [{"ItemRef": {"FullName": "Consulting"},
                                                "Quantity": INVOICE_QTY}]})
    payment = books.ok("ReceivePaymentAdd", {"CustomerRef": {"FullName": "Acme"},
                                             "TxnDate": "2024-03-01", "TotalAmount": PAYMENT,
                                             "IsAutoApply": True})
    books.ok("DepositAdd", {"TxnDate": "2024-03-02", "DepositToAccountRef": {
        "FullName": "Checking"}, "DepositLineAdd": [{"PaymentTxnID": payment["TxnID"]}]})
    receipt("2024-04-05", "Beta", RECEIPT_QTY)
    books.journal("2024-05-01", [("Rent", RENT, None)], [("Checking", RENT, None)])
    books.journal("2024-05-10", [("Cost of Goods Sold", COGS, None)],
                  [("Accounts Payable", COGS, "Supplier")])
    books.ok("DepositAdd", {"TxnDate": "2024-05-31", "DepositToAccountRef": {
        "FullName": "Checking"}, "DepositLineAdd": [{"AccountRef": {
            "FullName": "Interest Income"}, "Amount": INTEREST}]})
    books.journal("2024-06-01", [("Bank Charges", BANK_CHARGES, None)],
                  [("Checking", BANK_CHARGES, None)])
    books.ok("TransferAdd", {"TxnDate": "2024-06-05",
                             "TransferFromAccountRef": {"FullName": "Checking"},
                             "TransferToAccountRef": {"FullName": "Savings"},
                             "Amount": TRANSFER})
    books.journal("2024-06-10", [("Office Supplies", SUPPLIES, None)],
                  [("Visa", SUPPLIES, None)])
    books.journal("2024-06-12", [("Utilities:Gas", GAS, None),
                                 ("Utilities:Electric", ELECTRIC, None),
                                 ("Utilities", UTILITIES_OTHER, None)],
                  [("Checking", GAS + ELECTRIC + UTILITIES_OTHER, None)])
    books.journal("2024-06-14", [("Checking", LOAN, None)], [("Loan", LOAN, None)])
    books.journal("2024-07-01", [("Rent", JULY_RENT, None)], [("Checking", JULY_RENT, None)])


# What the transactions imply.
PRIOR_NET = PRIOR_SALE_QTY * RATE - PRIOR_RENT
INCOME = (INVOICE_QTY + RECEIPT_QTY) * RATE
UTILITIES = GAS + ELECTRIC + UTILITIES_OTHER
EXPENSES = RENT + SUPPLIES + UTILITIES
NET_ORDINARY = INCOME - COGS - EXPENSES
NET_INCOME = NET_ORDINARY + INTEREST - BANK_CHARGES
CHECKING = (PRIOR_SALE_QTY * RATE - PRIOR_RENT + OWNER_MONEY + PAYMENT + RECEIPT_QTY * RATE
            - RENT + INTEREST - BANK_CHARGES - TRANSFER - UTILITIES + LOAN)
RECEIVABLE = INVOICE_QTY * RATE - PAYMENT


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    """One company holding the year; the report tests only read it."""
    folder = tmp_path_factory.mktemp("reports")
    path = copy_company(new_company(folder), folder / "year.qbdb")
    opened = Books(path)
    record_the_year(opened)
    yield opened
    opened.close()


def check_shape(report: Report) -> None:
    """Counts agree with the content; rows are numbered 1..n."""
    assert report.num_rows == len(report.rows)
    assert report.num_columns == len(report.columns)
    assert [r.number for r in report.rows] == list(range(1, len(report.rows) + 1))
    assert all(len(titles) == report.title_rows for *_, titles in report.columns)
    assert report.basis == "Accrual"


# -- profit & loss -------------------------------------------------------------------------------

def test_profit_and_loss_for_the_fiscal_year_to_date(books: Books) -> None:
    report = books.report("ProfitAndLossStandard")
    check_shape(report)
    assert (report.title, report.subtitle) == ("Profit & Loss", "January 1 - June 15, 2024")
    assert report.columns[1][1:3] == ("AMTTYPE", "Amount")
    assert report.columns[1][3] == [("1", "Jan 1 - Jun 15, 24")]
    amounts = {label: report.find(label).amount() for label in (
        "Total Income", "Total COGS", "Gross Profit", "Total Expense", "Net Ordinary Income",
        "Total Other Income", "Total Other Expense", "Net Other Income", "Net Income")}
    assert amounts == {"Total Income": INCOME, "Total COGS": COGS, "Gross Profit": INCOME - COGS,
                       "Total Expense": EXPENSES, "Net Ordinary Income": NET_ORDINARY,
                       "Total Other Income": INTEREST, "Total Other Expense": BANK_CHARGES,
                       "Net Other Income": INTEREST - BANK_CHARGES, "Net Income": NET_INCOME}
    assert report.find("Net Income").kind == "TotalRow"
    assert report.rows[0].kind == "TextRow" and report.rows[0].label == "Ordinary Income/Expense"
    rent = report.find("Rent")
    assert (rent.kind, rent.account, rent.amount()) == ("DataRow", "Rent", RENT)


def test_profit_and_loss_nests_subaccounts(books: Books) -> None:
    report = books.report("ProfitAndLossStandard")
    start = report.labels().index("Utilities")
    block = report.rows[start:start + 5]
    assert [(r.kind, r.label, r.account) for r in block] == [
        ("TextRow", "Utilities", None),
        ("DataRow", "Electric", "Utilities:Electric"),
        ("DataRow", "Gas", "Utilities:Gas"),
        ("DataRow", "Utilities - Other", "Utilities"),
        ("SubtotalRow", "Total Utilities", "Utilities")]
    assert [r.amount() for r in block[1:]] == [ELECTRIC, GAS, UTILITIES_OTHER, UTILITIES]


@pytest.mark.parametrize("request_data, subtitle, column, expected", [
    ({"ReportDateMacro": "LastYear"}, "January through December 2023", "Jan - Dec 23",
     {"Total Income": PRIOR_SALE_QTY * RATE, "Total Expense": PRIOR_RENT,
      "Net Income": PRIOR_NET}),
    ({"ReportDateMacro": "ThisMonth"}, "June 2024", "Jun 24",
     {"Total Expense": SUPPLIES + UTILITIES, "Total Other Expense": BANK_CHARGES,
      "Net Income": -(SUPPLIES + UTILITIES + BANK_CHARGES)}),
    ({"ReportPeriod": {"FromReportDate": "2024-03-01", "ToReportDate": "2024-04-30"}},
     "March through April 2024", "Mar - Apr 24",
     {"Total Income": RECEIPT_QTY * RATE, "Net Income": RECEIPT_QTY * RATE}),
    ({"ReportPeriod": {"FromReportDate": "2024-07-01", "ToReportDate": "2024-07-01"}},
     "July 1, 2024", "Jul 1, 24", {"Total Expense": JULY_RENT, "Net Income": -JULY_RENT}),
    ({"ReportDateMacro": "All"}, "All Transactions", "TOTAL",
     {"Net Income": PRIOR_NET + NET_INCOME - JULY_RENT}),
])
def test_profit_and_loss_honours_the_period(books: Books, request_data: dict, subtitle: str,
                                            column: str, expected: dict) -> None:
    report = books.report("ProfitAndLossStandard", **request_data)
    check_shape(report)
    assert report.subtitle == subtitle
    assert report.columns[1][3] == [("1", column)]
    assert {label: report.find(label).amount() for label in expected} == expected


def test_profit_and_loss_of_a_quiet_period_is_just_net_income(books: Books) -> None:
    report = books.report("ProfitAndLossStandard", ReportPeriod={
        "FromReportDate": "2022-01-01", "ToReportDate": "2022-12-31"})
    assert [(r.kind, r.label, r.amount()) for r in report.rows] == [
        ("TotalRow", "Net Income", D("0.00"))]


# -- balance sheet -------------------------------------------------------------------------------

def test_balance_sheet_balances_with_net_income_in_equity(books: Books) -> None:
    report = books.report("BalanceSheetStandard")
    check_shape(report)
    assert (report.title, report.subtitle) == ("Balance Sheet", "As of June 15, 2024")
    assert report.columns[1][3] == [("1", "Jun 15, 24")]
    assets = report.find("TOTAL ASSETS", "TotalRow").amount()
    assert assets == report.find("TOTAL LIABILITIES & EQUITY", "TotalRow").amount()
    values = {r.account: r.amount() for r in report.account_rows()}
    assert values["Checking"] == CHECKING
    assert values["Savings"] == TRANSFER
    assert values["Accounts Receivable"] == RECEIVABLE
    assert values["Undeposited Funds"] == 0            # had activity, all deposited
    assert values["Accounts Payable"] == COGS
    assert values["Visa"] == SUPPLIES
    assert values["Loan"] == LOAN
    assert values["Opening Bal Equity"] == OWNER_MONEY
    assert values["Retained Earnings"] == PRIOR_NET
    assert report.find("Net Income", "DataRow").amount() == NET_INCOME
    assert "Petty Cash" not in values                  # no activity
    assert assets == CHECKING + TRANSFER + RECEIVABLE
    assert report.find("Total Liabilities").amount() == COGS + SUPPLIES + LOAN
    assert report.find("Total Equity").amount() == OWNER_MONEY + PRIOR_NET + NET_INCOME


def test_balance_sheet_sections_in_quickbooks_order(books: Books) -> None:
    report = books.report("BalanceSheetStandard")
    headings = [r.label for r in report.rows if r.kind in ("TextRow", "TotalRow")]
    assert headings == ["ASSETS", "Current Assets", "Checking/Savings", "Accounts Receivable",
                        "Other Current Assets", "TOTAL ASSETS", "LIABILITIES & EQUITY",
                        "Liabilities", "Current Liabilities", "Accounts Payable",
                        "Credit Cards", "Long Term Liabilities", "Equity",
                        "TOTAL LIABILITIES & EQUITY"]


@pytest.mark.parametrize("as_of, checking, net_income, retained", [
    ("2024-07-31", CHECKING - JULY_RENT, NET_INCOME - JULY_RENT, PRIOR_NET),
    ("2023-12-31", PRIOR_SALE_QTY * RATE - PRIOR_RENT, PRIOR_NET, None),
])
def test_balance_sheet_as_of_other_dates(books: Books, as_of: str, checking: Decimal,
                                         net_income: Decimal, retained: Decimal | None) -> None:
    report = books.report("BalanceSheetStandard", ReportPeriod={"ToReportDate": as_of})
    day = date.fromisoformat(as_of)
    assert report.subtitle == f"As of {day:%B} {day.day}, {day.year}"
    values = {r.account: r.amount() for r in report.account_rows()}
    assert values["Checking"] == checking
    assert values.get("Retained Earnings") == retained
    assert report.find("Net Income").amount() == net_income
    assert report.find("TOTAL ASSETS").amount() == \
        report.find("TOTAL LIABILITIES & EQUITY").amount()


# -- trial balance -------------------------------------------------------------------------------

def test_trial_balance_nets_to_zero(books: Books) -> None:
    report = books.report("TrialBalance")
    check_shape(report)
    assert report.subtitle == "As of June 15, 2024"
    assert [c[2] for c in report.columns] == ["Label", "Debit", "Credit"]
    assert report.columns[1][3] == [("1", "Jun 15, 24"), ("2", "Debit")]
    rows = report.account_rows()
    debits = sum((r.amount(2) or 0 for r in rows), D(0))
    credits = sum((r.amount(3) or 0 for r in rows), D(0))
    total = report.find("TOTAL", "TotalRow")
    assert total.amount(2) == total.amount(3) == debits == credits
    by_account = {r.account: (r.amount(2), r.amount(3)) for r in rows}
    assert by_account["Checking"] == (CHECKING, None)
    assert by_account["Loan"] == (None, LOAN)
    assert by_account["Retained Earnings"] == (None, PRIOR_NET)   # earlier years' profit
    assert by_account["Sales"] == (None, INCOME)                  # this fiscal year only
    assert by_account["Rent"] == (RENT, None)                     # July's rent is later


# -- filters -------------------------------------------------------------------------------------

def test_filters_narrow_the_postings(books: Books) -> None:
    journal_only = books.report("ProfitAndLossStandard",
                                ReportTxnTypeFilter={"TxnTypeFilter": ["JournalEntry"]})
    assert not journal_only.has("Total Income")
    assert journal_only.find("Net Income").amount() == \
        -(COGS + EXPENSES + BANK_CHARGES)
    expenses = books.report("ProfitAndLossStandard", ReportAccountFilter={
        "AccountTypeFilter": "ExpenseAndOtherExpense"})
    assert [r.account for r in expenses.account_rows()] == [
        "Office Supplies", "Rent", "Utilities:Electric", "Utilities:Gas", "Utilities",
        "Bank Charges"]
    supplier = books.report("BalanceSheetStandard",
                            ReportEntityFilter={"FullName": "Supplier"})
    assert {r.account: r.amount() for r in supplier.account_rows()} == {
        "Accounts Payable": COGS}
    checking = books.report("TrialBalance", ReportAccountFilter={"FullName": "Checking"})
    assert [(r.account, r.amount(2)) for r in checking.account_rows()] == [
        ("Checking", CHECKING)]
    children = books.report("ProfitAndLossStandard", ReportAccountFilter={
        "FullNameWithChildren": "Utilities"})
    assert children.find("Net Income").amount() == -UTILITIES


# -- options and refusals ------------------------------------------------------------------------

def test_return_rows_all_lists_quiet_accounts(books: Books) -> None:
    report = books.report("BalanceSheetStandard", ReturnRows="All")
    values = {r.account: r.amount() for r in report.account_rows()}
    assert values["Petty Cash"] == 0
    assert report.find("TOTAL ASSETS").amount() == \
        report.find("TOTAL LIABILITIES & EQUITY").amount()


@pytest.mark.parametrize("data, words", [
    ({"GeneralSummaryReportType": "SalesByItemSummary"}, "SalesByItemSummary"),
    ({"GeneralSummaryReportType": "ProfitAndLossStandard", "ReportBasis": "Cash"}, "Cash"),
])
def test_unsupported_reports_answer_1030(books: Books, data: dict, words: str) -> None:
    rs = books.one("GeneralSummaryReportQuery", data)
    assert (rs.status_code, rs.status_severity) == (1030, "Error")
    assert words in rs.status_message and "qbconnector sandbox" in rs.status_message
    if words != "Cash":
        for supported in ("ProfitAndLossStandard", "BalanceSheetStandard", "TrialBalance"):
            assert supported in rs.status_message


def test_inventory_stock_status_by_item(tmp_path_factory: pytest.TempPathFactory) -> None:
    # [085]: a text row per item type, subitems inside their parent, the parent's own figures
    # as "<name> - Other", a subtotal per parent; empty cells left out.
    folder = tmp_path_factory.mktemp("stock")
    books = Books(copy_company(new_company(folder), folder / "stock.qbdb"))
    try:
        books.ok("VendorAdd", {"Name": "Supplier"})
        books.ok("CustomerAdd", {"Name": "Acme"})
        accounts = {"IncomeAccountRef": {"FullName": "Uncategorized Income"},
                    "COGSAccountRef": {"FullName": "Cost of Goods Sold"},
                    "AssetAccountRef": {"FullName": "Inventory Asset"}}
        books.ok("ItemInventoryAdd", {"Name": "Bolt", "SalesDesc": "Steel bolt",
                                      "PrefVendorRef": {"FullName": "Supplier"}, **accounts,
                                      "ReorderPoint": 10, "QuantityOnHand": 8,
                                      "TotalValue": 16, "InventoryDate": "2024-01-02"})
        books.ok("ItemInventoryAdd", {"Name": "Kit", **accounts, "QuantityOnHand": 2,
                                      "TotalValue": 10, "InventoryDate": "2024-01-02"})
        books.ok("ItemInventoryAdd", {"Name": "Part", "ParentRef": {"FullName": "Kit"},
                                      **accounts, "QuantityOnHand": 4, "TotalValue": 4,
                                      "InventoryDate": "2024-01-02"})
        books.ok("PurchaseOrderAdd", {"VendorRef": {"FullName": "Supplier"},
                                      "TxnDate": "2024-06-01", "ExpectedDate": "2024-07-01",
                                      "PurchaseOrderLineAdd": [{"ItemRef": {"FullName": "Bolt"},
                                                                "Quantity": 5}]})
        for day, quantity in (("2024-06-03", 2), ("2024-06-10", 1)):
            books.ok("InvoiceAdd", {"CustomerRef": {"FullName": "Acme"}, "TxnDate": day,
                                    "InvoiceLineAdd": [{"ItemRef": {"FullName": "Bolt"},
                                                        "Quantity": quantity}]})
        report = books.report("InventoryStockStatusByItem", ReportPeriod={
            "FromReportDate": "2024-06-01", "ToReportDate": "2024-06-14"})
    finally:
        books.close()
    assert (report.title, report.subtitle, report.num_columns) == (
        "Inventory Stock Status by Item", "June 1 - 14, 2024", 9)
    assert [c[2] for c in report.columns] == [
        "Blank", "ItemDesc", "ItemVendor", "ReorderPoint", "QuantityOnHand",
        "SuggestedReorder", "QuantityOnOrder", "EarliestReceiptDate", "SalesPerWeek"]
    assert [(r.kind, r.label, r.account) for r in report.rows] == [
        ("TextRow", "Inventory", None), ("DataRow", "Bolt", "Bolt"), ("TextRow", "Kit", None),
        ("DataRow", "Part", "Kit:Part"), ("DataRow", "Kit - Other", "Kit"),
        ("SubtotalRow", "Total Kit", "Kit")]
    assert report.num_rows == 6
    bolt, part, kit, total = (report.rows[i].values for i in (1, 3, 4, 5))
    # 8 - 3 sold on hand, 5 on order: 10 at the reorder point, so reorder; 3 sold in 2 weeks
    assert bolt == {2: "Steel bolt", 3: "Supplier", 4: "10", 5: "5", 6: "true", 7: "5",
                    8: "2024-07-01", 9: "1.5"}
    assert part == {5: "4", 6: "false", 7: "0", 9: "0"}
    assert kit == {5: "2", 6: "false", 7: "0", 9: "0"}
    assert total == {5: "6", 7: "0", 9: "0"}


def test_period_in_words() -> None:
    cases = [((date(2024, 1, 1), date(2024, 6, 15)), "January 1 - June 15, 2024",
              "Jan 1 - Jun 15, 24"),
             ((date(2024, 1, 1), date(2024, 12, 31)), "January through December 2024",
              "Jan - Dec 24"),
             ((date(2023, 12, 15), date(2024, 1, 15)), "December 15, 2023 - January 15, 2024",
              "Dec 15, 23 - Jan 15, 24"),
             ((date(2023, 11, 1), date(2024, 2, 29)), "November 2023 through February 2024",
              "Nov 23 - Feb 24"),
             ((None, date(2024, 2, 29)), "Through February 29, 2024", "TOTAL")]
    for (since, until), subtitle, column in cases:
        assert (period_subtitle(since, until), period_column(since, until)) == (subtitle, column)


def test_report_shape_follows_a_real_report(books: Books, transcripts: Path) -> None:
    """Same element and attribute layout as QuickBooks' report in transcript 085."""
    real = xmlsafe.parse((transcripts / "085-report-inventory-stock-status.response.xml")
                         .read_text()).find(".//ReportRet")
    real_subtitle = real.findtext("ReportSubtitle")
    assert period_subtitle(date(2011, 2, 1), date(2011, 2, 7)) == real_subtitle
    text = books.ok_text("GeneralSummaryReportQuery",
                         {"GeneralSummaryReportType": "ProfitAndLossStandard"})
    ours = xmlsafe.parse(text).find(".//ReportRet")

    def header(ret):
        return [el.tag for el in ret if el.tag != "ColDesc"], \
            {tuple(sorted(el.attrib)) for el in ret.iter("ColDesc")}, \
            {tuple(sorted(el.attrib)) for el in ret.iter("TextRow")}, \
            {tuple(sorted(el.attrib)) for el in ret.iter("ColData")}
    assert header(ours) == header(real)
    assert {el.get("rowType") for el in ours.iter("RowData")} <= {"account"}


# -- TransactionQuery ----------------------------------------------------------------------------

def test_transaction_query_lists_every_type_in_date_order(books: Books) -> None:
    found = books.one("TransactionQuery", {"TransactionDateRangeFilter": {
        "FromTxnDate": "2024-05-31", "ToTxnDate": "2024-06-05"}}).records
    assert [(r["TxnType"], str(r["TxnDate"])) for r in found] == [
        ("Deposit", "2024-05-31"), ("JournalEntry", "2024-06-01"), ("Transfer", "2024-06-05")]
    deposit, journal, transfer = found
    assert (deposit["AccountRef"]["FullName"], deposit["Amount"]) == ("Checking", INTEREST)
    assert journal["Amount"] == BANK_CHARGES and "AccountRef" not in journal
    assert (transfer["AccountRef"]["FullName"], transfer["Amount"]) == ("Checking", -TRANSFER)


def test_transaction_query_filters(books: Books) -> None:
    def types(**data: object) -> list[str]:
        return [r["TxnType"] for r in books.one("TransactionQuery", data).records]
    assert types(TransactionEntityFilter={"FullName": "Acme"}) == ["Invoice", "ReceivePayment"]
    assert types(TransactionAccountFilter={"FullName": "Savings"}) == ["Transfer"]
    assert types(TransactionAccountFilter={"FullName": "Undeposited Funds"}) == [
        "ReceivePayment", "Deposit"]
    journals = types(TransactionTypeFilter={"TxnTypeFilter": ["JournalEntry"]})
    assert journals == ["JournalEntry"] * 9            # the journal entries of the year
    assert types(TransactionEntityFilter={"EntityTypeFilter": "Vendor"}) == []
    assert types(TransactionPaidStatusFilter="Open",
                 TransactionTypeFilter={"TxnTypeFilter": ["Invoice"]}) == ["Invoice"]
    assert types(TransactionPaidStatusFilter="Closed",
                 TransactionTypeFilter={"TxnTypeFilter": ["Invoice"]}) == []


def test_transaction_query_iterates(books: Books) -> None:
    everything = books.one("TransactionQuery").records
    first = books.send(Message("TransactionQuery", {"MaxReturned": 5}, iterator="Start"))[0]
    assert len(first.records) == 5
    assert first.iterator_remaining_count == len(everything) - 5
    seen = [r["TxnID"] for r in first.records]
    while True:
        page = books.send(Message("TransactionQuery", {"MaxReturned": 5}, iterator="Continue",
                                  iteratorID=first.iterator_id))[0]
        seen += [r["TxnID"] for r in page.records]
        if page.iterator_remaining_count == 0:
            break
    assert seen == [r["TxnID"] for r in everything]


def test_transaction_query_refusals(books: Books) -> None:
    missing = books.one("TransactionQuery", {"TxnID": "FFFF-1"})
    assert (missing.status_code, missing.status_severity) == (500, "Warn")
    detail = books.one("TransactionQuery", {"TransactionDetailLevelFilter": "All"})
    assert detail.status_code == 1030 and "SummaryOnly" in detail.status_message
