"""The double's company file: one SQLite database holding every realm, its entities, postings
and links, request ids, OAuth clients and grants, and settings.

Entities are kept as the JSON text QBO would send (rendered once per write) plus the columns
queries and CDC need. A per-realm cache keeps parsed bodies in memory, since the double is the
file's only writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbconnector.qbo_wire.values import dumps, loads

SCHEMA = """
CREATE TABLE IF NOT EXISTS realm (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sequence (
    realm TEXT NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (realm, name));
CREATE TABLE IF NOT EXISTS entity (
    realm TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1, deleted INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL, ordinal INTEGER NOT NULL,
    PRIMARY KEY (realm, type, id));
CREATE INDEX IF NOT EXISTS entity_updated ON entity (realm, updated);
CREATE TABLE IF NOT EXISTS posting (
    realm TEXT NOT NULL, txn_type TEXT NOT NULL, txn_id TEXT NOT NULL, line INTEGER NOT NULL,
    date TEXT NOT NULL, account TEXT NOT NULL, cents INTEGER NOT NULL,
    party_type TEXT, party_id TEXT, memo TEXT);
CREATE INDEX IF NOT EXISTS posting_txn ON posting (realm, txn_type, txn_id);
CREATE INDEX IF NOT EXISTS posting_account ON posting (realm, account, date);
CREATE TABLE IF NOT EXISTS link (
    realm TEXT NOT NULL, from_type TEXT NOT NULL, from_id TEXT NOT NULL,
    to_type TEXT NOT NULL, to_id TEXT NOT NULL, cents INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS link_to ON link (realm, to_type, to_id);
CREATE INDEX IF NOT EXISTS link_from ON link (realm, from_type, from_id);
CREATE TABLE IF NOT EXISTS request (
    realm TEXT NOT NULL, request_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL, content_type TEXT NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (realm, request_id));
CREATE TABLE IF NOT EXISTS upload (
    realm TEXT NOT NULL, id TEXT NOT NULL, content_type TEXT, content BLOB NOT NULL,
    PRIMARY KEY (realm, id));
CREATE TABLE IF NOT EXISTS setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_client (
    id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, redirect_uris TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_token (
    digest TEXT PRIMARY KEY, kind TEXT NOT NULL, client_id TEXT NOT NULL, realm TEXT,
    scope TEXT NOT NULL, issued REAL NOT NULL, expires REAL NOT NULL,
    family TEXT NOT NULL, replaced REAL, revoked INTEGER NOT NULL DEFAULT 0,
    redirect_uri TEXT, hard_expires REAL);
"""


POSTINGS_SQL = ("SELECT txn_type, txn_id, line, date, account, cents, party_type, party_id, "
                "memo FROM posting WHERE realm = ? ")


@dataclass
class Row:
    """One stored entity: its wire text, the parsed body, and its flags."""

    type: str
    id: str
    text: str
    active: bool
    deleted: bool
    updated: float
    ordinal: int
    _body: Any = None

    @property
    def body(self) -> dict:
        if self._body is None:
            self._body = loads(self.text)
        return self._body


class Store:
    """The company file. Every method runs under one lock; writes happen in ``transaction``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self.db = sqlite3.connect(str(self.path), check_same_thread=False,
                                  isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._cache: dict[tuple[str, str], dict[str, Row]] = {}
        self._depth = 0

    def close(self) -> None:
        with self.lock:
            self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a failed request leaves nothing behind (nested calls join)."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                self._cache.clear()
                raise
            finally:
                self._depth = 0
            self.db.execute("COMMIT")

    # --- realms and settings --------------------------------------------------------------

    def realms(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.db.execute("SELECT id, name FROM realm ORDER BY created"))

    def add_realm(self, realm: str, name: str, now: float) -> None:
        with self.lock:
            self.db.execute("INSERT INTO realm VALUES (?, ?, ?)", (realm, name, now))

    def has_realm(self, realm: str) -> bool:
        with self.lock:
            return self.db.execute("SELECT 1 FROM realm WHERE id = ?", (realm,)).fetchone() \
                is not None

    def setting(self, key: str, default: str | None = None) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO setting VALUES (?, ?)", (key, value))

    def next_value(self, realm: str, name: str, start: int = 1) -> int:
        """The next number of a per-realm sequence (ids, document numbers)."""
        with self.lock:
            row = self.db.execute("SELECT value FROM sequence WHERE realm = ? AND name = ?",
                                  (realm, name)).fetchone()
            value = row[0] + 1 if row else start
            self.db.execute("INSERT OR REPLACE INTO sequence VALUES (?, ?, ?)",
                            (realm, name, value))
            return value

    # --- entities -------------------------------------------------------------------------

    def rows(self, realm: str, type_: str) -> dict[str, Row]:
        """Every stored row of one type (deleted ones too), cached."""
        key = (realm, type_)
        with self.lock:
            cached = self._cache.get(key)
            if cached is None:
                cached = {}
                for id_, text, active, deleted, updated, ordinal in self.db.execute(
                        "SELECT id, body, active, deleted, updated, ordinal FROM entity "
                        "WHERE realm = ? AND type = ? ORDER BY ordinal", key):
                    cached[id_] = Row(type_, id_, text, bool(active), bool(deleted), updated,
                                      ordinal)
                self._cache[key] = cached
            return cached

    def get(self, realm: str, type_: str, id_: str) -> Row | None:
        return self.rows(realm, type_).get(id_)

    def put(self, realm: str, type_: str, id_: str, body: dict, *, active: bool = True,
            deleted: bool = False, updated: float, ordinal: int | None = None) -> Row:
        text = dumps(body)
        with self.lock:
            rows = self.rows(realm, type_)
            old = rows.get(id_)
            if ordinal is None:
                ordinal = old.ordinal if old else _ordinal(id_)
            self.db.execute("INSERT OR REPLACE INTO entity VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (realm, type_, id_, text, int(active), int(deleted), updated,
                             ordinal))
            row = Row(type_, id_, text, active, deleted, updated, ordinal, body)
            rows[id_] = row
            return row

    def changed_since(self, realm: str, types: list[str], since: float) -> list[Row]:
        with self.lock:
            marks = ",".join("?" for _ in types)
            ids = list(self.db.execute(
                f"SELECT type, id FROM entity WHERE realm = ? AND updated >= ? "  # noqa: S608
                f"AND type IN ({marks}) ORDER BY updated", (realm, since, *types)))
        return [row for t, i in ids if (row := self.get(realm, t, i)) is not None]

    # --- postings and links ---------------------------------------------------------------

    def replace_postings(self, realm: str, txn_type: str, txn_id: str,
                         postings: list[tuple]) -> None:
        with self.lock:
            self.db.execute("DELETE FROM posting WHERE realm = ? AND txn_type = ? AND txn_id = ?",
                            (realm, txn_type, txn_id))
            self.db.executemany(
                "INSERT INTO posting VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(realm, txn_type, txn_id, *p) for p in postings])

    def postings(self, realm: str, where: str = "", args: tuple = ()) -> list[tuple]:
        with self.lock:
            sql = POSTINGS_SQL + where  # callers pass fixed fragments with ? placeholders
            return list(self.db.execute(sql, (realm, *args)))

    def replace_links(self, realm: str, from_type: str, from_id: str,
                      links: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
        """Set what a transaction applies to; returns every target touched before or now."""
        with self.lock:
            old = list(self.db.execute(
                "SELECT to_type, to_id FROM link WHERE realm = ? AND from_type = ? AND from_id = ?",
                (realm, from_type, from_id)))
            self.db.execute("DELETE FROM link WHERE realm = ? AND from_type = ? AND from_id = ?",
                            (realm, from_type, from_id))
            self.db.executemany("INSERT INTO link VALUES (?, ?, ?, ?, ?, ?)",
                                [(realm, from_type, from_id, *link) for link in links])
        return list(dict.fromkeys(old + [(t, i) for t, i, _ in links]))

    def links_to(self, realm: str, to_type: str, to_id: str) -> list[tuple[str, str, int]]:
        with self.lock:
            return list(self.db.execute(
                "SELECT from_type, from_id, cents FROM link WHERE realm = ? AND to_type = ? "
                "AND to_id = ? ORDER BY rowid", (realm, to_type, to_id)))

    def links_from(self, realm: str, from_type: str, from_id: str) -> list[tuple[str, str, int]]:
        with self.lock:
            return list(self.db.execute(
                "SELECT to_type, to_id, cents FROM link WHERE realm = ? AND from_type = ? "
                "AND from_id = ? ORDER BY rowid", (realm, from_type, from_id)))

    # --- request ids and uploads ----------------------------------------------------------

    def remembered(self, realm: str, request_id: str) -> tuple | None:
        with self.lock:
            return self.db.execute(
                "SELECT fingerprint, status, content_type, body FROM request WHERE realm = ? "
                "AND request_id = ?", (realm, request_id)).fetchone()

    def remember(self, realm: str, request_id: str, fingerprint: str, status: int,
                 content_type: str, body: bytes) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO request VALUES (?, ?, ?, ?, ?, ?)",
                            (realm, request_id, fingerprint, status, content_type, body))

    def save_upload(self, realm: str, id_: str, content_type: str, content: bytes) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO upload VALUES (?, ?, ?, ?)",
                            (realm, id_, content_type, content))

    def upload(self, realm: str, id_: str) -> tuple[str, bytes] | None:
        with self.lock:
            return self.db.execute("SELECT content_type, content FROM upload WHERE realm = ? "
                                   "AND id = ?", (realm, id_)).fetchone()


def _ordinal(id_: str) -> int:
    return int(id_) if id_.isdigit() and len(id_) < 19 else abs(hash(id_)) % (10 ** 12)
