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
    _load()
    return _RULES.get(type_name, _DEFAULT)


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
