"""Amounts bound for SQLite: QuickBooks' own text (``12.50``) goes as it is; anything else
is made exact first — and both ways store the same text (hypothesis over amounts)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from qbconnector.api.transfer.sink_sql import _types

MONEY = _types()["ExactDecimal"](18, 2)
DIALECT = sqlite.dialect()


def _slow(text: str) -> str:
    return format(Decimal(text).quantize(Decimal("0.01")), "f")


@given(st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False))
def test_quickbooks_amount_text_is_stored_as_the_exact_path_stores_it(amount: Decimal):
    text = format(amount, "f")
    assert MONEY.process_bind_param(text, DIALECT) == _slow(text)


@given(st.sampled_from(["007.50", "12.5", "1e3", " 1.00", "+1.00", "-0.00", "0.001", "1."]))
def test_other_spellings_are_made_exact(text: str):
    assert MONEY.process_bind_param(text, DIALECT) == _slow(text.strip())


def test_empty_and_unreadable_amounts_are_null():
    assert MONEY.process_bind_param("", DIALECT) is None
    assert MONEY.process_bind_param(None, DIALECT) is None
    assert MONEY.process_bind_param("twelve", DIALECT) is None


RATE = _types()["ExactDecimal"](20, 5)


@given(st.decimals(min_value=-10**9, max_value=10**9, places=5, allow_nan=False)
       | st.integers(-10**9, 10**9).map(Decimal))
def test_quantities_and_rates_keep_their_digits_both_ways(number: Decimal):
    text = format(number, "f")
    assert RATE.process_bind_param(text, DIALECT) == format(Decimal(text), "f")
