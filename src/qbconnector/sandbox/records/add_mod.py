"""Generic Add and Mod for every list and transaction type, driven by the spec.

The stored document is built from the request in ``*Ret`` shape; names and hierarchy
(FullName, Sublevel, ParentRef, one name space shared by customers, vendors, employees and
other names) are handled here; per-type rules compute the rest (totals, postings, defaults).

Names in hierarchical lists and in the customer/vendor/employee/other-name space cannot hold a
colon (3090 with QuickBooks' own reason). Which field description QuickBooks puts in that
message is not known; the sandbox names the element (``Name``).

A Mod keeps what it omits and clears what it sends empty, except what QuickBooks insists on a
value for (3190): whatever the Add requires, and a form's AR/AP account, template and date.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from qbconnector.qbxml import status as catalogue
from qbconnector.sandbox.books.ledger import carry_total
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.objects import ObjectType
from qbconnector.sandbox.core.render import money
from qbconnector.sandbox.records.hooks import rules_for
from qbconnector.sandbox.storage.store import dumps, loads

HEADER = ("ListID", "TxnID", "TimeCreated", "TimeModified", "EditSequence")


def sort_key(full_name: str) -> str:
    """Lists sort by name with each child right after its parent (':' sorts first)."""
    return full_name.lower().replace(":", "\x01")


def full_doc(ctx: Context, otype: ObjectType, row: sqlite3.Row) -> dict[str, Any]:
    """The stored document plus the fields computed when read."""
    doc = loads(row["doc"])
    rules_for(otype.name).computed(ctx, otype, row, doc)
    return doc


def render_row(ctx: Context, otype: ObjectType, row: sqlite3.Row,
               include: frozenset[str] | None = None, drop: frozenset[str] = frozenset(),
               cache: bool = True) -> str:
    """A record as its ``*Ret``; queries cache the full rendering at the request's version
    (adds and mods do not: their record often changes again before it is read)."""
    version = ctx.request.version
    cacheable = cache and include is None and not drop
    if cacheable and row["xml"] and row["xml"].startswith(f"{version}|"):
        return row["xml"][len(version) + 1:]
    doc = full_doc(ctx, otype, row)
    for name in drop:
        doc.pop(name, None)
    text = ctx.render(otype, doc, include)
    if cacheable:
        ctx.store.save_rendering(row["id"], f"{version}|{text}")
    return text


# -- names and hierarchy -----------------------------------------------------------------------

EMPLOYEE_NAME_PARTS = ("FirstName", "MiddleName", "LastName")


def _name_of(otype: ObjectType, doc: dict[str, Any]) -> str | None:
    if otype.name == "Employee":
        # QuickBooks Desktop takes no Name for an employee: it names one after its first,
        # middle and last names ("Dan T. Miller"), in the customers' and vendors' name space.
        parts = [doc[k] for k in EMPLOYEE_NAME_PARTS if doc.get(k)]
        if parts:
            doc["Name"] = " ".join(parts)
        return doc.get("Name")
    element = otype.name_element
    return doc.get(element) if element else None


def names_changed(otype: ObjectType, changes: dict[str, Any]) -> bool:
    """Whether a Mod touches what a record's name and place in its list come from."""
    fields = {otype.name_element, "ParentRef"}
    if otype.name == "Employee":
        fields.update(EMPLOYEE_NAME_PARTS)
    return bool(fields & changes.keys())


def place(ctx: Context, otype: ObjectType, doc: dict[str, Any], own_id: str | None,
          renaming: bool) -> dict[str, Any]:
    """Work out FullName / Sublevel / parent, refusing names already in use."""
    name = _name_of(otype, doc)
    if name is None:
        return {"full_name": None, "name_key": None, "sort_key": None, "parent_id": None}
    if ":" in name and (otype.hierarchical or otype.namespace == "entity"):
        # The colon separates levels of a FullName, so these lists refuse it in a name.
        raise errors.fail(3090, value=name, field=otype.name_element or "Name",
                          qb_message=catalogue.QB_MSG_NAME_HAS_COLON)
    parent_id = None
    full_name = name
    if otype.hierarchical and doc.get("ParentRef"):
        parent_id = doc["ParentRef"]["ListID"]
        parent = ctx.store.get(parent_id)
        if parent_id == own_id or _is_descendant(ctx, parent_id, own_id):
            raise errors.fail(3180, list_type=otype.name, name=name,
                              qb_message="A list element cannot be its own parent.")
        full_name = f"{parent['full_name']}:{name}"
        doc["Sublevel"] = str(full_name.count(":"))
        doc["ParentRef"] = {"ListID": parent_id, "FullName": parent["full_name"]}
    elif otype.hierarchical:
        doc.pop("ParentRef", None)
        doc["Sublevel"] = "0"
    if otype.has_full_name and otype.name_element != "FullName":
        doc["FullName"] = full_name
    clash = ctx.db.execute("SELECT id FROM records WHERE namespace=? AND name_key=? "
                           "AND id IS NOT ?", (otype.namespace, full_name.lower(), own_id)
                           ).fetchone()
    if clash is not None:
        if renaming:
            raise errors.fail(3170, list_type=otype.name, name=name,
                              qb_message=f'The name "{name}" of the list element is already '
                                         "in use.")
        raise errors.fail(3100, name=name)
    return {"full_name": full_name, "name_key": full_name.lower(),
            "sort_key": sort_key(full_name), "parent_id": parent_id}


