"""Links to other transactions in import data: payments applied to invoices and bills.

An exported payment names the transactions it pays by the source company's TxnIDs
(``AppliedToTxnRet``: TxnID, TxnType, RefNumber, Amount...). In another company file those
IDs mean nothing, so each applied-to transaction is found again by its type and RefNumber
(the one the export wrote); only when that finds nothing is the old TxnID tried, which is
right when importing back into the same company file. The result is the Add form
(``AppliedToTxnAdd``: TxnID, PaymentAmount, discount fields).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qbconnector.api.transfer.writable import FieldError, body

APPLIED_RET = "AppliedToTxnRet"
APPLIED_ADD = "AppliedToTxnAdd"
_CARRIED = ("DiscountAmount", "DiscountAccountRef", "DiscountClassRef")

Resolver = Callable[[str, str | None, str | None], str | None]
"""(TxnType, RefNumber, old TxnID) -> the TxnID in the target company, or None."""


def resolve_applied(type_name: str, data: dict[str, Any], resolve: Resolver) -> dict[str, Any]:
    """``data`` with its applied-to transactions in Add form and target TxnIDs.

    An Add that must say how the payment is applied (``IsAutoApply`` or applied-to
    transactions) and says neither gets ``IsAutoApply = false``: the payment stays unapplied,
    as it was.
    """
    try:
        add = body(type_name, "Add")
    except KeyError:
        return data
    if add.child(APPLIED_ADD) is None:
        return data
    items = data.get(APPLIED_RET)
    if items is None:
        if APPLIED_ADD not in data and add.child("IsAutoApply") is not None and \
                "IsAutoApply" not in data:
            return {**data, "IsAutoApply": False}
        return data
    out = {k: v for k, v in data.items() if k != APPLIED_RET}
    applied = []
    for item in items if isinstance(items, list) else [items]:
        txn_type, ref_number, old_id = item.get("TxnType"), item.get("RefNumber"), \
            item.get("TxnID")
        txn_id = resolve(str(txn_type or ""), ref_number, old_id)
        if txn_id is None:
            raise FieldError(f"{APPLIED_RET}: the {txn_type or 'transaction'} "
                             f"{ref_number or old_id} it pays is not in this company file "
                             "(import it first)")
        entry: dict[str, Any] = {"TxnID": txn_id}
        amount = item.get("Amount", item.get("PaymentAmount"))
        if amount not in (None, ""):
            entry["PaymentAmount"] = amount
        entry.update({k: item[k] for k in _CARRIED if item.get(k) not in (None, "")})
        applied.append(entry)
    if applied:
        out[APPLIED_ADD] = applied
    elif add.child("IsAutoApply") is not None:
        out["IsAutoApply"] = False
    return out
