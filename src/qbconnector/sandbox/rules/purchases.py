"""Purchases: purchase orders, item receipts, bills, vendor credits, checks and credit card
charges and credits.

Posting (debits positive): a bill debits each expense line's account and each item line's
account (an inventory item's asset account, else its expense account; OverrideItemAccountRef
wins) and credits Accounts Payable with the vendor, so the vendor's Balance is what is owed.
An item receipt posts like a bill (QuickBooks books received items on Accounts Payable before
the bill arrives). A check credits its bank account, a credit card charge its credit card
account; a vendor credit and a credit card credit post the other way round. Inventory item
lines add stock at their amount (QuantityOnHand and AverageCost follow); a vendor credit or
credit card credit returns stock, taking exactly its amount out of the item's value.

A purchase order posts nothing: its open quantities of inventory items are on order. Item
receipts and bills receive it, by LinkToTxnID (every open line) or by a line's LinkToTxn;
each line's ReceivedQuantity, IsBilled and the order's IsFullyReceived follow, and a closed
order (IsManuallyClosed or fully received) cannot be linked (570, a warning: the transaction
is saved without that link). As through the SDK, an item receipt cannot be turned into a bill.

Deleting or voiding a bill that payments or credits were applied to is allowed: the links go,
the bill payment stays as an unapplied payment to the vendor (the vendor's Balance then shows
the overpayment as a negative amount), as QuickBooks leaves it when a paid bill is deleted.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.books.ledger import Posting, StockMove, move_stock
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import preference
from qbconnector.sandbox.core.render import money, output_text
from qbconnector.sandbox.records.hooks import register
from qbconnector.sandbox.rules.addresses import fill_blocks
from qbconnector.sandbox.rules.items import item_info
from qbconnector.sandbox.rules.lists import special_account
from qbconnector.sandbox.rules.purchase_lines import (
    ZERO,
    LineSetRules,
    company_ship_address,
    copy_entity_address,
    cost_group,
    cost_line,
    default_account,
    due_date,
    exact_average,
    ref_of,
)
from qbconnector.sandbox.rules.transactions import Link, as_list, quantity_links, ref_id
from qbconnector.sandbox.storage.store import dumps, loads

if TYPE_CHECKING:
    import sqlite3

    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType


def received(ctx: Context, order_id: str, line_id: str, types: tuple[str, ...] = ()
             ) -> Decimal:
    """Quantity of a purchase order line received so far (by the given types, else all)."""
    total = ZERO
    for from_id, amount in ctx.db.execute(
            "SELECT from_id, amount FROM links WHERE to_id=? AND line_id=? AND "
            "link_type='QUANTYPE'", (order_id, line_id)):
        if types:
            row = ctx.store.get(from_id)
            if row is None or row["type"] not in types:
                continue
        total += money(amount)
    return total


def order_lines(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """A purchase order's lines, those inside line groups included."""
    out = list(as_list(doc.get("PurchaseOrderLineRet")))
    for group in as_list(doc.get("PurchaseOrderLineGroupRet")):
        out += as_list(group.get("PurchaseOrderLineRet"))
    return [line for line in out if isinstance(line, dict)]


def order_closed(ctx: Context, row: sqlite3.Row, doc: dict[str, Any]) -> bool:
    if doc.get("IsManuallyClosed") == "true" or row["is_void"]:
        return True
    lines = [x for x in order_lines(doc) if x.get("Quantity")]
    return bool(lines) and all(
        x.get("IsManuallyClosed") == "true"
        or received(ctx, row["id"], x["TxnLineID"]) >= money(x["Quantity"]) for x in lines)


