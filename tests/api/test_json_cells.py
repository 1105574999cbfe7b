"""Repeating data in a flat table is one JSON cell: text data is written as it is, typed
values (Decimal, dates, other mappings) are made plain first — the same text either way."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from qbconnector.api.transfer.tables import _plain, json_text
from qbconnector.qbxml.jsonify import jsonable
from qbconnector.qbxml.parse import Record

_LEAVES = (st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
           | st.decimals(allow_nan=False, allow_infinity=False, places=2)
           | st.dates() | st.just(datetime(2024, 2, 8, 10, 30, tzinfo=UTC)))
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3).map(
        lambda d: Record("LinkedTxn", d))
    | st.dictionaries(st.text(max_size=8), inner, max_size=3).map(MappingProxyType)
    | st.lists(inner, max_size=3).map(tuple),
    max_leaves=12)


def _slow(value: Any) -> str:
    return json.dumps(jsonable(_plain(value)), ensure_ascii=False)


@given(_VALUES)
def test_a_json_cell_is_the_same_text_either_way(value: Any) -> None:
    assert json_text(value) == _slow(value)


def test_text_data_and_typed_data() -> None:
    lines = [Record("LinkedTxn", {"TxnID": "1A-1", "Amount": "12.50", "Memo": "café"})]
    assert json_text(lines) == '[{"TxnID": "1A-1", "Amount": "12.50", "Memo": "café"}]'
    typed = [{"Amount": Decimal("12.50"), "TxnDate": date(2024, 2, 8)}]
    assert json_text(typed) == '[{"Amount": "12.50", "TxnDate": "2024-02-08"}]'
