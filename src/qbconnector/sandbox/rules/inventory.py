"""Inventory transactions: inventory adjustments, assembly builds and inventory transfers.

An inventory adjustment line changes an item's quantity (NewQuantity or QuantityDifference;
the units come or go at the item's average cost of the adjustment's date) or its value
(NewValue or ValueDifference, optionally with a quantity). It posts the ValueDifference to
the item's asset account against the adjustment's AccountRef; the Ret line keeps
QuantityDifference and ValueDifference.

A build consumes QuantityToBuild times each component of the assembly at average cost and
adds the assemblies at the total cost of their components (component asset accounts
credited, the assembly's asset account debited). Without enough components on hand the build
is refused, unless MarkPendingIfRequired saves it as pending (no effect on stock until
RemovePending finds enough); the refusal is 3180 with QuickBooks' reason (the exact wording
QuickBooks uses is not known).

Inventory sites (TransferInventory, InventorySiteRef) belong to multi-location inventory,
which the sandbox company has switched off: a transfer is answered with 3250 like a
QuickBooks without the feature; with the preference on, a transfer is stored and moves
nothing, since the sandbox keeps one quantity per item, not one per site.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.books.ledger import Posting, StockMove, stock_position
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import preference
from qbconnector.sandbox.core.render import cents, money, output_text
from qbconnector.sandbox.records.hooks import register
from qbconnector.sandbox.rules.items import item_info
from qbconnector.sandbox.rules.purchase_lines import ZERO, LineSetRules, exact_average
from qbconnector.sandbox.rules.transactions import TxnRules, as_list, ref_id
from qbconnector.sandbox.storage.store import loads

if TYPE_CHECKING:
    import sqlite3

    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType


def _inventory_item(ctx: Context, line: dict[str, Any], where: str) -> str:
    """The line's item, which must be an inventory part or assembly (3140 otherwise)."""
    item_id = ref_id(line, "ItemRef") or ""
    info = item_info(ctx, item_id)
    if info is None or not info.is_inventory:
        name = (line.get("ItemRef") or {}).get("FullName") or item_id
        raise errors.invalid_reference("Item", name, where)
    return item_id


