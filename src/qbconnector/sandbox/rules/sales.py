"""Sales: invoices, sales receipts, credit memos, estimates, sales orders, statement
charges and received payments.

Sales forms: a line's Amount is Quantity x Rate when not given (Rate defaults to the item's
price, Quantity to Amount / Rate when only those are given); Subtotal sums the lines; sales
tax is the tax item's rate on the lines whose sales tax code is taxable (for a taxable
customer), rounded to cents; TotalAmount = Subtotal + SalesTaxTotal. Invoices show
AppliedAmount (negative), BalanceRemaining and IsPaid from the payments and credits applied.

Payments: applied by hand (AppliedToTxnAdd) or oldest first (IsAutoApply); paying more than
an invoice owes is 3210. Credits applied with a payment (SetCredit) may not exceed what the
credit memo has left nor what the invoice owes (3210; QuickBooks' reason text for the first is
not known, the sandbox words it after the second). Choices where QuickBooks' behaviour is not
documented: deleting or voiding an invoice leaves the payments applied to it received and
unused; deleting a payment or credit memo takes back the credits it applied; a quantity link
(sales order to invoice) shows in LinkedTxn with Amount 0.00.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.qbxml import status as catalogue
from qbconnector.sandbox.books import ledger
from qbconnector.sandbox.books.ledger import Posting, StockMove, average_cost
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.objects import registry
from qbconnector.sandbox.core.render import cents, money, output_text
from qbconnector.sandbox.records.hooks import register
from qbconnector.sandbox.rules.addresses import copy_address, fill_blocks
from qbconnector.sandbox.rules.items import item_info, non_taxable_code, tax_code_is_taxable
from qbconnector.sandbox.rules.lists import special_account
from qbconnector.sandbox.rules.transactions import (
    Link,
    TxnRules,
    as_list,
    quantity_links,
    ref_id,
    refunded,
)
from qbconnector.sandbox.storage.store import dumps, loads

if TYPE_CHECKING:
    import sqlite3

    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType

# QuickBooks' reason for a credit applied beyond what the credit memo has left is not known;
# the sandbox words it like its reason for paying more than is due.
CREDIT_MORE_THAN_AVAILABLE = "You cannot apply more credit than is available."
TEMPLATE_KIND = {"Invoice": "Invoice", "SalesReceipt": "SalesReceipt",
                 "CreditMemo": "CreditMemo", "Estimate": "Estimate", "SalesOrder": "SalesOrder"}
ZERO = Decimal(0)


def _ref(row: sqlite3.Row) -> dict[str, str]:
    return {"ListID": row["id"], "FullName": row["full_name"] or ""}


def customer_doc(ctx: Context, doc: dict[str, Any]) -> dict[str, Any]:
    """The customer's document (shared: never change it)."""
    customer_id = ref_id(doc, "CustomerRef")
    return (ctx.store.shared_doc(customer_id) if customer_id else None) or {}


def due_date(ctx: Context, txn_date: str, terms: dict[str, str] | None) -> str:
    if terms and terms.get("ListID"):
        found = ctx.store.shared_doc(terms["ListID"])
        if found is not None:
            days = found.get("StdDueDays")
            if days:
                return (date.fromisoformat(txn_date) + timedelta(days=int(days))).isoformat()
    return txn_date


