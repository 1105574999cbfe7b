"""Entity bodies in the spec's shape: type-checked input, unknown fields handled as QBO does,
and output in QBO's key order.

Unknown top-level properties are refused (2010, with the Jackson-style detail QBO sends);
unknown properties inside lines and nested objects are dropped silently (recorded: a
JournalEntry line's ClassRef and TaxAmount vanished without an error).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.faults import QBOFault, fault
from qbconnector.qbo_wire.values import parse_date, parse_datetime, to_decimal

ENVELOPE_KEYS = {"domain", "sparse", "status"}


def unknown_property(entity: spec.EntitySpec, name: str) -> QBOFault:
    known = ", ".join(f'"{n}"' for n in list(entity.fields)[:60])
    return fault("2010", f'Property Name:Unrecognized field "{name}" (class '
                         f"com.intuit.schema.finance.v3.{entity.name}), not marked as ignorable "
                         f"({len(entity.fields) + len(entity.attributes)} known properties: "
                         f"{known} [truncated]])\n specified is unsupported or invalid")


def wrong_value(path: str, kind: str, value: Any) -> QBOFault:
    if kind in ("decimal", "integer"):
        return fault("2080", f"Illegal number format: {path} = {str(value)[:50]!r}",
                     element=path)
    if kind.startswith("enum:"):
        allowed = ", ".join(spec.enum_values(kind[5:]))
        return fault("2170", f"Invalid Enumeration : {path} = {str(value)[:50]} (allowed: "
                             f"{allowed})", element=path)
    return fault("2010", f"Property Name:{path} can not take a value of type "
                         f"{type(value).__name__} (expected {kind.split(':')[0]}) specified is "
                         f"unsupported or invalid", element=path)


def clean_entity(entity: spec.EntitySpec, body: Any) -> dict:
    """A request body checked against the entity's spec: 2010 for unknown top-level fields."""
    if not isinstance(body, dict):
        raise fault("2010", f"Property Name:{entity.name} must be a JSON object specified is "
                            f"unsupported or invalid")
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in ENVELOPE_KEYS:
            continue
        field = entity.fields.get(key)
        if field is None:
            raise unknown_property(entity, key)
        if value is None or (value == "" and field.kind != "string"):
            continue  # clients send "" for empty dates and numbers; Jackson reads it as null
        out[key] = _value(field, value, key)
    return out


def _value(field: spec.Field, value: Any, path: str) -> Any:
    if field.many:
        items = value if isinstance(value, list) else [value]
        return [_single(field, item, path) for item in items if item is not None]
    if isinstance(value, list):
        raise wrong_value(path, field.kind, value)
    return _single(field, value, path)


def _single(field: spec.Field, value: Any, path: str) -> Any:
    kind = field.kind
    try:
        if kind == "string":
            if isinstance(value, (dict, list)):
                raise ValueError
            if isinstance(value, bool):
                return "true" if value else "false"
            return value if isinstance(value, str) else str(value)
        if kind == "decimal":
            return to_decimal(value)
        if kind == "integer":
            number = to_decimal(value)
            if number != number.to_integral_value():
                raise ValueError
            return int(number)
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise ValueError
        if kind == "date":
            parse_date(value)
            return value[:10]
        if kind == "datetime":
            parse_datetime(value)
            return value
        if kind == "ref":
            return _ref(value, path)
        if kind.startswith("enum:"):
            if not isinstance(value, str) or value not in spec.enum_values(kind[5:]):
                raise ValueError
            return value
        if kind.startswith("object:"):
            return clean_object(spec.type_spec(kind[7:]), value, path)
        return value
    except ValueError:
        raise wrong_value(path, kind, value) from None


def _ref(value: Any, path: str) -> dict:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {"value": str(value)}
    if not isinstance(value, dict) or "value" not in value or isinstance(value["value"],
                                                                       (dict, list, bool)):
        raise fault("2020", f"Required parameter {path}.value is missing in the request",
                    element=f"{path}.value")
    ref = {"value": str(value["value"])}
    if isinstance(value.get("name"), str):
        ref["name"] = value["name"]
    if isinstance(value.get("type"), str):
        ref["type"] = value["type"]
    return ref


def clean_object(type_: spec.TypeSpec, value: Any, path: str) -> dict:
    """A nested object: known fields checked, unknown ones dropped (as QBO drops them)."""
    if not isinstance(value, dict):
        raise wrong_value(path, "object", value)
    out = {}
    for key, item in value.items():
        field = type_.fields.get(key)
        if field is None or item is None or (item == "" and field.kind != "string"):
            continue
        out[key] = _value(field, item, f"{path}.{key}")
    return out


def ordered(type_: spec.TypeSpec, body: dict) -> dict:
    """``body`` with keys in QBO's order for its type, nested objects too; unknown keys last."""
    out = {}
    for key in type_.order:
        if key in body:
            out[key] = _ordered_value(type_.fields.get(key), body[key])
    for key, value in body.items():
        if key not in out:
            out[key] = value
    return out


def _ordered_value(field: spec.Field | None, value: Any) -> Any:
    if field is None or not field.object_type:
        return value
    nested = spec.type_spec(field.object_type)
    if isinstance(value, list):
        return [ordered(nested, v) if isinstance(v, dict) else v for v in value]
    return ordered(nested, value) if isinstance(value, dict) else value


def is_date(value: Any) -> bool:
    return isinstance(value, date)


def decimal_or_zero(value: Any) -> Decimal:
    try:
        return to_decimal(value) if value is not None else Decimal(0)
    except ValueError:
        return Decimal(0)
