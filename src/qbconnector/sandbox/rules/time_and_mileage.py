"""Time tracking and vehicle mileage: records that post nothing.

TimeTracking is billable when it names a customer (our choice; QuickBooks' preference "mark all
time entries as billable" is on in a new company). VehicleMileage takes its miles from the
odometer when TotalMiles is not sent and bills them at the item's price; the standard mileage
rate is 0.00 because a new company has none set (QuickBooks keeps mileage rates outside qbXML).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.render import money, output_text
from qbconnector.sandbox.records.hooks import register
from qbconnector.sandbox.rules.banking import ZERO, refuse
from qbconnector.sandbox.rules.items import item_info
from qbconnector.sandbox.rules.transactions import TxnRules, ref_id

if TYPE_CHECKING:
    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType


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