class SalesFormRules(TxnRules):
    """Invoice, SalesReceipt, CreditMemo, Estimate and SalesOrder."""

    auto_ref = True
    posting = True

    def line_key(self, otype: ObjectType) -> str:
        return f"{otype.name}LineRet"

    def group_key(self, otype: ObjectType) -> str:
        return f"{otype.name}LineGroupRet"

    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        if old is None and not data.get("CustomerRef") and otype.name != "SalesReceipt":
            raise errors.missing_element("CustomerRef")

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        ret = otype.ret
        customer = customer_doc(ctx, doc)
        if ret.child("ARAccountRef") is not None and "ARAccountRef" not in doc:
            account = special_account(ctx, "AccountsReceivable")
            if account is not None:
                doc["ARAccountRef"] = _ref(account)
        if ret.child("TemplateRef") is not None and "TemplateRef" not in doc:
            row = ctx.store.special("Template", TEMPLATE_KIND[otype.name])
            if row is not None:
                doc["TemplateRef"] = _ref(row)
        if ret.child("DepositToAccountRef") is not None and "DepositToAccountRef" not in doc:
            account = special_account(ctx, "UndepositedFunds")
            if account is not None:
                doc["DepositToAccountRef"] = _ref(account)
        for key in ("BillAddress", "ShipAddress"):
            if ret.child(key) is not None and key not in doc:
                copy_address(doc, key, customer, key)
        for key in ("TermsRef", "SalesRepRef"):
            if ret.child(key) is not None and key not in doc and customer.get(key):
                doc[key] = dict(customer[key])
        if "CustomerSalesTaxCodeRef" not in doc and customer.get("SalesTaxCodeRef"):
            doc["CustomerSalesTaxCodeRef"] = dict(customer["SalesTaxCodeRef"])
        if "ItemSalesTaxRef" not in doc and customer.get("ItemSalesTaxRef") and \
                not doc.get("_opening"):
            # (an opening balance is not taxed: its invoice names no tax item [056])
            doc["ItemSalesTaxRef"] = dict(customer["ItemSalesTaxRef"])
        flags = {"IsPending": "false", "IsFinanceCharge": "false", "IsToBePrinted": "true",
                 "IsToBeEmailed": "false", "IsActive": "true", "IsManuallyClosed": "false",
                 "IsFullyInvoiced": "false"}
        for key, value in flags.items():
            if ret.child(key) is not None:
                doc.setdefault(key, value)

    # -- linking to sales orders and estimates -----------------------------------------------
    def link_sources(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                     data: dict[str, Any]) -> None:
        """LinkToTxnID copies a sales order's (or estimate's) open lines into the invoice;
        a line's LinkToTxn fills that line from the linked line. A closed sales order cannot
        be linked (570, a warning: the invoice is saved without the link)."""
        body = data.get(f"{otype.name}Add") or data.get(f"{otype.name}Mod") or data
        key = self.line_key(otype)
        lines = as_list(doc.get(key))
        requested = as_list(body.get(f"{otype.name}LineAdd"))
        for line, source in zip(lines, requested, strict=False):
            link = source.get("LinkToTxn") if isinstance(source, dict) else None
            if not link:
                continue
            found = self._source_line(ctx, link.get("TxnID", ""), link.get("TxnLineID", ""))
            if found is None:
                continue
            for field_name in ("ItemRef", "Desc", "Rate", "SalesTaxCodeRef", "ClassRef"):
                if field_name not in line and field_name in found:
                    line[field_name] = found[field_name]
            if "Quantity" not in line and "Amount" not in line:
                line["Quantity"] = output_text(self._open_quantity(ctx, link["TxnID"], found),
                                               "QUANTYPE")
            line["_link"] = {"TxnID": link["TxnID"], "TxnLineID": link["TxnLineID"]}
        whole = []
        for txn_id in as_list(body.get("LinkToTxnID")):
            row = ctx.store.get(txn_id)
            if row is None or row["type"] not in ("SalesOrder", "Estimate"):
                raise errors.object_not_found(txn_id)
            source_doc = loads(row["doc"])
            if row["type"] == "SalesOrder" and self._closed(ctx, row, source_doc):
                ctx.warn(errors.fail(570, value=txn_id))
                continue
            whole.append(txn_id)
            for source_line in as_list(source_doc.get(f"{row['type']}LineRet")):
                remaining = self._open_quantity(ctx, txn_id, source_line)
                if row["type"] == "SalesOrder" and remaining <= 0:
                    continue
                copied = {k: v for k, v in source_line.items() if k in (
                    "ItemRef", "Desc", "Rate", "SalesTaxCodeRef", "ClassRef", "Quantity")}
                if source_line.get("Quantity"):
                    copied["Quantity"] = output_text(remaining, "QUANTYPE")
                copied["_link"] = {"TxnID": txn_id, "TxnLineID": source_line["TxnLineID"]}
                self.number_line(ctx, copied)
                lines.append(copied)
        if lines:
            doc[key] = lines
        if whole:
            doc["_linked_to"] = whole

    def _source_line(self, ctx: Context, txn_id: str, line_id: str) -> dict[str, Any] | None:
        row = ctx.store.get(txn_id)
        if row is None or row["type"] not in ("SalesOrder", "Estimate"):
            raise errors.object_not_found(txn_id)
        source = loads(row["doc"])
        if row["type"] == "SalesOrder" and self._closed(ctx, row, source):
            ctx.warn(errors.fail(570, value=txn_id))
            return None
        for line in as_list(source.get(f"{row['type']}LineRet")):
            if line.get("TxnLineID") == line_id:
                return line
        raise errors.object_not_found(line_id)

    def _invoiced(self, ctx: Context, txn_id: str, line_id: str) -> Decimal:
        total = ZERO
        for (amount,) in ctx.db.execute("SELECT amount FROM links WHERE to_id=? AND line_id=? "
                                        "AND link_type='QUANTYPE'", (txn_id, line_id)):
            total += money(amount)
        return total

    def _open_quantity(self, ctx: Context, txn_id: str, line: dict[str, Any]) -> Decimal:
        return money(line.get("Quantity")) - self._invoiced(ctx, txn_id, line["TxnLineID"])

    def _closed(self, ctx: Context, row: sqlite3.Row, doc: dict[str, Any]) -> bool:
        if doc.get("IsManuallyClosed") == "true":
            return True
        lines = [x for x in as_list(doc.get("SalesOrderLineRet")) if x.get("Quantity")]
        return bool(lines) and all(self._open_quantity(ctx, row["id"], x) <= 0 for x in lines)

    # -- computing a form -----------------------------------------------------------------
    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        ret = otype.ret
        if otype.name in ("Invoice", "SalesReceipt") and old is None:
            self.link_sources(ctx, otype, doc, data)
        txn_date = doc.get("TxnDate", "")
        if ret.child("DueDate") is not None and (old is None or "DueDate" not in data) and \
                "DueDate" not in data:
            doc["DueDate"] = due_date(ctx, txn_date, doc.get("TermsRef"))
        if ret.child("ShipDate") is not None and "ShipDate" not in doc:
            doc["ShipDate"] = txn_date
        fill_blocks(doc, lambda name: ret.child(name) is not None, data)
        taxable_customer = tax_code_is_taxable(ctx, doc.get("CustomerSalesTaxCodeRef")) \
            if doc.get("CustomerSalesTaxCodeRef") else True
        lines = as_list(doc.get(self.line_key(otype)))
        subtotal = ZERO
        taxable = ZERO
        running = ZERO                      # since the last subtotal line, for percents
        for line in lines:
            amount = price_line(ctx, line, running)
            if amount and not ref_id(line, "ItemRef") and not doc.get("_opening"):
                # An amount needs an item to post to (a line without one only describes).
                raise errors.missing_element("ItemRef")
            running = amount if _is_subtotal(ctx, line) else running + amount
            if not _is_subtotal(ctx, line):
                subtotal += amount
                if tax_code_is_taxable(ctx, line.get("SalesTaxCodeRef")):
                    taxable += amount
        for group in as_list(doc.get(self.group_key(otype))):
            total = ZERO
            for line in as_list(group.get(self.line_key(otype))):
                amount = price_line(ctx, line, ZERO)
                total += amount
                if tax_code_is_taxable(ctx, line.get("SalesTaxCodeRef")):
                    taxable += amount
            group["TotalAmount"] = output_text(total, "AMTTYPE")
            subtotal += total
        if lines:
            doc[self.line_key(otype)] = lines
        rate = ZERO
        tax_item = ref_id(doc, "ItemSalesTaxRef")
        if tax_item:
            info = item_info(ctx, tax_item)
            rate = info.tax_rate or ZERO if info else ZERO
        tax = cents(taxable * rate / 100) if taxable_customer else ZERO
        doc["Subtotal"] = output_text(subtotal, "AMTTYPE")
        doc["SalesTaxPercentage"] = output_text(rate, "PERCENTTYPE")
        doc["SalesTaxTotal"] = output_text(tax, "AMTTYPE")
        if ret.child("TotalAmount") is not None:
            doc["TotalAmount"] = output_text(subtotal + tax, "AMTTYPE")
        if otype.name == "CreditMemo":
            doc["CreditRemaining"] = doc["TotalAmount"]

    # -- effects --------------------------------------------------------------------------
    def total(self, doc: dict[str, Any]) -> Decimal:
        if doc.get("TotalAmount"):
            return money(doc["TotalAmount"])
        return money(doc.get("Subtotal")) + money(doc.get("SalesTaxTotal"))

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        if otype.name in ("Estimate", "SalesOrder") or doc.get("IsPending") == "true":
            return []
        sign = -1 if otype.name == "CreditMemo" else 1
        customer = ref_id(doc, "CustomerRef")
        out: list[Posting] = []
        total = self.total(doc)
        if otype.name == "SalesReceipt":
            out.append(Posting(ref_id(doc, "DepositToAccountRef") or "", total))
        else:
            out.append(Posting(ref_id(doc, "ARAccountRef") or "", sign * total, customer))
        for line in self._all_lines(otype, doc):
            item_id = ref_id(line, "ItemRef")
            info = item_info(ctx, item_id) if item_id else None
            amount = money(line.get("Amount"))
            if info is None and amount and doc.get("_opening"):
                equity = special_account(ctx, "OpeningBalanceEquity")
                out.append(Posting(equity["id"], -sign * amount, customer))
                continue
            if info is None or info.type == "ItemSubtotal" or amount == 0:
                continue
            account = ref_id(line, "OverrideItemAccountRef") or info.income_account
            if account is None:
                account = special_account(ctx, "UncategorizedIncome")["id"]
            out.append(Posting(account, -sign * amount, customer, item_id))
            if info.is_inventory and line.get("Quantity"):
                cost = cents(average_cost(ctx, item_id) * money(line["Quantity"]))
                if cost and info.cogs_account and info.asset_account:
                    out.append(Posting(info.cogs_account, sign * cost, None, item_id))
                    out.append(Posting(info.asset_account, -sign * cost, None, item_id))
        tax = money(doc.get("SalesTaxTotal"))
        if tax:
            payable = special_account(ctx, "SalesTaxPayable")
            tax_item = item_info(ctx, ref_id(doc, "ItemSalesTaxRef") or "")
            out.append(Posting(payable["id"], -sign * tax, tax_item.tax_vendor if tax_item
                               else None))
        return out

    def _all_lines(self, otype: ObjectType, doc: dict[str, Any]) -> list[dict[str, Any]]:
        lines = list(as_list(doc.get(self.line_key(otype))))
        for group in as_list(doc.get(self.group_key(otype))):
            lines.extend(as_list(group.get(self.line_key(otype))))
        return lines

    def stock_moves(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]
                    ) -> list[StockMove]:
        if otype.name == "Estimate" or doc.get("IsPending") == "true":
            return []
        out = []
        for line in self._all_lines(otype, doc):
            item_id = ref_id(line, "ItemRef")
            info = item_info(ctx, item_id) if item_id else None
            if info is None or not info.is_inventory or not line.get("Quantity"):
                continue
            quantity = money(line["Quantity"])
            if otype.name == "SalesOrder":
                open_quantity = quantity - money(line.get("Invoiced"))
                if doc.get("IsManuallyClosed") != "true" and open_quantity > 0:
                    out.append(StockMove(item_id, open_quantity, ZERO, "onsalesorder"))
                continue
            cost = cents(average_cost(ctx, item_id) * quantity)
            sign = 1 if otype.name == "CreditMemo" else -1
            out.append(StockMove(item_id, sign * quantity, sign * cost))
        return out

    def links(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Link]:
        return quantity_links(list(self._all_lines(otype, doc)), doc)

    def on_linked(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                  doc: dict[str, Any]) -> None:
        if otype.name == "SalesOrder":
            doc = loads(row["doc"])              # (a copy to change)
            for line in as_list(doc.get("SalesOrderLineRet")):
                if line.get("TxnLineID"):
                    line["Invoiced"] = output_text(self._invoiced(ctx, row["id"],
                                                                  line["TxnLineID"]), "QUANTYPE")
            ledger.move_stock(ctx, row["id"], row["txn_date"] or "",
                              self.stock_moves(ctx, otype, doc))

    def open_amount(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> str | None:
        if otype.name != "Invoice":
            return None
        txn_id = doc.get("TxnID", "")
        return output_text(self.total(doc) - self.applied_to(ctx, txn_id), "AMTTYPE")

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        doc.pop("_linked_to", None)
        doc.pop("_opening", None)
        if otype.name == "Invoice":
            applied = self.applied_to(ctx, row["id"])
            balance = self.total(doc) - applied
            doc["AppliedAmount"] = output_text(-applied, "AMTTYPE")
            doc["BalanceRemaining"] = output_text(balance, "AMTTYPE")
            doc["IsPaid"] = "true" if balance <= 0 else "false"
        if otype.name == "SalesOrder":
            lines = [x for x in as_list(doc.get("SalesOrderLineRet")) if x.get("TxnLineID")]
            for line in lines:
                line["Invoiced"] = output_text(self._invoiced(ctx, row["id"], line["TxnLineID"]),
                                               "QUANTYPE")
                if doc.get("IsManuallyClosed") == "true":
                    line["IsManuallyClosed"] = "true"
                else:
                    line.setdefault("IsManuallyClosed", "false")
            quantities = [x for x in lines if x.get("Quantity")]
            doc["IsFullyInvoiced"] = "true" if quantities and all(
                money(x["Invoiced"]) >= money(x["Quantity"]) for x in quantities) else "false"
        if otype.name == "CreditMemo":
            used = ZERO
            for (amount,) in ctx.db.execute("SELECT amount FROM links WHERE from_id=? AND "
                                            "link_type='AMTTYPE'", (row["id"],)):
                used += money(amount)
            used += refunded(ctx, row["id"])
            doc["CreditRemaining"] = output_text(self.total(doc) - used, "AMTTYPE")


def price_line(ctx: Context, line: dict[str, Any], running: Decimal) -> Decimal:
    """Fill Desc, Rate, Quantity and Amount of one line; return its amount."""
    item_id = ref_id(line, "ItemRef")
    info = item_info(ctx, item_id) if item_id else None
    if info is not None:
        if "Desc" not in line and info.sales_desc:
            line["Desc"] = info.sales_desc
        if "SalesTaxCodeRef" not in line and info.tax_code:
            # A line takes its item's sales tax code (items only have one where sales tax
            # is used: the preference's defaults, or a code given to the item).
            line["SalesTaxCodeRef"] = dict(info.tax_code)
        elif "SalesTaxCodeRef" not in line and _has_tax_code(info.type):
            # An item without a code (a file without sales tax) sells as non-taxable: every
            # item line carries a code, "Non" in such files [040, 049, 052, 053, 071].
            code = non_taxable_code(ctx)
            if code:
                line["SalesTaxCodeRef"] = code
        if info.type == "ItemSubtotal":
            line["Amount"] = output_text(running, "AMTTYPE")
            return money(line["Amount"])
    quantity = money(line["Quantity"]) if line.get("Quantity") else None
    rate = money(line["Rate"]) if line.get("Rate") else None
    amount = money(line["Amount"]) if line.get("Amount") not in (None, "") else None
    if "RatePercent" in line or (info is not None and info.price_percent is not None
                                 and rate is None and amount is None):
        percent = money(line.get("RatePercent", info.price_percent if info else 0))
        line["RatePercent"] = output_text(percent, "PERCENTTYPE")
        amount = cents(running * percent / 100)
        if info is not None and info.type == "ItemDiscount":
            amount = -abs(amount)
        line["Amount"] = output_text(amount, "AMTTYPE")
        return amount
    if info is None and quantity is None and rate is None and amount is None:
        return ZERO       # a description-only (or empty) line has no amount [062]
    if rate is None and amount is None and info is not None and info.sales_price is not None:
        rate = info.sales_price
        if info.type == "ItemDiscount":
            rate = -abs(rate)
    if amount is None:
        amount = cents((quantity if quantity is not None else Decimal(1)) * (rate or ZERO))
    elif rate is None and quantity:
        rate = amount / quantity
    elif quantity is None and rate and cents(rate) != amount:
        quantity = amount / rate
    elif rate is None and quantity is None:
        # An amount alone: QuickBooks takes a quantity of one (not returned) and writes the
        # rate it derived in its shortest form (2.8, 123.45, 100; zero as 0.00) [041, 048,
        # 054, 056].
        line["Rate"] = derived_rate(amount)
        line["Amount"] = output_text(amount, "AMTTYPE")
        return amount
    if rate is not None:
        line["Rate"] = output_text(rate, "PRICETYPE")
    if quantity is not None:
        line["Quantity"] = output_text(quantity, "QUANTYPE")
    line["Amount"] = output_text(amount, "AMTTYPE")
    return amount


def _has_tax_code(item_type: str) -> bool:
    otype = registry().get(item_type)
    return otype is not None and otype.ret.child("SalesTaxCodeRef") is not None


def derived_rate(amount: Decimal) -> str:
    """A rate QuickBooks derived from an amount, as it writes it: no trailing zeros."""
    if amount == 0:
        return "0.00"
    return format(amount.normalize(), "f")


def _is_subtotal(ctx: Context, line: dict[str, Any]) -> bool:
    item_id = ref_id(line, "ItemRef")
    info = item_info(ctx, item_id) if item_id else None
    return info is not None and info.type == "ItemSubtotal"


@register("Invoice", "SalesReceipt", "CreditMemo", "Estimate", "SalesOrder")
class RegisteredSalesForms(SalesFormRules):
    """The registered instance (one object serves all five forms)."""


@register("Charge")
class ChargeRules(TxnRules):
    """Statement charges: one item line on the customer's account."""

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        if "ARAccountRef" not in doc:
            account = special_account(ctx, "AccountsReceivable")
            if account is not None:
                doc["ARAccountRef"] = _ref(account)

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        price_line(ctx, doc, ZERO)
        doc.pop("SalesTaxCodeRef", None)

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        amount = money(doc.get("Amount"))
        customer = ref_id(doc, "CustomerRef")
        info = item_info(ctx, ref_id(doc, "ItemRef") or "")
        income = ref_id(doc, "OverrideItemAccountRef") or (info.income_account if info else
                                                            None)
        if income is None:
            income = special_account(ctx, "UncategorizedIncome")["id"]
        return [Posting(ref_id(doc, "ARAccountRef") or "", amount, customer),
                Posting(income, -amount, customer, info.id if info else None)]

    def open_amount(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> str | None:
        return output_text(money(doc.get("Amount")) - self.applied_to(ctx, doc.get("TxnID", "")),
                           "AMTTYPE")

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        balance = money(doc.get("Amount")) - self.applied_to(ctx, row["id"])
        doc["BalanceRemaining"] = output_text(balance, "AMTTYPE")
        doc["IsPaid"] = "true" if balance <= 0 else "false"


@register("ReceivePayment")
class ReceivePaymentRules(TxnRules):
    """Customer payments applied to invoices and charges, by hand or automatically."""

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        super().defaults(ctx, otype, doc)
        for key, special in (("ARAccountRef", "AccountsReceivable"),
                             ("DepositToAccountRef", "UndepositedFunds")):
            if key not in doc:
                account = special_account(ctx, special)
                if account is not None:
                    doc[key] = _ref(account)

    def _open_items(self, ctx: Context, customer_id: str) -> list[sqlite3.Row]:
        ids = [customer_id] + [r[0] for r in ctx.db.execute(
            "SELECT id FROM records WHERE parent_id=?", (customer_id,))]
        marks = ",".join("?" for _ in ids)
        return ctx.db.execute(
            f"SELECT * FROM records WHERE type IN ('Invoice', 'Charge') AND entity_id IN "  # noqa: S608
            f"({marks}) AND is_void=0 ORDER BY txn_date, seq", ids).fetchall()

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        customer_id = ref_id(doc, "CustomerRef") or ""
        own_id = doc.get("TxnID", "")
        applied = []
        requested = as_list(data.get("AppliedToTxnAdd") or data.get("AppliedToTxnMod"))
        if old is not None and not requested:
            requested = [{"TxnID": a["TxnID"], "PaymentAmount": money(a.get("Amount")),
                          "SetCredit": [{"CreditTxnID": c["CreditTxnID"],
                                         "AppliedAmount": money(c["AppliedAmount"])}
                                        for c in a.get("_credits", [])]}
                         for a in as_list(old.get("AppliedToTxnRet"))]
        total = money(doc["TotalAmount"]) if doc.get("TotalAmount") else None
        if data.get("IsAutoApply") and total is not None:
            left = total
            for row in self._open_items(ctx, customer_id):
                if left <= 0:
                    break
                balance = self._balance(ctx, row, own_id)
                if balance > 0:
                    amount = min(balance, left)
                    requested.append({"TxnID": row["id"], "PaymentAmount": amount})
                    left -= amount
        credit_used: dict[str, Decimal] = {}
        for entry in requested:
            txn_id = entry.get("TxnID", "")
            row = ctx.store.get(txn_id)
            if row is None or row["type"] not in ("Invoice", "Charge"):
                raise errors.object_not_found(txn_id)
            amount = money(entry.get("PaymentAmount"))
            balance = self._balance(ctx, row, own_id)
            if amount > balance:
                raise errors.fail(3210, field="AppliedToTxnAdd payment amount",
                                  value=output_text(amount, "AMTTYPE"),
                                  qb_message=catalogue.QB_MSG_PAY_MORE_THAN_DUE)
            credits = []
            for credit in as_list(entry.get("SetCredit")):
                credit_id = credit.get("CreditTxnID", "")
                credit_row = ctx.store.get(credit_id)
                if credit_row is None or credit_row["type"] != "CreditMemo":
                    raise errors.object_not_found(credit_id)
                value = money(credit.get("AppliedAmount"))
                credit_used[credit_id] = credit_used.get(credit_id, ZERO) + value
                balance -= value
                if credit_used[credit_id] > self._credit_left(ctx, credit_row, own_id):
                    raise errors.fail(3210, field="SetCredit applied amount",
                                      value=output_text(value, "AMTTYPE"),
                                      qb_message=CREDIT_MORE_THAN_AVAILABLE)
                if amount > balance:
                    raise errors.fail(3210, field="SetCredit applied amount",
                                      value=output_text(value, "AMTTYPE"),
                                      qb_message=catalogue.QB_MSG_PAY_MORE_THAN_DUE)
                credits.append({"CreditTxnID": credit_id,
                                "AppliedAmount": output_text(value, "AMTTYPE")})
            target = ctx.store.shared_doc(txn_id, row) or {}
            item = {"TxnID": txn_id, "TxnType": row["type"], "TxnDate": row["txn_date"],
                    "RefNumber": target.get("RefNumber"),
                    "Amount": output_text(amount, "AMTTYPE")}
            if credits:
                item["_credits"] = credits
            applied.append(item)
        applied_total = sum((money(a["Amount"]) for a in applied), ZERO)
        if total is None:
            total = applied_total
        if applied_total > total:
            raise errors.fail(3210, field="TotalAmount", value=output_text(total, "AMTTYPE"),
                              qb_message=catalogue.QB_MSG_PAY_MORE_THAN_DUE)
        doc["TotalAmount"] = output_text(total, "AMTTYPE")
        doc["UnusedPayment"] = output_text(total - applied_total - refunded(ctx, own_id),
                                           "AMTTYPE")
        doc["UnusedCredits"] = "0.00"
        if applied:
            doc["AppliedToTxnRet"] = applied
        else:
            doc.pop("AppliedToTxnRet", None)

    def _applied(self, ctx: Context, to_id: str, exclude: str) -> Decimal:
        """Payments and credits applied to a transaction, leaving out those of ``exclude``
        (a payment being changed: its own share and the credits it applied)."""
        applied = ZERO
        for from_id, amount, via in ctx.db.execute(
                "SELECT from_id, amount, line_id FROM links WHERE to_id=? "
                "AND link_type='AMTTYPE'", (to_id,)):
            if not exclude or (from_id != exclude and via != exclude):
                applied += money(amount)
        return applied

    def _balance(self, ctx: Context, row: sqlite3.Row, exclude_from: str) -> Decimal:
        """Open balance of an invoice or charge, not counting this payment's own share."""
        doc = ctx.store.shared_doc(row["id"], row) or {}
        if row["type"] == "Invoice":
            total = money(doc.get("Subtotal")) + money(doc.get("SalesTaxTotal"))
        else:
            total = money(doc.get("Amount"))
        return total - self._applied(ctx, row["id"], exclude_from)

    def _credit_left(self, ctx: Context, row: sqlite3.Row, exclude: str) -> Decimal:
        """What a credit memo still has to apply, not counting what ``exclude`` applied."""
        total = money(loads(row["doc"]).get("TotalAmount"))
        for amount, via in ctx.db.execute("SELECT amount, line_id FROM links WHERE from_id=? "
                                          "AND link_type='AMTTYPE'", (row["id"],)):
            if not exclude or via != exclude:
                total -= money(amount)
        return total

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        total = money(doc.get("TotalAmount"))
        customer = ref_id(doc, "CustomerRef")
        return [Posting(ref_id(doc, "DepositToAccountRef") or "", total),
                Posting(ref_id(doc, "ARAccountRef") or "", -total, customer)]

    def links(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Link]:
        out = [Link(a["TxnID"], money(a["Amount"])) for a in as_list(doc.get("AppliedToTxnRet"))]
        return out

    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        super().after_save(ctx, otype, record_id, doc, old)
        self._replace_credit_links(ctx, record_id, doc)

    def after_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                     doc: dict[str, Any]) -> None:
        super().after_delete(ctx, otype, row, doc)
        self._replace_credit_links(ctx, row["id"], {})

    def _replace_credit_links(self, ctx: Context, payment_id: str, doc: dict[str, Any]) -> None:
        """Credits applied with the payment link the credit memo to the invoice; the link
        remembers the payment (in ``line_id``) so that changing, deleting or voiding the
        payment takes its credits back."""
        touched = set()
        for from_id, to_id in ctx.db.execute("SELECT from_id, to_id FROM links WHERE line_id=? "
                                             "AND link_type='AMTTYPE' AND from_id != ?",
                                             (payment_id, payment_id)):
            touched |= {from_id, to_id}
        ctx.db.execute("DELETE FROM links WHERE line_id=? AND link_type='AMTTYPE' AND "
                       "from_id != ?", (payment_id, payment_id))
        for applied in as_list(doc.get("AppliedToTxnRet")):
            for credit in applied.get("_credits", []):
                ctx.db.execute("INSERT INTO links VALUES (?, ?, 'AMTTYPE', ?, ?)",
                               (credit["CreditTxnID"], applied["TxnID"],
                                credit["AppliedAmount"], payment_id))
                touched |= {credit["CreditTxnID"], applied["TxnID"]}
        self.refresh(ctx, touched)

    def on_linked(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                  doc: dict[str, Any]) -> None:
        """An invoice this payment was applied to went away (deleted or voided): the money
        stays received and becomes unused, as in QuickBooks."""
        linked = {r[0] for r in ctx.db.execute("SELECT to_id FROM links WHERE from_id=?",
                                               (row["id"],))}
        if all(a["TxnID"] in linked for a in as_list(doc.get("AppliedToTxnRet"))):
            return
        doc = loads(row["doc"])                  # (a copy to change)
        kept = [a for a in as_list(doc.get("AppliedToTxnRet")) if a["TxnID"] in linked]
        used = sum((money(a["Amount"]) for a in kept), ZERO)
        doc["UnusedPayment"] = output_text(money(doc.get("TotalAmount")) - used, "AMTTYPE")
        if kept:
            doc["AppliedToTxnRet"] = kept
        else:
            doc.pop("AppliedToTxnRet", None)
        ctx.store.update(row["id"], {"doc": dumps(doc), "xml": None})

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        for applied in as_list(doc.get("AppliedToTxnRet")):
            credits = [c for c in applied.pop("_credits", None) or []
                       if ctx.db.execute("SELECT 1 FROM links WHERE from_id=? AND to_id=? AND "
                                         "line_id=?", (c["CreditTxnID"], applied["TxnID"],
                                                       row["id"])).fetchone()]
            target = ctx.store.get(applied["TxnID"])
            if target is not None:
                applied["BalanceRemaining"] = output_text(self._balance(ctx, target, ""),
                                                          "AMTTYPE")
            if applied.get("RefNumber") is None:
                applied.pop("RefNumber", None)
            if credits:
                applied["LinkedTxn"] = [self._credit_link(ctx, c) for c in credits]

    def _credit_link(self, ctx: Context, credit: dict[str, str]) -> dict[str, str]:
        """A credit applied with the payment, shown as a LinkedTxn of the applied-to entry."""
        row = ctx.store.get(credit["CreditTxnID"])
        entry = {"TxnID": credit["CreditTxnID"], "TxnType": "CreditMemo",
                 "TxnDate": row["txn_date"] if row is not None else ""}
        if row is not None and row["ref_number"]:
            entry["RefNumber"] = row["ref_number"]
        entry.update(LinkType="AMTTYPE",
                     Amount=output_text(-money(credit["AppliedAmount"]), "AMTTYPE"))
        return entry
