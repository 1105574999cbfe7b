"""Value types of qbXML: formatting Python values for requests, parsing response text back.

QuickBooks is strict about value syntax: amounts carry exactly two decimals, prices,
quantities and percents at most five, booleans are ``true``/``false``, dates ``YYYY-MM-DD``,
date-times carry their UTC offset. Every backend and the codec use these functions so a value
is written and read the same way everywhere.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from qbconnector.errors import ValidationError

_TWO = Decimal("0.01")
_FIVE = Decimal("0.00001")

# Syntax of each value type as QuickBooks' schema states it (an empty value clears a field).
SYNTAX: dict[str, re.Pattern[str]] = {
    "AMTTYPE": re.compile(r"([+-]?[0-9]{1,13}(\.[0-9]{2})?)?"),
    "PRICETYPE": re.compile(r"([+-]?[0-9]{1,10}(\.[0-9]{1,5})?)?"),
    "QUANTYPE": re.compile(r"([+-]?[0-9]{1,10}(\.[0-9]{1,5})?)?"),
    "PERCENTTYPE": re.compile(r"([+-]?[0-9]{1,10}(\.[0-9]{1,5})?)?"),
    "DATETYPE": re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})?"),
    "DATETIMETYPE": re.compile(
        r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(T[0-9]{1,2}(:[0-9]{1,2}(:[0-9]{1,2}"
        r"([+-][0-9]{1,2}:[0-9]{1,2})?)?)?)?)?"),
    "TIMEINTERVALTYPE": re.compile(r"([+-]?PT([0-9]+H)?([0-9]+M)?([0-9]+S)?)?"),
    "BOOLTYPE": re.compile(r"(true|false|1|0)?"),
    "INTTYPE": re.compile(r"[+-]?[0-9]+"),
    "GUIDTYPE": re.compile(r"0|\{[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}"),
    "FLOATTYPE": re.compile(r"([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+))?"),
}

# Length limit every IDTYPE carries in QuickBooks' schema.
ID_MAX_LENGTH = 36

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ValueFormatError(ValidationError):
    """A Python value that cannot be written as the given qbXML type."""


def syntax_problem(type_name: str, text: str) -> str | None:
    """Why ``text`` is not a valid ``type_name`` value, or None when it is."""
    pattern = SYNTAX.get(type_name)
    if pattern is not None and not pattern.fullmatch(text):
        return f"{text!r} is not a valid {_TYPE_WORDS.get(type_name, type_name)}"
    if type_name == "DATETYPE" and text:
        try:
            date.fromisoformat(text)
        except ValueError:
            return f"{text!r} is not a valid date"
    if type_name == "TIMEINTERVALTYPE" and text and not re.search(r"[0-9]", text):
        return f"{text!r} is not a valid time interval"
    if _XML_ILLEGAL.search(text):
        return "contains a control character that XML cannot carry"
    return None


_TYPE_WORDS = {
    "AMTTYPE": "amount (digits with 2 decimals, e.g. 12.50)",
    "PRICETYPE": "price (up to 5 decimals)",
    "QUANTYPE": "quantity (up to 5 decimals)",
    "PERCENTTYPE": "percent (up to 5 decimals)",
    "DATETYPE": "date (YYYY-MM-DD)",
    "DATETIMETYPE": "date-time (YYYY-MM-DDTHH:MM:SS+HH:MM)",
    "TIMEINTERVALTYPE": "time interval (PTnHnMnS)",
    "BOOLTYPE": "boolean (true or false)",
    "INTTYPE": "integer",
    "GUIDTYPE": "GUID ({XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} or 0)",
    "FLOATTYPE": "decimal number",
}


def _decimal(value: object, type_name: str) -> Decimal:
    if value.__class__ is Decimal and value.is_finite():    # the usual case, checked first
        return value
    if isinstance(value, bool):
        raise ValueFormatError(f"a boolean is not a {type_name} value")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueFormatError(f"{value!r} is not a number") from None
    else:
        raise ValueFormatError(f"{type(value).__name__} is not a {type_name} value")
    if not result.is_finite():
        raise ValueFormatError(f"{value!r} is not a finite number")
    return result


def _plain(number: Decimal) -> str:
    """A Decimal as plain digits: no exponent, no trailing fractional zeros."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_amount(value: object) -> str:
    """An amount with exactly two decimals, rounded half-up like QuickBooks."""
    text = format(_decimal(value, "AMTTYPE").quantize(_TWO, rounding=ROUND_HALF_UP), "f")
    return "0.00" if text == "-0.00" else text


