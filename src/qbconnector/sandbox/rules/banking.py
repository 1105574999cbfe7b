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
- Transfer and SalesTaxPaymentCheck post what their names say.

Credit card refunds (rules/refunds.py) and time and mileage (rules/time_and_mileage.py) live in
their own modules; importing this one registers them too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.books import ledger
from qbconnector.sandbox.books.ledger import Posting
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import preference
from qbconnector.sandbox.core.render import SEQUENCE, money, output_text
from qbconnector.sandbox.records.hooks import register
from qbconnector.sandbox.rules.addresses import copy_address, fill_blocks
from qbconnector.sandbox.rules.items import item_info
from qbconnector.sandbox.rules.lists import special_account
from qbconnector.sandbox.rules.transactions import Link, TxnRules, as_list, ref_id
from qbconnector.sandbox.storage.store import loads

if TYPE_CHECKING:
    import sqlite3

    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType

ZERO = Decimal(0)
DEBIT, CREDIT = "JournalDebitLine", "JournalCreditLine"
JOURNAL = "General Journal transaction"


def _ref(row: sqlite3.Row) -> dict[str, str]:
    return {"ListID": row["id"], "FullName": row["full_name"] or ""}


def refuse(object_type: str, message: str) -> errors.QBStatus:
    """3180 in QuickBooks' transaction wording: the save failed, and why."""
    return errors.fail(3180, "transaction", object_type=object_type, qb_message=message)


def default_account(ctx: Context, doc: dict[str, Any], key: str, special: str) -> None:
    """Fill an account Ref with the company's special account when the request named none."""
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
        payment = loads(row["doc"])
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
            copy_address(doc, "Address", loads(payee["doc"]), "VendorAddress")

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        if not ref_id(doc, "BankAccountRef"):
            raise errors.missing_element("BankAccountRef")     # the account it is paid from
        total = ZERO
        for line in as_list(doc.get("SalesTaxPaymentCheckLineRet")):
            amount = money(line.get("Amount"))
            line["Amount"] = output_text(amount, "AMTTYPE")
            total += amount
        doc["Amount"] = output_text(total, "AMTTYPE")
        fill_blocks(doc, lambda name: otype.ret.child(name) is not None, data)

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
