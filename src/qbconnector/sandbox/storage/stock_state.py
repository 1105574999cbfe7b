"""The stock_state table: each item's running stock figures, replayed from its stock moves in
date order and kept in the file so a new session on a large file need not replay them again.

The figures are derived data (the moves are the truth): a file from before the table gets it
filled when opened.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

ORDERS = ("onorder", "onsalesorder")
"""Kinds of moves that only add up (quantities on order): their order in time does not
matter, unlike moves on hand, which set the average cost of what follows them."""


@dataclass
class StockFigures:
    """An item's stock figures after its moves in date order (up to ``last``)."""

    on_hand: Decimal = Decimal(0)
    value: Decimal = Decimal(0)
    on_order: Decimal = Decimal(0)
    on_sales_order: Decimal = Decimal(0)
    last: tuple[str, int] = ("", 0)
    last_average: Decimal | None = None     # the average the last time stock was on hand

    def add(self, q: Decimal, c: Decimal, kind: str, key: tuple[str, int]) -> None:
        if kind == "onorder":
            self.on_order += q
        elif kind == "onsalesorder":
            self.on_sales_order += q
        elif q >= 0:
            self.on_hand += q
            self.value += c
        else:
            average = self.value / self.on_hand if self.on_hand > 0 else Decimal(0)
            self.on_hand += q
            self.value += average * q
        if kind not in ORDERS and self.on_hand > 0:
            self.last_average = self.value / self.on_hand
        self.last = key

    def take_back(self, q: Decimal, kind: str) -> None:
        """Undo a move of an order kind (a plain sum: where it fell in time does not matter;
        ``last`` stays, a bound at least as late as the last move)."""
        if kind == "onorder":
            self.on_order -= q
        else:
            self.on_sales_order -= q


def read_state(db: sqlite3.Connection, item_id: str) -> StockFigures | None:
    """An item's figures as the file keeps them (None when it keeps none yet)."""
    row = db.execute("SELECT state FROM stock_state WHERE item_id=?", (item_id,)).fetchone()
    if row is None:
        return None
    raw = json.loads(row[0])
    return StockFigures(Decimal(raw["on_hand"]), Decimal(raw["value"]),
                        Decimal(raw["on_order"]), Decimal(raw["on_sales_order"]),
                        (raw["last"][0], raw["last"][1]),
                        None if raw["last_average"] is None else Decimal(raw["last_average"]))


def state_json(state: StockFigures) -> str:
    """The figures as the table keeps them (exact decimals as text)."""
    return json.dumps({
        "on_hand": str(state.on_hand), "value": str(state.value),
        "on_order": str(state.on_order), "on_sales_order": str(state.on_sales_order),
        "last": list(state.last),
        "last_average": None if state.last_average is None else str(state.last_average)})


def rebuild_stock_state(db: sqlite3.Connection) -> int:
    """Replay every item's moves once and store the figures (a file from before the
    stock_state table); the caller holds the write transaction. Returns the items done."""
    db.execute("DELETE FROM stock_state")
    states: dict[str, StockFigures] = {}
    for item_id, quantity, cost, kind, txn_date, seq in db.execute(
            "SELECT item_id, quantity, cost, kind, txn_date, seq FROM stock_moves "
            "ORDER BY item_id, txn_date, seq"):
        states.setdefault(item_id, StockFigures()).add(Decimal(quantity), Decimal(cost),
                                                       kind, (txn_date, seq))
    db.executemany("INSERT INTO stock_state VALUES (?, ?)",
                   [(item_id, state_json(state)) for item_id, state in states.items()])
    return len(states)
