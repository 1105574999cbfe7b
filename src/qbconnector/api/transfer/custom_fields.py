"""Custom fields (QuickBooks' public data extensions, OwnerID 0) carried by imported records.

QuickBooks keeps a custom field's value apart from its record, so an import writes the record
first and its custom fields after it: DataExtAdd for a value the record does not have yet,
DataExtMod for one that differs, nothing for one already equal (a re-import stays a no-op).
A definition the company lacks is added (DataExtDefAdd, assigned to the record's type); one
that exists but is not assigned to that type gets it (DataExtDefMod). Values of other owners
(applications' private data) are not written: export reads only OwnerID 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qbconnector.api.records.collections import Collection
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import Message

if TYPE_CHECKING:
    from qbconnector.api.records.connection import Connection

PUBLIC = "0"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str      # DataExtType, e.g. STR255TYPE
    value: str


def wanted(data: dict[str, Any]) -> list[Field]:
    """The public custom fields a source record carries (JSONL objects or a CSV cell of JSON)."""
    rets = data.get("DataExtRet", data.get("data_ext_ret"))
    if isinstance(rets, str):
        try:
            rets = json.loads(rets) if rets.strip() else []
        except ValueError:
            raise ValueError("DataExtRet is not JSON (export writes a JSON list)") from None
    if isinstance(rets, dict):
        rets = [rets]
    out = []
    for ret in rets or []:
        if not isinstance(ret, dict) or str(ret.get("OwnerID", PUBLIC)) != PUBLIC:
            continue
        out.append(Field(str(ret["DataExtName"]), str(ret.get("DataExtType") or "STR255TYPE"),
                         _text(ret.get("DataExtValue"))))
    return out


def present(record: Any) -> dict[str, str]:
    """Public custom field values a record has (queried with ``owner_ids=["0"]``), by name."""
    rets = record.get("DataExtRet") if record is not None else None
    if isinstance(rets, dict):
        rets = [rets]
    return {str(r["DataExtName"]).lower(): _text(r.get("DataExtValue"))
            for r in rets or [] if str(r.get("OwnerID", PUBLIC)) == PUBLIC}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class CustomFieldWriter:
    """Writes the custom fields of imported records of one type (definitions looked up once)."""

    def __init__(self, connection: Connection, collection: Collection) -> None:
        self.connection = connection
        self.collection = collection
        # Items of every kind share the data extension type "Item".
        is_item = collection.kind == "list" and collection.type_name.startswith("Item")
        self.object = "Item" if is_item else collection.type_name
        self._definitions: dict[str, list[str]] | None = None
        assign = specmod.load().message("DataExtDefAddRq").child("DataExtDefAdd") \
            .child("AssignToObject")
        # Whether QuickBooks has custom fields on this type at all.
        self.supported = assign is not None and self.object in (assign.enum or ())

    def messages(self, record_id: str, fields: list[Field], current: Any
                 ) -> list[tuple[Field, Message]]:
        """The requests that make the record's custom fields equal to ``fields``."""
        have = present(current)
        out: list[tuple[Field, Message]] = []
        for one in fields:
            old = have.get(one.name.lower())
            if old == one.value:
                continue
            for message in self._definition(one):
                out.append((one, message))
            body = {"OwnerID": PUBLIC, "DataExtName": one.name, **self._target(record_id),
                    "DataExtValue": one.value}
            out.append((one, Message("DataExtMod" if old is not None else "DataExtAdd", body)))
        return out

    def _target(self, record_id: str) -> dict[str, Any]:
        if self.collection.kind == "txn":
            return {"TxnDataExtType": self.object, "TxnID": record_id}
        return {"ListDataExtType": self.object, "ListObjRef": {"ListID": record_id}}

    def _definition(self, one: Field) -> list[Message]:
        """A DataExtDefAdd/Mod when the company's definition is missing or not assigned to
        this type (remembered as done: the batch's answer says whether it worked)."""
        definitions = self._known()
        assigned = definitions.get(one.name.lower())
        if assigned is None:
            definitions[one.name.lower()] = [self.object]
            return [Message("DataExtDefAdd", {"OwnerID": PUBLIC, "DataExtName": one.name,
                                              "DataExtType": one.kind,
                                              "AssignToObject": [self.object]})]
        if self.object not in assigned:
            assigned.append(self.object)
            return [Message("DataExtDefMod", {"OwnerID": PUBLIC, "DataExtName": one.name,
                                              "AssignToObject": [self.object]})]
        return []

    def _known(self) -> dict[str, list[str]]:
        if self._definitions is None:
            response = self.connection.send([Message("DataExtDefQuery",
                                                      {"OwnerID": [PUBLIC]})])[0]
            self._definitions = {}
            for ret in response.records:
                assigned = ret.get("AssignToObject") or []
                self._definitions[str(ret["DataExtName"]).lower()] = list(
                    assigned if isinstance(assigned, list) else [assigned])
        return self._definitions
