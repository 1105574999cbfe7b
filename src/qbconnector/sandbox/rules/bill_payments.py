"""Bill payments by check (BillPaymentCheck) and by credit card (BillPaymentCreditCard).

A payment applies amounts to the payee vendor's bills (AppliedToTxnAdd: PaymentAmount, an
optional DiscountAmount with its DiscountAccountRef, and vendor credits through SetCredit).
Paying, discounting and crediting more than a bill's open amount is refused with 3210 like a
customer payment; a credit cannot give more than it has left (3210 too). Its Amount is the
sum of the payment amounts.

Posting: Accounts Payable is debited with the vendor by payments plus discounts, the bank
(or credit card) account credited by the payments and the discount account by the discounts.
Vendor credits applied post nothing more (the credit already debited Accounts Payable); they
are linked to the bill they paid, and those links belong to the payment: modifying, voiding
or deleting the payment takes them away and the credit is open again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.qbxml import status as catalogue
from qbconnector.sandbox.books.ledger import Posting
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.render import money, output_text
from qbconnector.sandbox.records.hooks import register
from qbconnector.sandbox.rules.addresses import fill_blocks
from qbconnector.sandbox.rules.purchase_lines import ZERO, copy_entity_address, default_account
from qbconnector.sandbox.rules.transactions import Link, TxnRules, as_list, ref_id
from qbconnector.sandbox.storage.store import dumps, loads

if TYPE_CHECKING:
    import sqlite3

    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType


def _overpaid(field: str, value: Decimal) -> errors.QBStatus:
    return errors.fail(3210, field=field, value=output_text(value, "AMTTYPE"),
                       qb_message=catalogue.QB_MSG_PAY_MORE_THAN_DUE)


class BillPaymentRules(TxnRules):
    """What both kinds of bill payment share; ``account_key`` names the paying account."""

    account_key = "BankAccountRef"

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        if "APAccountRef" not in doc:
            ref = default_account(ctx, "AccountsPayable")
            if ref is not None:
                doc["APAccountRef"] = ref
        if otype.ret.child("Address") is not None and "Address" not in doc:
            copy_entity_address(ctx, doc, "Address", ref_id(doc, "PayeeEntityRef"))
        if otype.ret.child("IsToBePrinted") is not None:
            doc.setdefault("IsToBePrinted", "false")

    # -- what the payment pays -----------------------------------------------------------------
    def bill_balance(self, ctx: Context, bill: sqlite3.Row, own_id: str) -> Decimal:
        """A bill's open amount, not counting what this payment (and its credits) gave."""
        total = money(loads(bill["doc"]).get("AmountDue"))
        for from_id, amount, line_id in ctx.db.execute(
                "SELECT from_id, amount, line_id FROM links WHERE to_id=? AND "
                "link_type='AMTTYPE'", (bill["id"],)):
            if from_id != own_id and line_id != own_id:
                total -= money(amount)
        return total

    def credit_left(self, ctx: Context, credit: sqlite3.Row, own_id: str) -> Decimal:
        """A vendor credit's unused amount, not counting what this payment applied."""
        total = money(loads(credit["doc"]).get("CreditAmount"))
        for amount, line_id in ctx.db.execute(
                "SELECT amount, line_id FROM links WHERE from_id=? AND link_type='AMTTYPE'",
                (credit["id"],)):
            if line_id != own_id:
                total -= money(amount)
        return total

    def _vendor_txn(self, ctx: Context, txn_id: str, kind: str, vendor_id: str | None
                    ) -> sqlite3.Row:
        """A bill (or vendor credit) of this payment's vendor; 3120 for anything else."""
        row = ctx.store.get(txn_id)
        if row is None or row["type"] != kind or row["is_void"] or \
                (vendor_id and row["entity_id"] != vendor_id):
            raise errors.object_not_found(txn_id)
        return row

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        own_id = doc.get("TxnID", "")
        vendor_id = ref_id(doc, "PayeeEntityRef")
        requested = as_list(data.get("AppliedToTxnAdd") or data.get("AppliedToTxnMod"))
        if old is not None:
            before = {a["TxnID"]: self._as_request(ctx, a)
                      for a in as_list(old.get("AppliedToTxnRet"))}
            requested = [{**before.get(r["TxnID"], {}), **r} for r in requested] if requested \
                else list(before.values())
        applied = []
        credit_use: dict[str, Decimal] = {}
        for entry in requested:
            bill = self._vendor_txn(ctx, entry.get("TxnID", ""), "Bill", vendor_id)
            payment = money(entry.get("PaymentAmount"))
            discount = money(entry.get("DiscountAmount"))
            if discount and not entry.get("DiscountAccountRef"):
                raise errors.missing_element("DiscountAccountRef")
            credits = []
            for credit in as_list(entry.get("SetCredit")):
                row = self._vendor_txn(ctx, credit.get("CreditTxnID", ""), "VendorCredit",
                                       vendor_id)
                amount = money(credit.get("AppliedAmount"))
                credit_use[row["id"]] = credit_use.get(row["id"], ZERO) + amount
                if credit_use[row["id"]] > self.credit_left(ctx, row, own_id):
                    raise _overpaid("SetCredit applied amount", amount)
                credits.append({"CreditTxnID": row["id"],
                                "AppliedAmount": output_text(amount, "AMTTYPE")})
            used = payment + discount + sum((money(c["AppliedAmount"]) for c in credits), ZERO)
            if used > self.bill_balance(ctx, bill, own_id):
                raise _overpaid(f"{'AppliedToTxnMod' if old else 'AppliedToTxnAdd'} payment "
                                f"amount", payment)
            target = loads(bill["doc"])
            item: dict[str, Any] = {"TxnID": bill["id"], "TxnType": "Bill",
                                    "TxnDate": bill["txn_date"],
                                    "Amount": output_text(payment, "AMTTYPE")}
            if target.get("RefNumber"):
                item["RefNumber"] = target["RefNumber"]
            if discount:
                item["DiscountAmount"] = output_text(discount, "AMTTYPE")
                item["DiscountAccountRef"] = self._account_ref(ctx, entry["DiscountAccountRef"])
                if entry.get("DiscountClassRef"):
                    item["DiscountClassRef"] = entry["DiscountClassRef"]
            if credits:
                item["_credits"] = credits
            applied.append(item)
        total = sum((money(a["Amount"]) for a in applied), ZERO)
        doc["Amount"] = output_text(total, "AMTTYPE")
        if applied:
            doc["AppliedToTxnRet"] = applied
        else:
            doc.pop("AppliedToTxnRet", None)
        fill_blocks(doc, lambda name: otype.ret.child(name) is not None, data)
        if doc.get("RefNumber") and "IsToBePrinted" not in data:
            doc["IsToBePrinted"] = "false"

    def _as_request(self, ctx: Context, applied: dict[str, Any]) -> dict[str, Any]:
        """A stored AppliedToTxnRet as the request that would apply it again (credits
        deleted or voided since then left out)."""
        credits = [c for c in applied.get("_credits", [])
                   if (row := ctx.store.get(c["CreditTxnID"])) is not None and not row["is_void"]]
        out = {"TxnID": applied["TxnID"], "PaymentAmount": applied.get("Amount"),
               "SetCredit": credits}
        if applied.get("DiscountAmount"):
            out["DiscountAmount"] = applied["DiscountAmount"]
            out["DiscountAccountRef"] = applied.get("DiscountAccountRef")
            if applied.get("DiscountClassRef"):
                out["DiscountClassRef"] = applied["DiscountClassRef"]
        return out

    def _account_ref(self, ctx: Context, ref: dict[str, Any]) -> dict[str, str]:
        if "ListID" in ref and "FullName" in ref:
            return ref
        row = ctx.resolve("DiscountAccountRef", ref, "BillPaymentCheck", "BillPaymentCheck")
        return {"ListID": row["id"], "FullName": row["full_name"] or ""}

    # -- effects ------------------------------------------------------------------------------
    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        vendor = ref_id(doc, "PayeeEntityRef")
        paid = money(doc.get("Amount"))
        out = [Posting(ref_id(doc, self.account_key) or "", -paid, vendor)]
        settled = paid
        for applied in as_list(doc.get("AppliedToTxnRet")):
            discount = money(applied.get("DiscountAmount"))
            if discount:
                settled += discount
                out.append(Posting(ref_id(applied, "DiscountAccountRef") or "", -discount,
                                   vendor, None, ref_id(applied, "DiscountClassRef")))
        out.append(Posting(ref_id(doc, "APAccountRef") or "", settled, vendor))
        return out

    def links(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Link]:
        return [Link(a["TxnID"], money(a.get("Amount")) + money(a.get("DiscountAmount")))
                for a in as_list(doc.get("AppliedToTxnRet"))]

    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        super().after_save(ctx, otype, record_id, doc, old)
        self._credit_links(ctx, record_id, doc)

    def _credit_links(self, ctx: Context, record_id: str, doc: dict[str, Any] | None) -> None:
        """The vendor credits this payment applied, linked to the bills (tagged with the
        payment's TxnID in ``line_id`` so that they go with the payment)."""
        touched = {r[0] for r in ctx.db.execute("SELECT from_id FROM links WHERE line_id=?",
                                                (record_id,))}
        touched |= {r[0] for r in ctx.db.execute("SELECT to_id FROM links WHERE line_id=?",
                                                 (record_id,))}
        ctx.db.execute("DELETE FROM links WHERE line_id=? AND link_type='AMTTYPE'",
                       (record_id,))
        for applied in as_list((doc or {}).get("AppliedToTxnRet")):
            for credit in applied.get("_credits", []):
                ctx.db.execute("INSERT INTO links VALUES (?, ?, 'AMTTYPE', ?, ?)",
                               (credit["CreditTxnID"], applied["TxnID"],
                                credit["AppliedAmount"], record_id))
                touched |= {credit["CreditTxnID"], applied["TxnID"]}
        self.refresh(ctx, touched)

    def after_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                     doc: dict[str, Any]) -> None:
        super().after_delete(ctx, otype, row, doc)
        self._credit_links(ctx, row["id"], None)

    def on_linked(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                  doc: dict[str, Any]) -> None:
        """A bill this payment paid was deleted or voided: the payment stays, unapplied."""
        linked = {r[0] for r in ctx.db.execute("SELECT to_id FROM links WHERE from_id=?",
                                               (row["id"],))}
        if not all(a["TxnID"] in linked for a in as_list(doc.get("AppliedToTxnRet"))):
            doc = loads(row["doc"])              # (a copy to change)
            kept = [a for a in as_list(doc.get("AppliedToTxnRet")) if a["TxnID"] in linked]
            if kept:
                doc["AppliedToTxnRet"] = kept
            else:
                doc.pop("AppliedToTxnRet", None)
            ctx.store.update(row["id"], {"doc": dumps(doc), "xml": None})
            self._credit_links(ctx, row["id"], doc)

    # -- reading --------------------------------------------------------------------------------
    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        for applied in as_list(doc.get("AppliedToTxnRet")):
            applied.pop("_credits", None)
            bill = ctx.store.get(applied["TxnID"])
            if bill is not None:
                applied["BalanceRemaining"] = output_text(self.bill_balance(ctx, bill, ""),
                                                          "AMTTYPE")
            linked = []
            for credit_id, amount in ctx.db.execute(
                    "SELECT from_id, amount FROM links WHERE to_id=? AND line_id=? AND "
                    "link_type='AMTTYPE'", (applied["TxnID"], row["id"])):
                source = ctx.store.get(credit_id)
                if source is None:
                    continue
                entry = {"TxnID": source["id"], "TxnType": source["type"],
                         "TxnDate": source["txn_date"]}
                if source["ref_number"]:
                    entry["RefNumber"] = source["ref_number"]
                entry["LinkType"] = "AMTTYPE"
                entry["Amount"] = output_text(-money(amount), "AMTTYPE")
                linked.append(entry)
            if linked:
                applied["LinkedTxn"] = linked


@register("BillPaymentCheck")
class BillPaymentCheckRules(BillPaymentRules):
    """Bill payments by check from a bank account (BankAccountRef)."""


@register("BillPaymentCreditCard")
class BillPaymentCreditCardRules(BillPaymentRules):
    """Bill payments charged to a credit card account (CreditCardAccountRef)."""

    account_key = "CreditCardAccountRef"
