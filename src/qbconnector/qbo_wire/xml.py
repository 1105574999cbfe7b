"""QBO's XML wire format, written from the same data as the JSON one.

Entities become elements in the schema's namespace with ``domain``/``sparse``/``status`` as
attributes and references as text with a ``name`` attribute (``<CustomerRef name="Amy">1
</CustomerRef>``); envelopes are ``IntuitResponse`` with ``time``; QueryResponse counters are
attributes. :func:`parse_entity` reads an XML entity back into the JSON shape.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.values import MONEY_FIELDS, money_text, number_text

NS = "http://schema.intuit.com/finance/v3"
ATTRIBUTES = ("domain", "sparse", "status")
COUNTERS = ("startPosition", "maxResults", "totalCount")


def _text(key: str, value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return money_text(value) if key in MONEY_FIELDS else number_text(value)
    return escape(str(value))


def element(name: str, value: Any) -> str:
    """One element (lists repeat the element)."""
    if isinstance(value, list):
        return "".join(element(name, item) for item in value)
    if isinstance(value, dict):
        if "value" in value and set(value) <= {"value", "name", "type"}:
            attrs = "".join(f" {k}={quoteattr(str(value[k]))}" for k in ("name", "type")
                            if k in value)
            return f"<{name}{attrs}>{escape(str(value['value']))}</{name}>"
        attrs = "".join(f" {k}={quoteattr(_text(k, value[k]))}" for k in ATTRIBUTES
                        if k in value and not isinstance(value[k], (dict, list)))
        inner = "".join(element(k, v) for k, v in value.items()
                        if k not in ATTRIBUTES and v is not None)
        return f"<{name}{attrs}>{inner}</{name}>"
    return f"<{name}>{_text(name, value)}</{name}>"


def response(body: dict, time_text: str | None) -> str:
    """An ``IntuitResponse`` document for a JSON-shaped reply."""
    inner = []
    for key, value in body.items():
        if key == "time":
            continue
        if key == "QueryResponse":
            inner.append(_query_response(value))
        elif key == "Fault":
            inner.append(_fault(value))
        elif key == "BatchItemResponse":
            for item in value:
                attrs = f" bId={quoteattr(str(item.get('bId', '')))}"
                content = "".join(_fault(v) if k == "Fault" else
                                  _query_response(v) if k == "QueryResponse" else element(k, v)
                                  for k, v in item.items() if k != "bId")
                inner.append(f"<BatchItemResponse{attrs}>{content}</BatchItemResponse>")
        elif key == "CDCResponse":
            for item in value:
                parts = "".join(_query_response(q) for q in item.get("QueryResponse", []))
                inner.append(f"<CDCResponse>{parts}</CDCResponse>")
        else:
            inner.append(element(key, value))
    stamp = f" time={quoteattr(time_text)}" if time_text else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<IntuitResponse xmlns="{NS}"{stamp}>{"".join(inner)}</IntuitResponse>')


def _query_response(value: dict) -> str:
    attrs = "".join(f" {k}={quoteattr(str(value[k]))}" for k in COUNTERS if k in value)
    rows = "".join(element(k, v) for k, v in value.items() if k not in COUNTERS)
    return f"<QueryResponse{attrs}>{rows}</QueryResponse>"


def _fault(value: dict) -> str:
    errors = "".join(
        f"<Error code={quoteattr(e.get('code', ''))}"
        + (f" element={quoteattr(e['element'])}" if e.get("element") else "")
        + f"><Message>{escape(e.get('Message', ''))}</Message>"
          f"<Detail>{escape(e.get('Detail', ''))}</Detail></Error>"
        for e in value.get("Error", []))
    return f"<Fault type={quoteattr(value.get('type', 'ValidationFault'))}>{errors}</Fault>"


def parse_entity(text: bytes | str) -> tuple[str, dict]:
    """(entity name, JSON-shaped body) from an XML request body; ValueError when unreadable."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    try:
        root = etree.fromstring(text.encode() if isinstance(text, str) else text, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(str(exc)) from None
    name = etree.QName(root).localname
    target = spec.entity(name) if name in spec.API_ENTITIES else None
    if target is None:
        raise ValueError(f"{name} is not an entity")
    return name, _read(root, target)


def _read(node: Any, type_: spec.TypeSpec) -> dict:
    out: dict[str, Any] = {}
    for key in ATTRIBUTES:
        if node.get(key) is not None:
            out[key] = node.get(key) == "true" if key == "sparse" else node.get(key)
    for child in node:
        if not isinstance(child.tag, str):
            continue
        key = etree.QName(child).localname
        field = type_.fields.get(key)
        if field is None:
            out[key] = child.text  # unknown: the entity check reports it
            continue
        if field.kind == "ref":
            value: Any = {"value": (child.text or "").strip()}
            if child.get("name"):
                value["name"] = child.get("name")
        elif field.object_type:
            value = _read(child, spec.type_spec(field.object_type))
        else:
            value = child.text or ""
        if field.many:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out
