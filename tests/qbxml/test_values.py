"""Value formatting and parsing: what QuickBooks accepts and returns."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from qbconnector.qbxml import values
from qbconnector.qbxml.values import format_value, parse_value, syntax_problem


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("10"), "10.00"), (10.005, "10.01"), ("3.14159", "3.14"), (-0.001, "0.00"),
    (Decimal("1234567.891"), "1234567.89"), (0, "0.00"),
])
def test_amounts_have_two_decimals(value, text):
    assert format_value(value, "AMTTYPE") == text


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("2.50000"), "2.5"), (1 / 3, "0.33333"), (7, "7"), (Decimal("0.000004"), "0"),
    (Decimal("1E+3"), "1000"),
])
def test_prices_quantities_and_percents_have_at_most_five_decimals(value, text):
    for type_name in ("PRICETYPE", "QUANTYPE", "PERCENTTYPE"):
        assert format_value(value, type_name) == text


def test_booleans_dates_and_times():
    assert format_value(True, "BOOLTYPE") == "true"
    assert format_value(False, "BOOLTYPE") == "false"
    assert format_value(date(2024, 2, 29), "DATETYPE") == "2024-02-29"
    eastern = timezone(timedelta(hours=-5))
    stamp = datetime(2024, 1, 15, 10, 30, 5, 999, tzinfo=eastern)
    assert format_value(stamp, "DATETIMETYPE") == "2024-01-15T10:30:05-05:00"
    naive = format_value(datetime(2024, 1, 15, 10, 30), "DATETIMETYPE")
    assert naive.startswith("2024-01-15T10:30:00") and naive[-6] in "+-"
    assert format_value(timedelta(hours=1, minutes=30), "TIMEINTERVALTYPE") == "PT1H30M0S"


@pytest.mark.parametrize(("value", "type_name"), [
    ("x", "AMTTYPE"), (True, "AMTTYPE"), (2, "BOOLTYPE"), (1.5, "INTTYPE"),
    (5, "TIMEINTERVALTYPE"), (object(), "STRTYPE"), (float("nan"), "AMTTYPE"),
    (3.5, "DATETYPE"),
])
def test_values_that_cannot_be_written_are_refused(value, type_name):
    # Strings for non-numeric types are written verbatim; the validator judges their syntax.
    with pytest.raises(values.ValueFormatError):
        format_value(value, type_name)


def test_parse_gives_typed_values():
    assert parse_value("12.50", "AMTTYPE") == Decimal("12.50")
    assert parse_value("true", "BOOLTYPE") is True
    assert parse_value("0", "BOOLTYPE") is False
    assert parse_value("42", "INTTYPE") == 42
    assert parse_value("2024-01-05", "DATETYPE") == date(2024, 1, 5)
    stamp = parse_value("2022-04-02T21:10:36-05:00", "DATETIMETYPE")
    assert stamp.utcoffset() == timedelta(hours=-5)
    assert parse_value("2024-1-5T9:3:7+05:30", "DATETIMETYPE") == datetime(
        2024, 1, 5, 9, 3, 7, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert parse_value("PT2H0M30S", "TIMEINTERVALTYPE") == timedelta(hours=2, seconds=30)
    assert parse_value("not a number", "AMTTYPE") == "not a number"   # kept, not lost
    assert parse_value("", "AMTTYPE") == ""


@pytest.mark.parametrize(("type_name", "good", "bad"), [
    ("AMTTYPE", ["1.00", "-12", ""], ["1.5", "1.234", "abc", "12345678901234.00"]),
    ("QUANTYPE", ["1.12345", "3"], ["1.123456", "1e5"]),
    ("BOOLTYPE", ["true", "false", "1", "0"], ["True", "yes"]),
    ("DATETYPE", ["2024-01-31"], ["2024-02-30", "2024-1-1", "01/02/2024"]),
    ("DATETIMETYPE", ["2024-01-31T10:00:00-05:00", "2024-01-31"], ["2024-01-31 10:00"]),
    ("GUIDTYPE", ["0", "{6B29FC40-CA47-1067-B31D-00DD010662DA}"], ["6B29FC40", "{xyz}"]),
    ("INTTYPE", ["12", "-3"], ["1.0", ""]),
    ("TIMEINTERVALTYPE", ["PT1H", "PT0H0M5S"], ["PT", "1H"]),
])
def test_syntax_of_each_type(type_name, good, bad):
    for text in good:
        assert syntax_problem(type_name, text) is None, text
    for text in bad:
        assert syntax_problem(type_name, text), text


def test_control_characters_cannot_travel_in_xml():
    assert "control character" in syntax_problem("STRTYPE", "a\x01b")
