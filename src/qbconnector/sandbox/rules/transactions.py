"""What every transaction type shares: numbers, dates, lines, postings, links, voids.

Subclasses describe a family (sales forms, payments, purchases...) by overriding
:meth:`TxnRules.compute`, :meth:`TxnRules.postings`, :meth:`TxnRules.stock_moves` and
:meth:`TxnRules.links`; this base class stores their results (postings in the ledger, stock
moves, links between transactions) and undoes them on delete and void.

Line Mod semantics follow QuickBooks: when a Mod carries any line aggregate, the lines it
lists replace the line set — a listed TxnLineID is kept and updated, ``-1`` adds a line, and
lines not listed are deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.books import ledger
from qbconnector.sandbox.books.ledger import Posting, StockMove
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.objects import registry
from qbconnector.sandbox.core.render import money, output_text
from qbconnector.sandbox.records.hooks import Rules, register_default, rules_for

if TYPE_CHECKING:
    from qbconnector.qbxml.spec import Element
    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType

ENTITY_KEYS = ("CustomerRef", "VendorRef", "PayeeEntityRef", "EntityRef", "EmployeeRef")
ACCOUNT_KEYS = ("ARAccountRef", "APAccountRef", "DepositToAccountRef", "BankAccountRef",
                "CreditCardAccountRef", "AccountRef", "PayFromAccountRef",
                "TransferFromAccountRef", "RefundFromAccountRef")


@dataclass
class Link:
    """One transaction applied to (or created from) another."""

    to_id: str
    amount: Decimal
    link_type: str = "AMTTYPE"
    line_id: str | None = None


def ref_id(doc: dict[str, Any], key: str) -> str | None:
    ref = doc.get(key)
    return ref.get("ListID") or ref.get("TxnID") if isinstance(ref, dict) else None


def line_keys(otype: ObjectType) -> tuple[str, ...]:
    """The Ret elements holding a transaction's lines (groups included)."""
    return _line_keys(otype.ret)


@cache
def _line_keys(ret: Element) -> tuple[str, ...]:
    return tuple(n for n in ret.child_names()
                 if n.endswith(("LineRet", "LineGroupRet"))
                 or n in ("JournalDebitLine", "JournalCreditLine"))


PRICE_FIELDS = ("Rate", "Cost", "RatePercent")


