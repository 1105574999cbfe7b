"""The company file on disk: one SQLite database holding records, postings and counters.

Records are stored as JSON documents shaped like their qbXML ``*Ret`` (element names as keys,
values already in QuickBooks' text form), next to a few indexed columns that queries filter
and sort on. Everything that can be derived from other rows (balances, quantities) lives in
columns updated inside the same SQLite transaction as the change that causes it.

WAL journaling with ``synchronous=NORMAL`` makes every committed write survive the process
being killed at any moment; several processes may open one file: writes are serialised by
SQLite's write lock (``BEGIN IMMEDIATE``), reads never block.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import time
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from qbconnector.sandbox.storage import checkpoint
from qbconnector.sandbox.storage.checkpoint import CompanyConnection
from qbconnector.sandbox.storage.stock_state import rebuild_stock_state

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

MESSAGE_SETS = """
CREATE TABLE IF NOT EXISTS message_sets (  -- error recovery: responses by user, app and ID
    owner TEXT NOT NULL,              -- the connector user ('' = the file used directly)
    app TEXT NOT NULL,                -- the application name
    id TEXT NOT NULL,                 -- newMessageSetID
    response TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (owner, app, id)
)
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,              -- ListID or TxnID
    kind TEXT NOT NULL,               -- list | txn | other
    type TEXT NOT NULL,               -- Customer, Invoice, ItemService, ...
    namespace TEXT,                   -- names unique within it (entity, item, Account, ...)
    full_name TEXT,                   -- FullName (or Name) for lists, as written
    name_key TEXT,                    -- lower-case FullName for lists
    sort_key TEXT,                    -- lists: FullName; transactions: TxnDate + sequence
    parent_id TEXT,
    is_active INTEGER NOT NULL DEFAULT 1,
    txn_date TEXT,
    ref_number TEXT,
    entity_id TEXT,                   -- the customer/vendor/... a transaction is for
    account_id TEXT,                  -- the main account of a transaction (AR, bank, ...)
    seq INTEGER NOT NULL,             -- creation order
    created TEXT NOT NULL,
    modified TEXT NOT NULL,           -- TimeModified as written
    modified_utc REAL NOT NULL,       -- for ModifiedDate filters
    edit_sequence INTEGER NOT NULL,
    balance TEXT NOT NULL DEFAULT '0.00',        -- own balance (accounts, entities)
    total_balance TEXT NOT NULL DEFAULT '0.00',  -- with sub-records
    open_amount TEXT,                 -- what is left to pay / apply on a transaction
    is_void INTEGER NOT NULL DEFAULT 0,
    special TEXT,                     -- SpecialAccountType of accounts, TemplateType of forms
    doc TEXT NOT NULL,                -- the Ret as JSON (text values)
    xml TEXT                          -- cached rendering of the full Ret, NULL when stale
);
CREATE UNIQUE INDEX IF NOT EXISTS records_name ON records(namespace, name_key)
    WHERE name_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_type_sort ON records(type, sort_key);
CREATE INDEX IF NOT EXISTS records_kind_sort ON records(kind, sort_key);
CREATE INDEX IF NOT EXISTS records_modified ON records(type, modified_utc);
CREATE INDEX IF NOT EXISTS records_entity ON records(entity_id, type);
CREATE INDEX IF NOT EXISTS records_parent ON records(parent_id)
    WHERE parent_id IS NOT NULL;     -- sub-records only: transactions have no parent
