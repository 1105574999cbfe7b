"""Record data as QuickBooks can take it back: Add bodies from exported records, Mod changes.

An exported record (a ``...Ret``) holds more than an add may send: IDs, EditSequence,
timestamps, computed totals and balances, FullName, Sublevel. :func:`to_add` keeps what the
type's ``...Add`` accepts, renames repeating Ret elements to their Add form
(``InvoiceLineRet`` -> ``InvoiceLineAdd``, ``ContactsRet`` -> ``Contacts``), reduces every
reference to its FullName (so it resolves by name in another company file) and lists what it
dropped. A field neither the Ret nor the Add knows is an error naming the fields there are.

:func:`changes` compares wanted values with the current record and returns only what differs,
in the type's ``...Mod`` form; equal values (``2`` and ``2.00000``, ``Yes`` and ``true``,
names in any case) count as unchanged, so importing the same data twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from qbconnector.api.transfer.tables import ret_element
from qbconnector.errors import ValidationError
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import normalize_key
from qbconnector.qbxml.jsonify import jsonable
from qbconnector.qbxml.spec import Element
from qbconnector.qbxml.values import ValueFormatError, format_value

_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


class FieldError(ValidationError):
    """Data with a field the type does not have, or a value it cannot take."""


@cache
def body(type_name: str, action: str) -> Element:
    """The body element of ``<Type><Action>Rq`` (``CustomerAdd``, ``InvoiceMod``)."""
    request = specmod.load().message(f"{type_name}{action}Rq")
    element = request.child(f"{type_name}{action}")
    if element is None:
        raise KeyError(f"{type_name}{action}Rq has no {type_name}{action}")
    return element


@cache
def _keys(element: Element) -> dict[str, str]:
    return {normalize_key(name): name for name in element.child_names()
            if (child := element.child(name)) is not None and child.qbd}


def match(element: Element, key: str, action: str) -> str | None:
    """The child of ``element`` a data key means: same name in any case, or the Add / Mod
    form of a Ret name (``InvoiceLineRet`` -> ``InvoiceLineAdd``, ``ContactsRet`` ->
    ``Contacts``)."""
    keys = _keys(element)
    found = keys.get(normalize_key(key))
    if found is not None:
        return found
    for suffix in ("Ret", "Add"):
        if key.endswith(suffix) and suffix != action:
            stem = key[: -len(suffix)]
            return keys.get(normalize_key(stem + action)) or keys.get(normalize_key(stem))
    if action == "Ret":
        return keys.get(normalize_key(key + "Ret"))          # Contacts -> ContactsRet
    return None


def is_reference(element: Element) -> bool:
    names = element.child_names()
    return "FullName" in names and "ListID" in names and len(names) == 2


def coerce(value: Any, element: Element) -> Any:
    """Text from a file as the leaf's type wants it (booleans read ``yes``/``no`` too)."""
    if element.type == "BOOLTYPE" and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise FieldError(f"{element.name}: {value!r} is not true/false")
    return value


@dataclass
class Prepared:
    """An Add body and the names of the fields left out as read-only or computed."""

    data: dict[str, Any]
    dropped: list[str] = field(default_factory=list)


def _line_names(type_name: str) -> dict[str, str]:
    """``lines`` -> the type's (first) line element in an Add."""
    add = body(type_name, "Add")
    for name in add.child_names():
        if name.endswith("LineAdd") and "Group" not in name:
            return {"lines": name}
    return {}


def to_add(type_name: str, data: Mapping[str, Any], *, strict: bool = True) -> Prepared:
    """An ``<Type>Add`` body from record data (exported, mapped or typed by hand)."""
    sp = specmod.load()
    ret_rs = sp.messages.get(f"{type_name}QueryRs")
    ret = ret_rs.child(f"{type_name}Ret") if ret_rs is not None else None
    prepared = Prepared({})
    data = dict(data)
    aliases = _line_names(type_name)
    for alias, name in aliases.items():
        if alias in data:
            data[name] = data.pop(alias)
    if "Name" not in data and "name" not in data and "FullName" in data:
        _split_full_name(type_name, data)
    prepared.data = _convert(body(type_name, "Add"), ret, data, "Add", prepared.dropped, (),
                             strict)
    return prepared