def _is_descendant(ctx: Context, candidate: str | None, ancestor: str | None) -> bool:
    while candidate and ancestor:
        row = ctx.store.get(candidate)
        if row is None:
            return False
        if row["parent_id"] == ancestor:
            return True
        candidate = row["parent_id"]
    return False


def rename_descendants(ctx: Context, otype: ObjectType, parent_id: str) -> list[str]:
    """Children follow their parent's new FullName; returns every id whose name changed."""
    changed = []
    parent = ctx.store.get(parent_id)
    for child in ctx.db.execute("SELECT * FROM records WHERE parent_id=?", (parent_id,)):
        doc = loads(child["doc"])
        name = doc.get("Name", "")
        full_name = f"{parent['full_name']}:{name}"
        doc["FullName"] = full_name
        doc["Sublevel"] = str(full_name.count(":"))
        doc["ParentRef"] = {"ListID": parent_id, "FullName": parent["full_name"]}
        ctx.store.update(child["id"], {"full_name": full_name, "name_key": full_name.lower(),
                                       "sort_key": sort_key(full_name), "doc": dumps(doc),
                                       "xml": None})
        changed.append(child["id"])
        changed.extend(rename_descendants(ctx, otype, child["id"]))
    return changed


def refresh_references(ctx: Context, ids: list[str]) -> None:
    """Other records show a renamed record's new FullName in their Refs."""
    if not ids:
        return
    names = {i: ctx.store.get(i)["full_name"] for i in ids}
    where = " OR ".join("doc LIKE ?" for _ in ids)
    rows = ctx.db.execute(f"SELECT id, doc FROM records WHERE {where}",  # noqa: S608
                          [f'%"ListID":"{i}"%' for i in ids]).fetchall()
    for row in rows:
        doc = loads(row["doc"])
        if _rewrite_refs(doc, names):
            ctx.store.update(row["id"], {"doc": dumps(doc), "xml": None})


def _rewrite_refs(value: Any, names: dict[str, str]) -> bool:
    changed = False
    if isinstance(value, dict):
        list_id = value.get("ListID")
        if isinstance(list_id, str) and "FullName" in value and \
                value["FullName"] != names.get(list_id, value["FullName"]):
            value["FullName"] = names[list_id]
            changed = True
        for item in value.values():
            changed |= _rewrite_refs(item, names)
    elif isinstance(value, list):
        for item in value:
            changed |= _rewrite_refs(item, names)
    return changed


# -- add and modify ------------------------------------------------------------------------------

def add(ctx: Context, otype: ObjectType) -> str:
    """Generic ``*AddRq``: store a new record, return its ``*Ret``."""
    assert otype.add is not None
    record_id = add_record(ctx, otype, ctx.request.data.get(otype.add.name, {}))
    return render_row(ctx, otype, ctx.store.get(record_id), ctx.request.include, cache=False)


def add_record(ctx: Context, otype: ObjectType, data: dict[str, Any],
               extra: dict[str, Any] | None = None) -> str:
    """Store a new record from Add data (plus ``extra`` Ret fields); return its id."""
    assert otype.add is not None
    ctx.add_data = data            # what rules see of an Add that does not reach the Ret
    ctx.check_lengths(data, otype.add)
    rules = rules_for(otype.name)
    rules.check(ctx, otype, data, None)
    body = without_empty(ctx.to_doc(data, otype.add, otype.ret, otype.name, otype.name))
    created, created_utc = ctx.store.now_fields()
    edit = ctx.store.edit_sequence()
    id_field = "ListID" if otype.kind == "list" else "TxnID"
    record_id = ctx.store.new_list_id() if otype.kind == "list" else ctx.store.new_txn_id()
    doc: dict[str, Any] = {id_field: record_id, "TimeCreated": created,
                           "TimeModified": created, "EditSequence": str(edit)}
    doc.update(body)
    doc.update(extra or {})
    names = place(ctx, otype, doc, None, renaming=False) if otype.kind == "list" else {}
    rules.defaults(ctx, otype, doc)
    rules.prepare(ctx, otype, doc, None, data)
    row = {"id": record_id, "kind": otype.kind, "type": otype.name,
           "namespace": otype.namespace if names.get("name_key") else None,
           "is_active": 0 if doc.get("IsActive") == "false" else 1,
           "seq": ctx.store.next_seq(), "created": created, "modified": created,
           "modified_utc": created_utc, "edit_sequence": edit, **names,
           **rules.columns(ctx, otype, doc), "doc": dumps(doc)}
    if otype.kind == "txn":
        row.setdefault("sort_key", f"{doc.get('TxnDate', '')}|{row['seq']:012d}")
    ctx.store.insert(row)
    rules.after_save(ctx, otype, record_id, doc, None)
    return record_id


