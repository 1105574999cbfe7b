"""The hooks a type's rules may override; the defaults fit most list types."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qbconnector.sandbox.context import Context
    from qbconnector.sandbox.objects import ObjectType


class Rules:
    """Behaviour of one object type beyond the generic add/modify/query/delete."""

    def check(self, ctx: Context, otype: ObjectType, data: dict[str, Any],
              old: dict[str, Any] | None) -> None:
        """Refuse request data QuickBooks would refuse (raise QBStatus)."""

    def defaults(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> None:
        """Fill what QuickBooks always returns for a new record."""
        if otype.ret.child("IsActive") is not None:
            doc.setdefault("IsActive", "true")

    def prepare(self, ctx: Context, otype: ObjectType, doc: dict[str, Any],
                old: dict[str, Any] | None, data: dict[str, Any]) -> None:
        """Compute derived fields before the record is stored (totals, lines...)."""

    def columns(self, ctx: Context, otype: ObjectType, doc: dict[str, Any]) -> dict[str, Any]:
        """Indexed columns to store beside the document (dates, entity, ref number...)."""
        return {}

    def after_save(self, ctx: Context, otype: ObjectType, record_id: str,
                   doc: dict[str, Any], old: dict[str, Any] | None) -> None:
        """Post to the ledger, update balances and links after the record is written."""

    def computed(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                 doc: dict[str, Any]) -> None:
        """Add fields computed at read time (balances kept in columns)."""
        for name, column in (("Balance", "balance"), ("TotalBalance", "total_balance")):
            if otype.ret.child(name) is not None:
                doc[name] = row[column]

    def before_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row) -> None:
        """Refuse a deletion QuickBooks would refuse (records in use)."""

    def after_delete(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
                     doc: dict[str, Any]) -> None:
        """Undo what after_save did (postings, balances, links)."""

    def void(self, ctx: Context, otype: ObjectType, row: sqlite3.Row,
             doc: dict[str, Any]) -> dict[str, Any]:
        """The voided document: amounts zeroed, record kept."""
        return doc