def _split_full_name(type_name: str, data: dict[str, Any]) -> None:
    add = body(type_name, "Add")
    if add.child("Name") is None:
        return
    parent, _, name = str(data["FullName"]).rpartition(":")
    data["Name"] = name
    if parent and add.child("ParentRef") is not None and "ParentRef" not in data:
        data["ParentRef"] = {"FullName": parent}


def _convert(target: Element, ret: Element | None, data: Mapping[str, Any], action: str,
             dropped: list[str], path: tuple[str, ...], strict: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key.startswith("_") or value is None or value == "" or value == []:
            continue
        name = match(target, key, action)
        if name is None:
            known = ret is not None and (ret.child(key) is not None or
                                         match(ret, key, "Ret") is not None)
            if known or not strict:
                dropped.append("/".join((*path, key)))
                continue
            raise FieldError(f"{'/'.join((*path, key))}: {target.name} has no such field "
                             f"(fields: {', '.join(_keys(target).values())})")
        element = target.child(name)
        assert element is not None
        ret_child = None
        if ret is not None:
            ret_name = match(ret, key, "Ret") or match(ret, name, "Ret")
            ret_child = ret.child(ret_name) if ret_name else None
        where = (*path, name)
        if element.is_leaf:
            if isinstance(value, list) and not element.repeats:
                raise FieldError(f"{'/'.join(where)} takes one value, not a list")
            out[name] = [coerce(v, element) for v in value] if isinstance(value, list) \
                else coerce(value, element)
        elif is_reference(element) and isinstance(value, str):
            out[name] = {"FullName": value}          # a reference by full name
        elif isinstance(value, list):
            out[name] = [_aggregate(element, ret_child, item, action, dropped, where, strict)
                         for item in value]
        elif isinstance(value, Mapping):
            converted = _aggregate(element, ret_child, value, action, dropped, where, strict)
            if converted:
                out[name] = [converted] if element.repeats else converted
        else:
            raise FieldError(f"{'/'.join(where)} is a group of fields, not a value "
                             f"(fields: {', '.join(_keys(element).values())})")
    return out


def _aggregate(element: Element, ret: Element | None, value: Any, action: str,
               dropped: list[str], path: tuple[str, ...], strict: bool) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise FieldError(f"{'/'.join(path)} is a group of fields, not {value!r}")
    if is_reference(element):
        full_name = value.get("FullName") or value.get("full_name")
        if full_name:
            return {"FullName": full_name}
        list_id = value.get("ListID") or value.get("list_id")
        return {"ListID": list_id} if list_id else {}
    return _convert(element, ret, value, action, dropped, path, strict)


# -- comparing wanted data with a record --------------------------------------------------------
def canonical(value: Any, element: Element) -> Any:
    """A comparable form: formatted as qbXML text for the element's type."""
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return json.dumps(jsonable(value), sort_keys=True)
    if isinstance(value, Mapping):
        return json.dumps(jsonable(dict(value)), sort_keys=True)
    try:
        value = coerce(value, element)
        text = format_value(value, element.type)
    except (FieldError, ValueFormatError, ValueError, ArithmeticError):
        text = str(value)
    return text.strip()


def _same_reference(wanted: Mapping[str, Any], current: Any) -> bool:
    if not isinstance(current, Mapping):
        return False
    if "FullName" in wanted:
        return str(current.get("FullName", "")).lower() == str(wanted["FullName"]).lower()
    return current.get("ListID") == wanted.get("ListID")


def _same(element: Element, wanted: Any, current: Any) -> bool:
    """Whether every wanted value is already the current one (extra current fields are fine)."""
    if element.is_leaf:
        if isinstance(wanted, list) or isinstance(current, list):
            return [canonical(v, element) for v in _as_list(wanted)] == \
                [canonical(v, element) for v in _as_list(current)]
        return canonical(wanted, element) == canonical(current, element)
    if is_reference(element) and isinstance(wanted, Mapping):
        return _same_reference(wanted, current)
    if isinstance(wanted, list):
        currents = _as_list(current)
        return len(wanted) == len(currents) and all(
            _same(element, w, c) for w, c in zip(wanted, currents, strict=True))
    if not isinstance(current, Mapping):
        return False
    for key, value in wanted.items():
        child = element.child(key)
        if child is None:
            continue
        if not _same(child, value, _current_value(current, key)):
            return False
    return True


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


_RET_NAMES = {"PaymentAmount": "Amount"}   # an applied-to payment reads back as Amount


def _current_value(current: Mapping[str, Any], key: str) -> Any:
    if key in current:
        return current[key]
    if key in _RET_NAMES:
        return current.get(_RET_NAMES[key])
    for suffix in ("Add", "Mod"):
        if key.endswith(suffix):
            stem = key[: -len(suffix)]
            for candidate in (stem + "Ret", stem):
                if candidate in current:
                    return current[candidate]
    if key + "Ret" in current:
        return current[key + "Ret"]
    return None


@dataclass
class Changes:
    """What a modify must send, and wanted changes the type's Mod cannot make."""

    data: dict[str, Any]
    not_modifiable: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.data)


