"""TransactionQuery: one summary TransactionRet per transaction of any type.

Filters: TxnID, RefNumber (exact, case-sensitive, matching, range), the transaction and
modified date ranges (dates or macros), TransactionEntityFilter (a name, a list of names or a
type of name), TransactionAccountFilter (the transaction's own account or any line's),
TransactionItemFilter and TransactionClassFilter (on the lines), TransactionTypeFilter,
TransactionPostingStatusFilter and TransactionPaidStatusFilter; MaxReturned and iterators as
for every query. Order: by date, then creation.

Choices (docs/sandbox-banking.md): Amount is what the transaction posts to its own account,
debit-positive (a check is negative, a deposit positive); a journal entry, which has no account
of its own, shows its total debits; a non-posting transaction its total. Only the summary
detail level is computed: All and AllExceptSummary answer 1030.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml import status as catalogue
from qbconnector.sandbox.core import errors, render
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.dates import macro_range
from qbconnector.sandbox.core.objects import ENTITY_TYPES, registry
from qbconnector.sandbox.core.render import money, output_text
from qbconnector.sandbox.records.queries import IteratorState, matching_ids
from qbconnector.sandbox.reports.filters import account_ids, named_ids, posting_filter
from qbconnector.sandbox.storage.store import loads

Result = tuple[list[str], dict[str, str], "errors.QBStatus | None"]

TXN_TYPES = ("ARRefundCreditCard", "Bill", "BillPaymentCheck", "BillPaymentCreditCard",
             "BuildAssembly", "Charge", "Check", "CreditCardCharge", "CreditCardCredit",
             "CreditMemo", "Deposit", "Estimate", "InventoryAdjustment", "Invoice",
             "ItemReceipt", "JournalEntry", "LiabilityAdjustment", "Paycheck",
             "PayrollLiabilityCheck", "PurchaseOrder", "ReceivePayment", "SalesOrder",
             "SalesReceipt", "SalesTaxPaymentCheck", "Transfer", "VendorCredit",
             "YTDAdjustment")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _generic_filters(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The request's filters in the names the generic transaction queries use."""
    out = {key: data[key] for key in ("TxnID", "RefNumber", "RefNumberCaseSensitive",
                                      "RefNumberFilter", "RefNumberRangeFilter")
           if data.get(key) is not None}
    dates = data.get("TransactionDateRangeFilter")
    if dates:
        out["TxnDateRangeFilter"] = dates
    modified = dict(data.get("TransactionModifiedDateRangeFilter") or {})
    if modified.get("DateMacro"):
        first = int(ctx.store.meta("fiscal_first_month", "1") or 1)
        low, high = macro_range(modified.pop("DateMacro"), ctx.store.clock.now().date(), first)
        modified.update({k: v for k, v in (("FromModifiedDate", low), ("ToModifiedDate", high))
                         if isinstance(v, date)})
    if modified:
        out["ModifiedDateRangeFilter"] = modified
    entities = data.get("TransactionEntityFilter")
    if entities:
        kind = entities.get("EntityTypeFilter")
        ids = [r[0] for r in ctx.db.execute("SELECT id FROM records WHERE type=?", (kind,))] \
            if kind else named_ids(ctx, entities, ENTITY_TYPES)
        out["EntityFilter"] = {"ListID": ids or ["-"]}
    paid = data.get("TransactionPaidStatusFilter")
    if paid in ("Open", "Closed"):
        out["PaidStatus"] = "NotPaidOnly" if paid == "Open" else "PaidOnly"
    return out


