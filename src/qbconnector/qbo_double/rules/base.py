"""What every entity's rules can do, and the registry that maps entity names to rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.faults import fault

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company

_REGISTRY: dict[str, type[Rules]] = {}


class Rules:
    """Default behaviour: a plain entity with create, read, full and sparse update."""

    entity: str = ""
    creatable = True
    deletable = False  # transactions and attachables are deleted; name lists deactivated
    voidable = False
    id_sequence: str | None = None  # shared id sequences (people share one)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in getattr(cls, "entities", (cls.entity,)):
            if name:
                _REGISTRY[name] = cls

    def __init__(self, name: str) -> None:
        self.name = name
        self.spec = spec.entity(name)

    def fill(self, company: Company, body: dict, old: dict | None) -> None:
        """Apply defaults and server-filled fields; raise a fault for invalid input."""

    def after_write(self, company: Company, body: dict, old: dict | None) -> list[tuple]:
        """Book the effects (postings, links); return (type, id) of entities to re-derive."""
        return []

    def derive(self, company: Company, body: dict) -> bool:
        """Recompute fields that depend on other records (balances); True if any changed."""
        return False

    def on_remove(self, company: Company, body: dict) -> list[tuple]:
        """Undo the effects of a deleted or voided record; return entities to re-derive."""
        return []

    def require(self, body: dict, *names: str) -> None:
        for name in names:
            if body.get(name) in (None, "", [], {}):
                raise fault("2020", element=name, name=name)


def rules_for(name: str) -> Rules:
    """The rules of an API entity (plain rules when none are registered)."""
    from qbconnector.qbo_double.rules import lists, transactions  # noqa: F401 - registers

    return _REGISTRY.get(name, Rules)(name)
