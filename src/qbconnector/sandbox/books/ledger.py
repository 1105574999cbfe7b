"""Double-entry bookkeeping: postings, account and name balances, inventory quantities.

Every posting transaction writes balanced postings (debits positive, credits negative, in
cents). Balances are columns kept up to date inside the same SQLite transaction:

- an account's Balance is the sum of its postings, shown with the sign its type carries
  (assets and expenses debit-positive; liabilities, equity and income credit-positive);
  TotalBalance adds its sub-accounts;
- a customer's Balance is what it owes on Accounts Receivable (its own transactions),
  TotalBalance adds its jobs; a vendor's Balance is what is owed to it on Accounts Payable.

Inventory lives in stock moves (quantity and cost per transaction line); quantity on hand and
average cost are derived from them in date order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.render import cents, money, output_text
from qbconnector.sandbox.storage.stock_state import ORDERS, StockFigures, read_state, state_json
from qbconnector.sandbox.storage.store import loads

CREDIT_NORMAL = {"AccountsPayable", "CreditCard", "OtherCurrentLiability", "LongTermLiability",
                 "Equity", "Income", "OtherIncome"}


@dataclass
class Posting:
    account_id: str
    amount: Decimal                      # debit positive, credit negative
    entity_id: str | None = None
    item_id: str | None = None
    class_id: str | None = None


@dataclass
class StockMove:
    item_id: str
    quantity: Decimal
    cost: Decimal
    kind: str = "onhand"                 # onhand | onorder | onsalesorder


def account_type(ctx: Context, account_id: str) -> str:
    return _type_of(ctx, ctx.store.get(account_id))


def _type_of(ctx: Context, row: Any) -> str:
    """An account row's AccountType, remembered per version of the row (EditSequence)."""
    if row is None:
        return ""
    known: dict[tuple[str, int], str] = ctx.store.cache.setdefault("account_type", {})
    key = (row["id"], row["edit_sequence"])
    kind = known.get(key)
    if kind is None:
        kind = known[key] = loads(row["doc"]).get("AccountType", "")
    return kind


def _add_to(ctx: Context, record_id: str, delta: Decimal, own: bool = True,
            changes: dict[str, dict[str, Any]] | None = None) -> None:
    """Add ``delta`` to a record's Balance (``own``) and to its and its ancestors' totals.

    With ``changes`` the new values are gathered there (read back by the next call) for
    the caller to write all at once."""
    pending = {} if changes is None else changes
    row = ctx.store.get(record_id)
    current = record_id
    first = True
    while row is not None:
        fields = pending.get(current)
        if fields is None:
            fields = pending[current] = {"total_balance": row["total_balance"], "xml": None}
        fields["total_balance"] = output_text(money(fields["total_balance"]) + delta,
                                              "AMTTYPE")
        if first and own:
            fields["balance"] = output_text(money(fields.get("balance", row["balance"])) +
                                            delta, "AMTTYPE")
        first = False
        current = row["parent_id"]
        row = ctx.store.get(current) if current else None
    if changes is None:
        ctx.store.update_many(pending)


def carry_total(ctx: Context, old_parent: str | None, new_parent: str | None,
                amount: Decimal) -> None:
    """A record with ``amount`` in its TotalBalance moved from one parent to another (a job
    to another customer, a sub-account elsewhere): the old ancestors' totals lose it, the new
    ones gain it."""
    if not amount or old_parent == new_parent:
        return
    if old_parent:
        _add_to(ctx, old_parent, -amount, own=False)
    if new_parent:
        _add_to(ctx, new_parent, amount, own=False)


def _apply(ctx: Context, postings: list[tuple], sign: int) -> None:
    """Move balances by a set of postings: the new balances of every account and name
    touched (and their parents') are worked out first, then written at once."""
    deltas: dict[str, int] = {}          # in cents: whole numbers add up exactly and fast
    kinds: dict[str, str] = {}
    for account_id, amount_cents, entity_id in postings:
        amount = amount_cents * sign
        kind = kinds.get(account_id)
        if kind is None:
            kind = kinds[account_id] = account_type(ctx, account_id)
        deltas[account_id] = deltas.get(account_id, 0) + (
            -amount if kind in CREDIT_NORMAL else amount)
        if entity_id and kind == "AccountsReceivable":
            deltas[entity_id] = deltas.get(entity_id, 0) + amount
        elif entity_id and kind == "AccountsPayable":
            deltas[entity_id] = deltas.get(entity_id, 0) - amount
    changes: dict[str, dict[str, Any]] = {}
    for record_id, delta in deltas.items():
        if delta:
            _add_to(ctx, record_id, Decimal(delta).scaleb(-2), changes=changes)
    if changes:
        ctx.store.update_many(changes)


