"""Names to Ids, for references written by name (``customer_ref="Acme"``), as on Desktop.

A name is looked up among active records by FullyQualifiedName where the entity has one
(``"Parent:Child"`` names a sub-customer or sub-account, as Desktop's FullName does), else
DisplayName or Name, without regard to case (QBO compares names that way). Answers are
cached for the connection's life; :meth:`References.preload` fills the cache for a whole
entity in a few paged queries, which an import of many rows does once instead of one query
per name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbconnector.errors import InvalidReferenceError
from qbconnector.qbo.filters import full_name_property, name_property
from qbconnector.qbo_wire import spec

if TYPE_CHECKING:
    from qbconnector.qbo.connection import QBOConnection


class References:
    """The Id of a name, per entity, cached."""

    def __init__(self, connection: QBOConnection) -> None:
        self.connection = connection
        self._ids: dict[tuple[str, str], str] = {}
        self._prices: dict[str, Decimal | None] = {}
        self._loaded: set[str] = set()

    def _remember(self, entity: str, record: Any) -> None:
        for key in ("FullyQualifiedName", "DisplayName", "Name"):
            name = record.get(key)
            if name:
                self._ids.setdefault((entity, str(name).lower()), str(record["Id"]))
        if entity == "Item":
            self._prices[str(record["Id"])] = record.get("UnitPrice")

    def learn(self, entity: str, record: Any) -> None:
        """Remember a record just written (an import adds customers, then their invoices)."""
        if record is not None and record.get("Id") and record.get("Active", True) is not False:
            self._remember(entity, record)

    def preload(self, entity: str) -> None:
        """Every active record of ``entity`` into the cache (once)."""
        if entity in self._loaded:
            return
        for record in self.connection.collection(entity).query():
            self._remember(entity, record)
        self._loaded.add(entity)

    def ref_id(self, entity: str, text: str) -> str:
        key = (entity, text.strip().lower())
        found = self._ids.get(key)
        if found is not None:
            return found
        if entity not in self._loaded:
            target = spec.entity(entity)
            prop = full_name_property(target)
            collection = self.connection.collection(entity)
            matches = collection.query(where=[(prop, "=", text.strip())], limit=2).all()
            if not matches and prop != name_property(target):
                matches = collection.query(where=[(name_property(target), "=", text.strip())],
                                           limit=2).all()
            if len(matches) == 1:
                self._remember(entity, matches[0])
                return str(matches[0]["Id"])
            if len(matches) > 1:
                raise InvalidReferenceError(
                    2500, "Error", f"several {entity} records are named {text!r}: give the Id",
                    f"{entity} query")
        raise InvalidReferenceError(2500, "Error", f"no active {entity} named {text!r}",
                                    f"{entity} query")

    def unit_price(self, item_id: str) -> Decimal | None:
        if item_id not in self._prices:
            item = self.connection.collection("Item").get(item_id)
            self._prices[item_id] = item.get("UnitPrice")
        return self._prices[item_id]
