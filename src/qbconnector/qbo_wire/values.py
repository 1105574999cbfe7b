"""Values on QuickBooks Online's wire: exact money, dates, times, and JSON text that keeps them.

QBO writes amounts as JSON numbers with two decimals (``"Amount":100.00``) but zero as ``0``,
and prices and quantities as they are (``"UnitPrice":75``, ``"Qty":4.5``). Python's ``json``
cannot write a number as given text, so :func:`dumps` is a small encoder that writes
:class:`~decimal.Decimal` values from their text; :func:`loads` reads numbers back as Decimal.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")

#: Decimal fields QBO writes as money (two decimals unless zero).
MONEY_FIELDS = frozenset({
    "Amount", "TotalAmt", "Balance", "BalanceWithJobs", "TotalTax", "UnappliedAmt",
    "CurrentBalance", "CurrentBalanceWithSubAccounts", "RemainingCredit", "Deposit",
    "HomeTotalAmt", "HomeBalance", "OpenBalance", "CreditLimit", "DiscountAmt", "TaxAmount",
    "NetAmountTaxable", "TotalCostAmount", "HomeAmount", "OverDueBalance", "TotalRevenue",
    "TotalExpense", "TaxInclusiveAmt", "CostAmount", "HomeCostAmount",
})

_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def money(value: Any) -> Decimal:
    """An amount rounded to cents, exactly (``"100"``, ``100.0`` and ``Decimal`` alike)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any) -> Decimal:
    """A Decimal from wire input; ValueError for anything that is not a finite number."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return result


def money_text(value: Decimal) -> str:
    """``100.00``, ``337.50``; zero is ``0`` as QBO writes it."""
    if value == 0:
        return "0"
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def number_text(value: Decimal) -> str:
    """A price or quantity without padding: ``75``, ``4.5``."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def dumps(value: Any) -> str:
    """Compact JSON where Decimals keep QBO's formatting (money by key name, see MONEY_FIELDS)."""
    parts: list[str] = []
    _write(value, parts, None)
    return "".join(parts)


def _write(value: Any, out: list[str], key: str | None) -> None:
    if isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for k, v in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_encode_string(k))
            out.append(":")
            _write(v, out, k)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, key)
        out.append("]")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    elif isinstance(value, Decimal):
        out.append(money_text(value) if key in MONEY_FIELDS else number_text(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(number_text(to_decimal(value)))
    elif isinstance(value, RawJSON):
        out.append(value.text)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


class RawJSON:
    """JSON text inserted as is by :func:`dumps` (entities rendered once and stored)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as an exact Decimal."""
    return json.loads(text, parse_float=Decimal)


# --- dates and times -------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` (a date-time's date part is accepted, as QBO does for TxnDate)."""
    if not isinstance(text, str):
        raise ValueError(f"not a date: {text!r}")
    head = text[:10]
    if not _DATE.match(head):
        raise ValueError(f"not a date: {text!r}")
    return date.fromisoformat(head)


def parse_datetime(text: str, zone: tzinfo = UTC) -> datetime:
    """An ISO date or date-time with or without offset (``-0700``, ``-07:00``, ``Z``)."""
    if not isinstance(text, str):
        raise ValueError(f"not a date-time: {text!r}")
    value = text.strip()
    if _DATE.match(value):
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), zone)
    value = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not a date-time: {text!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def format_datetime(moment: datetime) -> str:
    """MetaData times: seconds with the company's offset, ``2020-09-29T05:58:16-07:00``."""
    return moment.replace(microsecond=0).isoformat()


def format_time(moment: datetime) -> str:
    """The envelope's ``time``: milliseconds and offset, ``2020-09-29T05:58:16.187-07:00``."""
    return moment.isoformat(timespec="milliseconds")


def zone_named(name: str) -> tzinfo:
    """A time zone by IANA name; a fixed offset like ``-08:00`` also works."""
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    from zoneinfo import ZoneInfo, available_timezones

    try:
        return ZoneInfo(name)
    except Exception:
        if available_timezones():        # the database is there: the name is wrong
            raise ValueError(f"unknown time zone {name!r} (an IANA name such as "
                             "America/New_York, or an offset such as -08:00)") from None
        return timezone(timedelta(hours=-8))   # no tz database here: Pacific standard time
