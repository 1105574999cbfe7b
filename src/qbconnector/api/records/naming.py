"""Collection names: object types of the spec in snake_case plural (``sales_orders``)."""

from __future__ import annotations

from qbconnector.api.records.record import snake

IRREGULAR = {"StandardTerms": "standard_terms", "DateDrivenTerms": "date_driven_terms",
             "Terms": "terms"}


def plural(type_name: str) -> str:
    """'Customer' -> 'customers', 'ItemInventory' -> 'item_inventories', 'Class' -> 'classes'."""
    if type_name in IRREGULAR:
        return IRREGULAR[type_name]
    word = snake(type_name)
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"
