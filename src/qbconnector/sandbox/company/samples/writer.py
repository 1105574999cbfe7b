"""Adding sample records fast: the engine's own Add path without qbXML text.

:meth:`SampleWriter.add` hands typed request data (the shape ``qbxml.parse.convert`` gives an
``*Add`` body: Decimal amounts, ``date`` dates, ``bool`` flags, Refs as ``{"ListID": ...}``)
to :func:`~qbconnector.sandbox.records.add_mod.add_record`, so every per-type rule runs —
postings, balances, stock moves, links — exactly as for a request. What is skipped is only
the text: no XML to build, parse, validate or render. Records are written in large batches,
one SQLite transaction each.

:class:`RequestWriter` writes the same records the slow way, each one ``*AddRq`` in its own
message set through the session, as a client would; the tests compare the two files.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from lxml import etree

from qbconnector.errors import QBConnectorError
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.spec import Element, version_key
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import Context, Request
from qbconnector.sandbox.core.objects import registry
from qbconnector.sandbox.records import add_mod
from qbconnector.sandbox.records.hooks import rules_for
from qbconnector.sandbox.rules.transactions import TxnRules
from qbconnector.sandbox.storage.store import Store

log = logging.getLogger(__name__)

VERSION = "14.0"


class SampleError(QBConnectorError, RuntimeError):
    """The sample generator asked for something the engine refused (a generator bug)."""


def has_rules(type_name: str) -> bool:
    """Whether the sandbox knows the accounting of a transaction type yet."""
    return isinstance(rules_for(type_name), TxnRules)


BALANCE_COLUMNS = frozenset({"balance", "total_balance", "xml"})
RECENT_ROWS = 20_000
"""Transaction rows :class:`BulkStore` keeps once read (the older half goes when full)."""


class BulkStore(Store):
    """The session's company file, for one writer that owns it while a sample is written.

    Three things that cost a statement each time are kept in memory and written once per
    batch, just before it commits: list rows read by id (the rules read the same accounts,
    items and names over and over), running balances of those rows, and the id counters.
    What ends up in the file is exactly what the plain :class:`Store` would write; only
    this writer may use the file meanwhile (it holds SQLite's write lock in each batch).
    """

    def __init__(self, store: Store) -> None:
        super().__init__(store.db, store.clock)
        self.rows: dict[str, dict[str, Any]] = {}
        self.recent: dict[str, dict[str, Any]] = {}
        """Transaction rows read lately (a payment reads its invoice again and again, a
        deposit its payments); every change to them is written through to the file."""
        self.dirty: set[str] = set()
        self.counters: dict[str, int] = {}
        self.dirty_counters: set[str] = set()

    def get(self, record_id: str) -> Any:
        row = self.rows.get(record_id) or self.recent.get(record_id)
        if row is not None:
            return row
        # Not the base class's cache: these rows keep their rendering so that an
        # invalidation reaches the file at the flush.
        found = self.db.execute("SELECT * FROM records WHERE id=?", (record_id,)).fetchone()
        if found is None:
            return None
        row = dict(zip(found.keys(), found, strict=True))
        if found["kind"] == "list":
            self.rows[record_id] = row
        else:
            if len(self.recent) >= RECENT_ROWS:
                for oldest in list(self.recent)[:RECENT_ROWS // 2]:
                    del self.recent[oldest]
            self.recent[record_id] = row
        return row

    def update(self, record_id: str, fields: dict[str, Any]) -> None:
        row = self.rows.get(record_id)
        if row is None:
            if record_id in self.recent:
                # A new dict: a row handed out earlier stays what it was (like sqlite3.Row).
                self.recent[record_id] = {**self.recent[record_id], **fields}
            super().update(record_id, fields)
            return
        row.update(fields)
        if fields.keys() <= BALANCE_COLUMNS:
            self.dirty.add(record_id)
        else:
            super().update(record_id, fields)

    def update_many(self, updates: dict[str, dict[str, Any]]) -> None:
        for record_id, fields in updates.items():
            self.update(record_id, fields)

    def invalidate(self, *record_ids: str) -> None:
        stale = []
        for record_id in record_ids:
            row = self.rows.get(record_id)
            if row is None:
                stale.append(record_id)
                if record_id in self.recent:
                    self.recent[record_id] = {**self.recent[record_id], "xml": None}
            elif row["xml"] is not None:
                row["xml"] = None
                self.dirty.add(record_id)
        if stale:
            super().invalidate(*stale)

    def next_counter(self, name: str, start: int) -> int:
        if name not in self.counters:
            row = self.db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
            self.counters[name] = row[0] if row else start - 1
        self.counters[name] += 1
        self.dirty_counters.add(name)
        return self.counters[name]

    def counter(self, name: str) -> int | None:
        if name in self.counters:
            return self.counters[name]
        return super().counter(name)

    def raise_counter(self, name: str, value: int) -> None:
        current = self.counter(name)
        if current is None or value > current:
            self.counters[name] = value
            self.dirty_counters.add(name)

    def delete(self, record_id: str) -> None:
        self.rows.pop(record_id, None)
        self.recent.pop(record_id, None)
        super().delete(record_id)

    def save_rendering(self, record_id: str, text: str) -> None:
        if record_id in self.recent:
            self.recent[record_id] = {**self.recent[record_id], "xml": text}
        super().save_rendering(record_id, text)

    def flush(self) -> None:
        """Write what is held in memory (inside the batch's transaction)."""
        self.db.executemany(
            "UPDATE records SET balance=?, total_balance=?, xml=? WHERE id=?",
            [(self.rows[i]["balance"], self.rows[i]["total_balance"], self.rows[i]["xml"], i)
             for i in sorted(self.dirty)])
        self.db.executemany(
            "INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
            "value=excluded.value", [(n, self.counters[n]) for n in sorted(self.dirty_counters)])
        self.dirty.clear()
        self.dirty_counters.clear()

    def forget(self) -> None:
        """After a rollback nothing held in memory can be trusted."""
        self.rows.clear()
        self.recent.clear()
        self.dirty.clear()
        self.counters.clear()
        self.dirty_counters.clear()
        self.cache.clear()


class SampleRequest(Request):
    """The request a sample record stands for: its element (the skeleton of the one a
    request would have, see :func:`_skeleton`) is made only if a rule reads it."""

    @property  # type: ignore[override]
    def element(self) -> etree._Element:
        if self._element is None:
            (name, data), = self.data.items()
            self._element = _skeleton(name[:-len("Add")], data)
        return self._element

    @element.setter
    def element(self, value: etree._Element | None) -> None:
        self._element = value


class SampleWriter:
    """Adds records to an open sandbox session through the generic Add machinery."""

    def __init__(self, session: Any, check: bool = False) -> None:
        self.session = session
        self.check = check
        self.store = BulkStore(session.store)
        self.types = registry()
        self.counts: Counter[str] = Counter()
        self._ctx: Context | None = None

    def _context(self) -> Context:
        # No request text exists: each add gives the rules the skeleton of the element a
        # request would have (see _skeleton).
        request = SampleRequest("SampleAddRq", {}, None, None, {},  # type: ignore[arg-type]
                                VERSION, version_key(VERSION))
        return Context(self.store, request, self.session)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One write transaction; within it, lookups of items are cached (lists do not
        change while transactions are written)."""
        try:
            with self.store.transaction(write=True):
                self._ctx = self._context()
                yield
                self.store.flush()
        except BaseException:
            self.store.forget()
            raise
        finally:
            self._ctx = None

    def add(self, type_name: str, data: dict[str, Any], extra: dict[str, Any] | None = None
            ) -> str:
        """Add one record (inside :meth:`batch`) and return its ListID / TxnID."""
        ctx = self._ctx
        if ctx is None:
            raise SampleError("SampleWriter.add outside a batch")
        if self.check:
            _check_request(type_name, data)
        otype = self.types[type_name]
        # As a request would have it: elements in schema order (the stored document keeps
        # the order it is given).
        data = in_schema_order(data, otype.add)
        # Some rules read the request itself (e.g. an inventory item's opening quantity, the
        # order of a journal entry's lines).
        ctx.request.data = {f"{type_name}Add": data}
        ctx.request.element = None     # (made when a rule reads it)
        try:
            record_id = add_mod.add_record(ctx, otype, data, extra)
        except errors.QBStatus as exc:
            raise SampleError(f"{type_name}Add refused: {exc.code} {exc.message} "
                              f"(data: {_summary(data)})") from exc
        if ctx.warning is not None:
            raise SampleError(f"{type_name}Add warned: {ctx.warning.code} "
                              f"{ctx.warning.message} (data: {_summary(data)})")
        self.counts[type_name] += 1
        return record_id

    def refresh_lists(self) -> None:
        """Forget cached item facts (after list records changed inside a batch)."""
        if self._ctx is not None:
            self._ctx = self._context()


class RequestWriter(SampleWriter):
    """The same records sent one request at a time: each ``*AddRq`` built with the codec and
    processed in its own message set (its own transaction) by the session."""

    def __init__(self, session: Any, check: bool = False) -> None:
        super().__init__(session, check)
        self.store = session.store         # reads see each committed request

    @contextmanager
    def batch(self) -> Iterator[None]:
        """No transaction of its own: each request is one. The context serves lookups."""
        self._ctx = self._context()
        try:
            yield
        finally:
            self._ctx = None

    def add(self, type_name: str, data: dict[str, Any], extra: dict[str, Any] | None = None
            ) -> str:
        if extra:
            raise SampleError(f"{type_name}Add: Ret fields cannot be sent in a request")
        request = build([Message(f"{type_name}Add", data)], version=VERSION)
        response = parse_response(self.session.process(request))[0]
        if response.status_code != 0:
            raise SampleError(f"{type_name}Add answered {response.status_code} "
                              f"{response.status_message} (data: {_summary(data)})")
        self.counts[type_name] += 1
        record = response.records[0]
        return record.get("TxnID") or record["ListID"]


@cache
def _positions(element: Element) -> dict[str, int]:
    return {child.name: n for n, child in enumerate(specmod.iter_elements(element.children))}


def in_schema_order(data: dict[str, Any], element: Element | None) -> dict[str, Any]:
    """``data`` (an aggregate's typed values) with its keys, and those of the aggregates in
    it, in the order of the schema: the order parsing a request gives them."""
    if element is None:
        return data
    positions = _positions(element)
    last = len(positions)
    order = [positions.get(key, last) for key in data]
    keys = list(data) if order == sorted(order) else sorted(data, key=lambda k: positions.get(
        k, last))
    out = {}
    for key in keys:
        value = data[key]
        if isinstance(value, (dict, list)):
            child = element.child(key)
            if child is not None and not child.type:
                if isinstance(value, dict):
                    if len(value) > 1 or any(isinstance(v, (dict, list))
                                             for v in value.values()):
                        value = in_schema_order(value, child)
                else:
                    value = [in_schema_order(v, child) if isinstance(v, dict) else v
                             for v in value]
        out[key] = value
    return out


def _skeleton(type_name: str, data: dict[str, Any]) -> etree._Element:
    """The ``*AddRq`` element a request with ``data`` would have, down to the children of
    its ``*Add`` (empty): what rules read of the element itself (the order of lines)."""
    request = etree.Element(f"{type_name}AddRq")
    body = etree.SubElement(request, f"{type_name}Add")
    for key, value in data.items():
        for _ in value if isinstance(value, list) else (value,):
            etree.SubElement(body, key)
    return request


def _check_request(type_name: str, data: dict[str, Any]) -> None:
    """Refuse data that would not make a valid ``*AddRq`` (the Python path skips the
    validation a qbXML request gets)."""
    try:
        build([Message(f"{type_name}Add", data)], version=VERSION)
    except ValueError as exc:
        raise SampleError(f"{type_name}Add data is not valid qbXML {VERSION}: {exc}") from None


def _summary(data: dict[str, Any]) -> str:
    text = repr(data)
    return text if len(text) < 300 else text[:297] + "..."
