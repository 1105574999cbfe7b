"""Turn typed qbXML values into JSON-ready ones (Decimal as text, dates as ISO 8601)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from qbconnector.qbxml.values import format_interval


def jsonable(value: Any) -> Any:
    """A JSON-serialisable copy: Decimal -> '12.50', date/datetime -> ISO, timedelta -> PT..."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_interval(value)
    return value
