"""Data extensions: custom fields (DataExtDef) and their values on records (DataExt).

Definitions are keyed by OwnerID and name (OwnerID ``0`` are the custom fields users see in
QuickBooks); a private extension (any other OwnerID) may be written without a definition and
is then a 255-character string, as QuickBooks stores application data such as FileID.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml import status as catalogue
from qbconnector.sandbox.core import errors, render
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.objects import ITEM_TYPES, ObjectType
from qbconnector.sandbox.records.add_mod import full_doc
from qbconnector.sandbox.storage.store import dumps, loads

Result = tuple[list[str], dict[str, str], "errors.QBStatus | None"]
LIST_TYPES = {"Item": ITEM_TYPES}


# QuickBooks Enterprise's custom-field settings (qbXML 11.0): QuickBooks Desktop leaves them out
# of DataExtDefRet [035, 019]; the sandbox shows them only for a definition that uses one.
ENTERPRISE_FIELDS = ("DataExtID", "DataExtListRequire", "DataExtTxnRequire",
                     "DataExtFormatString")


def _def_ret(ctx: Context, doc: dict[str, Any]) -> str:
    spec = specmod.load().message("DataExtDefAddRs").child("DataExtDefRet")
    uses_settings = doc.get("DataExtListRequire") == "true" or \
        doc.get("DataExtTxnRequire") == "true" or bool(doc.get("DataExtFormatString"))
    if not uses_settings:
        doc = {k: v for k, v in doc.items() if k not in ENTERPRISE_FIELDS}
    return render.render(spec, doc, ctx.request.vkey, ctx.request.include)


def _definition(ctx: Context, owner: str, name: str) -> dict[str, Any] | None:
    row = ctx.db.execute("SELECT doc FROM data_ext_defs WHERE owner_id=? AND lower(name)=?",
                         (owner, name.lower())).fetchone()
    return loads(row[0]) if row else None


def def_add(ctx: Context) -> Result:
    data = ctx.request.data["DataExtDefAdd"]
    ctx.check_lengths(data, ctx.request.spec.child("DataExtDefAdd"))
    owner, name = data["OwnerID"], data["DataExtName"]
    if _definition(ctx, owner, name) is not None:
        raise errors.fail(3100, name=name)
    number = ctx.store.next_counter("dataext", 1)
    assign = data.get("AssignToObject") or []
    doc = {"OwnerID": owner, "DataExtID": str(number), "DataExtName": name,
           "DataExtType": data["DataExtType"], "AssignToObject": list(assign),
           "DataExtListRequire": render.output_text(data.get("DataExtListRequire", False),
                                                    "BOOLTYPE"),
           "DataExtTxnRequire": render.output_text(data.get("DataExtTxnRequire", False),
                                                   "BOOLTYPE"),
           "DataExtFormatString": data.get("DataExtFormatString", "")}
    ctx.db.execute("INSERT INTO data_ext_defs VALUES (?, ?, ?)", (owner, name, dumps(doc)))
    return [_def_ret(ctx, doc)], {}, None


def def_mod(ctx: Context) -> Result:
    data = ctx.request.data["DataExtDefMod"]
    owner, name = data["OwnerID"], data["DataExtName"]
    doc = _definition(ctx, owner, name)
    if doc is None:
        raise errors.object_not_found(name)
    assigned = [a for a in doc.get("AssignToObject", []) if a not in
                (data.get("RemoveFromObject") or [])]
    for extra in data.get("AssignToObject") or []:
        if extra not in assigned:
            assigned.append(extra)
    doc["AssignToObject"] = assigned
    new_name = data.get("DataExtNewName")
    if new_name and new_name.lower() != name.lower():
        if _definition(ctx, owner, new_name) is not None:
            raise errors.fail(3170, "data_extension", name=new_name,
                              qb_message=catalogue.QB_MSG_DATAEXT_EXISTS)
        ctx.db.execute("UPDATE data_ext SET name=? WHERE owner_id=? AND lower(name)=?",
                       (new_name, owner, name.lower()))
        doc["DataExtName"] = new_name
    for key in ("DataExtListRequire", "DataExtTxnRequire"):
        if key in data:
            doc[key] = render.output_text(data[key], "BOOLTYPE")
    if "DataExtFormatString" in data:
        doc["DataExtFormatString"] = data["DataExtFormatString"]
    ctx.db.execute("DELETE FROM data_ext_defs WHERE owner_id=? AND lower(name)=?",
                   (owner, name.lower()))
    ctx.db.execute("INSERT INTO data_ext_defs VALUES (?, ?, ?)",
                   (owner, doc["DataExtName"], dumps(doc)))
    return [_def_ret(ctx, doc)], {}, None


def def_del(ctx: Context) -> Result:
    data = ctx.request.data
    owner, name = data["OwnerID"], data["DataExtName"]
    if _definition(ctx, owner, name) is None:
        raise errors.object_not_found(name)
    ctx.db.execute("DELETE FROM data_ext_defs WHERE owner_id=? AND lower(name)=?",
                   (owner, name.lower()))
    ctx.db.execute("DELETE FROM data_ext WHERE owner_id=? AND lower(name)=?",
                   (owner, name.lower()))
    deleted, _ = ctx.store.now_fields()
    spec = specmod.load().message("DataExtDefDelRs").child("DataExtDefDelRet")
    doc = {"OwnerID": owner, "DataExtName": name, "TimeDeleted": deleted}
    return [render.render(spec, doc, ctx.request.vkey)], {}, None


def def_query(ctx: Context) -> Result:
    data = ctx.request.data
    owners = data.get("OwnerID") or []
    objects = data.get("AssignToObject") or []
    rets = []
    for (doc_text,) in ctx.db.execute("SELECT doc FROM data_ext_defs ORDER BY rowid"):
        doc = loads(doc_text)
        if owners and doc["OwnerID"] not in owners:
            continue
        if objects and not set(objects) & set(doc.get("AssignToObject", [])):
            continue
        rets.append(_def_ret(ctx, doc))
    if not rets:
        return [], {}, errors.fail(1)
    return rets, {}, None


def _target(ctx: Context, data: dict[str, Any]) -> tuple[str, str]:
    """(object id, kind) a DataExt request names; 3140/3120 when it names nothing."""
    if data.get("OtherDataExtType") == "Company":
        return "Company", "Company"
    if data.get("ListDataExtType"):
        kind = data["ListDataExtType"]
        ref = data.get("ListObjRef") or {}
        types = LIST_TYPES.get(kind, (kind,))
        row = ctx.find(types, ref.get("ListID"), ref.get("FullName"))
        if row is None:
            raise errors.invalid_reference(kind, ref.get("ListID") or ref.get("FullName", ""),
                                           "DataExt")
        return row["id"], kind
    txn_id = data.get("TxnID", "")
    row = ctx.store.get(txn_id)
    if row is None:
        raise errors.object_not_found(txn_id)
    object_id = txn_id + (f"|{data['TxnLineID']}" if data.get("TxnLineID") else "")
    return object_id, data.get("TxnDataExtType", row["type"])


def _value_type(ctx: Context, owner: str, name: str) -> str:
    definition = _definition(ctx, owner, name)
    if definition is None:
        if owner == "0":
            raise errors.object_not_found(name)
        return "STR255TYPE"
    return definition["DataExtType"]


def _dataext_ret(ctx: Context, owner: str, name: str, kind: str, value: str) -> str:
    spec = specmod.load().message("DataExtAddRs").child("DataExtRet")
    doc = {"OwnerID": owner, "DataExtName": name, "DataExtType": kind, "DataExtValue": value}
    return render.render(spec, doc, ctx.request.vkey)


def ext_add(ctx: Context, modify: bool = False) -> Result:
    body = "DataExtMod" if modify else "DataExtAdd"
    data = ctx.request.data[body]
    owner, name, value = data["OwnerID"], data["DataExtName"], data["DataExtValue"]
    kind = _value_type(ctx, owner, name)
    limit = 1024 if kind == "STR1024TYPE" else 255 if kind == "STR255TYPE" else 0
    if limit and len(value) > limit:
        raise errors.too_long(value, "DataExtValue")
    object_id, _ = _target(ctx, data)
    exists = ctx.db.execute("SELECT 1 FROM data_ext WHERE owner_id=? AND lower(name)=? AND "
                            "object_id=?", (owner, name.lower(), object_id)).fetchone()
    if exists and not modify:
        raise errors.fail(3180, "data_extension", name=name,
                          qb_message=catalogue.QB_MSG_DATAEXT_EXISTS)
    if not exists and modify:
        raise errors.object_not_found(name)
    ctx.db.execute("INSERT OR REPLACE INTO data_ext VALUES (?, ?, ?, ?)",
                   (owner, name, object_id, value))
    if object_id != "Company":
        ctx.store.invalidate(object_id.split("|")[0])
    return [_dataext_ret(ctx, owner, name, kind, value)], {}, None


def ext_del(ctx: Context) -> Result:
    data = ctx.request.data["DataExtDel"]
    owner, name = data["OwnerID"], data["DataExtName"]
    object_id, _ = _target(ctx, data)
    gone = ctx.db.execute("DELETE FROM data_ext WHERE owner_id=? AND lower(name)=? AND "
                          "object_id=?", (owner, name.lower(), object_id)).rowcount
    if not gone:
        raise errors.object_not_found(name)
    deleted, _ = ctx.store.now_fields()
    spec = specmod.load().message("DataExtDelRs").child("DataExtDelRet")
    doc = {"OwnerID": owner, "DataExtName": name, "TimeDeleted": deleted}
    return [render.render(spec, doc, ctx.request.vkey)], {}, None


def dataext_rets(ctx: Context, object_id: str, owners: list[str]) -> list[dict[str, str]]:
    """The DataExtRet aggregates of one record for the OwnerIDs a query asked for."""
    out = []
    marks = ",".join("?" for _ in owners)
    for owner, name, value in ctx.db.execute(
            f"SELECT owner_id, name, value FROM data_ext WHERE object_id=? "  # noqa: S608
            f"AND owner_id IN ({marks}) ORDER BY rowid", (object_id, *owners)):
        out.append({"OwnerID": owner, "DataExtName": name,
                    "DataExtType": _value_type(ctx, owner, name), "DataExtValue": value})
    return out


def render_with_dataext(ctx: Context, otype: ObjectType, row: sqlite3.Row, owners: list[str],
                        include: frozenset[str] | None, drop: frozenset[str]) -> str:
    doc = full_doc(ctx, otype, row)
    for name in drop:
        doc.pop(name, None)
    extensions = dataext_rets(ctx, row["id"], owners)
    if extensions:
        doc["DataExtRet"] = extensions
    if include is not None:
        include = include | {"DataExtRet"}
    return ctx.render(otype, doc, include)


HANDLERS = {"DataExtDefAddRq": def_add, "DataExtDefModRq": def_mod, "DataExtDefDelRq": def_del,
            "DataExtDefQueryRq": def_query, "DataExtAddRq": ext_add,
            "DataExtModRq": lambda ctx: ext_add(ctx, modify=True), "DataExtDelRq": ext_del}
