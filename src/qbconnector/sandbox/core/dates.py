"""Date macros (Today, ThisFiscalQuarter, LastWeekToDate, ...) as date ranges.

Choices where QuickBooks' documentation is silent, written down here and in the docs:
weeks run Sunday to Saturday (QuickBooks US); fiscal years start in the company's
FirstMonthFiscalYear; "...ToDate" ranges end today; "Last...ToDate" ranges end on the same
day of the previous period (QuickBooks' report convention).
"""

from __future__ import annotations

from datetime import date, timedelta


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, 1)


def _week_start(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)   # Sunday


def _quarter_start(day: date, first_month: int = 1) -> date:
    offset = (day.month - first_month) % 3
    return _add_months(_month_start(day), -offset)


def _fiscal_year_start(day: date, first_month: int) -> date:
    year = day.year if day.month >= first_month else day.year - 1
    return date(year, first_month, 1)


def fiscal_year_start(day: date, first_month: int) -> date:
    """The first day of the fiscal year that holds ``day``."""
    return _fiscal_year_start(day, first_month)


def _same_day_earlier(start: date, today: date, period_start: date) -> date:
    """The date in a previous period that sits as far from its start as today does."""
    return start + (today - period_start)


def macro_range(macro: str, today: date, fiscal_first_month: int = 1
                ) -> tuple[date | None, date | None]:
    """The inclusive (from, to) dates of a DateMacro; (None, None) for All."""
    if macro == "All":
        return None, None
    if macro == "Today":
        return today, today
    if macro == "Yesterday":
        day = today - timedelta(days=1)
        return day, day
    week = _week_start(today)
    month = _month_start(today)
    cquarter = _quarter_start(today)
    fquarter = _quarter_start(today, fiscal_first_month)
    cyear = date(today.year, 1, 1)
    fyear = _fiscal_year_start(today, fiscal_first_month)
    periods = {
        "Week": (week, week + timedelta(days=6), week - timedelta(days=7)),
        "Month": (month, _add_months(month, 1) - timedelta(days=1), _add_months(month, -1)),
        "CalendarQuarter": (cquarter, _add_months(cquarter, 3) - timedelta(days=1),
                            _add_months(cquarter, -3)),
        "FiscalQuarter": (fquarter, _add_months(fquarter, 3) - timedelta(days=1),
                          _add_months(fquarter, -3)),
        "CalendarYear": (cyear, date(today.year, 12, 31), date(today.year - 1, 1, 1)),
        "FiscalYear": (fyear, _add_months(fyear, 12) - timedelta(days=1),
                       _add_months(fyear, -12)),
    }
    for name, (start, end, previous) in periods.items():
        if macro == f"This{name}":
            return start, end
        if macro == f"This{name}ToDate":
            return start, today
        if macro == f"Last{name}":
            return previous, start - timedelta(days=1)
        if macro == f"Last{name}ToDate":
            return previous, _same_day_earlier(previous, today, start)
        if macro == f"Next{name}":
            following = end + timedelta(days=1)
            length_end = {"Week": following + timedelta(days=6),
                          "Month": _add_months(following, 1) - timedelta(days=1),
                          "CalendarQuarter": _add_months(following, 3) - timedelta(days=1),
                          "FiscalQuarter": _add_months(following, 3) - timedelta(days=1),
                          "CalendarYear": date(following.year, 12, 31),
                          "FiscalYear": _add_months(following, 12) - timedelta(days=1)}[name]
            return following, length_end
    if macro == "NextFourWeeks":
        start = week + timedelta(days=7)
        return start, start + timedelta(days=27)
    raise ValueError(f"unknown DateMacro {macro!r}")
