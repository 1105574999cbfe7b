"""One QBO company (realm) of the double: the write path every entity goes through.

Create, read, full and sparse update, delete, void — each checks the request against the spec,
applies the entity's rules (defaults, server-filled fields, balances), keeps QBO's SyncToken
rule (+1 per effective change, none for a no-op, 5010 when stale) and books postings, so the
ledger stays in double entry.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from qbconnector.qbo_double import shape
from qbconnector.qbo_double.rules import Rules, rules_for
from qbconnector.qbo_double.store import Row, Store
from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.faults import QBOFault, fault
from qbconnector.qbo_wire.values import format_datetime

SERVER_KEYS = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status")
DELETED_SUFFIX = " (deleted)"
STALE_USER = "another user"


class Company:
    """A realm in a store, with a clock in the company's time zone."""

    def __init__(self, store: Store, realm: str, *, clock: Callable[[], datetime],
                 zone: tzinfo, notify: Callable[[str, str, str, str, str], None] | None = None,
                 ) -> None:
        self.store = store
        self.realm = realm
        self.clock = clock
        self.zone = zone
        self.notify = notify
        self._rules: dict[str, Rules] = {}

    # --- helpers used by rules ------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock().astimezone(self.zone)

    def today(self) -> str:
        return self.now().date().isoformat()

    def rules(self, name: str) -> Rules:
        if name not in self._rules:
            self._rules[name] = rules_for(name)
        return self._rules[name]

    def row(self, type_: str, id_: str) -> Row | None:
        """A live (not deleted) record."""
        row = self.store.get(self.realm, type_, str(id_))
        return None if row is None or row.deleted else row

    def rows(self, type_: str) -> list[Row]:
        return [r for r in self.store.rows(self.realm, type_).values() if not r.deleted]

    def find(self, type_: str, **fields: Any) -> Row | None:
        for row in self.rows(type_):
            if all(row.body.get(k) == v for k, v in fields.items()):
                return row
        return None

    def resolve(self, ref: dict | None, target: str, path: str, *, names: bool = True,
                allow_inactive: bool = False) -> dict | None:
        """A reference checked (2500 when missing, 610 when inactive) and its name filled."""
        if not ref:
            return None
        row = self.row(target, ref["value"])
        if row is None:
            raise fault("2500", f"Invalid Reference Id : {target} {ref['value']} referenced by "
                                f"{path} does not exist", element=path)
        if not row.active and not allow_inactive:
            raise fault("610", element="")
        resolved = {"value": row.id}
        name = self.name_of(target, row.body)
        if names and name is not None:
            resolved["name"] = name
        return resolved

    @staticmethod
    def name_of(type_: str, body: dict) -> str | None:
        for key in ("FullyQualifiedName", "DisplayName", "Name"):
            if body.get(key):
                return body[key]
        return None

    # --- reads ----------------------------------------------------------------------------

    def read(self, type_: str, id_: str) -> Row:
        row = self.row(type_, id_)
        if row is None:
            raise fault("610", element="")
        return row

    # --- writes ---------------------------------------------------------------------------

    def create(self, type_: str, body: Any, *, allow_duplicate_docnum: bool = False) -> Row:
        rules = self.rules(type_)
        if not rules.creatable:
            raise unsupported(type_, "create")
        clean = shape.clean_entity(rules.spec, body)
        for key in SERVER_KEYS:
            clean.pop(key, None)
        with self.store.transaction():
            self.allow_duplicate_docnum = allow_duplicate_docnum
            rules.fill(self, clean, None)
            id_ = self.new_id(rules)
            moment = self.now()
            stamp = format_datetime(moment)
            clean.update(domain="QBO", sparse=False, Id=id_, SyncToken="0",
                         MetaData={"CreateTime": stamp, "LastUpdatedTime": stamp})
            rules.derive(self, clean)
            row = self._put(rules, clean, moment)
            self._effects(rules, clean, None)
            row = self.row(type_, id_) or row
        self._event(type_, id_, "Create", stamp)
        return row

    def update(self, type_: str, body: Any, *, sparse: bool,
               allow_duplicate_docnum: bool = False) -> Row:
        rules = self.rules(type_)
        clean = shape.clean_entity(rules.spec, body)
        old_row = self._current(type_, clean)
        old = old_row.body
        with self.store.transaction():
            self.allow_duplicate_docnum = allow_duplicate_docnum
            if sparse:
                merged = copy.deepcopy(old)
                merged.update({k: v for k, v in clean.items() if k not in SERVER_KEYS})
            else:
                merged = {k: v for k, v in clean.items() if k not in SERVER_KEYS}
                for key in rules.spec.server_filled | {"Id", "MetaData"}:
                    if key in old and key not in ("SyncToken",):
                        merged.setdefault(key, copy.deepcopy(old[key]))
            for key in ("domain", "sparse", "Id", "SyncToken", "MetaData"):
                merged[key] = copy.deepcopy(old[key])
            rules.fill(self, merged, old)
            rules.derive(self, merged)
            if _same(rules, merged, old):
                return old_row
            moment = self.now()
            merged["SyncToken"] = str(int(old["SyncToken"]) + 1)
            merged["MetaData"] = {**old["MetaData"],
                                  "LastUpdatedTime": format_datetime(moment)}
            self._put(rules, merged, moment)
            self._effects(rules, merged, old)
            row = self.row(type_, merged["Id"])
        self._event(type_, merged["Id"], "Update", merged["MetaData"]["LastUpdatedTime"])
        assert row is not None
        return row

    def _rules_for(self, type_: str, body: Any, operation: str) -> Rules:
        """The rules of a type that allows ``operation``, for a body that names an Id."""
        rules = self.rules(type_)
        if not getattr(rules, {"delete": "deletable", "void": "voidable"}[operation]):
            raise unsupported(type_, operation)
        if not isinstance(body, dict) or not body.get("Id"):
            raise fault("2020", element="Id", name="Id")
        return rules

    def delete(self, type_: str, body: Any) -> dict:
        rules = self._rules_for(type_, body, "delete")
        row = self.store.get(self.realm, type_, str(body["Id"]))
        if row is None or row.deleted:
            raise fault("610", element="")
        if type_ != "Attachable" or "SyncToken" in body:
            self._check_token(row, body)
        moment = self.now()
        stamp = format_datetime(moment)
        with self.store.transaction():
            targets = rules.on_remove(self, row.body)
            stub = {"domain": "QBO", "status": "Deleted", "Id": row.id,
                    "MetaData": {"LastUpdatedTime": stamp}}
            self.store.put(self.realm, type_, row.id, stub, active=False, deleted=True,
                           updated=moment.timestamp())
            self.rederive(targets)
        self._event(type_, row.id, "Delete", stamp)
        return {"domain": "QBO", "status": "Deleted", "Id": row.id}

    def void(self, type_: str, body: Any) -> Row:
        rules = self._rules_for(type_, body, "void")
        row = self.read(type_, str(body["Id"]))
        self._check_token(row, body)
        moment = self.now()
        voided = copy.deepcopy(row.body)
        with self.store.transaction():
            targets = rules.on_remove(self, voided)
            rules.void(self, voided)  # type: ignore[attr-defined]
            voided["PrivateNote"] = "Voided"
            voided["SyncToken"] = str(int(voided["SyncToken"]) + 1)
            voided["MetaData"]["LastUpdatedTime"] = format_datetime(moment)
            self._put(rules, voided, moment)
            self.rederive(targets)
            result = self.row(type_, voided["Id"])
        self._event(type_, voided["Id"], "Void", voided["MetaData"]["LastUpdatedTime"])
        assert result is not None
        return result

    # --- internals ------------------------------------------------------------------------

    def new_id(self, rules: Rules) -> str:
        if rules.name == "Attachable":
            return str(5000000000000000000 + self.store.next_value(self.realm, "Attachable"))
        return str(self.store.next_value(self.realm, rules.id_sequence or rules.name))

    def _current(self, type_: str, clean: dict) -> Row:
        if not clean.get("Id"):
            raise fault("2020", element="Id", name="Id")
        if "SyncToken" not in clean:
            raise fault("2020", element="SyncToken", name="SyncToken")
        row = self.store.get(self.realm, type_, str(clean["Id"]))
        if row is None or row.deleted:
            raise fault("610", element="")
        self._check_token(row, clean)
        return row

    @staticmethod
    def _check_token(row: Row, body: dict) -> None:
        if str(body.get("SyncToken", "")) != row.body.get("SyncToken"):
            raise fault("5010", element="", user=STALE_USER)

    def _put(self, rules: Rules, body: dict, moment: datetime) -> Row:
        rendered = shape.ordered(rules.spec, body)
        active = rendered.get("Active", True) is not False
        return self.store.put(self.realm, rules.name, rendered["Id"], rendered, active=active,
                              updated=moment.timestamp())

    def _effects(self, rules: Rules, body: dict, old: dict | None) -> None:
        self.rederive(rules.after_write(self, body, old))

    def rederive(self, targets: list[tuple]) -> None:
        """Recompute derived fields (balances, links) of the records a write touched."""
        seen = set()
        queue = list(targets)
        while queue:
            type_, id_ = queue.pop(0)
            if (type_, id_) in seen:
                continue
            seen.add((type_, id_))
            row = self.row(type_, id_)
            if row is None:
                continue
            body = copy.deepcopy(row.body)
            rules = self.rules(type_)
            if rules.derive(self, body):
                rendered = shape.ordered(rules.spec, body)
                self.store.put(self.realm, type_, id_, rendered, active=row.active,
                               updated=row.updated)
                queue.extend(getattr(rules, "derived_parents", lambda c, b: [])(self, body))

    def _event(self, type_: str, id_: str, operation: str, stamp: str) -> None:
        if self.notify is not None:
            self.notify(self.realm, type_, id_, operation, stamp)


def _same(rules: Rules, new: dict, old: dict) -> bool:
    ignore = {"SyncToken", "MetaData"}
    strip = lambda body: {k: v for k, v in body.items() if k not in ignore}  # noqa: E731
    return shape.ordered(rules.spec, strip(new)) == strip(old)


def unsupported(type_: str, operation: str) -> QBOFault:
    return fault("500", f"Operation {operation} is not supported for {type_}.",
                 element="")


def is_list(type_: str) -> bool:
    return type_ in spec.NAME_LISTS
