"""What a request handler works with: the store, the request, and shared lookups.

Handlers receive a :class:`Context`; it resolves references (a Ref naming nothing is 3140),
turns request data into stored documents shaped like the ``*Ret`` (values in QuickBooks'
output form), checks lengths (3070) and renders records for the response.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.session import ResponseTooLarge, current_caller
from qbconnector.qbxml.spec import Element
from qbconnector.sandbox.core import errors, render
from qbconnector.sandbox.core.objects import NAMESPACES, ObjectType, ref_target, registry
from qbconnector.sandbox.storage.store import Store, loads

ID_FIELDS = ("ListID", "TxnID")
# Display names of lists in messages (3130 "in the Customers list").
LIST_WORDS = {"Customer": "Customers", "Vendor": "Vendors", "Employee": "Employees",
              "OtherName": "Other Names", "Account": "Accounts", "Class": "Classes"}


@dataclass
class Request:
    """One request of a message set, parsed."""

    name: str
    attrs: dict[str, str]
    element: etree._Element
    spec: Element
    data: dict[str, Any]
    version: str
    vkey: tuple[int, int]

    @property
    def include(self) -> frozenset[str] | None:
        names = self.data.get("IncludeRetElement")
        return frozenset(names) if names else None


@dataclass
class Context:
    """Everything a handler needs while one request runs."""

    store: Store
    request: Request
    session: Any
    touched: set[str] = field(default_factory=set)   # records whose rendering went stale
    warning: errors.QBStatus | None = None           # a warning status to answer with
    add_data: dict[str, Any] = field(default_factory=dict)   # the Add being stored
    budget: int = 0          # bytes this request's answer may take (0 = no limit)
    spent: int = 0

    def spend(self, size: int) -> None:
        """Count ``size`` bytes of answer; past the budget the message set is abandoned
        (ResponseTooLarge) before more is built."""
        self.spent += size
        if self.budget and self.spent > self.budget:
            raise ResponseTooLarge(current_caller().max_response_size)

    def warn(self, status: errors.QBStatus) -> None:
        """Answer with a warning (e.g. 570) while still returning the record."""
        self.warning = self.warning or status

    @property
    def db(self) -> sqlite3.Connection:
        return self.store.db

    # -- references -------------------------------------------------------------------------
    def find(self, types: tuple[str, ...], list_id: str | None = None,
             full_name: str | None = None) -> sqlite3.Row | None:
        """A list record of one of ``types`` by ListID (preferred) or FullName."""
        if list_id:
            row = self.store.get(list_id)
            return row if row is not None and row["type"] in types else None
        marks = ",".join("?" for _ in types)
        if full_name is None:
            return None
        namespace = NAMESPACES.get(types[0], types[0])
        return self.db.execute(
            f"SELECT * FROM records WHERE namespace=? AND name_key=? "  # noqa: S608
            f"AND type IN ({marks})", (namespace, full_name.lower(), *types)).fetchone()

    def resolve(self, ref_name: str, value: dict[str, Any], owner: str,
                where: str) -> sqlite3.Row | None:
        """The record a Ref points to; 3140 when it points to nothing.

        In any Ref the ListID wins over the FullName, as in QuickBooks.
        """
        target = ref_target(ref_name, owner)
        if target is None:
            return None
        types, word = target
        list_id = errors.checked_id(value["ListID"], "ListID") if "ListID" in value else None
        full_name = value.get("FullName")
        row = self.find(types, list_id, full_name)
        if row is None and (list_id or full_name):
            if ref_name == "ParentRef":
                raise errors.fail(3130, name=list_id or full_name,
                                  list_type=LIST_WORDS.get(owner, owner),
                                  qb_message=catalogue.QB_MSG_RECORD_NOT_FOUND)
            raise errors.invalid_reference(word, list_id or full_name or "", where)
        return row

    def ref_doc(self, row: sqlite3.Row, ref_spec: Element | None) -> dict[str, str]:
        """The Ref as QuickBooks returns it: ListID and FullName."""
        out = {"ListID": row["id"]}
        if ref_spec is None or ref_spec.child("FullName") is not None:
            out["FullName"] = row["full_name"] or ""
        return out

    # -- documents --------------------------------------------------------------------------
    def to_doc(self, data: dict[str, Any], source: Element, target: Element, owner: str,
               where: str) -> dict[str, Any]:
        """Request data (typed, names of ``source``) as a stored document for ``target``."""
        doc: dict[str, Any] = {}
        placements = _placements(source, target)
        for key, value in data.items():
            if key[0] == "@":
                continue
            found = placements.get(key)
            if found is None:
                found = placements[key] = _placement(key, source, target)
            name, src, child = found
            if name is None:
                if key.endswith("Ref") and src is not None and isinstance(value, dict):
                    # A Ref the Ret does not show (an invoice line's OverrideItemAccountRef)
                    # is kept, resolved, for the rules; rendering leaves it out.
                    doc[key] = self.to_value(value, src, src, key, owner, where)
            elif child.type and not isinstance(value, (list, dict)):
                # Text of a text type is stored as it is (output_text's answer, without a call)
                doc[name] = value if value.__class__ is str and \
                    child.type not in _NUMBERS else render.output_text(value, child.type)
            else:
                doc[name] = self.to_value(value, src, child, key, owner, where)
        return doc

    def to_value(self, value: Any, source: Element | None, target: Element, key: str,
                 owner: str, where: str) -> Any:
        if isinstance(value, list):
            return [self.to_value(v, source, target, key, owner, where) for v in value]
        if target.type:
            if isinstance(value, dict):
                value = value.get("#text", "")
            if value.__class__ is str and target.type not in _NUMBERS:
                return value
            return render.output_text(value, target.type)
        if not isinstance(value, dict):
            return {}
        if key.endswith("Ref") and ref_target(key, owner) is not None:
            row = self.resolve(key, value, owner, where)
            return self.ref_doc(row, target) if row is not None else {}
        if "Line" in key and not where.endswith(" line"):
            where = f"{where} line"        # 3140 says "in the Invoice line." for line refs
        return self.to_doc(value, source or target, target, owner, where)

    def check_lengths(self, data: dict[str, Any], spec: Element) -> None:
        """3070 for the first string longer than QuickBooks Desktop stores."""
        limits = _LIMITS.get(spec)
        if limits is None:
            limits = _LIMITS[spec] = {}
        for key, value in data.items():
            found = limits.get(key)
            if found is None:
                found = limits[key] = _length_limit(key, spec)
            limit, child = found
            if child is None:
                continue
            for item in value if isinstance(value, list) else (value,):
                if limit and isinstance(item, str) and len(item) > limit:
                    raise errors.too_long(item, key)
                if isinstance(item, dict) and not child.type:
                    self.check_lengths(item, child)

    # -- rendering --------------------------------------------------------------------------
    def render(self, otype: ObjectType, doc: dict[str, Any],
               include: frozenset[str] | None = None) -> str:
        return render.render(otype.ret, doc, self.request.vkey, include)

    def load(self, row: sqlite3.Row) -> dict[str, Any]:
        return loads(row["doc"])


_NUMBERS = render.NUMBER_TYPES


# Per element (spec elements live as long as the process): a plain dict lookup per key, where
# a cached function would build and hash an argument tuple for every key of every request.
_PLACEMENTS: dict[tuple[Element, Element], dict[str, tuple]] = {}
_LIMITS: dict[Element, dict[str, tuple[int, Element | None]]] = {}


def _placements(source: Element, target: Element) -> dict[str, tuple]:
    found = _PLACEMENTS.get((source, target))
    if found is None:
        found = _PLACEMENTS[(source, target)] = {}
    return found


def _placement(key: str, source: Element, target: Element
               ) -> tuple[str | None, Element | None, Element | None]:
    """Where a request element goes in a stored document: (its ``*Ret`` name, its request
    element, its ``*Ret`` element), worked out once per element."""
    name = ret_name(key, target)
    return name, source.child(key), target.child(name) if name is not None else None


def _length_limit(key: str, spec: Element) -> tuple[int, Element | None]:
    """(The length QuickBooks Desktop stores for a string element, or 0; the element)."""
    child = spec.child(key)
    if child is None:
        return 0, None
    return (child.maxlen if child.type == "STRTYPE" else 0) or 0, child


@cache
def ret_name(key: str, target: Element) -> str | None:
    """The ``*Ret`` element a request element becomes (InvoiceLineAdd -> InvoiceLineRet)."""
    if target.child(key) is not None:
        return key
    for suffix in ("Add", "Mod"):
        if key.endswith(suffix):
            candidate = key[: -len(suffix)] + "Ret"
            if target.child(candidate) is not None:
                return candidate
            candidate = key[: -len(suffix)]
            if target.child(candidate) is not None:
                return candidate
    if target.child(key + "Ret") is not None:
        return key + "Ret"
    return None


def preference(ctx: Context, *path: str) -> Any:
    """One preference value, e.g. ``preference(ctx, "SalesTaxPreferences", "PaySalesTax")``.

    The preferences document is parsed once per transaction (callers must not change what
    they get back).
    """
    value: Any = ctx.store.cache.get("meta:preferences")
    if value is None:
        value = ctx.store.cache["meta:preferences"] = json.loads(
            ctx.store.meta("preferences", "{}") or "{}")
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def type_of(name: str) -> ObjectType | None:
    return registry().get(name)