def merge_line(previous: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """A kept line with a Mod's changes: what the Mod leaves out stays, except that an
    amount follows a new quantity or price (and a price a new amount), as in QuickBooks."""
    merged = {**previous, **change}
    if "Amount" not in change and any(k in change for k in ("Quantity", *PRICE_FIELDS)):
        merged.pop("Amount", None)
    elif "Amount" in change and not any(k in change for k in PRICE_FIELDS):
        for key in PRICE_FIELDS:
            merged.pop(key, None)
    return merged


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def quantity_links(lines: list[dict[str, Any]], doc: dict[str, Any]) -> list[Link]:
    """Links by quantity from lines made from another transaction's lines (``_link``), plus
    a whole-transaction link to each other one named in ``_linked_to``."""
    out = [Link(line["_link"]["TxnID"], money(line.get("Quantity")), "QUANTYPE",
                line["_link"]["TxnLineID"]) for line in lines if line.get("_link")]
    linked = {link.to_id for link in out}
    out += [Link(t, Decimal(0), "QUANTYPE") for t in doc.get("_linked_to", [])
            if t not in linked]
    return out


def refunded(ctx: Context, txn_id: str, exclude: str | None = None) -> Decimal:
    """What credit card refunds (ARRefundCreditCard) have paid out of a credit memo or a
    payment's unused amount, not counting the refund ``exclude``."""
    total = Decimal(0)
    for from_id, amount in ctx.db.execute(
            "SELECT l.from_id, l.amount FROM links l JOIN records r ON r.id = l.from_id "
            "WHERE l.to_id=? AND r.type='ARRefundCreditCard'", (txn_id,)):
        if from_id != exclude:
            total += money(amount)
    return total


@register_default("txn")
class TxnRules(Rules):
    """The base of every transaction type's rules."""

    auto_ref = False          # number RefNumber automatically when absent (invoices...)

    # -- defaults and columns -----------------------------------------------------------------
    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        ret = otype.ret
        if ret.child("TxnNumber") is not None:
            doc["TxnNumber"] = str(ctx.store.next_counter("txnnumber", 1))
        if ret.child("TxnDate") is not None and not doc.get("TxnDate"):
            doc["TxnDate"] = ctx.store.clock.now().date().isoformat()
        if self.auto_ref and not doc.get("RefNumber") and not doc.get("_opening"):
            # (an opening balance is entered without a number [056])
            doc["RefNumber"] = self.next_ref(ctx, otype)

    def next_ref(self, ctx: Context, otype: ObjectType) -> str:
        """One more than the last number used on this form type, like QuickBooks."""
        return str((ctx.store.counter(f"ref:{otype.name}") or 0) + 1)

    def note_ref(self, ctx: Context, otype: ObjectType, ref: str | None) -> None:
        """Remember the highest numeric RefNumber used, so automatic numbers continue it."""
        if ref and ref.isdigit() and len(ref) < 18:
            ctx.store.raise_counter(f"ref:{otype.name}", int(ref))

    def columns(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> dict[str, Any]:
        if self.auto_ref:
            self.note_ref(ctx, otype, doc.get("RefNumber"))
        entity = next((ref_id(doc, k) for k in ENTITY_KEYS if ref_id(doc, k)), None)
        account = next((ref_id(doc, k) for k in ACCOUNT_KEYS if ref_id(doc, k)), None)
        return {"txn_date": doc.get("TxnDate"), "ref_number": doc.get("RefNumber"),
                "entity_id": entity, "account_id": account,
                "open_amount": self.open_amount(ctx, otype, doc)}

    def open_amount(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> str | None:
        """What is left to pay on the transaction (PaidStatus filters), if anything."""
        return None

    # -- lines --------------------------------------------------------------------------------
    def prepare(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        keys = line_keys(otype)
        if old is not None:
            self.merge_lines(ctx, otype, doc, old, keys)
        for key in keys:
            for line in as_list(doc.get(key)):
                self.number_line(ctx, line)
        self.compute(ctx, otype, doc, old, data)

    def number_line(self, ctx: Context, line: dict[str, Any]) -> None:
        if not line.get("TxnLineID") or line["TxnLineID"] == "-1":
            line["TxnLineID"] = ctx.store.new_txn_id()
        for value in line.values():
            for nested in as_list(value):
                if isinstance(nested, dict) and "TxnLineID" in nested:
                    self.number_line(ctx, nested)

    def merge_lines(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                    old: dict[str, Any], keys: Sequence[str]) -> None:
        if not any(key in doc and doc[key] is not old.get(key) for key in keys):
            return
        changed = [k for k in keys if doc.get(k) is not None and doc.get(k) != old.get(k)]
        if not changed:
            return
        previous = {line["TxnLineID"]: line for key in keys for line in as_list(old.get(key))
                    if isinstance(line, dict) and "TxnLineID" in line}
        for key in keys:
            if key not in changed:
                doc.pop(key, None)        # lines of other kinds are replaced too
                continue
            merged = []
            for line in as_list(doc[key]):
                line_id = line.get("TxnLineID")
                if not line_id or line_id == "-1":
                    merged.append(line)
                elif line_id in previous:
                    merged.append(merge_line(previous[line_id], line))
                else:
                    raise errors.object_not_found(line_id)
            doc[key] = merged

    # -- what subclasses describe ---------------------------------------------------------------
    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        """Derived fields (amounts, totals, defaults from names and items)."""

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        return []

    def stock_moves(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]
                    ) -> list[StockMove]:
        return []

    def links(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Link]:
        return []

    # -- storing the effects --------------------------------------------------------------------
    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        txn_date = doc.get("TxnDate") or ctx.store.clock.now().date().isoformat()
        new = old is None
        ledger.post(ctx, record_id, txn_date, self.postings(ctx, otype, doc), new=new)
        ledger.move_stock(ctx, record_id, txn_date, self.stock_moves(ctx, otype, doc), new=new)
        self.replace_links(ctx, record_id, self.links(ctx, otype, doc), new=new)

    def replace_links(self, ctx: Context, record_id: str, links: list[Link],
                      new: bool = False) -> None:
        touched: set[str] = set()
        if not new:
            touched = {r[0] for r in ctx.db.execute("SELECT to_id FROM links WHERE from_id=?",
                                                    (record_id,))}
            ctx.db.execute("DELETE FROM links WHERE from_id=?", (record_id,))
        elif not links:
            return
        ctx.db.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?)", [
            (record_id, link.to_id, link.link_type, str(link.amount), link.line_id)
            for link in links])
        touched |= {link.to_id for link in links}
        self.refresh(ctx, touched)

    def refresh(self, ctx: Context, ids: set[str]) -> None:
        """Linked transactions' open amounts and renderings follow a change here."""
        types = registry()
        for txn_id in ids:
            row = ctx.store.get(txn_id)
            if row is None:
                continue
            otype = types[row["type"]]
            doc = ctx.store.shared_doc(txn_id, row) or {}
            rules = rules_for(row["type"])
            if isinstance(rules, TxnRules):
                open_amount = rules.open_amount(ctx, otype, doc)
                if open_amount != row["open_amount"] or row["xml"] is not None:
                    ctx.store.update(txn_id, {"open_amount": open_amount, "xml": None})
                rules.on_linked(ctx, otype, row, doc)

    def on_linked(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                  doc: dict[str, Any]) -> None:
        """Another transaction was linked to or unlinked from this one. ``doc`` is its
        stored document, shared (:meth:`Store.shared_doc`): rules that change it parse
        their own copy."""

    def after_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                     doc: dict[str, Any]) -> None:
        ledger.unpost(ctx, row["id"])
        ledger.move_stock(ctx, row["id"], row["txn_date"] or "", [])
        self.replace_links(ctx, row["id"], [])
        touched = {r[0] for r in ctx.db.execute("SELECT from_id FROM links WHERE to_id=?",
                                                (row["id"],))}
        ctx.db.execute("DELETE FROM links WHERE to_id=?", (row["id"],))
        self.refresh(ctx, touched)

    def void(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
             doc: dict[str, Any]) -> dict[str, Any]:
        """Amounts become zero everywhere; the lines and names stay."""
        zeroed = _zero_amounts(doc, otype)
        self.after_delete(ctx, otype, row, doc)
        return zeroed

    # -- reading ----------------------------------------------------------------------------------
    def applied_to(self, ctx: Context, txn_id: str) -> Decimal:
        """Total applied to a transaction by payments and credits."""
        total = Decimal(0)
        for (amount,) in ctx.db.execute("SELECT amount FROM links WHERE to_id=? AND "
                                        "link_type='AMTTYPE'", (txn_id,)):
            total += money(amount)
        return total

    def linked_txns(self, ctx: Context, txn_id: str) -> list[dict[str, str]]:
        """LinkedTxn aggregates: every transaction applied to or linked with this one."""
        out = []
        rows = ctx.db.execute(
            "SELECT l.from_id AS other, l.link_type, l.amount, r.type, r.txn_date, "
            "r.ref_number FROM links l JOIN records r ON r.id = l.from_id WHERE l.to_id=? "
            "UNION ALL SELECT l.to_id, l.link_type, l.amount, r.type, r.txn_date, r.ref_number "
            "FROM links l JOIN records r ON r.id = l.to_id WHERE l.from_id=?",
            (txn_id, txn_id)).fetchall()
        seen = set()
        for other, link_type, amount, kind, txn_date, ref in rows:
            if other in seen:
                continue
            seen.add(other)
            entry = {"TxnID": other, "TxnType": kind, "TxnDate": txn_date}
            if ref:
                entry["RefNumber"] = ref
            entry["LinkType"] = link_type
            # LinkedTxn requires an Amount: what was applied for money links, none (0.00)
            # for quantity links such as an invoice made from a sales order.
            entry["Amount"] = output_text(-money(amount) if link_type == "AMTTYPE" else 0,
                                          "AMTTYPE")
            out.append(entry)
        return out

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        if otype.ret.child("LinkedTxn") is not None:
            linked = self.linked_txns(ctx, row["id"])
            if linked:
                doc["LinkedTxn"] = linked


AMOUNT_FIELDS = {"Amount", "Subtotal", "SalesTaxTotal", "TotalAmount", "BalanceRemaining",
                 "AmountDue", "OpenAmount", "CreditRemaining", "UnusedPayment", "UnusedCredits",
                 "Cost", "Rate", "AppliedAmount", "PaymentAmount", "DepositTotal"}


def _zero_amounts(value: Any, otype: ObjectType | None = None) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in AMOUNT_FIELDS and isinstance(item, str):
                out[key] = "0.00"
            elif key == "Quantity" and isinstance(item, str):
                out[key] = item
            else:
                out[key] = _zero_amounts(item)
        if "IsPaid" in out:
            out["IsPaid"] = "true"
        return out
    if isinstance(value, list):
        return [_zero_amounts(item) for item in value]
    return value