def unpost(ctx: Context, txn_id: str) -> None:
    """Remove a transaction's postings and take them out of every balance."""
    rows = ctx.db.execute("SELECT account_id, amount_cents, entity_id FROM postings "
                          "WHERE txn_id=?", (txn_id,)).fetchall()
    _apply(ctx, [tuple(r) for r in rows], -1)
    ctx.db.execute("DELETE FROM postings WHERE txn_id=?", (txn_id,))


def post(ctx: Context, txn_id: str, txn_date: str, postings: list[Posting],
         new: bool = False) -> None:
    """Replace a transaction's postings; they must balance (debits = credits).

    ``new``: the transaction was just created, so it has none to take back yet.
    """
    if not new:
        unpost(ctx, txn_id)
    amounts = [cents(p.amount) for p in postings]
    total = sum(amounts, Decimal(0))
    if total != 0:
        raise errors.fail(3180, "transaction", object_type="transaction",
                          qb_message=f"The transaction is not in balance ({total}).")
    rows = [(txn_id, p.account_id, int(amount * 100), p.entity_id, p.item_id, p.class_id,
             txn_date) for p, amount in zip(postings, amounts, strict=True) if amount != 0]
    ctx.db.executemany("INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    _apply(ctx, [(r[1], r[2], r[3]) for r in rows], 1)


def move_stock(ctx: Context, txn_id: str, txn_date: str, moves: list[StockMove],
               new: bool = False) -> None:
    """Replace a transaction's inventory moves; the items' renderings go stale.

    The items' running figures follow: moves of order kinds (on order, on sales order) are
    sums, taken back and added wherever they fall in time; a move on hand taken back, or one
    dated before the figures' last, makes the item's figures be replayed from its moves when
    next read (the average cost of every later move depends on it)."""
    if new and not moves:
        return
    old: list[tuple[str, str, str]] = []
    if not new:
        old = ctx.db.execute("SELECT item_id, quantity, kind FROM stock_moves WHERE txn_id=?",
                             (txn_id,)).fetchall()
        if old:
            ctx.db.execute("DELETE FROM stock_moves WHERE txn_id=?", (txn_id,))
    seq = ctx.store.next_seq()
    rows = [(txn_id, m.item_id, str(m.quantity), str(m.cost), txn_date, seq, m.kind)
            for m in moves]
    ctx.db.executemany("INSERT INTO stock_moves VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    ctx.store.invalidate(*({r[0] for r in old} | {m.item_id for m in moves}))
    running = _running_stock(ctx)
    stale: set[str] = set()
    changed: set[str] = set()

    def kept(item_id: str) -> StockFigures | None:
        state = running.get(item_id) or read_state(ctx.db, item_id)
        if state is not None:
            running[item_id] = state
        return state

    for item_id, quantity, kind in old:
        if kind not in ORDERS:
            stale.add(item_id)
        elif item_id not in stale and (state := kept(item_id)) is not None:
            state.take_back(Decimal(quantity), kind)
            changed.add(item_id)
    key = (txn_date, seq)
    for _, item_id, quantity, cost, _, _, kind in rows:
        if item_id in stale or (state := kept(item_id)) is None:
            continue
        if kind in ORDERS or key >= state.last:
            state.add(Decimal(quantity), Decimal(cost), kind, max(key, state.last))
            changed.add(item_id)
        else:
            stale.add(item_id)            # a move back in time: recompute from the start
    for item_id in stale:
        running.pop(item_id, None)
    if stale:
        marks = ",".join("?" for _ in stale)
        ctx.db.execute(f"DELETE FROM stock_state WHERE item_id IN ({marks})",  # noqa: S608
                       tuple(stale))
    _store_states(ctx, {item_id: running[item_id] for item_id in changed - stale})


def _running_stock(ctx: Context) -> dict[str, StockFigures]:
    return ctx.store.cache.setdefault("stock", {})


def _running(ctx: Context, item_id: str) -> StockFigures:
    """The item's figures over all its moves: replayed once and stored (the stock_state table,
    kept by move_stock), so a new session on a large file does not replay them again."""
    running = _running_stock(ctx)
    state = running.get(item_id) or read_state(ctx.db, item_id)
    if state is None:
        state = StockFigures()
        for quantity, cost, kind, txn_date, seq in ctx.db.execute(
                "SELECT quantity, cost, kind, txn_date, seq FROM stock_moves WHERE item_id=? "
                "ORDER BY txn_date, seq", (item_id,)):
            state.add(Decimal(quantity), Decimal(cost), kind, (txn_date, seq))
        _store_states(ctx, {item_id: state})
    running[item_id] = state
    return state


def _store_states(ctx: Context, states: dict[str, StockFigures]) -> None:
    """Keep the figures in the file, only inside a write transaction: a reader taking the
    write lock would wait for, and then block, the writers."""
    if not ctx.store.writing or not states:
        return
    # An upsert changes the row where it is; INSERT OR REPLACE would delete it and insert a
    # new row at the table's end, writing the item_id index twice (about two pages an
    # invoice more in the write-ahead log).
    ctx.db.executemany("INSERT INTO stock_state VALUES (?, ?) ON CONFLICT(item_id) DO UPDATE "
                       "SET state=excluded.state",
                       [(item_id, state_json(state)) for item_id, state in states.items()])


def stock_position(ctx: Context, item_id: str, until: str | None = None,
                   exclude: str | None = None) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Exact quantity on hand, value, quantity on order and on sales order of an item.

    ``until`` counts only moves dated on or before that day and ``exclude`` leaves one
    transaction's moves out (a transaction being modified values itself without its old
    moves). Moves out of stock leave at the average cost of the moment. When neither
    changes anything (no move after ``until``, none by ``exclude``) the running figures
    answer without reading the moves again.
    """
    state = _stock(ctx, item_id, until, exclude)
    return state.on_hand, state.value, state.on_order, state.on_sales_order


def _stock(ctx: Context, item_id: str, until: str | None, exclude: str | None) -> StockFigures:
    state = _running(ctx, item_id)
    if (until is None or until >= state.last[0]) and (exclude is None or ctx.db.execute(
            "SELECT 1 FROM stock_moves WHERE txn_id=? AND item_id=? LIMIT 1",
            (exclude, item_id)).fetchone() is None):
        return state
    sql = "SELECT quantity, cost, kind, txn_date, seq FROM stock_moves WHERE item_id=?"
    params: list[Any] = [item_id]
    if until:
        sql += " AND txn_date <= ?"
        params.append(until)
    if exclude:
        sql += " AND txn_id != ?"
        params.append(exclude)
    result = StockFigures()
    for quantity, cost, kind, txn_date, seq in ctx.db.execute(
            sql + " ORDER BY txn_date, seq", params):
        result.add(Decimal(quantity), Decimal(cost), kind, (txn_date, seq))
    return result


def stock_figures(ctx: Context, item_id: str, until: str | None = None,
                  exclude: str | None = None,
                  purchase_cost: Decimal | None = None) -> dict[str, str]:
    """QuantityOnHand, AverageCost, QuantityOnOrder and QuantityOnSalesOrder of an item.

    Out of stock, QuickBooks shows the average the item last had, or its purchase cost when
    it never had stock (0 on hand, AverageCost = PurchaseCost [008, 011, 031]; 4 short,
    AverageCost = PurchaseCost [036]). ``purchase_cost`` gives that fallback.
    """
    state = _stock(ctx, item_id, until, exclude)
    if state.on_hand > 0:
        average = state.value / state.on_hand
    elif state.last_average is not None:
        average = state.last_average
    else:
        average = purchase_cost or Decimal(0)
    return {"QuantityOnHand": output_text(state.on_hand, "QUANTYPE"),
            "AverageCost": output_text(average, "PRICETYPE"),
            "QuantityOnOrder": output_text(max(state.on_order, Decimal(0)), "QUANTYPE"),
            "QuantityOnSalesOrder": output_text(max(state.on_sales_order, Decimal(0)),
                                                "QUANTYPE")}


def average_cost(ctx: Context, item_id: str, until: str | None = None,
                 exclude: str | None = None) -> Decimal:
    """The cost stock leaves at (0 when none is on hand), to the output's precision."""
    on_hand, value, _, _ = stock_position(ctx, item_id, until, exclude)
    return Decimal(output_text(value / on_hand if on_hand > 0 else Decimal(0), "PRICETYPE"))


def account_balance(ctx: Context, account_id: str, until: str | None = None,
                    since: str | None = None) -> Decimal:
    """Debit-positive sum of an account's postings between two dates (inclusive)."""
    sql = "SELECT COALESCE(SUM(amount_cents), 0) FROM postings WHERE account_id=?"
    params: list[Any] = [account_id]
    if since:
        sql += " AND txn_date >= ?"
        params.append(since)
    if until:
        sql += " AND txn_date <= ?"
        params.append(until)
    return Decimal(ctx.db.execute(sql, params).fetchone()[0]) / 100