def without_empty(value: Any) -> Any:
    """A document without empty elements: QuickBooks stores nothing for ``<Memo></Memo>``
    in an Add (and does not echo it back); inside an aggregate it means the same."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item.__class__ is str:           # most values: text, kept unless empty
                if item or key.startswith(("@", "_")):
                    out[key] = item
                continue
            item = without_empty(item)
            if item not in ("", None, {}, []) or key.startswith(("@", "_")):
                out[key] = item
        return out
    if isinstance(value, list):
        return [without_empty(item) for item in value]
    return value


def _merge(doc: dict[str, Any], changes: dict[str, Any]) -> None:
    """Omitted fields stay; an empty element clears; an aggregate replaces the old one."""
    for key, value in changes.items():
        if value in ("", {}, []):
            doc.pop(key, None)
        else:
            doc[key] = value


# Fields QuickBooks will not clear although the Add may omit them (the forms' accounts and
# templates, the date); besides these, nothing an Add requires can be cleared either.
NOT_CLEARABLE = frozenset({"ARAccountRef", "APAccountRef", "TemplateRef", "TxnDate"})


def _is_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_is_empty(v) for k, v in value.items() if not k.startswith("@"))
    return value in ("", None, [])


def refuse_clearing(otype: ObjectType, data: dict[str, Any]) -> None:
    """3190 for an empty element QuickBooks requires a value in (Name, CustomerRef...)."""
    for key, value in data.items():
        if key in HEADER or not _is_empty(value):
            continue
        required = otype.add is not None and otype.add.child(key) is not None and \
            otype.add.child(key).min >= 1
        if required or key in NOT_CLEARABLE:
            raise errors.fail(3190, field=key)


def load_for_change(ctx: Context, otype: ObjectType, record_id: str,
                    edit_sequence: str | None) -> sqlite3.Row:
    """The record a Mod names, checking its ID (3000), that it exists (3120) and is current
    (3200)."""
    errors.checked_id(record_id, "ListID" if otype.kind == "list" else "TxnID")
    row = ctx.store.get(record_id)
    if row is None or row["type"] != otype.name:
        raise errors.object_not_found(record_id)
    if edit_sequence is not None and str(row["edit_sequence"]) != edit_sequence:
        current = render_row(ctx, otype, row)
        raise errors.QBStatus(3200, catalogue.status_message(3200, edit_sequence=edit_sequence),
                              ret=current)
    return row


def modify(ctx: Context, otype: ObjectType) -> str:
    """Generic ``*ModRq``: apply changes to a record with the current EditSequence."""
    assert otype.mod is not None
    data = ctx.request.data.get(otype.mod.name, {})
    id_field = "ListID" if otype.kind == "list" else "TxnID"
    record_id = data.get(id_field, "")
    row = load_for_change(ctx, otype, record_id, data.get("EditSequence"))
    ctx.check_lengths(data, otype.mod)
    refuse_clearing(otype, data)
    rules = rules_for(otype.name)
    old = loads(row["doc"])
    rules.check(ctx, otype, data, old)
    changes = ctx.to_doc({k: v for k, v in data.items() if k not in HEADER},
                         otype.mod, otype.ret, otype.name, otype.name)
    changes = {k: without_empty(v) if isinstance(v, dict | list) else v
               for k, v in changes.items()}      # a top-level empty element clears
    doc = loads(row["doc"])
    _merge(doc, changes)
    modified, modified_utc = ctx.store.now_fields()
    edit = ctx.store.edit_sequence(row["edit_sequence"])
    doc["TimeModified"] = modified
    doc["EditSequence"] = str(edit)
    names: dict[str, Any] = {}
    renamed = False
    if otype.kind == "list" and names_changed(otype, changes):
        names = place(ctx, otype, doc, record_id, renaming=True)
        renamed = names.get("full_name") != row["full_name"]
    rules.prepare(ctx, otype, doc, old, data)
    fields = {"modified": modified, "modified_utc": modified_utc, "edit_sequence": edit,
              "is_active": 0 if doc.get("IsActive") == "false" else 1, **names,
              **rules.columns(ctx, otype, doc), "doc": dumps(doc), "xml": None}
    if otype.kind == "txn":
        fields["sort_key"] = f"{doc.get('TxnDate', '')}|{row['seq']:012d}"
    ctx.store.update(record_id, fields)
    if otype.hierarchical and names and names.get("parent_id") != row["parent_id"]:
        carry_total(ctx, row["parent_id"], names.get("parent_id"), money(row["total_balance"]))
    if renamed:
        changed = [record_id]
        if otype.hierarchical:
            changed += rename_descendants(ctx, otype, record_id)
        refresh_references(ctx, changed)
    rules.after_save(ctx, otype, record_id, doc, old)
    return render_row(ctx, otype, ctx.store.get(record_id), ctx.request.include, cache=False)