def matching(ctx: Context, data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Ids of the transactions the request asks for (by date, then creation) and the TxnIDs
    or RefNumbers asked for that matched nothing."""
    wanted = [t for t in _as_list((data.get("TransactionTypeFilter") or {})
                                  .get("TxnTypeFilter")) if t != "All"] or list(TXN_TYPES)
    types = registry()
    otypes = tuple(types[t] for t in wanted if t in types and types[t].kind == "txn")
    if not otypes:
        return [], []
    generic = _generic_filters(ctx, data)
    ids, missing = matching_ids(ctx, otypes, generic)
    if "TxnID" in generic:
        return ids, missing
    accounts = data.get("TransactionAccountFilter")
    lines = {key: data[key] for key in ("TransactionAccountFilter", "TransactionItemFilter",
                                        "TransactionClassFilter") if data.get(key)}
    if lines:
        scope = posting_filter(ctx, lines, prefix="Transaction")
        posted = {r[0] for r in ctx.db.execute(
            "SELECT DISTINCT txn_id FROM postings WHERE 1=1" + scope.sql(),  # noqa: S608
            scope.params)}
        if accounts and len(lines) == 1:           # the transaction's own account counts too
            own = set(account_ids(ctx, accounts))
            posted |= {i for i in ids if ctx.store.get(i)["account_id"] in own}
        ids = [i for i in ids if i in posted]
    status = data.get("TransactionPostingStatusFilter")
    if status in ("Posting", "NonPosting"):
        with_postings = {r[0] for r in ctx.db.execute("SELECT DISTINCT txn_id FROM postings")}
        ids = [i for i in ids if (i in with_postings) == (status == "Posting")]
    return ids, missing


# Where a transaction's money goes when the record holds several accounts.
OWN_ACCOUNT = {"ReceivePayment": "DepositToAccountRef", "ARRefundCreditCard":
               "RefundFromAccountRef"}


def _own_account(row: Any, doc: dict[str, Any]) -> str | None:
    key = OWN_ACCOUNT.get(row["type"])
    ref = doc.get(key) if key else None
    return ref.get("ListID") if isinstance(ref, dict) else row["account_id"]


def _amount(ctx: Context, row: Any, doc: dict[str, Any]) -> Decimal:
    account = _own_account(row, doc)
    if account:
        cents = ctx.db.execute("SELECT COALESCE(SUM(amount_cents), 0) FROM postings WHERE "
                               "txn_id=? AND account_id=?", (row["id"], account)).fetchone()[0]
        return Decimal(cents) / 100
    debits = ctx.db.execute("SELECT SUM(amount_cents) FROM postings WHERE txn_id=? AND "
                            "amount_cents > 0", (row["id"],)).fetchone()[0]
    if debits is not None:
        return Decimal(debits) / 100
    return money(doc.get("TotalAmount") or doc.get("Amount"))


def transaction_ret(ctx: Context, txn_id: str) -> str | None:
    row = ctx.store.get(txn_id)
    if row is None:
        return None
    doc = loads(row["doc"])
    out: dict[str, Any] = {"TxnType": row["type"], "TxnID": txn_id,
                           "TimeCreated": doc.get("TimeCreated"),
                           "TimeModified": doc.get("TimeModified")}
    for key, ref_id in (("EntityRef", row["entity_id"]), ("AccountRef", _own_account(row, doc))):
        ref = ctx.store.get(ref_id) if ref_id else None
        if ref is not None:
            out[key] = {"ListID": ref["id"], "FullName": ref["full_name"] or ""}
    out.update({"TxnDate": row["txn_date"], "RefNumber": row["ref_number"],
                "Amount": output_text(_amount(ctx, row, doc), "AMTTYPE"),
                "Memo": doc.get("Memo")})
    element = specmod.load().message("TransactionQueryRs").child("TransactionRet")
    return render.render(element, {k: v for k, v in out.items() if v is not None},
                         ctx.request.vkey, ctx.request.include)


def _page(ctx: Context, key: str, state: IteratorState, size: int) -> Result:
    chunk = state.ids[state.position: state.position + size]
    state.position += len(chunk)
    remaining = len(state.ids) - state.position
    if remaining == 0:
        ctx.session.iterators.pop(key, None)
    rets = [r for r in (transaction_ret(ctx, i) for i in chunk) if r is not None]
    attrs = {"iteratorRemainingCount": str(remaining), "iteratorID": key}
    status = None if rets else errors.QBStatus(1, catalogue.status_message(1))
    return rets, attrs, status


def transaction_query(ctx: Context) -> Result:
    """TransactionQueryRq, iterators included."""
    data, attrs = ctx.request.data, ctx.request.attrs
    iterators: dict[str, IteratorState] = ctx.session.iterators
    mode = attrs.get("iterator")
    if mode in ("Continue", "Stop"):
        key = attrs.get("iteratorID", "")
        state = iterators.get(key)
        if state is None:
            raise errors.fail(3391, iterator_id=key)
        if mode == "Stop":
            del iterators[key]
            return [], {"iteratorRemainingCount": "0", "iteratorID": key}, None
        size = data.get("MaxReturned") or state.options.get("MaxReturned") or len(state.ids)
        return _page(ctx, key, state, size)
    level = data.get("TransactionDetailLevelFilter", "SummaryOnly")
    if level != "SummaryOnly":
        raise errors.QBStatus(1030, f'TransactionDetailLevelFilter "{level}" is not supported '
                                    "by the qbconnector sandbox; it answers SummaryOnly.")
    ids, missing = matching(ctx, data)
    meta = attrs.get("metaData", "NoMetaData")
    if meta == "MetaDataOnly":
        return [], {"retCount": str(len(ids))}, None
    if mode == "Start":
        key = "{" + str(uuid.uuid4()) + "}"
        state = IteratorState(ids, 0, dict(data))
        iterators[key] = state
        return _page(ctx, key, state, data.get("MaxReturned") or len(ids) or 1)
    if data.get("MaxReturned"):
        ids = ids[: data["MaxReturned"]]
    rets = [r for r in (transaction_ret(ctx, i) for i in ids) if r is not None]
    extra = {"retCount": str(len(rets))} if meta == "MetaDataAndResponseData" else {}
    if missing:
        return rets, extra, errors.fail(500, value=missing[0])
    if not rets:
        return [], extra, errors.QBStatus(1, catalogue.status_message(1))
    return rets, extra, None


HANDLERS = {"TransactionQueryRq": transaction_query}
