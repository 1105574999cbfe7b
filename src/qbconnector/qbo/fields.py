"""Request bodies from what a user writes: snake_case or QBO names, references by name or Id,
short lines — checked against the entity spec before anything is sent.

    qb.invoices.add(customer_ref="Acme", txn_date=date(2024, 5, 1),
                    lines=[{"item_ref": "Consulting", "quantity": 3, "unit_price": 100}])

- A field is named as QBO names it (``DisplayName``) or in snake_case (``display_name``);
  nested objects too (``bill_addr={"line1": ..., "city": ...}``). ``lines`` means ``Line``.
  A name the entity does not have fails, suggesting the ones it has.
- A reference (``customer_ref``, ``item_ref``...) takes a name (``"Acme"``, or
  ``"Parent:Child"`` as a FullyQualifiedName), an Id, a record, or QBO's ``{"value": Id}``;
  names are resolved to Ids before the request goes out (one query per name, cached).
- A line without ``DetailType`` is read in the vocabulary of its entity: sales forms take
  ``item_ref``, ``quantity`` (``qty``), ``unit_price`` (``rate``), ``description``
  (``desc``), ``amount``, ``service_date``, ``class_ref``, ``tax_code_ref`` (a line with
  only a description is ``DescriptionOnly``); bills, purchases, vendor credits and purchase
  orders take ``account_ref`` or ``item_ref``; journal entries ``posting_type``,
  ``account_ref``, ``amount``, ``entity``; deposits ``account_ref``, ``amount``. The amount
  is quantity times price (the item's price when none is given), rounded to cents.
- Values are checked by kind: amounts exact (Decimal; floats through their shortest text),
  dates ISO, enumerations against QBO's values. Read-only fields are refused.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from qbconnector.api.records.record import Record, normalize
from qbconnector.errors import ValidationError
from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.values import money, to_decimal

SALES = ("Invoice", "SalesReceipt", "Estimate", "CreditMemo", "RefundReceipt")
PURCHASES = ("Bill", "Purchase", "VendorCredit", "PurchaseOrder")
#: Words Desktop users write, as QBO names them (inside lines and at the top level).
SYNONYMS = {"quantity": "Qty", "rate": "UnitPrice", "price": "UnitPrice", "desc": "Description",
            "lines": "Line", "memo": "PrivateNote", "refnumber": "DocNumber"}
#: Reference fields that name the record's own entity (a parent).
SELF_REFS = ("ParentRef",)
#: Reference fields whose value is a code or text, not a record Id.
VALUE_REFS = ("CurrencyRef", "CustomerMemo", "TaxCodeRef", "DefaultTaxCodeRef",
              "TxnTaxCodeRef", "TaxExemptionRef", "RecurDataRef")


class FieldError(ValidationError):
    """A field the entity does not have, a read-only one, or a value it cannot take."""


class Lookup(Protocol):
    """What bodies need from the company: Ids of names, and an item's price."""

    def ref_id(self, entity: str, text: str) -> str: ...

    def unit_price(self, item_id: str) -> Decimal | None: ...


def _index(type_spec: spec.TypeSpec) -> dict[str, spec.Field]:
    return {normalize(n): f for n, f in type_spec.fields.items()}


def _unknown(type_name: str, key: str, fields: Mapping[str, spec.Field]) -> FieldError:
    names = [n for n in fields]
    close = difflib.get_close_matches(normalize(key), [normalize(n) for n in names], n=3,
                                      cutoff=0.6)
    by_norm = {normalize(n): n for n in names}
    hint = f" (did you mean {', '.join(by_norm[c] for c in close)}?)" if close else ""
    return FieldError(f"{type_name} has no field {key!r}{hint}")


