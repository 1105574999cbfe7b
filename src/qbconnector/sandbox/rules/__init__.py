"""Per-type business rules layered on the generic list and transaction machinery."""

from __future__ import annotations

from qbconnector.sandbox.rules.base import Rules

_RULES: dict[str, Rules] = {}
_DEFAULT = Rules()


def register(*type_names: str):
    """Class decorator: use these rules for the named object types."""
    def wrap(cls: type[Rules]) -> type[Rules]:
        instance = cls()
        for name in type_names:
            _RULES[name] = instance
        return cls
    return wrap


def rules_for(type_name: str) -> Rules:
    """The rules of a type; a transaction type without its own still gets what every
    transaction has (TxnNumber, TxnDate, TxnLineIDs, line Mod semantics)."""
    _load()
    rules = _RULES.get(type_name)
    if rules is not None:
        return rules
    from qbconnector.sandbox.objects import registry
    otype = registry().get(type_name)
    if otype is not None and otype.kind == "txn":
        global _TXN_DEFAULT
        if _TXN_DEFAULT is None:
            from qbconnector.sandbox.rules.transactions import TxnRules
            _TXN_DEFAULT = TxnRules()
        return _TXN_DEFAULT
    return _DEFAULT


_TXN_DEFAULT: Rules | None = None


_LOADED = False


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from qbconnector.sandbox.rules import (  # noqa: F401
        banking,
        bill_payments,
        inventory,
        lists,
        purchases,
        sales,
    )
