"""Credit card refunds (ARRefundCreditCard) of credit held on credit memos and payments.

The refund is linked to each credit it uses (refund -> credit): a credit memo's
CreditRemaining and a payment's UnusedPayment count it (``transactions.refunded``). Refunding
more than the credit left is 3210 (our wording); the money comes out of RefundFromAccountRef,
Undeposited Funds when none is named (our choice: a card refund usually reverses a payment
still waiting there).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.books.ledger import Posting
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.render import money, output_text
from qbconnector.sandbox.records.hooks import register
from qbconnector.sandbox.rules.addresses import copy_address, fill_blocks
from qbconnector.sandbox.rules.banking import ZERO, default_account, refuse
from qbconnector.sandbox.rules.transactions import Link, TxnRules, as_list, ref_id, refunded
from qbconnector.sandbox.storage.store import dumps, loads

if TYPE_CHECKING:
    import sqlite3

    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType


@register("ARRefundCreditCard")
class ARRefundCreditCardRules(TxnRules):
    """A refund to a customer's card of credit held on a credit memo or an unused payment.

    Each credit used is linked from the refund (refund -> credit); the credit memo's
    CreditRemaining and the payment's UnusedPayment count it.
    """

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        default_account(ctx, doc, "ARAccountRef", "AccountsReceivable")
        default_account(ctx, doc, "RefundFromAccountRef", "UndepositedFunds")
        customer = ctx.store.get(ref_id(doc, "CustomerRef") or "")
        if customer is not None and "Address" not in doc:
            copy_address(doc, "Address", loads(customer["doc"]), "BillAddress")

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
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
            credit = loads(row["doc"])
            item = {"TxnID": txn_id, "TxnType": row["type"], "TxnDate": row["txn_date"],
                    "RefNumber": credit.get("RefNumber"),
                    "RefundAmount": output_text(amount, "AMTTYPE")}
            applied.append({k: v for k, v in item.items() if v is not None})
            total += amount
        doc["RefundAppliedToTxnRet"] = applied
        doc["TotalAmount"] = output_text(total, "AMTTYPE")
        fill_blocks(doc, lambda name: otype.ret.child(name) is not None, data)

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
        payment = loads(row["doc"])
        payment["UnusedPayment"] = output_text(credit_remaining(ctx, row), "AMTTYPE")
        ctx.store.update(txn_id, {"doc": dumps(payment), "xml": None})


def credit_remaining(ctx: Context, row: sqlite3.Row, exclude: str | None = None) -> Decimal:
    """Credit left on a credit memo or a payment, not counting the refund ``exclude``."""
    doc = loads(row["doc"])
    if row["type"] == "ReceivePayment":
        used = sum((money(a.get("Amount")) for a in as_list(doc.get("AppliedToTxnRet"))), ZERO)
    else:
        used = ZERO
        for (amount,) in ctx.db.execute("SELECT amount FROM links WHERE from_id=? AND "
                                        "link_type='AMTTYPE'", (row["id"],)):
            used += money(amount)
    return money(doc.get("TotalAmount")) - used - refunded(ctx, row["id"], exclude)