def format_fraction(value: object, type_name: str = "QUANTYPE") -> str:
    """A price, quantity or percent with at most five decimals."""
    return _plain(_decimal(value, type_name).quantize(_FIVE, rounding=ROUND_HALF_UP))


def local_timezone() -> timezone:
    """This machine's current UTC offset as a fixed timezone."""
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    return timezone(offset)


def format_datetime(value: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS+HH:MM``; naive values are taken as local time."""
    if value.tzinfo is None:
        value = value.astimezone()
    text = value.replace(microsecond=0).isoformat()
    return text[:-6] + "+00:00" if text.endswith("Z") else text


def format_interval(value: timedelta) -> str:
    """A timedelta as ``PTnHnMnS`` (QuickBooks' duration form)."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}PT{hours}H{minutes}M{secs}S"


def format_value(value: object, type_name: str) -> str:
    """Format a Python value as the text of a qbXML element of ``type_name``."""
    if isinstance(value, str) and type_name not in ("AMTTYPE", "PRICETYPE", "QUANTYPE",
                                                    "PERCENTTYPE", "FLOATTYPE"):
        return value
    if type_name == "AMTTYPE":
        return "" if value == "" else format_amount(value)
    if type_name in ("PRICETYPE", "QUANTYPE", "PERCENTTYPE"):
        return "" if value == "" else format_fraction(value, type_name)
    if type_name == "FLOATTYPE":
        return "" if value == "" else _plain(_decimal(value, type_name))
    if type_name == "BOOLTYPE":
        if isinstance(value, bool):
            return "true" if value else "false"
        raise ValueFormatError(f"{value!r} is not a boolean")
    if type_name == "INTTYPE":
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return str(int(value))
        raise ValueFormatError(f"{value!r} is not an integer")
    if type_name == "DATETYPE":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        raise ValueFormatError(f"{value!r} is not a date")
    if type_name == "DATETIMETYPE":
        if isinstance(value, datetime):
            return format_datetime(value)
        if isinstance(value, date):
            return value.isoformat()
        raise ValueFormatError(f"{value!r} is not a date-time")
    if type_name == "TIMEINTERVALTYPE":
        if isinstance(value, timedelta):
            return format_interval(value)
        raise ValueFormatError(f"{value!r} is not a time interval")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):   # enum.Enum members
        return value.value
    raise ValueFormatError(f"{type(value).__name__} is not a {type_name} value")


_INTERVAL = re.compile(r"([+-])?PT(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?")


def parse_interval(text: str) -> timedelta:
    match = _INTERVAL.fullmatch(text)
    if not match:
        raise ValueError(text)
    sign, h, m, s = match.groups()
    delta = timedelta(hours=int(h or 0), minutes=int(m or 0), seconds=int(s or 0))
    return -delta if sign == "-" else delta


def parse_datetime(text: str) -> datetime | date:
    """QuickBooks date-time text to a datetime (aware when it has an offset)."""
    if "T" not in text:
        return date.fromisoformat(text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        # QuickBooks allows unpadded parts (2024-1-5T9:3:0); normalise them.
        day, _, clock = text.partition("T")
        zone = ""
        for sign in "+-":
            if sign in clock:
                clock, _, rest = clock.partition(sign)
                zone = sign + rest
        y, mo, d = day.split("-")
        parts = (clock.split(":") + ["0", "0"])[:3]
        stamp = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}T" + ":".join(
            f"{int(p):02d}" for p in parts)
        if zone:
            zh, _, zm = zone[1:].partition(":")
            stamp += f"{zone[0]}{int(zh):02d}:{int(zm or 0):02d}"
        return datetime.fromisoformat(stamp)


def bool_value(text: str) -> bool:
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(text)


PARSERS = {
    "AMTTYPE": Decimal,
    "PRICETYPE": Decimal,
    "QUANTYPE": Decimal,
    "PERCENTTYPE": Decimal,
    "FLOATTYPE": Decimal,
    "INTTYPE": int,
    "BOOLTYPE": bool_value,
    "DATETYPE": date.fromisoformat,
    "DATETIMETYPE": parse_datetime,
    "TIMEINTERVALTYPE": parse_interval,
}


def parse_value(text: str, type_name: str) -> object:
    """Convert element text to a Python value; text that does not fit stays a string."""
    if not text:
        return text
    parser = PARSERS.get(type_name)
    if parser is None:
        return text
    try:
        return parser(text)
    except (ValueError, ArithmeticError):
        return text