CREATE INDEX IF NOT EXISTS records_ref ON records(type, ref_number);
CREATE INDEX IF NOT EXISTS records_special ON records(type, special) WHERE special IS NOT NULL;
CREATE TABLE IF NOT EXISTS postings (
    txn_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,    -- debit positive, credit negative
    entity_id TEXT,
    item_id TEXT,
    class_id TEXT,
    txn_date TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS postings_txn ON postings(txn_id);
CREATE INDEX IF NOT EXISTS postings_account ON postings(account_id, txn_date);
CREATE TABLE IF NOT EXISTS stock_moves (
    txn_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    quantity TEXT NOT NULL,           -- signed
    cost TEXT NOT NULL,               -- total cost of the move (signed like quantity)
    txn_date TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'onhand'   -- onhand | onorder | onsalesorder
);
CREATE INDEX IF NOT EXISTS stock_moves_item ON stock_moves(item_id, txn_date, seq);
CREATE INDEX IF NOT EXISTS stock_moves_txn ON stock_moves(txn_id);
CREATE TABLE IF NOT EXISTS stock_state (  -- an item's figures after all its moves (derived)
    item_id TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
    from_id TEXT NOT NULL,            -- the transaction that links (payment, invoice...)
    to_id TEXT NOT NULL,              -- the transaction it applies to / was created from
    link_type TEXT NOT NULL,          -- AMTTYPE | QUANTYPE
    amount TEXT NOT NULL,             -- as QuickBooks shows it on the *to* side
    line_id TEXT
);
CREATE INDEX IF NOT EXISTS links_from ON links(from_id);
CREATE INDEX IF NOT EXISTS links_to ON links(to_id);
CREATE INDEX IF NOT EXISTS links_line ON links(line_id) WHERE line_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS deleted (
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    type TEXT NOT NULL,
    full_name TEXT,
    ref_number TEXT,
    created TEXT NOT NULL,
    deleted TEXT NOT NULL,
    deleted_utc REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS data_ext_defs (
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (owner_id, name)
);
CREATE TABLE IF NOT EXISTS data_ext (
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    object_id TEXT NOT NULL,          -- ListID/TxnID, or 'Company'
    value TEXT NOT NULL,
    PRIMARY KEY (owner_id, name, object_id)
);
""" + MESSAGE_SETS + ";\n"


class Clock:
    """Local wall-clock time with its UTC offset; tests may pin it with ``fixed``."""

    def __init__(self, fixed: datetime | None = None, zone: timezone | None = None) -> None:
        self.fixed = fixed
        self.zone = zone
        self._local: tuple[int, tzinfo | None] = (-1, None)   # (second, local zone then)
        self._second: tuple[int, tuple[str, float]] = (-1, ("", 0.0))

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed
        # The local zone's offset, looked up once a second (a dozen calls a request).
        seconds = time.time()
        second, local = self._local
        if second != int(seconds):
            local = datetime.fromtimestamp(int(seconds)).astimezone().tzinfo
            self._local = (int(seconds), local)
        moment = datetime.fromtimestamp(seconds, local)
        return moment.astimezone(self.zone) if self.zone else moment

    def whole_second(self) -> tuple[str, float]:
        """:meth:`now` to the whole second as QuickBooks' text and as UTC seconds, worked out
        once a second (every record written asks)."""
        key = int(time.time()) if self.fixed is None else None   # a fixed clock: every time
        if key is not None and self._second[0] == key:
            return self._second[1]
        moment = self.now().replace(microsecond=0)
        fields = (stamp(moment), moment.timestamp())
        if key is not None:
            self._second = (key, fields)
        return fields

    def seconds(self) -> int:
        """Whole Unix seconds of :meth:`now` (what IDs and EditSequences carry), without
        building the date-time and its zone: several calls per record written."""
        if self.fixed is not None:
            return int(self.fixed.timestamp())
        return int(time.time())

    def advance(self, seconds: float) -> None:
        """Move a fixed clock forward (tests of EditSequence and modified-date filters)."""
        if self.fixed is not None:
            self.fixed += timedelta(seconds=seconds)


def stamp(moment: datetime) -> str:
    """QuickBooks' date-time text: local time with offset, whole seconds."""
    return moment.replace(microsecond=0).isoformat()


def file_uri(path: str | Path, mode: str) -> str:
    """The SQLite URI of a company file: the path escaped, so that ``%``, ``?`` and ``#`` in a
    name are part of the name (``a%62.qbdb`` is not ``ab.qbdb``)."""
    return f"file:{quote(Path(path).as_posix(), safe='/:')}?mode={mode}"


def connect(path: str | Path, *, readonly: bool = False,
            factory: type[sqlite3.Connection] = sqlite3.Connection) -> sqlite3.Connection:
    """Open a company file with the settings every connection needs.

    Savepoints' sub-journals (the pages a request changed, kept to undo it) stay in memory
    rather than in a temporary file."""
    uri = file_uri(path, "ro" if readonly else "rw")
    db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                         check_same_thread=False, factory=factory)
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("PRAGMA temp_store=MEMORY")
    db.row_factory = sqlite3.Row
    return db


def initialise(path: str | Path) -> sqlite3.Connection:
    """Create an empty company file (schema only) and return a connection to it."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists")
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder for the company file",
                                str(path.parent))
    # only its owner may read it (SQLite gives the -wal and -shm files the same mode)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    db.close()
    return connect(path)


def check_company_file(path: str | Path) -> None:
    """Raise ValueError unless ``path`` is a qbconnector company file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no company file at {path}")
    try:
        db = sqlite3.connect(file_uri(path, "ro"), uri=True)
        try:
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError:
        raise ValueError(f"{path} is not a qbconnector company file") from None
    if row is None:
        raise ValueError(f"{path} is not a qbconnector company file")


def open_company_file(path: str | Path) -> sqlite3.Connection:
    """Connect to a company file, checking with the same connection that it is one; its
    commits are checkpointed in the background (:mod:`.checkpoint`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no company file at {path}")
    db = None
    try:
        db = connect(path, factory=CompanyConnection)
        row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.DatabaseError:
        if db is not None:
            db.close()
        raise ValueError(f"{path} is not a qbconnector company file") from None
    if row is None:
        db.close()
        raise ValueError(f"{path} is not a qbconnector company file")
    _upgrade(db)
    db.execute(f"PRAGMA wal_autocheckpoint={checkpoint.SAFETY_PAGES}")
    db.checkpointer = checkpoint.acquire(path, lambda: connect(path))  # type: ignore[attr-defined]
    return db


def _upgrade(db: sqlite3.Connection) -> None:
    """Bring a file from an older version up to date: add the tables it lacks (derived data
    only) and fill them from the rows it has."""
    shared = db.execute("SELECT 1 FROM pragma_table_info('message_sets') WHERE name='id'"
                        ).fetchone() is not None and db.execute(
        "SELECT 1 FROM pragma_table_info('message_sets') WHERE name='owner'").fetchone() is None
    if shared:   # error-recovery statuses kept for everyone alike: no owner to give them
        db.execute("BEGIN IMMEDIATE")
        db.execute("DROP TABLE message_sets")
        db.execute(MESSAGE_SETS)
        db.execute("COMMIT")
    missing = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND "
                         "name='stock_state'").fetchone() is None
    if missing:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS stock_state (item_id TEXT PRIMARY KEY, "
                       "state TEXT NOT NULL)")
            rebuild_stock_state(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


ROW_CACHE_LIMIT = 20_000
"""List rows a write transaction keeps in memory at most (then it starts afresh)."""
DOC_CACHE_LIMIT = 5_000
"""Parsed documents a writer keeps at most (then it forgets the older half)."""


class Store:
    """Low-level access to one open company file: counters, ids and record rows."""

    def __init__(self, db: sqlite3.Connection, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or Clock()
        # Facts derived from rows (account types, running stock figures, preferences...),
        # kept up to date by this connection's own writes. Another connection's commit
        # (PRAGMA data_version moves) or any rollback clears them.
        self.cache: dict[str, Any] = {}
        self._cache_version: int | None = None
        self.writing = False        # inside a write (IMMEDIATE) transaction
        # Whether a writer keeps list rows, counters and special accounts in memory (tests
        # turn it off to check that it never changes an answer).
        self.write_cache = True

    @property
    def caching(self) -> bool:
        return self.writing and self.write_cache

    # -- transactions -----------------------------------------------------------------------
    def transaction(self, write: bool) -> _Transaction:
        """One SQLite transaction as a ``with`` block: IMMEDIATE (the write lock) for
        writers, deferred for readers, who then see one consistent snapshot. Committed when
        the block ends, rolled back when it raises."""
        return _Transaction(self, write)

    def begin(self, write: bool) -> None:
        """Begin a transaction (see :meth:`transaction`); end it with :meth:`commit` or
        :meth:`abort`. Callers on the hot path use these three instead of a ``with``."""
        self.db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        self._checked_in(write)
        self.writing = write

    def commit(self) -> None:
        """Commit the transaction begun: a writer's counters counted in memory first (the
        transaction is rolled back when that fails)."""
        write = self.writing
        if write and self.cache.get("counters_pending"):
            try:
                self.flush_counters()
            except BaseException:
                self.abort()
                raise
        try:
            self.db.execute("COMMIT")
        finally:
            self.writing = False
        if write and isinstance(self.db, CompanyConnection):
            self.db.committed()

    def abort(self) -> None:
        """Roll the transaction back; what the cache held may no longer be true."""
        self.cache.clear()
        self._cache_version = None
        try:
            self.db.execute("ROLLBACK")
        finally:
            self.writing = False

    def restart(self) -> None:
        """Roll the transaction back and begin it again (a request that was all the
        transaction did failed: the same as rolling back to a savepoint)."""
        write = self.writing
        self.cache.clear()
        self._cache_version = None
        self.db.execute("ROLLBACK")
        self.db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        self._checked_in(write)

    def _checked_in(self, write: bool) -> None:
        """:meth:`_check_cache` just after BEGIN; when it fails, the transaction just begun
        is rolled back, so the connection (and a writer's lock) is not left holding it."""
        try:
            self._check_cache(write)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):   # the first error is the one to report
                self.abort()
            raise

    def _check_cache(self, write: bool) -> None:
        """Keep the cache only while no other connection committed since it was filled.

        Holding the write lock, the data version read now is exact; a reader's snapshot may
        start before or after the version is read, so a reader starts afresh and the next
        writer too."""
        if not write:
            self.cache.clear()
            self._cache_version = None
            return
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._cache_version:
            self.cache.clear()
        self._cache_version = version

    def savepoint(self, alone: bool = False) -> _Savepoint:
        """Make one request atomic inside the message set's transaction (a ``with`` block).

        ``alone``: the request is all the transaction does (yet), so the transaction itself
        is its scope and no savepoint is opened (SQLite copies every page a savepoint
        changes into a sub-journal, to undo it); a failure then rolls the transaction back
        and begins it again (:meth:`restart`), which leaves the same as rolling back to a
        savepoint."""
        return _Savepoint(self, alone)

    # -- meta and counters ------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.cache.pop(f"meta:{key}", None)
        self.db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                        "value=excluded.value", (key, value))

    def next_counter(self, name: str, start: int) -> int:
        """The counter's next value. A writer counts in memory and writes the counters
        when its request ends (:meth:`flush_counters`): one statement, not one per id."""
        if not self.caching:
            return self._bump_counter(name, start)
        counters = self.cache.get("counters")
        if counters is None:
            counters = self.cache["counters"] = {}
        value = counters.get(name)
        if value is None:
            row = self.db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
            value = row[0] if row else start - 1
        counters[name] = value + 1
        self.cache.setdefault("counters_pending", set()).add(name)
        return value + 1

    def counter(self, name: str) -> int | None:
        """A counter's value now (None when it was never set)."""
        counters = self.cache.get("counters") if self.caching else None
        if counters is not None and counters.get(name) is not None:
            return counters[name]
        row = self.db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def raise_counter(self, name: str, value: int) -> None:
        """Make a counter at least ``value`` (the highest number used so far); a writer
        counts in memory like :meth:`next_counter`."""
        if not self.caching:
            self.db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                            "value=max(value, excluded.value)", (name, value))
            return
        current = self.counter(name)
        if current is None or value > current:
            self.cache.setdefault("counters", {})[name] = value
            self.cache.setdefault("counters_pending", set()).add(name)

    def _bump_counter(self, name: str, start: int) -> int:
        row = self.db.execute("UPDATE counters SET value=value+1 WHERE name=? RETURNING value",
                              (name,)).fetchone()
        if row is None:
            self.db.execute("INSERT INTO counters VALUES (?, ?)", (name, start))
            return start
        return row[0]

    def flush_counters(self) -> None:
        """Write the counters counted in memory (before a savepoint is released or the
        transaction commits)."""
        pending = self.cache.get("counters_pending")
        if not pending:
            return
        counters = self.cache["counters"]
        self.db.executemany("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE "
                            "SET value=excluded.value",
                            [(name, counters[name]) for name in sorted(pending)])
        pending.clear()

    def new_list_id(self) -> str:
        """ListIDs count up from 80000001 in hex, suffixed with the creation second."""
        return f"{self.next_counter('list', 0x80000001):X}-{self.clock.seconds()}"

    def new_txn_id(self) -> str:
        """TxnIDs and TxnLineIDs share one hexadecimal counter."""
        return f"{self.next_counter('txn', 1):X}-{self.clock.seconds()}"

    def next_seq(self) -> int:
        return self.next_counter("seq", 1)

    def edit_sequence(self, previous: int | None = None) -> int:
        """Unix seconds of the change, always above the record's previous value."""
        now = self.clock.seconds()
        return now if previous is None or now > previous else previous + 1

    # -- rows -------------------------------------------------------------------------------
    def get(self, record_id: str) -> Any:
        """A record's row (columns by name). In a write transaction list rows are served
        from the cache: the rules read the same accounts, items and names on every form."""
        if not self.caching:
            return self.db.execute("SELECT * FROM records WHERE id=?", (record_id,)).fetchone()
        rows = self.cache.get("rows")
        if rows is None:
            rows = self.cache["rows"] = {}
        row = rows.get(record_id)
        if row is not None:
            return row
        found = self.db.execute("SELECT * FROM records WHERE id=?", (record_id,)).fetchone()
        if found is None or found["kind"] != "list":
            return found
        if len(rows) >= ROW_CACHE_LIMIT:
            rows.clear()
        # The cached copy never carries a rendering: the file's copy is the one kept fresh.
        row = rows[record_id] = dict(zip(found.keys(), found, strict=True))
        row["xml"] = None
        return row

    def doc(self, row: sqlite3.Row) -> dict[str, Any]:
        return loads(row["doc"])

    def derived(self, name: str) -> dict[str, Any] | None:
        """A writer's table ``name`` of facts derived from list records (an item's prices and
        accounts, a name's parsed document), kept from one request to the next and forgotten
        whenever any record's document changes; None when not writing with the cache."""
        if not self.caching:
            return None
        tables = self.cache.get("derived")
        if tables is None:
            tables = self.cache["derived"] = {}
        table = tables.get(name)
        if table is None:
            table = tables[name] = {}
        return table

    def shared_doc(self, record_id: str, row: Any = None) -> dict[str, Any] | None:
        """The parsed document of a record (whose ``row`` the caller may have), or None.
        Shared with later callers while a writer caches (until a document changes): never
        change what it returns."""
        docs = self.derived("docs")
        if docs is not None and record_id in docs:
            return docs[record_id]
        if row is None:
            row = self.get(record_id)
        doc = loads(row["doc"]) if row is not None else None
        if docs is not None and row is not None:
            if len(docs) >= DOC_CACHE_LIMIT:
                for oldest in list(docs)[:DOC_CACHE_LIMIT // 2]:
                    del docs[oldest]
            docs[record_id] = doc
        return doc

    def now_fields(self) -> tuple[str, float]:
        """TimeCreated/TimeModified text and its UTC seconds, both to the whole second (what
        QuickBooks shows is what From/ToModifiedDate filters compare)."""
        return self.clock.whole_second()

    def insert(self, fields: dict[str, Any]) -> None:
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        if fields.get("special") is not None:
            self._forget_specials()
        if fields.get("kind") == "list":
            self.cache.pop("derived", None)
        self.db.execute(f"INSERT INTO records ({columns}) VALUES ({marks})",  # noqa: S608
                        tuple(fields.values()))

    def update(self, record_id: str, fields: dict[str, Any]) -> None:
        sets = ", ".join(f"{k}=?" for k in fields)
        self.db.execute(f"UPDATE records SET {sets} WHERE id=?",  # noqa: S608
                        (*fields.values(), record_id))
        self._updated(record_id, fields)

    def update_many(self, updates: dict[str, dict[str, Any]]) -> None:
        """Several records' :meth:`update`: one statement per set of columns changed."""
        by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for record_id, fields in updates.items():
            by_columns.setdefault(tuple(fields), []).append((*fields.values(), record_id))
            self._updated(record_id, fields)
        for columns, params in by_columns.items():
            sets = ", ".join(f"{k}=?" for k in columns)
            self.db.executemany(f"UPDATE records SET {sets} WHERE id=?", params)  # noqa: S608

    def _updated(self, record_id: str, fields: dict[str, Any]) -> None:
        """Keep what the cache holds about a record true after an update."""
        rows = self.cache.get("rows")
        if rows is not None and record_id in rows:
            # A new dict: a row handed out earlier stays what it was (like sqlite3.Row).
            rows[record_id] = {**rows[record_id], **fields, "xml": None}
        if "xml" in fields:
            if fields["xml"] is None:
                if self.caching:
                    self._cleared().add(record_id)
            else:
                self.cache.get("cleared", set()).discard(record_id)
        if "special" in fields:
            self._forget_specials()
        if "doc" in fields:
            self.cache.pop("derived", None)

    def delete(self, record_id: str) -> None:
        self.cache.get("rows", {}).pop(record_id, None)
        self.cache.pop("derived", None)
        self._forget_specials()
        self.db.execute("DELETE FROM records WHERE id=?", (record_id,))

    def invalidate(self, *record_ids: str) -> None:
        """Forget cached renderings whose computed fields changed."""
        cleared = self._cleared() if self.caching else None
        if cleared is not None:
            record_ids = tuple(i for i in record_ids if i not in cleared)
            cleared.update(record_ids)
        if record_ids:
            self.db.executemany("UPDATE records SET xml=NULL WHERE id=?",
                                [(i,) for i in record_ids])

    def save_rendering(self, record_id: str, text: str) -> None:
        """Keep a record's rendering in the file (queries reuse it until it is invalidated)."""
        self.db.execute("UPDATE records SET xml=? WHERE id=?", (text, record_id))
        self.cache.get("cleared", set()).discard(record_id)

    def _cleared(self) -> set[str]:
        """Records whose rendering this writer knows the file does not hold."""
        cleared = self.cache.get("cleared")
        if cleared is None:
            cleared = self.cache["cleared"] = set()
        return cleared

    def special(self, type_name: str, kind: str) -> Any:
        """The first record of a type with a special kind (a special account, a form's
        default template), or None."""
        key = f"special:{type_name}:{kind}"
        if self.caching and key in self.cache:
            record_id = self.cache[key]
            return None if record_id is None else self.get(record_id)
        row = self.db.execute("SELECT * FROM records WHERE type=? AND special=? "
                              "ORDER BY seq LIMIT 1", (type_name, kind)).fetchone()
        if self.caching:
            self.cache[key] = None if row is None else row["id"]
            if row is not None:
                return self.get(row["id"])
        return row

    def _forget_specials(self) -> None:
        for key in [k for k in self.cache if k.startswith("special:")]:
            del self.cache[key]


class _Transaction:
    """:meth:`Store.transaction`'s ``with`` block (a class: cheaper than a generator)."""

    __slots__ = ("store", "write")

    def __init__(self, store: Store, write: bool) -> None:
        self.store, self.write = store, write

    def __enter__(self) -> None:
        self.store.begin(self.write)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.store.commit()
        else:
            self.store.abort()


class _Savepoint:
    """:meth:`Store.savepoint`'s ``with`` block."""

    __slots__ = ("store", "alone")

    def __init__(self, store: Store, alone: bool) -> None:
        self.store, self.alone = store, alone

    def __enter__(self) -> None:
        store = self.store
        # Counted ids written before: a rollback to the savepoint forgets the cache.
        store.flush_counters()
        if not self.alone:
            store.db.execute("SAVEPOINT request")

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        store = self.store
        if kind is not None:
            if self.alone:
                store.restart()
            else:
                store.cache.clear()
                store.db.execute("ROLLBACK TO request")
                store.db.execute("RELEASE request")
            return
        store.flush_counters()
        if not self.alone:
            store.db.execute("RELEASE request")

def dumps(doc: dict[str, Any]) -> str:
    """A document as stored: compact JSON, non-ASCII as is. orjson writes exactly what
    ``json.dumps(doc, separators=(",", ":"), ensure_ascii=False)`` does for text, lists and
    dicts, several times faster; anything else it refuses goes the slow way."""
    try:
        return orjson.dumps(doc).decode()
    except TypeError:
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """A stored document parsed: orjson gives the same objects as ``json.loads``, several
    times faster; what it refuses (NaN, lone surrogates) goes the slow way. (orjson reads an
    integer past 64 bits as a float; documents keep values as text, and counts far below.)"""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def unix_now() -> float:
    return time.time()