class BodyBuilder:
    """Builds and checks request bodies of one entity."""

    def __init__(self, entity: str, lookup: Lookup) -> None:
        self.entity = entity
        self.spec = spec.entity(entity)
        self.lookup = lookup
        self.fields = _index(self.spec)

    # -- top level ----------------------------------------------------------------------------
    def build(self, data: Mapping[str, Any], *, update: bool = False) -> dict[str, Any]:
        """The JSON body for a create (or the changed fields of an update)."""
        out: dict[str, Any] = {}
        read_only = {n for n, f in self.spec.fields.items() if f.read_only} | \
            set(self.spec.server_filled)
        if self.entity in ("Payment", "BillPayment"):
            read_only.discard("TotalAmt")
        for key, value in data.items():
            field = self._field(key, self.fields, self.entity)
            if field.name in ("Id", "SyncToken", "sparse", "domain") and update:
                continue
            if field.name in read_only:
                raise FieldError(f"{self.entity}.{field.name} is set by QuickBooks Online and "
                                 "cannot be written")
            out[field.name] = self._value(field, value, self.entity)
        return out

    def _field(self, key: str, fields: Mapping[str, spec.Field], owner: str) -> spec.Field:
        norm = normalize(key)
        found = fields.get(norm) or fields.get(normalize(SYNONYMS.get(norm, "")))
        if found is None:
            raise _unknown(owner, key, {f.name: f for f in fields.values()})
        return found

    # -- values -------------------------------------------------------------------------------
    def _value(self, field: spec.Field, value: Any, owner: str) -> Any:
        if value is None:
            return None
        if field.name == "Line" and field.object_type == "Line":
            if not isinstance(value, list | tuple):
                raise FieldError(f"{owner}.Line takes a list of lines")
            return [self.line(v, n) for n, v in enumerate(value, start=1)]
        if field.many and isinstance(value, list | tuple):
            return [self._one(field, v, owner) for v in value]
        return self._one(field, value, owner)

    def _one(self, field: spec.Field, value: Any, owner: str) -> Any:
        kind = field.kind.split(":")[0]
        where = f"{owner}.{field.name}"
        if kind == "ref":
            return self.reference(field.name, value, where)
        if field.object_type is not None:
            if not isinstance(value, Mapping):
                raise FieldError(f"{where} takes an object, not {value!r}")
            return self.object(field.object_type, value, where)
        try:
            if kind == "decimal":
                return to_decimal(value)
            if kind == "integer":
                if isinstance(value, bool):
                    raise ValueError(value)
                return int(value)
            if kind == "boolean":
                return _boolean(value)
            if kind == "date":
                return _date_text(value)
            if kind == "datetime":
                return value.isoformat() if isinstance(value, datetime) else str(value)
        except (ValueError, TypeError):
            raise FieldError(f"{where}: {value!r} is not a {kind}") from None
        text = value if isinstance(value, str) else str(value)
        allowed = field.enum
        if allowed and text not in allowed:
            raise FieldError(f"{where}: {text!r} is not one of {', '.join(allowed)}")
        return text

    def object(self, type_name: str, value: Mapping[str, Any], where: str) -> dict[str, Any]:
        fields = _index(spec.type_spec(type_name))
        out: dict[str, Any] = {}
        for key, item in value.items():
            field = self._field(key, fields, where)
            out[field.name] = self._value(field, item, where)
        return out

    def reference(self, name: str, value: Any, where: str) -> dict[str, Any] | None:
        """``{"value": Id}`` from a name, an Id, a record or a reference object."""
        target = self.entity if name in SELF_REFS else spec.ref_target(name)
        if isinstance(value, Record):
            if value.get("Id") is None:
                raise FieldError(f"{where}: the record has no Id")
            return {"value": str(value["Id"])}
        if isinstance(value, Mapping):
            keys = {normalize(k): v for k, v in value.items()}
            if keys.get("value") not in (None, ""):
                out = {"value": str(keys["value"])}
                if keys.get("type"):
                    out["type"] = str(keys["type"])
                return out
            label = keys.get("name") or keys.get("fullname")
            if not label:
                raise FieldError(f"{where} takes a name, an Id or {{'value': Id}}")
            value = label
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise FieldError(f"{where} takes a name, an Id or {{'value': Id}}, not {value!r}")
        if name in VALUE_REFS or target is None or value.isdigit():
            return {"value": value}
        return {"value": self.lookup.ref_id(target, value)}

    # -- lines --------------------------------------------------------------------------------
    def line(self, value: Any, number: int) -> dict[str, Any]:
        """One line: QBO's shape (with DetailType) or the entity's short form."""
        where = f"{self.entity}.Line[{number}]"
        if not isinstance(value, Mapping):
            raise FieldError(f"{where} takes an object")
        line_fields = _index(spec.type_spec("Line"))
        keys = {normalize(k): k for k in value}
        short_form = self.entity in SALES + PURCHASES + ("JournalEntry", "Deposit")
        if "detailtype" in keys or (not short_form and all(k in line_fields for k in keys)):
            return self.object("Line", value, where)
        detail_type = self._detail_type(keys, where)
        detail_fields = _index(spec.type_spec(detail_type)) if detail_type else {}
        line: dict[str, Any] = {}
        detail: dict[str, Any] = {}
        for key, item in value.items():
            norm = normalize(key)
            mapped = normalize(SYNONYMS.get(norm, key))
            if mapped in ("description", "amount", "id", "linenum"):
                field = line_fields[mapped]
                line[field.name] = self._value(field, item, where)
            elif mapped in detail_fields:
                field = detail_fields[mapped]
                detail[field.name] = self._value(field, item, f"{where}.{detail_type}")
            elif norm == "entity" and detail_type == "JournalEntryLineDetail":
                detail["Entity"] = self._journal_entity(item, where)
            else:
                raise _unknown(f"{where} ({detail_type or 'line'})", key,
                               {**{f.name: f for f in line_fields.values()},
                                **{f.name: f for f in detail_fields.values()}})
        if detail_type is None:
            line["DetailType"] = "DescriptionOnly"
            return line
        line["DetailType"] = detail_type
        self._amount(line, detail, where)
        line[detail_type] = detail
        return line

    def _detail_type(self, keys: Mapping[str, str], where: str) -> str | None:
        has_item = "itemref" in keys
        if self.entity in SALES:
            return None if set(keys) <= {"description", "desc"} else "SalesItemLineDetail"
        if self.entity in PURCHASES:
            if self.entity == "PurchaseOrder" or has_item:
                return "ItemBasedExpenseLineDetail"
            return "AccountBasedExpenseLineDetail"
        if self.entity == "JournalEntry":
            return "JournalEntryLineDetail"
        if self.entity == "Deposit":
            return "DepositLineDetail"
        raise FieldError(f"{where}: give DetailType (one of "
                         f"{', '.join(spec.enum_values('LineDetailTypeEnum'))}) with the "
                         f"detail object, as QBO writes {self.entity} lines")

    def _journal_entity(self, value: Any, where: str) -> dict[str, Any]:
        if isinstance(value, Mapping) and any(normalize(k) == "entityref" for k in value):
            return self.object("EntityTypeRef", value, where)
        if isinstance(value, Record) and value.get("Id"):
            return {"Type": value.tag, "EntityRef": {"value": value["Id"]}}
        raise FieldError(f"{where}.entity takes a customer, vendor or employee record, or "
                         "{'Type': 'Customer', 'EntityRef': ...}")

    def _amount(self, line: dict[str, Any], detail: dict[str, Any], where: str) -> None:
        if "Amount" in line:
            line["Amount"] = money(line["Amount"])
            return
        quantity = detail.get("Qty")
        price = detail.get("UnitPrice")
        item = detail.get("ItemRef")
        if price is None and quantity is not None and item is not None:
            price = self.lookup.unit_price(item["value"])
            if price is not None:
                detail["UnitPrice"] = price
        if quantity is not None and price is not None:
            line["Amount"] = money(Decimal(quantity) * Decimal(price))
        elif price is not None and quantity is None and item is not None:
            line["Amount"] = money(price)
            detail["Qty"] = Decimal(1)
        else:
            raise FieldError(f"{where}: give amount, or quantity and unit_price")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise ValueError(value)


def _date_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    date.fromisoformat(text[:10])
    return text[:10]
