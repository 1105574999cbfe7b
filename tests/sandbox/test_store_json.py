"""Stored documents (storage/store.py): orjson writes exactly the compact JSON the standard
library writes, and what it refuses is still stored."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from qbconnector.sandbox.storage.store import dumps, loads

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
_DOCS = st.recursive(st.none() | st.booleans() | _TEXT,
                     lambda inner: st.lists(inner, max_size=4) |
                     st.dictionaries(_TEXT, inner, max_size=4), max_leaves=20)


@given(st.dictionaries(_TEXT, _DOCS, max_size=6))
def test_documents_are_written_as_the_standard_library_writes_them(doc: dict) -> None:
    expected = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    assert dumps(doc) == expected
    assert loads(expected) == json.loads(expected)


def test_what_orjson_refuses_goes_the_slow_way() -> None:
    doc = {"Big": 2 ** 70, "Lone": "\ud800"}          # past 64 bits; a lone surrogate
    assert dumps(doc) == json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def test_what_orjson_cannot_read_is_read_the_slow_way() -> None:
    # What the slow way may have written that orjson refuses: NaN, a lone surrogate.
    for text in ('{"Odd":NaN}', '{"Lone":"\\ud800"}'):
        got, expected = loads(text), json.loads(text)
        assert repr(got) == repr(expected), text
