"""A collection per QuickBooks Online entity — ``qb.customers``, ``qb.invoices``... — with the
records API's operations: query, get, count, add, modify, delete, void.

- ``query`` pages through results with STARTPOSITION/MAXRESULTS (pages of up to 1,000, the
  next one fetched while you read the current one): memory holds a page, never the result.
- ``modify`` sends a sparse update with the record's SyncToken, so fields not named are left
  alone; a stale SyncToken raises the same :class:`~qbconnector.errors.ConflictError` as a
  stale EditSequence on Desktop, carrying the current record and the one sent.
- ``delete`` deletes a transaction (or attachable); QBO cannot delete name-list records
  (customers, items, accounts...), so it makes them inactive, as QBO's own screens do.
- ``void`` voids invoices, payments, sales receipts and bill payments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from qbconnector.api.records.record import Record
from qbconnector.errors import ConflictError, NotFoundError
from qbconnector.qbo.fields import BodyBuilder
from qbconnector.qbo.filters import FilterError, Plan, build_plan, full_name_property
from qbconnector.qbo.typed import QBORecord, record
from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.query import MAX_RESULTS, build

if TYPE_CHECKING:
    from qbconnector.qbo.connection import QBOConnection

READ_ONLY = ("TaxCode", "TaxRate")
SINGLETONS = ("CompanyInfo", "Preferences")
VOIDABLE = ("Invoice", "Payment", "SalesReceipt", "BillPayment")
#: Fields a sparse update must repeat (QBO refuses the update without them).
SPARSE_REPEATS = {"Bill": ("VendorRef",), "Purchase": ("PaymentType", "AccountRef"),
                  "Account": ("Name",), "Term": ("Name",)}


def kind_of(entity: str) -> str:
    """``list`` (name lists), ``txn`` (transactions) or ``other``."""
    if entity in spec.NAME_LISTS:
        return "list"
    return "txn" if spec.entity(entity).is_transaction else "other"


def id_and_token(target: Any) -> tuple[str, str | None]:
    """(Id, SyncToken) of a record or mapping; (Id, None) for an Id."""
    if isinstance(target, Record | Mapping):
        record_id = target.get("Id")
        if not record_id:
            raise ValueError("the record has no Id")
        token = target.get("SyncToken", target.get("EditSequence"))
        return str(record_id), None if token is None else str(token)
    return str(target), None


class QBOQuery:
    """A lazy, re-iterable query; iterate it, or call :meth:`all` / :meth:`first`."""

    def __init__(self, collection: QBOCollection, plan: Plan, limit: int | None,
                 page_size: int) -> None:
        self.collection = collection
        self.plan = plan
        self.limit = limit
        self.page_size = max(1, min(page_size, MAX_RESULTS))
        self.warnings: list[str] = []
        self.record_type: type[QBORecord] = QBORecord

    def __iter__(self) -> Iterator[QBORecord]:
        return self._records()

    def all(self) -> list[QBORecord]:
        return list(self)

    def first(self) -> QBORecord | None:
        return next(self._records(stop_after=1), None)

    def text(self, start: int = 1, size: int | None = None) -> str:
        """The query text of one page."""
        return build(self.collection.type_name, where=self.plan.where,
                     order_by=self.plan.order_by, start_position=start,
                     max_results=size or self.page_size)

    def _page(self, start: int, size: int) -> list[dict[str, Any]]:
        answer = self.collection.connection.session.query(self.text(start, size),
                                                          entity=self.collection.type_name)
        return answer.get(self.collection.type_name) or []

    def _records(self, stop_after: int | None = None) -> Iterator[QBORecord]:
        limits = [x for x in (self.limit, stop_after) if x is not None]
        limit = min(limits) if limits else None
        size = self.page_size if limit is None else min(self.page_size, limit)
        entity = self.collection.type_name
        keep = set(self.plan.fields) | {"Id", "SyncToken"} if self.plan.fields else None
        prefetch = self.collection.connection.prefetch
        make = self.record_type
        pool = ThreadPoolExecutor(max_workers=1) if prefetch else None
        served = 0
        start = 1
        try:
            rows = self._page(start, size)
            while True:
                upcoming: Future[list[dict[str, Any]]] | None = None
                more = len(rows) >= size and (limit is None or served + len(rows) < limit)
                if more:
                    start += len(rows)
                    if pool is not None:
                        upcoming = pool.submit(self._page, start, size)
                for row in rows:
                    if limit is not None and served >= limit:
                        return
                    served += 1
                    if keep is not None:
                        row = {k: v for k, v in row.items() if k in keep}
                    yield make(row, entity)
                if not more:
                    return
                rows = upcoming.result() if upcoming is not None else self._page(start, size)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


class QBOCollection:
    """Operations on one entity, e.g. ``qb.customers``."""

    id_field = "Id"

    def __init__(self, connection: QBOConnection, type_name: str) -> None:
        self.connection = connection
        self.type_name = type_name
        self.spec = spec.entity(type_name)
        self.kind = kind_of(type_name)
        self.query_request = f"{type_name} query"
        self._builder: BodyBuilder | None = None

    def __repr__(self) -> str:
        return f"<QBOCollection {self.type_name}: {', '.join(self.operations())}>"

    @property
    def builder(self) -> BodyBuilder:
        if self._builder is None:
            self._builder = BodyBuilder(self.type_name, self.connection.references)
        return self._builder

    def operations(self) -> list[str]:
        """What QBO allows on this entity: query, get, count, add, modify, delete, void."""
        ops = ["query", "get", "count"]
        if self.type_name in READ_ONLY:
            return ops
        if self.type_name not in SINGLETONS:
            ops.append("add")
        ops.append("modify")
        if self.type_name not in SINGLETONS:
            ops.append("delete")
        if self.type_name in VOIDABLE:
            ops.append("void")
        return ops

    def _require(self, operation: str) -> None:
        if operation not in self.operations():
            raise NotImplementedError(f"QuickBooks Online has no {operation} for "
                                      f"{self.type_name} (it supports: "
                                      f"{', '.join(self.operations())})")

    def tables(self) -> Any:
        """The flat tables of this entity (CSV and table output, export)."""
        from qbconnector.qbo.tables import tables_for

        return tables_for(self.type_name)

    def field_names(self, names: list[str]) -> list[str]:
        """QBO field names for names given in any case or in snake_case."""
        from qbconnector.qbo.filters import _property

        return [_property(self.spec, name, "fields") for name in names]

    def resolve_id(self, ident: str) -> str:
        """An Id as given (digits), else the Id of the record with that name (lists) or
        DocNumber (transactions)."""
        if ident.isdigit() or self.type_name in ("TaxCode",):
            return ident
        if self.kind == "list":
            return str(self.get_by_name(ident)["Id"])
        if "DocNumber" not in self.spec.fields:
            raise NotFoundError(610, "Error", f"{self.type_name} records are found by Id",
                                self.query_request)
        found = self.query(ref_numbers=[ident], limit=2).all()
        if not found:
            raise NotFoundError(610, "Error", f"no {self.type_name} with Id or DocNumber "
                                f"{ident!r}", self.query_request)
        if len(found) > 1:
            raise FilterError(f"several {self.type_name} records have DocNumber {ident!r}; "
                              "give the Id")
        return str(found[0]["Id"])

    def query_takes(self, element: str) -> bool:
        """Whether QBO can filter this entity by ``element`` (a property name)."""
        return element in self.spec.filterable

    def plan(self, filters: dict[str, Any]) -> Plan:
        return build_plan(self.spec, filters, self.connection.references.ref_id)

    # -- reading -------------------------------------------------------------------------------
    def query(self, *, limit: int | None = None, page_size: int | None = None,
              **filters: Any) -> QBOQuery:
        """Records matching keyword filters (see :mod:`qbconnector.qbo.filters`)."""
        return QBOQuery(self, self.plan(filters), limit,
                        page_size or self.connection.page_size)

    def count(self, **filters: Any) -> int:
        """How many records match, without fetching them (``SELECT COUNT(*)``)."""
        plan = self.plan(filters)
        text = build(self.type_name, count=True, where=plan.where)
        answer = self.connection.session.query(text, entity=self.type_name)
        return int(answer.get("totalCount", 0))

    def get(self, record_id: str) -> QBORecord:
        """One record by Id; NotFoundError when there is none."""
        data = self.connection.session.get(f"{self.spec.resource}/{record_id}",
                                           operation="read", entity=self.type_name)
        found = data.get(self.type_name) if isinstance(data, dict) else None
        if not found:
            raise NotFoundError(610, "Error", f"no {self.type_name} with Id {record_id}",
                                self.query_request)
        return record(self.type_name, found)

    def get_by_name(self, full_name: str) -> QBORecord:
        """One record by its FullyQualifiedName, DisplayName or Name; inactive ones too (QBO
        appends " (deleted)" to their names: ``get_by_name("Acme")`` finds "Acme (deleted)")."""
        filters: dict[str, Any] = {"where": [(full_name_property(self.spec), "IN",
                                              [full_name, full_name + " (deleted)"])]}
        if "Active" in self.spec.filterable:
            filters["active"] = "all"
        matches = self.query(limit=2, **filters).all()
        found = next((m for m in matches if m.get("Active") is not False), None) or \
            (matches[0] if matches else None)
        if found is None:
            raise NotFoundError(610, "Error", f"no {self.type_name} named {full_name!r}",
                                self.query_request)
        return found

    # -- writing -------------------------------------------------------------------------------
    def _entity_of(self, data: Any) -> QBORecord:
        return record(self.type_name, data[self.type_name])

    def add_body(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        self._require("add")
        return self.builder.build(fields)

    def add(self, data: Mapping[str, Any] | None = None, **fields: Any) -> QBORecord:
        """Create a record; returns it as QBO stored it (Id, SyncToken, totals)."""
        body = self.add_body({**(data or {}), **fields})
        answer = self.connection.session.post(self.spec.resource, body, operation="create",
                                              entity=self.type_name)
        created = self._entity_of(answer)
        self.connection.references.learn(self.type_name, created)
        return created

    def current(self, target: Any) -> tuple[str, str, QBORecord | None]:
        """(Id, SyncToken, the record when it had to be read) for a record or an Id."""
        record_id, token = id_and_token(target)
        if token is not None:
            return record_id, token, target if isinstance(target, QBORecord) else None
        fetched = self.get(record_id)
        return record_id, str(fetched["SyncToken"]), fetched

    def mod_body(self, target: Any, changes: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
        """The sparse update body and the record it starts from (if known)."""
        self._require("modify")
        record_id, token, known = self.current(target)
        body: dict[str, Any] = {"Id": record_id, "SyncToken": token, "sparse": True}
        body.update(self.builder.build(changes, update=True))
        repeats = [f for f in SPARSE_REPEATS.get(self.type_name, ()) if f not in body]
        if repeats:
            source = known if known is not None else (
                target if isinstance(target, Mapping) and all(f in target for f in repeats)
                else self.get(record_id))
            for name in repeats:
                if source.get(name) is not None:
                    value = source[name]
                    body[name] = {"value": value["value"]} if isinstance(value, Mapping) \
                        else value
        return body, known if known is not None else target

    def modify(self, target: Any, data: Mapping[str, Any] | None = None,
               **changes: Any) -> QBORecord:
        """Change fields of a record with a sparse update (only the fields given are sent).

        ``target`` is a record (its SyncToken is used) or an Id (the current SyncToken is
        read first). If the record changed meanwhile, ConflictError carries the current
        record (``error.record``), the SyncToken sent and the changes asked for.
        """
        wanted = {**(data or {}), **changes}
        body, base = self.mod_body(target, wanted)
        try:
            answer = self.connection.session.post(self.spec.resource, body,
                                                  operation="update", entity=self.type_name)
        except ConflictError as exc:
            raise self.conflict(exc, body, base, wanted) from None
        return self._entity_of(answer)

    def conflict(self, exc: ConflictError, body: Mapping[str, Any], base: Any,
                 wanted: Mapping[str, Any]) -> ConflictError:
        """The ConflictError of a stale write, with the current record read back."""
        try:
            current = self.get(str(body["Id"]))
        except NotFoundError:
            current = None
        return ConflictError(exc.status_code, exc.severity, exc.message, exc.request,
                             current, sent_edit_sequence=str(body.get("SyncToken")),
                             changes=dict(wanted),
                             sent_record=base if isinstance(base, Mapping) else None)

    def delete_request(self, target: Any) -> tuple[dict[str, Any], dict[str, str]]:
        """(body, query parameters) of a delete — for name lists, the update that makes the
        record inactive."""
        self._require("delete")
        record_id, token, _ = self.current(target)
        if self.kind == "list":
            return {"Id": record_id, "SyncToken": token, "sparse": True,
                    "Active": False}, {}
        return {"Id": record_id, "SyncToken": token}, {"operation": "delete"}

    def delete(self, target: Any) -> QBORecord:
        """Delete a transaction; make a name-list record inactive (QBO deletes no names).
        Returns QBO's answer (``status: Deleted`` and the Id, or the inactive record)."""
        body, params = self.delete_request(target)
        operation = "delete" if params else "update"
        try:
            answer = self.connection.session.post(self.spec.resource, body, params,
                                                  operation=operation, entity=self.type_name)
        except ConflictError as exc:
            raise self.conflict(exc, body, target, {"delete": True}) from None
        return self._entity_of(answer)

    def void_request(self, target: Any) -> tuple[dict[str, Any], dict[str, str]]:
        self._require("void")
        record_id, token, _ = self.current(target)
        if self.type_name == "Invoice":
            return {"Id": record_id, "SyncToken": token}, {"operation": "void"}
        return {"Id": record_id, "SyncToken": token, "sparse": True}, \
            {"operation": "update", "include": "void"}

    def void(self, target: Any) -> QBORecord:
        """Void a transaction: its amounts become zero, the record stays ("Voided")."""
        body, params = self.void_request(target)
        try:
            answer = self.connection.session.post(self.spec.resource, body, params,
                                                  operation="void", entity=self.type_name)
        except ConflictError as exc:
            raise self.conflict(exc, body, target, {"void": True}) from None
        return self._entity_of(answer)


__all__ = ["FilterError", "QBOCollection", "QBOQuery", "id_and_token", "kind_of"]
