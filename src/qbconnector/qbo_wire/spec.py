"""The project's compact spec of QuickBooks Online v3 entities (generated from Intuit's schema).

``entity("Invoice")`` gives the fields of an entity in schema order, flattened through its
base types (IntuitEntity -> Transaction -> SalesTransaction -> Invoice), with each field's
value kind, whether it repeats, and flags: read-only, filterable, sortable. The facts come
from ``data/entities.json``, written by ``tools/compile_qbo_spec.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

#: The entities the QuickBooks Online Accounting API serves at /v3/company/{realm}/{entity}.
API_ENTITIES = (
    "Account", "Customer", "Vendor", "Employee", "Item", "Term", "PaymentMethod", "Class",
    "Department", "TaxCode", "TaxRate", "CompanyInfo", "Preferences", "Invoice",
    "SalesReceipt", "Estimate", "CreditMemo", "RefundReceipt", "Payment", "Bill",
    "BillPayment", "Purchase", "PurchaseOrder", "VendorCredit", "Deposit", "Transfer",
    "JournalEntry", "TimeActivity", "Attachable",
)

#: Name-list entities: they are deactivated (Active false), never deleted.
NAME_LISTS = frozenset({"Account", "Customer", "Vendor", "Employee", "Item", "Term",
                        "PaymentMethod", "Class", "Department", "TaxCode", "TaxRate"})

#: Entities whose DisplayName shares one namespace (6240 on a clash).
PEOPLE = ("Customer", "Vendor", "Employee")


@dataclass(frozen=True)
class Field:
    """One element of a type: ``kind`` is string, decimal, integer, boolean, date, datetime,
    ref, any, ``enum:<Name>`` or ``object:<Type>``."""

    name: str
    kind: str
    many: bool
    flags: str

    @property
    def read_only(self) -> bool:
        return "r" in self.flags

    @property
    def object_type(self) -> str | None:
        return self.kind[7:] if self.kind.startswith("object:") else None

    @property
    def enum(self) -> tuple[str, ...] | None:
        return enum_values(self.kind[5:]) if self.kind.startswith("enum:") else None


@dataclass(frozen=True)
class TypeSpec:
    """A complex type with every field, its own and inherited, in schema order."""

    name: str
    fields: dict[str, Field]
    attributes: dict[str, str]
    text: str | None = None
    #: QBO writes a type's own fields first, then the entity attributes, then its base types'
    #: fields from the root down (recorded: Invoice fields, domain, sparse, Id, …, DocNumber…).
    order: tuple[str, ...] = ()

    def field(self, name: str) -> Field | None:
        return self.fields.get(name)


@dataclass(frozen=True)
class EntitySpec(TypeSpec):
    """A top-level entity, plus what the service records about it."""

    filterable: frozenset[str] = field(default_factory=frozenset)
    server_filled: frozenset[str] = field(default_factory=frozenset)

    @property
    def resource(self) -> str:
        """The lower-case path segment: ``/v3/company/1/salesreceipt``."""
        return self.name.lower()

    @property
    def is_name_list(self) -> bool:
        return self.name in NAME_LISTS

    @property
    def is_transaction(self) -> bool:
        return "TxnDate" in self.fields

    def writable(self) -> set[str]:
        """Top-level fields a client may send (full update clears the ones it omits)."""
        return {n for n, f in self.fields.items()
                if not f.read_only and n not in self.server_filled}


@cache
def _raw() -> dict:
    data = resources.files("qbconnector.qbo_wire").joinpath("data/entities.json").read_text()
    return json.loads(data)


@cache
def enum_values(name: str) -> tuple[str, ...]:
    return tuple(_raw()["enums"].get(name, ()))


@cache
def type_spec(name: str) -> TypeSpec:
    """Any complex type by name (``PhysicalAddress``, ``Line``…); KeyError when unknown."""
    raw = _raw()["types"]
    chain = []
    current: str | None = name
    while current:
        chain.append(raw[current])
        current = raw[current]["base"]
    fields: dict[str, Field] = {}
    attributes: dict[str, str] = {}
    text = None
    for node in reversed(chain):
        for fname, kind, many, flags in node["fields"]:
            fields[fname] = Field(fname, kind, many, flags)
        attributes.update(dict(node["attributes"]))
        text = node.get("text", text)
    own = [f[0] for f in chain[0]["fields"]]
    inherited = [f[0] for node in reversed(chain[1:]) for f in node["fields"]]
    order = tuple(dict.fromkeys(own + ["domain", "status", "sparse"] + inherited))
    return TypeSpec(name, fields, attributes, text, order)


@cache
def entity(name: str) -> EntitySpec:
    """An API entity by its exact name; KeyError for anything the API does not serve."""
    if name not in API_ENTITIES:
        raise KeyError(name)
    base = type_spec(name)
    observed = _raw()["observed"]
    common, own = observed["*"], observed.get(name, {})
    filterable = set(common["filterable"]) | set(own.get("filterable", ()))
    filterable |= {n for n, f in base.fields.items() if "f" in f.flags}
    server = set(common["server"]) | set(own.get("server", ()))
    return EntitySpec(name, base.fields, base.attributes, base.text, base.order,
                      frozenset(filterable), frozenset(server))


@cache
def entity_by_resource(segment: str) -> EntitySpec | None:
    """The entity a lower-case path segment names, or None."""
    for name in API_ENTITIES:
        if name.lower() == segment.lower():
            return entity(name)
    return None


def entity_named(name: str) -> EntitySpec | None:
    """Case-insensitive lookup, for the CDC ``entities=`` list and query text."""
    return entity_by_resource(name)


def ref_target(field_name: str) -> str | None:
    """The entity a reference field points at, by QBO's naming (``CustomerRef`` -> Customer)."""
    return REF_TARGETS.get(field_name)


REF_TARGETS = {
    "CustomerRef": "Customer", "VendorRef": "Vendor", "EmployeeRef": "Employee",
    "ItemRef": "Item", "AccountRef": "Account", "ClassRef": "Class",
    "DepartmentRef": "Department", "SalesTermRef": "Term", "TermRef": "Term",
    "PaymentMethodRef": "PaymentMethod", "DepositToAccountRef": "Account",
    "APAccountRef": "Account", "ARAccountRef": "Account", "IncomeAccountRef": "Account",
    "ExpenseAccountRef": "Account", "AssetAccountRef": "Account", "BankAccountRef": "Account",
    "CCAccountRef": "Account", "FromAccountRef": "Account", "ToAccountRef": "Account",
    "DiscountAccountRef": "Account", "TaxCodeRef": "TaxCode", "DefaultTaxCodeRef": "TaxCode",
    "ParentRef": None, "GroupItemRef": "Item", "TaxRateRef": "TaxRate",
}
