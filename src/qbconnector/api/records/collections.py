"""A collection per object type: query, get, count, add, modify, delete, void.

Only the operations the spec gives a type are offered (``qb.terms`` has no ``add``; journal
entries cannot be voided in qbXML before 1.x...). Queries are lazy and page through
QuickBooks iterators transparently, fetching the next page while you read the current one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from qbconnector.api.records import errors
from qbconnector.api.records.filters import build_query
from qbconnector.api.records.read_ahead import ReadAhead
from qbconnector.api.records.record import Record
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import Message, Pairs
from qbconnector.qbxml.parse import VALUES, Response

if TYPE_CHECKING:
    from qbconnector.api.records.connection import Connection

LIST_DELETE_TYPES = set(specmod.load().message("ListDelRq").child("ListDelType").enum or ())
TXN_DELETE_TYPES = set(specmod.load().message("TxnDelRq").child("TxnDelType").enum or ())
TXN_VOID_TYPES = set(specmod.load().message("TxnVoidRq").child("TxnVoidType").enum or ())
QUIET_STATUSES = (0, 1, 500, 530)   # not errors: found, nothing found, partly found, ignored


def check(response: Response, request: str, **extra: Any) -> Response:
    """Raise the matching QBError for an error status; return the response otherwise."""
    request = response.name[:-2] + "Rq" if response.name.endswith("Rs") else request
    if response.status_severity == "Error" or response.status_code not in QUIET_STATUSES and \
            response.status_code >= 1000:
        record = Record(response.records[0], response.records[0].tag) if response.records \
            else None
        raise errors.error_for(response.status_code, response.status_severity,
                               response.status_message, request, record, **extra)
    return response


def _id_and_edit(value: Any) -> tuple[str, str | None]:
    if isinstance(value, Record | dict):
        record_id = value.get("ListID") or value.get("TxnID")
        if not record_id:
            raise ValueError("the record has no ListID or TxnID")
        return record_id, value.get("EditSequence")
    return str(value), None


class Query:
    """A lazy, re-iterable query; iterate it, or call :meth:`all` / :meth:`first`."""

    def __init__(self, collection: Collection, data: dict[str, Any], limit: int | None,
                 page_size: int, values: str = "typed") -> None:
        self.collection = collection
        self.data = data
        self.limit = limit
        self.page_size = page_size
        self.values = values
        self.warnings: list[str] = []

    def __iter__(self) -> Iterator[Record]:
        yield from self._records()

    def all(self) -> list[Record]:
        return list(self)

    def first(self) -> Record | None:
        for record in self._records(stop_after=1):
            return record
        return None

    def plain(self) -> Iterator[Mapping[str, Any]]:
        """The records as the parser made them (nested dicts, not :class:`Record` objects),
        for code that reads every field once, like the export: not to be modified."""
        yield from self._records(plain=True)

    def _records(self, stop_after: int | None = None, plain: bool = False) -> Iterator[Any]:
        conn = self.collection.connection
        name = self.collection.query_request
        limit = min(x for x in (self.limit, stop_after) if x is not None) \
            if self.limit is not None or stop_after is not None else None
        lookup = any(k in self.data for k in ("ListID", "TxnID", "FullName", "RefNumber"))
        json_ready = self.values == "json"

        def make(record: Any) -> Any:
            return record if plain else Record(record, record.tag, json_ready)
        spec = specmod.load().message(name)
        # Paging needs MaxReturned too (BarCodeQueryRq has the attribute but not the element).
        supports_iterator = spec.attr("iterator") is not None and \
            spec.child("MaxReturned") is not None
        if lookup or not supports_iterator:
            data = dict(self.data)
            if limit is not None and not lookup and spec.child("MaxReturned") is not None:
                data["MaxReturned"] = limit
            response = self._send(Message(name, data))
            for count, record in enumerate(response.records):
                if limit is not None and count >= limit:
                    return
                yield make(record)
            return
        page = self.page_size if limit is None else min(self.page_size, limit)
        if self.data.get("IncludeLineItems"):
            page = min(page, FIRST_PAGE_WITH_LINES)      # then sized by what came back
        first = Message(name, {**self.data, "MaxReturned": page}, iterator="Start")
        response = self._send(first)
        iterator_id = response.iterator_id
        if conn.prefetch and limit is None and iterator_id and \
                response.iterator_remaining_count:
            # A whole read: a thread fetches each next page while this one is read.
            ahead = ReadAhead(conn, name, response, iterator_id,
                              lambda at, size, count: _page_for(at, self.page_size, size,
                                                                count),
                              page, self.values, self._checked)
            try:
                ahead.start()                       # the next page is made meanwhile
                for record in response.records:
                    yield make(record)
                for following in ahead:
                    for record in following.records:
                        yield make(record)
            finally:
                ahead.close()
                if ahead.remaining:
                    self._stop(name, iterator_id)
            return
        pool = ThreadPoolExecutor(max_workers=1) if conn.prefetch else None
        served = 0
        try:
            while True:
                remaining = response.iterator_remaining_count or 0
                upcoming: Future[Response] | None = None
                if remaining and iterator_id and (limit is None or served + len(
                        response.records) < limit):
                    page = _next_page(page, self.page_size, response)
                    follow = Message(name, {"MaxReturned": page}, iterator="Continue",
                                     iteratorID=iterator_id)
                    if pool is not None:
                        upcoming = pool.submit(self._send, follow)
                    else:
                        upcoming = _done(self._send, follow)
                for record in response.records:
                    if limit is not None and served >= limit:
                        return
                    served += 1
                    yield make(record)
                if upcoming is None:
                    return
                response = upcoming.result()
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
            remaining = response.iterator_remaining_count or 0
            if remaining and iterator_id:
                self._stop(name, iterator_id)

    def _stop(self, name: str, iterator_id: str) -> None:
        """End an iterator read only in part (QuickBooks would keep it until it expires)."""
        try:
            self.collection.connection.send([Message(name, {}, iterator="Stop",
                                                     iteratorID=iterator_id)])
        except (errors.QBError, errors.SessionError):
            pass   # the iterator expires on its own; nothing was changed

    def _checked(self, response: Response, request: str) -> Response:
        if response.status_code == 500:
            self.warnings.append(response.status_message)
        return check(response, request)

    def _send(self, message: Message) -> Response:
        response = self.collection.connection.send([message], values=self.values)[0]
        return self._checked(response, message.name)


PAGE_CHARS = 4_000_000
"""About how much response text one page may hold: pages of large records (deposits with
hundreds of lines, say) get fewer of them, so memory stays bounded whatever the records."""
FIRST_PAGE_WITH_LINES = 50
"""The first page of a query with line items, before the records' size is known."""


