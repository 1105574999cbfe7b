"""The hooks a type's rules may override (the defaults fit most list types), and which rules
each type has.

The generic machinery asks :func:`rules_for`; the per-type rules (:mod:`qbconnector.sandbox.rules`)
register themselves when that package is imported, which the engine does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from qbconnector.sandbox.core.objects import registry

if TYPE_CHECKING:
    from qbconnector.sandbox.core.context import Context
    from qbconnector.sandbox.core.objects import ObjectType


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


_RULES: dict[str, Rules] = {}
_KIND_DEFAULTS: dict[str, Rules] = {}
_PLAIN = Rules()
R = TypeVar("R", bound=type[Rules])


def register(*type_names: str) -> Callable[[R], R]:
    """Class decorator: use these rules for the named object types."""
    def wrap(cls: R) -> R:
        instance = cls()
        for name in type_names:
            _RULES[name] = instance
        return cls
    return wrap


def register_default(kind: str) -> Callable[[R], R]:
    """Class decorator: the rules of every type of ``kind`` ("txn") without rules of its own
    (what every transaction has: TxnNumber, TxnDate, TxnLineIDs, line Mod semantics)."""
    def wrap(cls: R) -> R:
        _KIND_DEFAULTS[kind] = cls()
        return cls
    return wrap


def rules_for(type_name: str) -> Rules:
    """The rules of a type: its own, else its kind's default, else the plain hooks."""
    rules = _RULES.get(type_name)
    if rules is not None:
        return rules
    if not _RULES:
        raise RuntimeError("no per-type rules are registered: import qbconnector.sandbox.rules")
    otype = registry().get(type_name)
    if otype is not None:
        return _KIND_DEFAULTS.get(otype.kind, _PLAIN)
    return _PLAIN

