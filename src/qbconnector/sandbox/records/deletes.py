"""ListDel, TxnDel, TxnVoid and the queries of what was deleted.

A list record is refused deletion while a transaction or another record uses it or while it
has sub-records; a deleted transaction takes its postings with it; a voided transaction stays
with its amounts at zero and "VOID:" in front of its memo, as QuickBooks shows it.
"""

from __future__ import annotations

from typing import Any

from qbconnector.qbxml import spec as specmod
from qbconnector.sandbox.core import errors, render
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.objects import registry
from qbconnector.sandbox.records.hooks import rules_for
from qbconnector.sandbox.records.queries import _date_bound, local_zone
from qbconnector.sandbox.storage.store import dumps, loads

Result = tuple[list[str], dict[str, str], "errors.QBStatus | None"]


def _in_use(ctx: Context, record_id: str) -> bool:
    if ctx.db.execute("SELECT 1 FROM postings WHERE account_id=? OR entity_id=? OR item_id=? "
                      "OR class_id=? LIMIT 1", (record_id,) * 4).fetchone():
        return True
    return ctx.db.execute("SELECT 1 FROM records WHERE id != ? AND doc LIKE ? LIMIT 1",
                          (record_id, f'%"ListID":"{record_id}"%')).fetchone() is not None


def _remember(ctx: Context, row: Any, kind: str) -> str:
    deleted, deleted_utc = ctx.store.now_fields()
    doc = loads(row["doc"])
    ctx.db.execute("INSERT INTO deleted VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (row["id"], kind, row["type"], row["full_name"], doc.get("RefNumber"),
                    row["created"], deleted, deleted_utc))
    return deleted


def list_del(ctx: Context) -> Result:
    data = ctx.request.data
    type_name, list_id = data["ListDelType"], errors.checked_id(data.get("ListID"), "ListID")
    row = ctx.store.get(list_id)
    if row is None or row["type"] != type_name:
        raise errors.object_not_found(list_id)
    otype = registry()[type_name]
    rules_for(type_name).before_delete(ctx, otype, row)
    if _in_use(ctx, list_id):
        name = loads(row["doc"]).get("Name", row["full_name"] or "")
        raise errors.fail(3170, list_type=type_name, name=name,
                          qb_message="This list element is in use and cannot be deleted.")
    deleted = _remember(ctx, row, "list")
    ctx.store.delete(list_id)
    ctx.db.execute("DELETE FROM data_ext WHERE object_id=?", (list_id,))
    spec = specmod.load().message("ListDelRs")
    doc = {"ListDelType": type_name, "ListID": list_id, "TimeDeleted": deleted,
           "FullName": row["full_name"]}
    return [render.fields(spec, doc, ctx.request.vkey)], {}, None


def txn_del(ctx: Context) -> Result:
    data = ctx.request.data
    type_name, txn_id = data["TxnDelType"], errors.checked_id(data.get("TxnID"), "TxnID")
    row = ctx.store.get(txn_id)
    if row is None or row["type"] != type_name:
        raise errors.object_not_found(txn_id)
    otype = registry()[type_name]
    doc = loads(row["doc"])
    rules = rules_for(type_name)
    rules.before_delete(ctx, otype, row)
    rules.after_delete(ctx, otype, row, doc)
    deleted = _remember(ctx, row, "txn")
    ctx.store.delete(txn_id)
    ctx.db.execute("DELETE FROM data_ext WHERE object_id=?", (txn_id,))
    spec = specmod.load().message("TxnDelRs")
    out = {"TxnDelType": type_name, "TxnID": txn_id, "TimeDeleted": deleted,
           "RefNumber": doc.get("RefNumber")}
    return [render.fields(spec, out, ctx.request.vkey)], {}, None


def txn_void(ctx: Context) -> Result:
    data = ctx.request.data
    type_name, txn_id = data["TxnVoidType"], errors.checked_id(data.get("TxnID"), "TxnID")
    row = ctx.store.get(txn_id)
    if row is None or row["type"] != type_name:
        raise errors.object_not_found(txn_id)
    otype = registry()[type_name]
    doc = loads(row["doc"])
    voided = rules_for(type_name).void(ctx, otype, row, doc)
    memo = voided.get("Memo", "")
    if not memo.startswith("VOID:"):
        voided["Memo"] = f"VOID: {memo}".rstrip()
    modified, modified_utc = ctx.store.now_fields()
    edit = ctx.store.edit_sequence(row["edit_sequence"])
    voided["TimeModified"] = modified
    voided["EditSequence"] = str(edit)
    ctx.store.update(txn_id, {"doc": dumps(voided), "modified": modified,
                              "modified_utc": modified_utc, "edit_sequence": edit,
                              "is_void": 1, "open_amount": "0.00", "xml": None})
    spec = specmod.load().message("TxnVoidRs")
    out = {"TxnVoidType": type_name, "TxnID": txn_id, "TimeCreated": row["created"],
           "TimeModified": modified, "RefNumber": voided.get("RefNumber")}
    return [render.fields(spec, out, ctx.request.vkey)], {}, None


def _deleted_query(ctx: Context, kind: str, type_key: str) -> Result:
    data = ctx.request.data
    types = data.get(type_key) or []
    types = types if isinstance(types, list) else [types]
    sql = (f"SELECT * FROM deleted WHERE kind=? AND type IN "  # noqa: S608
           f"({','.join('?' for _ in types)})")
    params: list[Any] = [kind, *types]
    bounds = data.get("DeletedDateRangeFilter") or {}
    if bounds.get("FromDeletedDate") is not None:
        sql += " AND deleted_utc >= ?"
        params.append(_date_bound(bounds["FromDeletedDate"], False, local_zone(ctx)))
    if bounds.get("ToDeletedDate") is not None:
        sql += " AND deleted_utc <= ?"
        params.append(_date_bound(bounds["ToDeletedDate"], True, local_zone(ctx)))
    ret_name = "ListDeletedRet" if kind == "list" else "TxnDeletedRet"
    query_rs = "ListDeletedQueryRs" if kind == "list" else "TxnDeletedQueryRs"
    ret_spec = specmod.load().message(query_rs).child(ret_name)
    rets = []
    for row in ctx.db.execute(sql + " ORDER BY deleted_utc", params):
        doc = {type_key: row["type"], ("ListID" if kind == "list" else "TxnID"): row["id"],
               "TimeCreated": row["created"], "TimeDeleted": row["deleted"]}
        if kind == "list":
            doc["FullName"] = row["full_name"]
        else:
            doc["RefNumber"] = row["ref_number"]
        rets.append(render.render(ret_spec, doc, ctx.request.vkey, ctx.request.include))
    if not rets:
        return [], {}, errors.fail(1)
    return rets, {}, None


def list_deleted_query(ctx: Context) -> Result:
    return _deleted_query(ctx, "list", "ListDelType")


def txn_deleted_query(ctx: Context) -> Result:
    return _deleted_query(ctx, "txn", "TxnDelType")


HANDLERS = {"ListDelRq": list_del, "TxnDelRq": txn_del, "TxnVoidRq": txn_void,
            "ListDeletedQueryRq": list_deleted_query, "TxnDeletedQueryRq": txn_deleted_query}
