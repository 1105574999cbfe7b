"""Writing a planned year: each event becomes typed ``*Add`` data for the engine's rules.

Amounts the rules compute (an invoice's total and tax, what is still open on it) are read
back from the company file, so payments pay exactly what is owed, credits never exceed what
they are applied to and deposits take what is waiting in Undeposited Funds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from qbconnector.sandbox.company.samples.catalog import Catalog
from qbconnector.sandbox.company.samples.names import MEMOS
from qbconnector.sandbox.company.samples.plan import Event, Line
from qbconnector.sandbox.company.samples.writer import SampleWriter
from qbconnector.sandbox.core.render import money

Progress = Callable[[str, int, int], None]
D = Decimal
ZERO = D(0)

FIRST_NUMBER = {"Invoice": 1001, "SalesReceipt": 3001, "CreditMemo": 6001, "Estimate": 2001,
                "SalesOrder": 4001, "PurchaseOrder": 7001, "JournalEntry": 1, "check": 10001,
                "BuildAssembly": 1}
CHECK_TYPES = ("Check", "BillPaymentCheck", "SalesTaxPaymentCheck")


def _ref(record_id: str) -> dict[str, str]:
    return {"ListID": record_id}


def _sale_line(line: Line) -> dict[str, Any]:
    out: dict[str, Any] = {"ItemRef": _ref(line.item.id)}
    if line.quantity is not None:
        out["Quantity"] = line.quantity
    if line.amount is not None:
        out["Amount"] = line.amount
    return out


class Executor:
    """Writes planned events in order, in batches of one SQLite transaction each."""

    def __init__(self, writer: SampleWriter, catalog: Catalog) -> None:
        self.writer = writer
        self.catalog = catalog
        self.numbers = dict(FIRST_NUMBER)
        self.undeposited: list[str] = []
        self.handlers: dict[str, Callable[[Event], dict[str, Any]]] = {
            "Invoice": self.invoice, "SalesReceipt": self.sales_receipt,
            "CreditMemo": self.credit_memo, "Estimate": self.estimate,
            "SalesOrder": self.sales_order, "ReceivePayment": self.payment,
            "PurchaseOrder": self.purchase_order, "Bill": self.bill,
            "BillPaymentCheck": self.bill_payment, "Check": self.check,
            "Deposit": self.deposit, "JournalEntry": self.journal_entry,
            "BuildAssembly": self.build_assembly,
            "SalesTaxPaymentCheck": self.sales_tax_payment}

    def run(self, events: list[Event], progress: Progress | None = None,
            batch_size: int = 5000, report_every: int = 250) -> None:
        total = len(events)
        for start in range(0, total, batch_size):
            with self.writer.batch():
                for done, event in enumerate(events[start: start + batch_size], start + 1):
                    data = self.handlers[event.kind](event)
                    event.txn_id = self.writer.add(event.kind, data)
                    self.after(event)
                    if progress is not None and done % report_every == 0:
                        progress("transactions", done, total)
        if progress is not None:
            progress("transactions", total, total)

    def after(self, event: Event) -> None:
        if event.kind in ("ReceivePayment", "SalesReceipt"):
            self.undeposited.append(event.txn_id or "")

    # -- helpers -------------------------------------------------------------------------------
    def number(self, kind: str) -> str:
        key = "check" if kind in CHECK_TYPES else kind
        value = self.numbers[key]
        self.numbers[key] = value + 1
        return str(value)

    def column(self, txn_id: str, name: str) -> Any:
        row = self.writer.store.db.execute(f"SELECT {name} FROM records WHERE id=?",  # noqa: S608
                                           (txn_id,)).fetchone()
        return row[0] if row else None

    def doc(self, txn_id: str) -> dict[str, Any]:
        return json.loads(self.column(txn_id, "doc") or "{}")

    def _memo(self, event: Event, data: dict[str, Any]) -> None:
        if event.seq % 7 == 0:
            data["Memo"] = MEMOS[event.seq % len(MEMOS)]

    def _sale(self, event: Event, line_key: str) -> dict[str, Any]:
        customer = event.customer
        assert customer is not None
        data: dict[str, Any] = {"CustomerRef": _ref(customer.id),
                                "ClassRef": _ref(customer.class_id), "TxnDate": event.day,
                                "RefNumber": self.number(event.kind)}
        if event.lines:
            data[line_key] = [_sale_line(line) for line in event.lines]
        self._memo(event, data)
        return data

    # -- sales ---------------------------------------------------------------------------------
    def invoice(self, event: Event) -> dict[str, Any]:
        if event.source is not None:
            customer = event.customer
            assert customer is not None and event.source.txn_id
            return {"CustomerRef": _ref(customer.id), "ClassRef": _ref(customer.class_id),
                    "TxnDate": event.day, "RefNumber": self.number("Invoice"),
                    "LinkToTxnID": [event.source.txn_id]}
        return self._sale(event, "InvoiceLineAdd")

    def sales_receipt(self, event: Event) -> dict[str, Any]:
        data = self._sale(event, "SalesReceiptLineAdd")
        assert event.customer is not None
        data["PaymentMethodRef"] = _ref(event.customer.payment_method)
        return data

    def credit_memo(self, event: Event) -> dict[str, Any]:
        data = self._sale(event, "CreditMemoLineAdd")
        data.setdefault("Memo", "Returned item" if event.lines[0].quantity else
                        "Service credit")
        return data

    def estimate(self, event: Event) -> dict[str, Any]:
        return self._sale(event, "EstimateLineAdd")

    def sales_order(self, event: Event) -> dict[str, Any]:
        return self._sale(event, "SalesOrderLineAdd")

    def payment(self, event: Event) -> dict[str, Any]:
        invoice = event.source
        customer = event.customer
        assert invoice is not None and invoice.txn_id and customer is not None
        open_amount = money(self.column(invoice.txn_id, "open_amount"))
        pay = open_amount
        if event.data.get("partial") and open_amount > 1:
            pay = (open_amount / 2).quantize(D("0.01"))
        applied: dict[str, Any] = {"TxnID": invoice.txn_id}
        memo = event.data.get("credit")
        if memo is not None and memo.txn_id:
            credit = money(self.doc(memo.txn_id).get("TotalAmount"))
            if ZERO < credit < pay:
                applied["SetCredit"] = [{"CreditTxnID": memo.txn_id, "AppliedAmount": credit}]
                pay -= credit
        applied["PaymentAmount"] = pay
        data: dict[str, Any] = {"CustomerRef": _ref(customer.id), "TxnDate": event.day,
                                "TotalAmount": pay,
                                "PaymentMethodRef": _ref(customer.payment_method),
                                "AppliedToTxnAdd": [applied]}
        if customer.payment_method == self.catalog.payment_methods.get("Check"):
            data["RefNumber"] = str(1000 + event.seq % 9000)
        return data

    # -- purchases -----------------------------------------------------------------------------
    def purchase_order(self, event: Event) -> dict[str, Any]:
        assert event.vendor is not None
        return {"VendorRef": _ref(event.vendor), "TxnDate": event.day,
                "RefNumber": self.number("PurchaseOrder"),
                "PurchaseOrderLineAdd": [{"ItemRef": _ref(x.item.id), "Quantity": x.quantity,
                                          "Rate": x.item.cost} for x in event.lines]}

    def bill(self, event: Event) -> dict[str, Any]:
        assert event.vendor is not None
        data: dict[str, Any] = {"VendorRef": _ref(event.vendor), "TxnDate": event.day,
                                "RefNumber": f"INV-{event.seq:06d}"}
        goods = ZERO
        if event.source is not None and event.source.txn_id:
            data["LinkToTxnID"] = [event.source.txn_id]
            goods = sum(((x.quantity or ZERO) * (x.item.cost or ZERO) for x in event.lines),
                        ZERO)
        elif event.lines:
            data["ItemLineAdd"] = [{"ItemRef": _ref(x.item.id), "Quantity": x.quantity,
                                    "Cost": x.item.cost} for x in event.lines]
            goods = sum(((x.quantity or ZERO) * (x.item.cost or ZERO) for x in event.lines),
                        ZERO)
        expenses = list(event.data.get("expense", []))
        if event.data.get("freight") and goods:
            expenses.append((self.catalog.accounts["freight"],
                             (goods * D("0.02")).quantize(D("0.01"))))
        if expenses:
            data["ExpenseLineAdd"] = [{"AccountRef": _ref(account), "Amount": amount}
                                      for account, amount in expenses]
        self._memo(event, data)
        return data

    def bill_payment(self, event: Event) -> dict[str, Any]:
        bill = event.source
        assert bill is not None and bill.txn_id and event.vendor is not None
        open_amount = self.column(bill.txn_id, "open_amount")
        amount = money(open_amount) if open_amount is not None else \
            money(self.doc(bill.txn_id).get("AmountDue"))
        # A printed check's number, not "to be printed": in a BillPaymentCheckAdd the two
        # are alternatives (the rules then mark it not to be printed).
        return {"PayeeEntityRef": _ref(event.vendor), "TxnDate": event.day,
                "BankAccountRef": _ref(self.catalog.accounts["checking"]),
                "RefNumber": self.number("BillPaymentCheck"),
                "AppliedToTxnAdd": [{"TxnID": bill.txn_id, "PaymentAmount": amount}]}

    def build_assembly(self, event: Event) -> dict[str, Any]:
        item = event.data["item"]
        return {"ItemInventoryAssemblyRef": _ref(item.id), "TxnDate": event.day,
                "RefNumber": self.number("BuildAssembly"),
                "QuantityToBuild": event.data["quantity"]}

    # -- banking -------------------------------------------------------------------------------
    def check(self, event: Event) -> dict[str, Any]:
        assert event.vendor is not None
        data: dict[str, Any] = {"AccountRef": _ref(self.catalog.accounts["checking"]),
                                "PayeeEntityRef": _ref(event.vendor),
                                "RefNumber": self.number("Check"), "TxnDate": event.day,
                                "IsToBePrinted": False,
                                "ExpenseLineAdd": [{"AccountRef": _ref(account),
                                                    "Amount": amount}
                                                   for account, amount in event.data["expense"]]}
        if event.data.get("memo"):
            data["Memo"] = event.data["memo"]
        return data

    def deposit(self, event: Event) -> dict[str, Any]:
        lines: list[dict[str, Any]] = [{"PaymentTxnID": txn_id} for txn_id in self.undeposited]
        self.undeposited = []
        if not lines:
            lines = [{"AccountRef": _ref(self.catalog.accounts["interest_income"]),
                      "Amount": D("1.25"), "Memo": "Interest"}]
        return {"TxnDate": event.day,
                "DepositToAccountRef": _ref(self.catalog.accounts["checking"]),
                "Memo": "Deposit", "DepositLineAdd": lines}

    def journal_entry(self, event: Event) -> dict[str, Any]:
        memo = event.data.get("memo")

        def lines(entries: list[tuple[str, Decimal]]) -> list[dict[str, Any]]:
            out = []
            for account, amount in entries:
                line: dict[str, Any] = {"AccountRef": _ref(account), "Amount": amount}
                if memo:
                    line["Memo"] = memo
                out.append(line)
            return out
        return {"TxnDate": event.day, "RefNumber": self.number("JournalEntry"),
                "JournalDebitLine": lines(event.data["debits"]),
                "JournalCreditLine": lines(event.data["credits"])}

    def sales_tax_payment(self, event: Event) -> dict[str, Any]:
        """Pay what Sales Tax Payable owes at the end of a month (the month's tax, since the
        months before were paid)."""
        month = event.data["through"]
        payable = self.catalog.accounts["sales_tax"]
        row = self.writer.store.db.execute(
            "SELECT COALESCE(-SUM(amount_cents), 0) FROM postings WHERE account_id=? AND "
            "txn_date < ?", (payable, _next_month(month).isoformat())).fetchone()
        amount = D(row[0]) / 100
        state = self.catalog.tax_code.get("item:CO State", "")
        assert event.vendor is not None
        return {"PayeeEntityRef": _ref(event.vendor), "TxnDate": event.day,
                "BankAccountRef": _ref(self.catalog.accounts["checking"]),
                "RefNumber": self.number("SalesTaxPaymentCheck"),   # (or IsToBePrinted)
                "SalesTaxPaymentCheckLineAdd": [{"ItemSalesTaxRef": _ref(state),
                                              "Amount": amount}]}


def _next_month(day: Any) -> Any:
    return day.replace(year=day.year + day.month // 12, month=day.month % 12 + 1, day=1)