@register("InventoryAdjustment")
class InventoryAdjustmentRules(LineSetRules):
    """Quantity and value adjustments of inventory items (see the module doc)."""

    price_key = "ValueDifference"

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        own = doc.get("TxnID")
        txn_date = doc.get("TxnDate")
        lines = as_list(doc.get("InventoryAdjustmentLineRet"))
        where = "InventoryAdjustment line"
        if old is None:
            for line, sent in zip(lines, as_list(data.get("InventoryAdjustmentLineAdd")),
                                  strict=False):
                item_id = _inventory_item(ctx, line, where)
                self._from_request(ctx, line, sent, item_id, txn_date, own)
            return
        changed = {m.get("TxnLineID"): m for m in as_list(data.get("InventoryAdjustmentLineMod"))}
        for line in lines:
            item_id = _inventory_item(ctx, line, where)
            sent = changed.get(line.get("TxnLineID"), {})
            line.setdefault("QuantityDifference", "0")
            line.setdefault("_by", "value" if "ValueDifference" in line else "quantity")
            if "ValueDifference" in sent:
                line["_by"] = "value"
            if "ValueDifference" not in line or (
                    line["_by"] == "quantity" and "QuantityDifference" in sent):
                average = exact_average(ctx, item_id, txn_date, own)
                line["ValueDifference"] = output_text(
                    cents(money(line["QuantityDifference"]) * average), "AMTTYPE")

    def _from_request(self, ctx: Context, line: dict[str, Any], sent: dict[str, Any],
                      item_id: str, txn_date: str | None, own: str | None) -> None:
        on_hand, value, _, _ = stock_position(ctx, item_id, txn_date, own)
        average = value / on_hand if on_hand > 0 else ZERO
        quantity = sent.get("QuantityAdjustment")
        valued = sent.get("ValueAdjustment")
        part = quantity or valued or {}
        if part.get("NewQuantity") not in (None, ""):
            difference = money(part["NewQuantity"]) - on_hand
        elif part.get("QuantityDifference") not in (None, ""):
            difference = money(part["QuantityDifference"])
        elif sent.get("LotNumberAdjustment"):
            difference = money(sent["LotNumberAdjustment"].get("CountAdjustment"))
        elif sent.get("SerialNumberAdjustment"):
            difference = Decimal(-1 if sent["SerialNumberAdjustment"].get(
                "RemoveSerialNumber") else 1)
        else:
            difference = ZERO
        if valued and valued.get("NewValue") not in (None, ""):
            change = money(valued["NewValue"]) - value
            line["_by"] = "value"
        elif valued and valued.get("ValueDifference") not in (None, ""):
            change = money(valued["ValueDifference"])
            line["_by"] = "value"
        else:
            change = difference * average
            line["_by"] = "quantity"
        line["QuantityDifference"] = output_text(difference, "QUANTYPE")
        line["ValueDifference"] = output_text(cents(change), "AMTTYPE")

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        out = []
        account = ref_id(doc, "AccountRef") or ""
        customer = ref_id(doc, "CustomerRef")
        klass = ref_id(doc, "ClassRef")
        for line in as_list(doc.get("InventoryAdjustmentLineRet")):
            item_id = ref_id(line, "ItemRef")
            info = item_info(ctx, item_id) if item_id else None
            value = money(line.get("ValueDifference"))
            if info is None or not value or info.asset_account is None:
                continue
            out.append(Posting(info.asset_account, value, None, item_id, klass))
            out.append(Posting(account, -value, customer, item_id, klass))
        return out

    def stock_moves(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]
                    ) -> list[StockMove]:
        out = []
        for line in as_list(doc.get("InventoryAdjustmentLineRet")):
            item_id = ref_id(line, "ItemRef")
            if not item_id:
                continue
            quantity = money(line.get("QuantityDifference"))
            value = money(line.get("ValueDifference"))
            if quantity >= 0:
                out.append(StockMove(item_id, quantity, value))
                continue
            average = exact_average(ctx, item_id, doc.get("TxnDate"), doc.get("TxnID"))
            out.append(StockMove(item_id, quantity, average * quantity))
            out.append(StockMove(item_id, ZERO, value - average * quantity))
        return out


