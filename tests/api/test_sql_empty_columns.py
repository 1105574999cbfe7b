"""Export to a database leaves columns that are empty in every row of a batch out of the
INSERT (they are NULL all the same, and SQLite binds far fewer values): what is stored is the
same as when every column is named — false, zero and amounts kept, empty text NULL — batch by
batch, whatever columns each batch fills."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from qbconnector.api.transfer.sink_sql import _filled, _SqlHandle, _sqlite_date, _value
from qbconnector.api.transfer.tables import Column, Table

TABLE = Table("thing", (
    Column("list_id", ("ListID",), "IDTYPE", 36),
    Column("memo", ("Memo",), "STRTYPE", 100),
    Column("amount", ("Amount",), "AMTTYPE"),
    Column("is_active", ("IsActive",), "BOOLTYPE"),
    Column("count", ("Count",), "INTTYPE"),
    Column("day", ("Day",), "DATETYPE"),
), key=("list_id",))


def row(list_id: str, **values: object) -> dict[str, object]:
    return {"list_id": list_id, "memo": "", "amount": "", "is_active": "", "count": "",
            "day": "", **values}


def stored(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT * FROM thing ORDER BY list_id").fetchall()


def test_batches_store_what_every_column_would(tmp_path: Path) -> None:
    db = tmp_path / "out.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as connection:
        handle = _SqlHandle(connection, TABLE, ("list_id",), merge=False)
        # Memo, date empty in every row; false and zero are values, not empties.
        handle.append([row("1", amount="12.50", is_active="false", count="0"),
                       row("2", is_active="false", count="0")], [])
        # Another batch fills other columns: its own INSERT.
        handle.append([row("3", memo="hello", day="2024-02-08"), row("4", amount="0.00")], [])
        # Every column empty but the key.
        handle.append([row("5")], [])
        # Typed values that are false or zero are values too.
        handle.append([row("6", is_active=False, count=0, amount=Decimal(0))], [])
    engine.dispose()
    assert stored(db) == [
        ("1", None, "12.50", 0, 0, None),
        ("2", None, None, 0, 0, None),
        ("3", "hello", None, None, None, date(2024, 2, 8).isoformat()),
        ("4", None, "0.00", None, None, None),
        ("5", None, None, None, None, None),
        ("6", None, "0.00", 0, 0, None),
    ]
    assert len(handle._inserts) == 3     # one per set of filled columns (batches 1, 4 alike)


VALUES = st.sampled_from([None, "", "x", "0", 0, 1, False, True, Decimal(0), Decimal("1.5")])


@given(st.integers(min_value=1, max_value=6).flatmap(
    lambda size: st.lists(st.lists(VALUES, min_size=size, max_size=size).map(tuple),
                          max_size=8).map(lambda columns: (size, columns))))
def test_filled_columns_are_those_with_a_value_other_than_none_or_empty_text(
        case: tuple[int, list[tuple[object, ...]]]) -> None:
    size, columns = case
    expected = tuple(i for i, column in enumerate(columns)
                     if any(value is not None and value != "" for value in column))
    assert _filled(columns, size) == expected


@given(st.one_of(st.dates().map(date.isoformat), st.dates(), st.text(max_size=12),
                 st.sampled_from(["2024-02-30", "2024-13-01", "2024-05-01T10:00:00",
                                  "2024-5-1", "0000-01-01", "2024/05/01"])))
def test_dates_reach_sqlite_as_the_general_conversion_stores_them(value: object) -> None:
    """The text fast path for dates stores what converting to a date first stores."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (fast, general)")
    general = _value(value, "DATETYPE")
    db.execute("INSERT INTO t VALUES (?, ?)",
               (_sqlite_date(value), None if general is None else general.isoformat()))
    fast, expected = db.execute("SELECT fast, general FROM t").fetchone()
    assert fast == expected
