"""Report queries (filled in by the accounting work: P&L, balance sheet, trial balance)."""

from __future__ import annotations

HANDLERS: dict = {}
