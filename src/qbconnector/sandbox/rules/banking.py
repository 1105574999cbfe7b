"""Banking and general ledger: journal entries, deposits, transfers, sales tax payments,
credit card refunds, time tracking and vehicle mileage.

What QuickBooks does, and the choices made where it is not known (docs/sandbox-banking.md):

- JournalEntry: debits must equal credits, else 3180 with QuickBooks' wording ("There was an
  error when saving a General Journal transaction.  QuickBooks error message: Transaction not
  in balance.", quoted by a vendor's support page). Lines come back in the order they were
  sent. A line on Accounts Receivable needs a customer (Accounts Payable: a vendor) and moves
  that name's balance; the wording of that refusal is ours. RefNumber is numbered like the
  other forms when the preference IsAssigningJournalEntryNumbers is on.
- Deposit: a line either names a payment waiting in Undeposited Funds (PaymentTxnID: the whole
  payment moves to the bank and the payment is linked) or is an account line; cash back comes
  off the total. No line at all is 3150 (transcript 077).
- Transfer, SalesTaxPaymentCheck, ARRefundCreditCard post what their names say; TimeTracking
  and VehicleMileage post nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox import errors, ledger
from qbconnector.sandbox.ledger import Posting
from qbconnector.sandbox.render import SEQUENCE, money, output_text
from qbconnector.sandbox.rules import register
from qbconnector.sandbox.rules.items import item_info
from qbconnector.sandbox.rules.lists import special_account
from qbconnector.sandbox.rules.transactions import Link, TxnRules, as_list, ref_id, refunded
from qbconnector.sandbox.store import dumps

if TYPE_CHECKING:
    import sqlite3

    from qbconnector.sandbox.context import Context
    from qbconnector.sandbox.objects import ObjectType

ZERO = Decimal(0)
DEBIT, CREDIT = "JournalDebitLine", "JournalCreditLine"
JOURNAL = "General Journal transaction"


def _ref(row: sqlite3.Row) -> dict[str, str]:
    return {"ListID": row["id"], "FullName": row["full_name"] or ""}


def refuse(object_type: str, message: str) -> errors.QBStatus:
    """3180 in QuickBooks' transaction wording: the save failed, and why."""
    return errors.fail(3180, "transaction", object_type=object_type, qb_message=message)


def _default_account(ctx: Context, doc: dict[str, Any], key: str, special: str) -> None:
    if key not in doc:
        row = special_account(ctx, special)
        if row is not None:
            doc[key] = _ref(row)


