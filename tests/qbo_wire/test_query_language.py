"""The query language in qbo_wire: what the parser accepts and rejects, and that built queries
are read back as built (escaping cannot be broken out of)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.query import Condition, QueryError, build, parse, quote


def test_both_order_by_spellings_and_clause_order():
    a = parse("SELECT * FROM Invoice ORDER BY TxnDate DESC MAXRESULTS 5 STARTPOSITION 3")
    b = parse("select * from Invoice orderby TxnDate desc startposition 3 maxresults 5")
    assert a == b and a.order_by == (("TxnDate", True),)
    assert (a.start_position, a.max_results) == (3, 5)


def test_defaults_and_count():
    query = parse("SELECT COUNT(*) FROM Customer")
    assert query.count and query.max_results == 100 and query.start_position == 1


def test_case_insensitive_property_names():
    query = parse("SELECT * FROM Customer WHERE metadata.lastupdatedtime >= '2020-01-01'")
    assert query.where == (Condition("MetaData.LastUpdatedTime", ">=", "2020-01-01"),)


def test_operator_per_kind():
    with pytest.raises(QueryError) as caught:
        parse("SELECT * FROM Customer WHERE Active LIKE 'tr%'")
    assert caught.value.code == "4001"


def test_parse_error_detail_is_javacc_style():
    with pytest.raises(QueryError) as caught:
        parse("select * from NULL")
    assert caught.value.errors[0].detail == (
        'QueryParserError: Encountered " "null" "NULL "" at line 1, column 15.\n'
        "Was expecting:\n    <IDENTIFIER> ...\n    ")


def test_quote_escapes_backslash_and_quote():
    assert quote("Amy's") == "'Amy\\'s'"
    assert quote("a\\'b") == "'a\\\\\\'b'"
    assert quote(True) == "true"


def test_builder_checks_names():
    with pytest.raises(ValueError):
        build("Customer", where=[("Nope", "=", "x")])
    with pytest.raises(ValueError):
        build("Customer", where=[("DisplayName", "!=", "x")])
    with pytest.raises(KeyError):
        build("NotAnEntity")


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_any_string_round_trips(value):
    text = build("Customer", where=[("DisplayName", "=", value)], max_results=10)
    query = parse(text)
    assert query.where == (Condition("DisplayName", "=", value),)


def test_spec_knows_the_api_entities():
    for name in spec.API_ENTITIES:
        entity = spec.entity(name)
        assert "Id" in entity.fields and "Id" in entity.filterable
    assert spec.entity("Invoice").fields["Line"].many
    assert spec.entity("Customer").resource == "customer"