def _next_page(page: int, page_size: int, response: Response) -> int:
    """The next page's MaxReturned: the page size, or fewer records when the last page's
    text was over PAGE_CHARS (growing back as records get smaller)."""
    return _page_for(page, page_size, response.size or 0, len(response.records))


def _page_for(page: int, page_size: int, size: int, count: int) -> int:
    """:func:`_next_page` from the last page's text size and record count."""
    if not count or not size:
        return page
    return max(1, min(page_size, int(PAGE_CHARS / (size / count))))


def _done(func: Any, *args: Any) -> Future[Response]:
    future: Future[Response] = Future()
    try:
        future.set_result(func(*args))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller through result()
        future.set_exception(exc)
    return future


class Collection:
    """Operations on one object type, e.g. ``qb.customers``."""

    def __init__(self, connection: Connection, type_name: str, kind: str) -> None:
        self.connection = connection
        self.type_name = type_name
        self.kind = kind
        sp = specmod.load()
        self.query_request = f"{type_name}QueryRq" if f"{type_name}QueryRq" in sp.messages \
            else None
        self.add_request = f"{type_name}AddRq" if f"{type_name}AddRq" in sp.messages else None
        self.mod_request = f"{type_name}ModRq" if f"{type_name}ModRq" in sp.messages else None
        self.id_field = "ListID" if kind == "list" else "TxnID"

    def __repr__(self) -> str:
        return f"<Collection {self.type_name}: {', '.join(self.operations())}>"

    def operations(self) -> list[str]:
        """What this type supports: query, get, count, add, modify, delete, void."""
        ops = []
        if self.query_request:
            ops += ["query", "get", "count"]
        if self.add_request:
            ops.append("add")
        if self.mod_request:
            ops.append("modify")
        if self.type_name in LIST_DELETE_TYPES | TXN_DELETE_TYPES:
            ops.append("delete")
        if self.type_name in TXN_VOID_TYPES:
            ops.append("void")
        return ops

    def query_takes(self, element: str) -> bool:
        """Whether this type's query request has ``element`` (a filter, MaxReturned...)."""
        return self.query_request is not None and \
            specmod.load().message(self.query_request).child(element) is not None

    def _require(self, operation: str) -> None:
        if operation not in self.operations():
            raise NotImplementedError(f"QuickBooks has no {operation} for {self.type_name} "
                                      f"(it supports: {', '.join(self.operations())})")

    # -- reading ----------------------------------------------------------------------------
    def query(self, *, limit: int | None = None, page_size: int | None = None,
              values: str = "typed", **filters: Any) -> Query:
        """Records matching keyword filters (see :mod:`qbconnector.api.records.filters`).

        ``values="json"`` gives records whose values are already what ``to_dict()`` makes of
        them (amounts and dates as text), for code that writes them out, like the export.
        """
        self._require("query")
        assert self.query_request is not None
        if values not in VALUES:
            raise ValueError(f"values is one of {', '.join(VALUES)}, not {values!r}")
        data = build_query(self.query_request, dict(filters), self.kind)
        return Query(self, data, limit, page_size or self.connection.page_size, values)

    def get(self, record_id: str) -> Record:
        """One record by ListID / TxnID; NotFoundError when there is none."""
        self._require("get")
        found = self.query(ids=[record_id]).first()
        if found is None:
            raise errors.NotFoundError(500, "Warn", f"no {self.type_name} with "
                                       f"{self.id_field} {record_id}", self.query_request or "")
        return found

    def get_by_name(self, full_name: str) -> Record:
        """One list record by FullName (case-insensitive)."""
        found = self.query(full_names=[full_name]).first()
        if found is None:
            raise errors.NotFoundError(500, "Warn", f"no {self.type_name} named {full_name!r}",
                                       self.query_request or "")
        return found

    def count(self, **filters: Any) -> int:
        """How many records match, without fetching them."""
        self._require("count")
        assert self.query_request is not None
        data = build_query(self.query_request, dict(filters), self.kind)
        response = self.connection.send([Message(self.query_request, data,
                                                 metaData="MetaDataOnly")])[0]
        check(response, self.query_request)
        return int(response.attrs.get("retCount", len(response.records)))

    # -- writing ----------------------------------------------------------------------------
    def _body(self, fields: dict[str, Any], suffix: str) -> dict[str, Any]:
        """Keyword fields as request data; ``lines=`` means this type's line element."""
        if "lines" in fields:
            fields = dict(fields)
            fields[f"{self.type_name}Line{suffix}"] = fields.pop("lines")
        return fields

    def add_message(self, fields: dict[str, Any]) -> Message:
        self._require("add")
        return Message(f"{self.type_name}Add", self._body(fields, "Add"))

    def add(self, data: dict[str, Any] | None = None, **fields: Any) -> Record:
        """Add a record and return it as QuickBooks stored it (IDs and computed fields)."""
        message = self.add_message({**(data or {}), **fields})
        response = check(self.connection.send([message])[0], message.name)
        return Record(response.records[0], response.records[0].tag)

    def mod_message(self, target: Any, changes: dict[str, Any]) -> Message:
        self._require("modify")
        record_id, edit = _id_and_edit(target)
        if edit is None:
            edit = self.get(record_id)["EditSequence"]
        data = Pairs([(self.id_field, record_id), ("EditSequence", edit),
                      *self._body(changes, "Mod").items()])
        return Message(f"{self.type_name}Mod", data)

    def modify(self, target: Any, data: dict[str, Any] | None = None, **changes: Any) -> Record:
        """Change fields of a record; only the given fields are sent.

        ``target`` is a record (its EditSequence is used) or an ID (the current EditSequence
        is fetched first). A record changed meanwhile raises ConflictError carrying both the
        current record and the EditSequence sent.
        """
        changes = {**(data or {}), **changes}
        message = self.mod_message(target, changes)
        sent_edit = dict(message.data)["EditSequence"]
        response = check(self.connection.send([message])[0], message.name,
                         sent_edit_sequence=sent_edit, changes=changes)
        return Record(response.records[0], response.records[0].tag)

    def delete_message(self, target: Any) -> Message:
        self._require("delete")
        record_id, _ = _id_and_edit(target)
        if self.kind == "list":
            return Message("ListDel", {"ListDelType": self.type_name, "ListID": record_id})
        return Message("TxnDel", {"TxnDelType": self.type_name, "TxnID": record_id})

    def delete(self, target: Any) -> Record:
        """Delete a record; returns what QuickBooks reports (type, ID, time deleted)."""
        message = self.delete_message(target)
        response = check(self.connection.send([message])[0], message.name)
        return Record(response.fields, response.name)

    def void_message(self, target: Any) -> Message:
        self._require("void")
        record_id, _ = _id_and_edit(target)
        return Message("TxnVoid", {"TxnVoidType": self.type_name, "TxnID": record_id})

    def void(self, target: Any) -> Record:
        """Void a transaction: its amounts become zero, the record stays."""
        message = self.void_message(target)
        response = check(self.connection.send([message])[0], message.name)
        return Record(response.fields, response.name)