def _merge_line(previous: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A line Mod: omitted fields stay, empty ones clear."""
    merged = dict(previous)
    for key, value in changes.items():
        if value in ("", {}, []):
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


# -- journal entries ---------------------------------------------------------------------------

@register("JournalEntry")
class JournalEntryRules(TxnRules):
    """General journal entries: balanced debit and credit lines on any accounts."""

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        from qbconnector.sandbox.meta import preference
        super().defaults(ctx, otype, doc)
        doc.setdefault("IsAdjustment", "false")
        numbering = preference(ctx, "AccountingPreferences", "IsAssigningJournalEntryNumbers")
        if not doc.get("RefNumber") and numbering == "true":
            doc["RefNumber"] = self.next_ref(ctx, otype)

    def columns(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> dict[str, Any]:
        self.note_ref(ctx, otype, doc.get("RefNumber"))
        return super().columns(ctx, otype, doc)

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        if old is None:
            body = ctx.request.element.find(f"{otype.name}Add")
            sequence = [child.tag for child in (body if body is not None else ())
                        if child.tag in (DEBIT, CREDIT)]
            if len(sequence) == len(as_list(doc.get(DEBIT))) + len(as_list(doc.get(CREDIT))):
                doc[SEQUENCE] = sequence
        elif data.get("JournalLineMod") is not None:
            self._modify_lines(ctx, otype, doc, old, as_list(data["JournalLineMod"]))
        debits = credits = ZERO
        for kind in (DEBIT, CREDIT):
            for line in as_list(doc.get(kind)):
                self._check_line(ctx, line)
                amount = money(line.get("Amount"))
                line["Amount"] = output_text(amount, "AMTTYPE")
                if kind == DEBIT:
                    debits += amount
                else:
                    credits += amount
        if debits != credits:
            raise refuse(JOURNAL, "Transaction not in balance.")

    def _check_line(self, ctx: Context, line: dict[str, Any]) -> None:
        account_id = ref_id(line, "AccountRef")
        if account_id is None:
            raise errors.missing_element("AccountRef")
        kind = ledger.account_type(ctx, account_id)
        wanted = {"AccountsReceivable": ("Customer", "customer or job"),
                  "AccountsPayable": ("Vendor", "vendor")}.get(kind)
        if wanted is None:
            return
        entity_id = ref_id(line, "EntityRef")
        row = ctx.store.get(entity_id) if entity_id else None
        if row is None or row["type"] != wanted[0]:
            account = line["AccountRef"].get("FullName", "")
            raise refuse(JOURNAL, f"A line that uses the account \"{account}\" must name a "
                                  f"{wanted[1]} in EntityRef.")

    def _modify_lines(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                      old: dict[str, Any], mods: list[dict[str, Any]]) -> None:
        """JournalLineMod replaces the line set: listed lines are kept and updated, -1 adds a
        line (JournalLineType says which side), unlisted lines are deleted."""
        assert otype.mod is not None
        source = otype.mod.child("JournalLineMod")
        previous = {line["TxnLineID"]: (kind, line) for kind in (DEBIT, CREDIT)
                    for line in as_list(old.get(kind))}
        lines: dict[str, list[dict[str, Any]]] = {DEBIT: [], CREDIT: []}
        sequence = []
        for mod in mods:
            side = mod.get("JournalLineType")
            fields = {k: v for k, v in mod.items() if k not in ("JournalLineType", "TxnLineID")}
            changes = ctx.to_doc(fields, source, otype.ret.child(DEBIT), otype.name, otype.name)
            line_id = mod.get("TxnLineID", "-1")
            if line_id != "-1":
                if line_id not in previous:
                    raise errors.object_not_found(line_id)
                kind, line = previous[line_id]
                line = _merge_line(line, changes)
            else:
                if not side:
                    raise errors.missing_element("JournalLineType")
                kind, line = DEBIT, changes
                self.number_line(ctx, line)
            if side:
                kind = DEBIT if side == "Debit" else CREDIT
            lines[kind].append(line)
            sequence.append(kind)
        for kind in (DEBIT, CREDIT):
            if lines[kind]:
                doc[kind] = lines[kind]
            else:
                doc.pop(kind, None)
        doc[SEQUENCE] = sequence

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        out = []
        for kind, sign in ((DEBIT, 1), (CREDIT, -1)):
            for line in as_list(doc.get(kind)):
                out.append(Posting(ref_id(line, "AccountRef") or "",
                                   sign * money(line.get("Amount")),
                                   ref_id(line, "EntityRef"), None, ref_id(line, "ClassRef")))
        return out


# -- deposits ----------------------------------------------------------------------------------

PAYMENT_TYPES = ("ReceivePayment", "SalesReceipt")


@register("Deposit")
class DepositRules(TxnRules):
    """Deposits of payments held in Undeposited Funds and of other money."""

    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        if old is None and not data.get("DepositLineAdd"):
            raise errors.missing_element("DepositLineAdd")

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        lines = as_list(doc.get("DepositLineRet"))
        sources = as_list(data.get("DepositLineAdd") if old is None
                          else data.get("DepositLineMod"))
        if old is not None and data.get("DepositLineMod") is None:
            sources = []
        undeposited = special_account(ctx, "UndepositedFunds")
        total = ZERO
        for index, line in enumerate(lines):
            source = sources[index] if index < len(sources) else {}
            payment_id = source.get("PaymentTxnID") or (line.get("TxnID") if not source or
                                                        "AccountRef" not in source else None)
            if payment_id:
                self._payment_line(ctx, doc, line, source, payment_id, undeposited)
            else:
                for key in ("TxnType", "TxnID", "PaymentTxnLineID"):
                    line.pop(key, None)
                if not line.get("AccountRef"):
                    raise errors.missing_element("AccountRef")
            amount = money(line.get("Amount"))
            line["Amount"] = output_text(amount, "AMTTYPE")
            total += amount
        cash_back = doc.get("CashBackInfoRet")
        if cash_back:
            if not cash_back.get("AccountRef"):
                raise errors.missing_element("AccountRef")
            previous = (old or {}).get("CashBackInfoRet") or {}
            cash_back["TxnLineID"] = previous.get("TxnLineID") or ctx.store.new_txn_id()
            amount = money(cash_back.get("Amount"))
            cash_back["Amount"] = output_text(amount, "AMTTYPE")
            total -= amount
        doc["DepositTotal"] = output_text(total, "AMTTYPE")

    def _payment_line(self, ctx: Context, doc: dict[str, Any], line: dict[str, Any],
                      source: dict[str, Any], payment_id: str,
                      undeposited: sqlite3.Row | None) -> None:
        """Fill a line from the payment it deposits; the payment must be waiting in
        Undeposited Funds and not be in another deposit."""
        row = ctx.store.get(payment_id)
        if row is None or row["type"] not in PAYMENT_TYPES:
            raise errors.object_not_found(payment_id)
        payment = json.loads(row["doc"])
        if undeposited is None or ref_id(payment, "DepositToAccountRef") != undeposited["id"]:
            raise refuse("Deposit", f"The payment {payment_id} was not received into "
                                    "Undeposited Funds and cannot be deposited.")
        other = ctx.db.execute(
            "SELECT l.from_id FROM links l JOIN records r ON r.id = l.from_id WHERE "
            "l.to_id=? AND r.type='Deposit' AND l.from_id IS NOT ?",
            (payment_id, doc.get("TxnID"))).fetchone()
        if other is not None:
            raise refuse("Deposit", f"The payment {payment_id} has already been deposited.")
        line["TxnType"] = row["type"]
        line["TxnID"] = payment_id
        if source.get("PaymentTxnLineID"):
            line["PaymentTxnLineID"] = source["PaymentTxnLineID"]
        if payment.get("CustomerRef"):
            line["EntityRef"] = payment["CustomerRef"]
        line["AccountRef"] = _ref(undeposited)
        memo = source.get("OverrideMemo", payment.get("Memo"))
        check_number = source.get("OverrideCheckNumber", payment.get("RefNumber"))
        for key, value in (("Memo", memo), ("CheckNumber", check_number),
                           ("PaymentMethodRef", payment.get("PaymentMethodRef"))):
            if value:
                line[key] = value
            else:
                line.pop(key, None)
        override_class = source.get("OverrideClassRef")
        if override_class:
            row_class = ctx.resolve("OverrideClassRef", override_class, "Deposit", "Deposit")
            if row_class is not None:
                line["ClassRef"] = _ref(row_class)
        elif payment.get("ClassRef"):
            line["ClassRef"] = payment["ClassRef"]
        line["Amount"] = output_text(money(payment.get("TotalAmount")), "AMTTYPE")

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        out = [Posting(ref_id(doc, "DepositToAccountRef") or "", money(doc.get("DepositTotal")))]
        cash_back = doc.get("CashBackInfoRet")
        if cash_back:
            out.append(Posting(ref_id(cash_back, "AccountRef") or "",
                               money(cash_back.get("Amount"))))
        for line in as_list(doc.get("DepositLineRet")):
            out.append(Posting(ref_id(line, "AccountRef") or "", -money(line.get("Amount")),
                               ref_id(line, "EntityRef"), None, ref_id(line, "ClassRef")))
        return out

    def links(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Link]:
        return [Link(line["TxnID"], money(line.get("Amount")), "AMTTYPE",
                     line.get("PaymentTxnLineID"))
                for line in as_list(doc.get("DepositLineRet")) if line.get("TxnID")]


# -- transfers ---------------------------------------------------------------------------------

@register("Transfer")
class TransferRules(TxnRules):
    """Money moved between two balance sheet accounts."""

    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        if old is None:
            for key in ("TransferFromAccountRef", "TransferToAccountRef", "Amount"):
                if data.get(key) in (None, "", {}):
                    raise errors.missing_element(key)

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        if ref_id(doc, "TransferFromAccountRef") == ref_id(doc, "TransferToAccountRef"):
            raise refuse("Transfer", "The transfer-from and transfer-to accounts must be "
                                     "different.")
        doc["Amount"] = output_text(money(doc.get("Amount")), "AMTTYPE")

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        amount = money(doc.get("Amount"))
        class_id = ref_id(doc, "ClassRef")
        return [Posting(ref_id(doc, "TransferToAccountRef") or "", amount, None, None, class_id),
                Posting(ref_id(doc, "TransferFromAccountRef") or "", -amount, None, None,
                        class_id)]

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        for ref, field in (("TransferFromAccountRef", "FromAccountBalance"),
                           ("TransferToAccountRef", "ToAccountBalance")):
            account = ctx.store.get(ref_id(doc, ref) or "")
            if account is not None:
                doc[field] = output_text(money(account["balance"]), "AMTTYPE")


# -- sales tax payments ------------------------------------------------------------------------

@register("SalesTaxPaymentCheck")
class SalesTaxPaymentCheckRules(TxnRules):
    """A check to the tax agency that pays down Sales Tax Payable."""

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        doc.setdefault("IsToBePrinted", "false")
        payee = ctx.store.get(ref_id(doc, "PayeeEntityRef") or "")
        if payee is not None and "Address" not in doc:
            address = json.loads(payee["doc"]).get("VendorAddress")
            if address:
                doc["Address"] = address

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        from qbconnector.sandbox.rules.sales import address_block
        total = ZERO
        for line in as_list(doc.get("SalesTaxPaymentCheckLineRet")):
            amount = money(line.get("Amount"))
            line["Amount"] = output_text(amount, "AMTTYPE")
            total += amount
        doc["Amount"] = output_text(total, "AMTTYPE")
        block = address_block(doc.get("Address"))
        if block:
            doc["AddressBlock"] = block
        else:
            doc.pop("AddressBlock", None)

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        payable = special_account(ctx, "SalesTaxPayable")
        if payable is None:
            raise refuse("SalesTaxPaymentCheck", "The company has no Sales Tax Payable "
                                                 "account.")
        payee = ref_id(doc, "PayeeEntityRef")
        out = [Posting(ref_id(doc, "BankAccountRef") or "", -money(doc.get("Amount")))]
        for line in as_list(doc.get("SalesTaxPaymentCheckLineRet")):
            tax = item_info(ctx, ref_id(line, "ItemSalesTaxRef") or "")
            out.append(Posting(payable["id"], money(line.get("Amount")),
                               (tax.tax_vendor if tax and tax.tax_vendor else payee),
                               tax.id if tax else None))
        return out


# -- credit card refunds -----------------------------------------------------------------------

@register("ARRefundCreditCard")
class ARRefundCreditCardRules(TxnRules):
    """A refund to a customer's card of credit held on a credit memo or an unused payment.

    Each credit used is linked from the refund (refund -> credit); the credit memo's
    CreditRemaining and the payment's UnusedPayment count it.
    """

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        _default_account(ctx, doc, "ARAccountRef", "AccountsReceivable")
        _default_account(ctx, doc, "RefundFromAccountRef", "UndepositedFunds")
        customer = ctx.store.get(ref_id(doc, "CustomerRef") or "")
        if customer is not None and "Address" not in doc:
            address = json.loads(customer["doc"]).get("BillAddress")
            if address:
                doc["Address"] = address

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        from qbconnector.sandbox.rules.sales import address_block
        requested = as_list(data.get("RefundAppliedToTxnAdd"))
        if old is not None and not requested:
            requested = [{"TxnID": a["TxnID"], "RefundAmount": a["RefundAmount"]}
                         for a in as_list(old.get("RefundAppliedToTxnRet"))]
        customer_id = ref_id(doc, "CustomerRef")
        applied, total = [], ZERO
        for entry in requested:
            txn_id = entry.get("TxnID", "")
            row = ctx.store.get(txn_id)
            if row is None or row["type"] not in ("CreditMemo", "ReceivePayment"):
                raise errors.object_not_found(txn_id)
            if row["entity_id"] != customer_id:
                raise refuse("ARRefundCreditCard", f"The credit {txn_id} belongs to another "
                                                   "customer.")
            amount = money(entry.get("RefundAmount"))
            if amount > credit_remaining(ctx, row, exclude=doc.get("TxnID")):
                raise errors.fail(3210, field="RefundAmount",
                                  value=output_text(amount, "AMTTYPE"),
                                  qb_message="You cannot refund more than the credit "
                                             "remaining.")
            credit = json.loads(row["doc"])
            item = {"TxnID": txn_id, "TxnType": row["type"], "TxnDate": row["txn_date"],
                    "RefNumber": credit.get("RefNumber"),
                    "RefundAmount": output_text(amount, "AMTTYPE")}
            applied.append({k: v for k, v in item.items() if v is not None})
            total += amount
        doc["RefundAppliedToTxnRet"] = applied
        doc["TotalAmount"] = output_text(total, "AMTTYPE")
        block = address_block(doc.get("Address"))
        if block:
            doc["AddressBlock"] = block
        else:
            doc.pop("AddressBlock", None)

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        total = money(doc.get("TotalAmount"))
        return [Posting(ref_id(doc, "ARAccountRef") or "", total, ref_id(doc, "CustomerRef")),
                Posting(ref_id(doc, "RefundFromAccountRef") or "", -total)]

    def links(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Link]:
        return [Link(a["TxnID"], money(a["RefundAmount"]))
                for a in as_list(doc.get("RefundAppliedToTxnRet"))]

    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        before = {a["TxnID"] for a in as_list((old or {}).get("RefundAppliedToTxnRet"))}
        super().after_save(ctx, otype, record_id, doc, old)
        now = {a["TxnID"] for a in as_list(doc.get("RefundAppliedToTxnRet"))}
        _restate_payments(ctx, before | now)

    def after_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                     doc: dict[str, Any]) -> None:
        super().after_delete(ctx, otype, row, doc)
        _restate_payments(ctx, {a["TxnID"] for a in as_list(doc.get("RefundAppliedToTxnRet"))})

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        for applied in as_list(doc.get("RefundAppliedToTxnRet")):
            credit = ctx.store.get(applied["TxnID"])
            if credit is not None:
                applied["CreditRemaining"] = output_text(credit_remaining(ctx, credit),
                                                         "AMTTYPE")


def _restate_payments(ctx: Context, txn_ids: set[str]) -> None:
    """A payment keeps UnusedPayment in its document: it follows the refunds made from it."""
    for txn_id in txn_ids:
        row = ctx.store.get(txn_id)
        if row is None or row["type"] != "ReceivePayment":
            continue
        payment = json.loads(row["doc"])
        payment["UnusedPayment"] = output_text(credit_remaining(ctx, row), "AMTTYPE")
        ctx.store.update(txn_id, {"doc": dumps(payment), "xml": None})


def credit_remaining(ctx: Context, row: sqlite3.Row, exclude: str | None = None) -> Decimal:
    """Credit left on a credit memo or a payment, not counting the refund ``exclude``."""
    doc = json.loads(row["doc"])
    if row["type"] == "ReceivePayment":
        used = sum((money(a.get("Amount")) for a in as_list(doc.get("AppliedToTxnRet"))), ZERO)
    else:
        used = ZERO
        for (amount,) in ctx.db.execute("SELECT amount FROM links WHERE from_id=? AND "
                                        "link_type='AMTTYPE'", (row["id"],)):
            used += money(amount)
    return money(doc.get("TotalAmount")) - used - refunded(ctx, row["id"], exclude)


# -- time and mileage (no postings) --------------------------------------------------------------

@register("TimeTracking")
class TimeTrackingRules(TxnRules):
    """Time worked by an employee, vendor or other name, billable to a customer or not."""

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        if "BillableStatus" not in doc:
            doc["BillableStatus"] = "Billable" if doc.get("CustomerRef") else "NotBillable"


@register("VehicleMileage")
class VehicleMileageRules(TxnRules):
    """Trips in a company vehicle: miles from the odometer, billable at the item's rate."""

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        today = ctx.store.clock.now().date().isoformat()
        doc.setdefault("TripEndDate", doc.get("TripStartDate") or today)
        doc.setdefault("TripStartDate", doc["TripEndDate"])
        if "BillableStatus" not in doc:
            doc["BillableStatus"] = "Billable" if doc.get("CustomerRef") else "NotBillable"

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        start, end = doc.get("OdometerStart"), doc.get("OdometerEnd")
        if "TotalMiles" not in data and start and end:
            doc["TotalMiles"] = output_text(money(end) - money(start), "QUANTYPE")
        if not doc.get("TotalMiles"):
            raise errors.missing_element("TotalMiles")
        miles = money(doc["TotalMiles"])
        if miles < 0:
            raise refuse("VehicleMileage", "The odometer end reading is less than the start "
                                           "reading.")
        rate = money(doc.get("StandardMileageRate"))
        doc["StandardMileageRate"] = output_text(rate, "PERCENTTYPE")
        doc["StandardMileageTotalAmount"] = output_text(miles * rate, "AMTTYPE")
        info = item_info(ctx, ref_id(doc, "ItemRef") or "")
        if info is not None:
            billable_rate = info.sales_price or ZERO
            doc["BillableRate"] = output_text(billable_rate, "PRICETYPE")
            doc["BillableAmount"] = output_text(miles * billable_rate, "AMTTYPE")
        else:
            doc.pop("BillableRate", None)
            doc.pop("BillableAmount", None)

    def columns(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> dict[str, Any]:
        out = super().columns(ctx, otype, doc)
        out["txn_date"] = doc.get("TripEndDate")
        return out