@register("PurchaseOrder")
class PurchaseOrderRules(LineSetRules):
    """Purchase orders: non-posting; what is still to receive is on order."""

    auto_ref = True
    price_key = "Rate"

    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        if old is None and not data.get("VendorRef"):
            raise errors.missing_element("VendorRef")

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        vendor_id = ref_id(doc, "VendorRef")
        if "TemplateRef" not in doc:
            row = ctx.db.execute("SELECT * FROM records WHERE type='Template' AND doc LIKE ? "
                                 "ORDER BY seq LIMIT 1",
                                 ('%"TemplateType":"PurchaseOrder"%',)).fetchone()
            if row is not None:
                doc["TemplateRef"] = ref_of(row)
        if "VendorAddress" not in doc:
            copy_entity_address(ctx, doc, "VendorAddress", vendor_id)
        if "ShipAddress" not in doc and "ShipToEntityRef" not in doc:
            address = company_ship_address(ctx)
            if address:
                doc["ShipAddress"] = address
        if "ShipAddress" not in doc and doc.get("ShipToEntityRef"):
            copy_entity_address(ctx, doc, "ShipAddress", ref_id(doc, "ShipToEntityRef"))
        if "TermsRef" not in doc and vendor_id:
            terms = json.loads(ctx.store.get(vendor_id)["doc"]).get("TermsRef")
            if terms:
                doc["TermsRef"] = terms
        for key, value in (("IsManuallyClosed", "false"), ("IsToBePrinted", "true"),
                           ("IsToBeEmailed", "false")):
            doc.setdefault(key, value)

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        txn_date = doc.get("TxnDate", "")
        if "DueDate" not in data and (old is None or "TermsRef" in data or "TxnDate" in data):
            doc["DueDate"] = due_date(ctx, txn_date, doc.get("TermsRef"), 0)
        if "ExpectedDate" not in doc:
            doc["ExpectedDate"] = txn_date
        fill_blocks(doc, lambda name: otype.ret.child(name) is not None, data)
        total = sum((cost_line(ctx, line, "Rate")
                     for line in as_list(doc.get("PurchaseOrderLineRet"))), ZERO)
        total += sum((cost_group(ctx, group, "PurchaseOrderLineRet", "Rate")
                      for group in as_list(doc.get("PurchaseOrderLineGroupRet"))), ZERO)
        doc["TotalAmount"] = output_text(total, "AMTTYPE")
        for line in order_lines(doc):
            line.setdefault("IsManuallyClosed", "false")

    def stock_moves(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]
                    ) -> list[StockMove]:
        if doc.get("IsManuallyClosed") == "true":
            return []
        out = []
        for line in order_lines(doc):
            item_id = ref_id(line, "ItemRef")
            info = item_info(ctx, item_id) if item_id else None
            if info is None or not info.is_inventory or not line.get("Quantity") or \
                    line.get("IsManuallyClosed") == "true":
                continue
            still = money(line["Quantity"]) - received(ctx, doc["TxnID"], line["TxnLineID"])
            if still > 0:
                out.append(StockMove(item_id, still, ZERO, "onorder"))
        return out

    def on_linked(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                  doc: dict[str, Any]) -> None:
        moves = [] if row["is_void"] else self.stock_moves(ctx, otype, doc)
        move_stock(ctx, row["id"], row["txn_date"] or "", moves)

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        counted = []
        for line in order_lines(doc):
            got = received(ctx, row["id"], line["TxnLineID"])
            billed = received(ctx, row["id"], line["TxnLineID"], ("Bill",))
            if line.get("ItemRef") or line.get("Quantity"):
                line["ReceivedQuantity"] = output_text(got, "QUANTYPE")
                quantity = money(line.get("Quantity"))
                line["IsBilled"] = "true" if quantity and billed >= quantity else "false"
            if doc.get("IsManuallyClosed") == "true":
                line["IsManuallyClosed"] = "true"
            if line.get("Quantity"):
                counted.append(got >= money(line["Quantity"]))
        doc["IsFullyReceived"] = "true" if counted and all(counted) else "false"


