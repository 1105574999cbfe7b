"""Per-entity rules of the double: defaults, validation, server-filled fields, postings."""

from __future__ import annotations

from qbconnector.qbo_double.rules.base import Rules, rules_for

__all__ = ["Rules", "rules_for"]
