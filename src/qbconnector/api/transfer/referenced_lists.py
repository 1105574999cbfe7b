"""Simple lists a record refers to are created before it when they do not exist yet, as
QuickBooks' own list import does: customer and vendor types, terms, sales reps, classes, job
types, payment and ship methods, customer messages. A name is all they need (a sales rep also
needs a name to stand for: an Other Name of its initials is made when no name has them).
Anything else a record refers to — a customer, vendor, item or account — must exist: the
record is then an error naming it, in QuickBooks' own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qbconnector.api.records import errors
from qbconnector.qbxml.build import Message

if TYPE_CHECKING:
    from qbconnector.api.records.connection import Connection

CREATABLE: dict[str, tuple[str, str]] = {
    # reference element: (the type searched, the type added)
    "CustomerTypeRef": ("CustomerType", "CustomerType"),
    "VendorTypeRef": ("VendorType", "VendorType"),
    "JobTypeRef": ("JobType", "JobType"),
    "ClassRef": ("Class", "Class"),
    "TermsRef": ("Terms", "StandardTerms"),       # standard or date-driven terms may match
    "SalesRepRef": ("SalesRep", "SalesRep"),
    "PaymentMethodRef": ("PaymentMethod", "PaymentMethod"),
    "PreferredPaymentMethodRef": ("PaymentMethod", "PaymentMethod"),
    "ShipMethodRef": ("ShipMethod", "ShipMethod"),
    "CustomerMsgRef": ("CustomerMsg", "CustomerMsg"),
}
HIERARCHICAL = {"CustomerType", "VendorType", "JobType", "Class"}
SEARCHED_AS = {"Terms": ("StandardTerms", "DateDrivenTerms")}


def references(data: Any) -> list[tuple[str, str]]:
    """(reference element, FullName) of every creatable reference in an Add body."""
    found: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in CREATABLE and isinstance(value, dict) and value.get("FullName"):
                found.append((key, str(value["FullName"])))
            else:
                found += references(value)
    elif isinstance(data, list):
        for item in data:
            found += references(item)
    return found


@dataclass
class ListMaker:
    """Finds the referenced list records a batch lacks and creates them (or, in a dry run,
    says it would)."""

    connection: Connection
    dry_run: bool = False
    created: list[str] = field(default_factory=list)        # "CustomerType 'Retail'"
    _known: dict[str, set[str]] = field(default_factory=dict)

    def missing(self, wanted: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (reference, FullName) pairs that name nothing yet, asking QuickBooks once per
        type for the names not seen before."""
        unseen: dict[str, set[str]] = {}
        for ref, name in wanted:
            searched = CREATABLE[ref][0]
            if name.lower() not in self._known.setdefault(searched, set()):
                unseen.setdefault(searched, set()).add(name)
        for searched, names in unseen.items():
            for type_name in SEARCHED_AS.get(searched, (searched,)):
                collection = self.connection.collection(type_name)
                query: dict[str, Any] = {"full_names": sorted(names)}
                if collection.query_takes("ActiveStatus"):
                    query["active"] = "all"
                for record in collection.query(**query):
                    name = record.get("FullName") or record.get("Name") or \
                        record.get("Initial") or ""
                    self._known[searched].add(str(name).lower())
        out = []
        for ref, name in dict.fromkeys(wanted):
            if name.lower() not in self._known[CREATABLE[ref][0]]:
                out.append((ref, name))
        return out

    def create(self, ref: str, full_name: str) -> str:
        """Create one referenced record (parents first); returns what was done, e.g.
        ``created CustomerType 'Retail'``. QuickBooks' refusal raises its QBError."""
        searched, added = CREATABLE[ref]
        label = f"{added} {full_name!r}"
        if not self.dry_run:
            if added == "SalesRep":
                self._sales_rep(full_name)
            elif added in HIERARCHICAL and ":" in full_name:
                self._with_parents(searched, added, full_name)
            else:
                self.connection.collection(added).add({"Name": full_name})
        self._known.setdefault(searched, set()).add(full_name.lower())
        self.created.append(label)
        return ("would create " if self.dry_run else "created ") + label

    def _with_parents(self, searched: str, added: str, full_name: str) -> None:
        parts = full_name.split(":")
        for depth in range(1, len(parts) + 1):
            name = ":".join(parts[:depth])
            if depth < len(parts) and name.lower() in self._known.get(searched, set()):
                continue
            data: dict[str, Any] = {"Name": parts[depth - 1]}
            if depth > 1:
                data["ParentRef"] = {"FullName": ":".join(parts[:depth - 1])}
            try:
                self.connection.collection(added).add(data)
            except errors.DuplicateNameError:
                if depth == len(parts):
                    raise
            self._known.setdefault(searched, set()).add(name.lower())

    def _sales_rep(self, initials: str) -> None:
        # When a name with these initials exists already, QuickBooks refuses the Other Name
        # (3100) and the existing name stands for the rep.
        self.connection.send([Message("OtherNameAdd", {"Name": initials})])
        self.connection.collection("SalesRep").add(
            {"Initial": initials, "SalesRepEntityRef": {"FullName": initials}})