class PurchaseFormRules(LineSetRules):
    """Item receipts, bills, vendor credits, checks, credit card charges and credits."""

    sign = 1                       # -1: the form gives back (vendor credit, card credit)
    account_key = "APAccountRef"   # the account the form's total is credited to
    account_default: str | None = "AccountsPayable"
    entity_key = "VendorRef"
    total_key = "AmountDue"
    links_orders = False

    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        if old is None and self.entity_key == "VendorRef" and not data.get("VendorRef"):
            raise errors.missing_element("VendorRef")

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        ret = otype.ret
        if self.account_default and self.account_key not in doc:
            ref = default_account(ctx, self.account_default)
            if ref is not None:
                doc[self.account_key] = ref
        entity_id = ref_id(doc, self.entity_key)
        for key in ("VendorAddress", "Address"):
            if ret.child(key) is not None and key not in doc:
                copy_entity_address(ctx, doc, key, entity_id)
        if ret.child("TermsRef") is not None and "TermsRef" not in doc and entity_id:
            row = ctx.store.get(entity_id)
            terms = loads(row["doc"]).get("TermsRef") if row is not None else None
            if terms:
                doc["TermsRef"] = terms
        if ret.child("IsToBePrinted") is not None:
            doc.setdefault("IsToBePrinted", "false")

    # -- lines ------------------------------------------------------------------------------
    def item_lines(self, doc: dict[str, Any]) -> list[dict[str, Any]]:
        out = list(as_list(doc.get("ItemLineRet")))
        for group in as_list(doc.get("ItemGroupLineRet")):
            out += as_list(group.get("ItemLineRet"))
        return [line for line in out if isinstance(line, dict)]

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        if self.links_orders and old is None:
            self.link_orders(ctx, otype, doc, data)
        if otype.ret.child("DueDate") is not None and "DueDate" not in data and (
                old is None or "TermsRef" in data or "TxnDate" in data):
            days = preference(ctx, "PurchasesAndVendorsPreferences", "DaysBillsAreDue")
            doc["DueDate"] = due_date(ctx, doc.get("TxnDate", ""), doc.get("TermsRef"),
                                      int(days or 0))
        fill_blocks(doc, lambda name: otype.ret.child(name) is not None, data)
        total = sum((money(line.get("Amount")) for line in as_list(doc.get("ExpenseLineRet"))),
                    ZERO)
        total += sum((cost_line(ctx, line) for line in as_list(doc.get("ItemLineRet"))), ZERO)
        total += sum((cost_group(ctx, group, "ItemLineRet")
                      for group in as_list(doc.get("ItemGroupLineRet"))), ZERO)
        doc[self.total_key] = output_text(total, "AMTTYPE")

    # -- receiving purchase orders ------------------------------------------------------------
    def link_orders(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                    data: dict[str, Any]) -> None:
        """LinkToTxnID brings in every open line of a purchase order; a line's LinkToTxn
        fills that line from the order's line (item, description, cost, open quantity)."""
        lines = as_list(doc.get("ItemLineRet"))
        for line, sent in zip(lines, as_list(data.get("ItemLineAdd")), strict=False):
            link = sent.get("LinkToTxn") if isinstance(sent, dict) else None
            if not link:
                continue
            found = self._order_line(ctx, link.get("TxnID", ""), link.get("TxnLineID", ""))
            if found is None:
                continue
            self._fill_from(ctx, line, found, link["TxnID"])
        whole = []
        for txn_id in as_list(data.get("LinkToTxnID")):
            row, order = self._order(ctx, txn_id)
            if row is None:
                continue
            whole.append(txn_id)
            for source in order_lines(order):
                if source.get("IsManuallyClosed") == "true":
                    continue
                if source.get("Quantity") and \
                        money(source["Quantity"]) <= received(ctx, txn_id, source["TxnLineID"]):
                    continue
                line = {"TxnLineID": ctx.store.new_txn_id()}
                self._fill_from(ctx, line, source, txn_id)
                lines.append(line)
        if lines:
            doc["ItemLineRet"] = lines
        if whole:
            doc["_linked_to"] = whole

    def _order(self, ctx: Context, txn_id: str) -> tuple[sqlite3.Row | None, dict[str, Any]]:
        row = ctx.store.get(txn_id)
        if row is None or row["type"] != "PurchaseOrder":
            raise errors.object_not_found(txn_id)
        order = loads(row["doc"])
        if order_closed(ctx, row, order):
            ctx.warn(errors.fail(570, value=txn_id))
            return None, order
        return row, order

    def _order_line(self, ctx: Context, txn_id: str, line_id: str) -> dict[str, Any] | None:
        row, order = self._order(ctx, txn_id)
        if row is None:
            return None
        for line in order_lines(order):
            if line.get("TxnLineID") == line_id:
                return line
        raise errors.object_not_found(line_id)

    def _fill_from(self, ctx: Context, line: dict[str, Any], source: dict[str, Any],
                   order_id: str) -> None:
        for key in ("ItemRef", "Desc", "ClassRef", "CustomerRef"):
            if key not in line and key in source:
                line[key] = source[key]
        if "Cost" not in line and source.get("Rate"):
            line["Cost"] = source["Rate"]
        if "Quantity" not in line and "Amount" not in line:
            if source.get("Quantity"):
                left = money(source["Quantity"]) - received(ctx, order_id, source["TxnLineID"])
                line["Quantity"] = output_text(max(left, ZERO), "QUANTYPE")
            elif source.get("Amount"):
                line["Amount"] = source["Amount"]
        line["_link"] = {"TxnID": order_id, "TxnLineID": source["TxnLineID"]}

    def links(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Link]:
        return quantity_links(list(self.item_lines(doc)), doc)

    def on_linked(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                  doc: dict[str, Any]) -> None:
        """A received purchase order was deleted or voided: its lines here lose the link."""
        linked = set(ctx.db.execute("SELECT to_id, line_id FROM links WHERE from_id=?",
                                    (row["id"],)).fetchall())

        def lost(line: dict[str, Any]) -> bool:
            link = line.get("_link")
            return bool(link) and (link["TxnID"], link["TxnLineID"]) not in linked
        if not any(lost(line) for line in self.item_lines(doc)):
            return
        doc = loads(row["doc"])                  # (a copy to change)
        for line in self.item_lines(doc):
            if lost(line):
                line.pop("_link")
        ctx.store.update(row["id"], {"doc": dumps(doc), "xml": None})

    # -- effects ----------------------------------------------------------------------------
    def total(self, doc: dict[str, Any]) -> Decimal:
        return money(doc.get(self.total_key))

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        sign = self.sign
        entity = ref_id(doc, self.entity_key)
        out = [Posting(ref_id(doc, self.account_key) or "", -sign * self.total(doc), entity)]
        fallback = None
        for line in as_list(doc.get("ExpenseLineRet")):
            amount = money(line.get("Amount"))
            account = ref_id(line, "AccountRef")
            if account is None and amount:
                fallback = fallback or special_account(ctx, "UncategorizedExpenses")["id"]
                account = fallback
            if amount:
                out.append(Posting(account or "", sign * amount, ref_id(line, "CustomerRef"),
                                   None, ref_id(line, "ClassRef")))
        for line in self.item_lines(doc):
            amount = money(line.get("Amount"))
            item_id = ref_id(line, "ItemRef")
            if not amount:
                continue
            info = item_info(ctx, item_id) if item_id else None
            account = ref_id(line, "OverrideItemAccountRef")
            if account is None and info is not None:
                account = info.asset_account if info.is_inventory else info.expense_account
            if account is None:
                fallback = fallback or special_account(ctx, "UncategorizedExpenses")["id"]
                account = fallback
            out.append(Posting(account, sign * amount, ref_id(line, "CustomerRef"), item_id,
                               ref_id(line, "ClassRef")))
        return out

    def stock_moves(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]
                    ) -> list[StockMove]:
        out = []
        txn_date = doc.get("TxnDate")
        for line in self.item_lines(doc):
            item_id = ref_id(line, "ItemRef")
            info = item_info(ctx, item_id) if item_id else None
            if info is None or not info.is_inventory or ref_id(line, "OverrideItemAccountRef"):
                continue
            quantity = money(line.get("Quantity"))
            amount = money(line.get("Amount"))
            if self.sign > 0:
                out.append(StockMove(item_id, quantity, amount))
                continue
            # Returned stock leaves at the average cost; a second move without quantity
            # takes the rest of the credit's amount out of the item's value.
            average = exact_average(ctx, item_id, txn_date, doc.get("TxnID"))
            out.append(StockMove(item_id, -quantity, -average * quantity))
            out.append(StockMove(item_id, ZERO, average * quantity - amount))
        return out

    def open_amount(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> str | None:
        if otype.ret.child("OpenAmount") is None:
            return None
        return output_text(self.total(doc) - self.applied(ctx, doc.get("TxnID", "")),
                           "AMTTYPE")

    def applied(self, ctx: Context, txn_id: str) -> Decimal:
        """For a bill what payments and credits paid; for a vendor credit what it paid."""
        return self.applied_to(ctx, txn_id)

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        doc.pop("_linked_to", None)
        if otype.ret.child("OpenAmount") is not None:
            left = self.total(doc) - self.applied(ctx, row["id"])
            doc["OpenAmount"] = output_text(left, "AMTTYPE")
            if otype.ret.child("IsPaid") is not None:
                doc["IsPaid"] = "true" if left <= 0 else "false"


@register("Bill")
class BillRules(PurchaseFormRules):
    links_orders = True


@register("ItemReceipt")
class ItemReceiptRules(PurchaseFormRules):
    total_key = "TotalAmount"
    links_orders = True


@register("VendorCredit")
class VendorCreditRules(PurchaseFormRules):
    """Vendor credits: the reverse of a bill; OpenAmount is the credit not yet used."""

    sign = -1
    total_key = "CreditAmount"

    def applied(self, ctx: Context, txn_id: str) -> Decimal:
        total = ZERO
        for (amount,) in ctx.db.execute("SELECT amount FROM links WHERE from_id=? AND "
                                        "link_type='AMTTYPE'", (txn_id,)):
            total += money(amount)
        return total

    def links(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Link]:
        """The bills this credit was applied to (by bill payments) stay linked when the
        credit itself is modified."""
        kept = [Link(to_id, money(amount), "AMTTYPE", line_id) for to_id, amount, line_id in
                ctx.db.execute("SELECT to_id, amount, line_id FROM links WHERE from_id=? AND "
                               "link_type='AMTTYPE'", (doc.get("TxnID", ""),))]
        return kept + super().links(ctx, otype, doc)


@register("Check")
class CheckRules(PurchaseFormRules):
    """Checks written from a bank account (AccountRef) to any payee."""

    account_key = "AccountRef"
    account_default = None
    entity_key = "PayeeEntityRef"
    total_key = "Amount"


@register("CreditCardCharge")
class CreditCardChargeRules(CheckRules):
    """Purchases on a credit card account: the card (a liability) is credited."""


@register("CreditCardCredit")
class CreditCardCreditRules(CheckRules):
    """Refunds to a credit card account: the card is debited, the lines credited."""

    sign = -1