def changes(type_name: str, wanted: Mapping[str, Any], current: Mapping[str, Any]) -> Changes:
    """The ``<Type>Mod`` fields (besides ID and EditSequence) that make ``current`` as wanted.

    ``wanted`` is an Add body (see :func:`to_add`). A type QuickBooks cannot modify (no
    ``<Type>ModRq``: standard terms, payment methods...) gets every difference in
    ``not_modifiable``. Aggregates are sent whole (current values
    with the wanted ones over them); lines are sent whole when any line differs, each keeping
    the TxnLineID of the current line at its position (``-1`` adds a line).
    """
    add = body(type_name, "Add")
    mod = body(type_name, "Mod") if f"{type_name}ModRq" in specmod.load().messages else None
    ret = ret_element(type_name)
    out: dict[str, Any] = {}
    refused: list[str] = []
    line_keys = [k for k in wanted if k.endswith(("LineAdd", "LineGroupAdd")) or
                 k in ("JournalDebitLine", "JournalCreditLine")]
    for key, value in wanted.items():
        if key in line_keys:
            continue
        element = add.child(key)
        if element is None or match(ret, key, "Ret") is None:
            continue           # write-only (IsAutoApply, OpenBalance): nothing to compare
        if _same(element, value, _current_value(current, key)):
            continue
        mod_name = match(mod, key, "Mod") if mod is not None else None
        if mod is None or mod_name is None:
            refused.append(key)
            continue
        mod_element = mod.child(mod_name)
        assert mod_element is not None
        if not mod_element.is_leaf and not is_reference(mod_element) and \
                isinstance(value, Mapping):
            merged = {k: v for k, v in (_current_value(current, key) or {}).items()
                      if mod_element.child(k) is not None}
            merged.update(value)
            value = merged
        out[mod_name] = value
    if line_keys and not all(_same(add.child(k), wanted[k], _current_value(current, k))
                             for k in line_keys if add.child(k) is not None):
        if mod is None:
            refused += line_keys
        else:
            out.update(_line_mods(mod, wanted, current, line_keys))
    return Changes(out, refused)


def _line_mods(mod: Element, wanted: Mapping[str, Any], current: Mapping[str, Any],
               line_keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in line_keys:
        mod_name = match(mod, key.replace("Add", "Mod"), "Mod") or match(mod, key, "Mod")
        if mod_name is None:
            continue
        mod_element = mod.child(mod_name)
        assert mod_element is not None
        existing = _as_list(_current_value(current, key))
        lines = []
        for position, line in enumerate(_as_list(wanted[key])):
            line_id = existing[position].get("TxnLineID") if position < len(existing) else None
            body_fields = {k: v for k, v in line.items() if mod_element.child(k) is not None}
            if mod_element.child("TxnLineID") is not None:
                body_fields = {"TxnLineID": line_id or "-1", **body_fields}
            lines.append(body_fields)
        out[mod_name] = lines
    return out