@register("BuildAssembly")
class BuildAssemblyRules(TxnRules):
    """Building inventory assemblies from their components (see the module doc)."""

    auto_ref = True

    def components(self, ctx: Context, doc: dict[str, Any]) -> list[tuple[str, Decimal]]:
        """(component item, quantity per assembly) of the assembly being built."""
        row = ctx.store.get(ref_id(doc, "ItemInventoryAssemblyRef") or "")
        assembly = loads(row["doc"]) if row is not None else {}
        out = []
        for line in as_list(assembly.get("ItemInventoryAssemblyLine")):
            item_id = ref_id(line, "ItemInventoryRef")
            if item_id:
                out.append((item_id, money(line.get("Quantity") or 1)))
        return out

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        quantity = money(doc.get("QuantityToBuild"))
        lines = []
        short = False
        for item_id, each in self.components(ctx, doc):
            info = item_info(ctx, item_id)
            needed = each * quantity
            line: dict[str, Any] = {"ItemRef": {"ListID": item_id,
                                                "FullName": info.full_name if info else ""}}
            if info is not None and info.sales_desc:
                line["Desc"] = info.sales_desc
            line["QuantityNeeded"] = output_text(needed, "QUANTYPE")
            lines.append(line)
            if info is not None and info.is_inventory:
                on_hand, _, _, _ = stock_position(ctx, item_id, doc.get("TxnDate"),
                                                  doc.get("TxnID"))
                short = short or on_hand < needed
        if lines:
            doc["ComponentItemLineRet"] = lines
        else:
            doc.pop("ComponentItemLineRet", None)
        if doc.get("IsPending") == "true" and old is not None and not data.get("RemovePending"):
            return                        # pending until RemovePending asks again
        if short and data.get("MarkPendingIfRequired"):
            doc["IsPending"] = "true"
            return
        if short:
            raise errors.fail(3180, "transaction", object_type="BuildAssembly",
                              qb_message="There are not enough components on hand to build "
                                         "the quantity of assemblies specified.")
        doc["IsPending"] = "false"

    def _costs(self, ctx: Context, doc: dict[str, Any]) -> list[tuple[str, Decimal, Decimal]]:
        """(component, quantity used, exact cost) of a build that is not pending."""
        if doc.get("IsPending") == "true":
            return []
        quantity = money(doc.get("QuantityToBuild"))
        out = []
        for item_id, each in self.components(ctx, doc):
            info = item_info(ctx, item_id)
            if info is None:
                continue
            used = each * quantity
            if info.is_inventory:
                unit = exact_average(ctx, item_id, doc.get("TxnDate"), doc.get("TxnID"))
            else:
                unit = info.purchase_cost or ZERO
            out.append((item_id, used, unit * used))
        return out

    def postings(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> list[Posting]:
        assembly_id = ref_id(doc, "ItemInventoryAssemblyRef") or ""
        assembly = item_info(ctx, assembly_id)
        out = []
        total = ZERO
        for item_id, _, cost in self._costs(ctx, doc):
            info = item_info(ctx, item_id)
            account = info.asset_account if info.is_inventory else info.expense_account
            if account and cents(cost):
                out.append(Posting(account, -cents(cost), None, item_id))
                total += cents(cost)
        if total and assembly is not None and assembly.asset_account:
            out.append(Posting(assembly.asset_account, total, None, assembly_id))
        return out if total else []

    def stock_moves(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]
                    ) -> list[StockMove]:
        costs = self._costs(ctx, doc)
        if doc.get("IsPending") == "true":
            return []
        out = [StockMove(item_id, -used, -cost) for item_id, used, cost in costs
               if item_info(ctx, item_id).is_inventory]
        total = sum((cents(cost) for _, _, cost in costs), ZERO)
        out.append(StockMove(ref_id(doc, "ItemInventoryAssemblyRef") or "",
                             money(doc.get("QuantityToBuild")), total))
        return out

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        super().computed(ctx, otype, row, doc)
        assembly_id = ref_id(doc, "ItemInventoryAssemblyRef") or ""
        on_hand, _, _, on_sales_order = stock_position(ctx, assembly_id)
        doc["QuantityOnHand"] = output_text(on_hand, "QUANTYPE")
        doc["QuantityOnSalesOrder"] = output_text(max(on_sales_order, ZERO), "QUANTYPE")
        can_build = None
        for line in as_list(doc.get("ComponentItemLineRet")):
            item_id = ref_id(line, "ItemRef") or ""
            info = item_info(ctx, item_id)
            if info is None or not info.is_inventory:
                continue
            have = stock_position(ctx, item_id)[0]
            line["QuantityOnHand"] = output_text(have, "QUANTYPE")
            each = next((q for i, q in self.components(ctx, doc) if i == item_id), None)
            if each:
                possible = max(have // each, ZERO)
                can_build = possible if can_build is None else min(can_build, possible)
        doc["QuantityCanBuild"] = output_text(can_build or ZERO, "QUANTYPE")


@register("TransferInventory")
class TransferInventoryRules(TxnRules):
    """Transfers between inventory sites: a feature the sandbox company has off (3250)."""

    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        enabled = preference(ctx, "MultiLocationInventoryPreferences",
                             "IsMultiLocationInventoryEnabled")
        if enabled != "true":
            raise errors.fail(3250)

    def compute(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        sent = as_list(data.get("TransferInventoryLineAdd") or data.get(
            "TransferInventoryLineMod"))
        for line, request in zip(as_list(doc.get("TransferInventoryLineRet")), sent,
                                 strict=False):
            if request.get("QuantityToTransfer") not in (None, ""):
                line["QuantityTransferred"] = output_text(request["QuantityToTransfer"],
                                                          "QUANTYPE")
