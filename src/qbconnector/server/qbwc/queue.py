"""The Web Connector queue: requests waiting for a Web Connector, kept in a SQLite file.

One queue per Web Connector user. A job goes ``queued`` -> ``sent`` (handed to the Web
Connector in an update, named by its ticket) -> ``answered`` or ``failed`` (QuickBooks' error),
or ``queued`` -> ``withdrawn`` (its client was told it did not run: a timeout, a stop). A job is
handed out at most once, and its answer is taken once (a re-posted answer changes nothing).
Tickets are kept too, so an update that was under way when the connector restarted goes on,
and every state change is committed before anyone is told, so a restart loses nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUEUED, SENT, ANSWERED, FAILED, WITHDRAWN = "queued", "sent", "answered", "failed", "withdrawn"
FINISHED = (ANSWERED, FAILED, WITHDRAWN)
KEEP_FINISHED_SECONDS = 7 * 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, session TEXT NOT NULL,
    request TEXT NOT NULL, state TEXT NOT NULL, created REAL NOT NULL, ticket TEXT,
    sent_at REAL, response TEXT, hresult TEXT, message TEXT, finished_at REAL);
CREATE INDEX IF NOT EXISTS jobs_waiting ON jobs (user, state, id);
CREATE TABLE IF NOT EXISTS tickets (
    ticket TEXT PRIMARY KEY, user TEXT NOT NULL, company TEXT NOT NULL, created REAL NOT NULL,
    closed_at REAL, answered INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0,
    progress INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
    last_digest TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS web_connectors (
    user TEXT PRIMARY KEY, last_poll REAL, last_outcome TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '', client_address TEXT NOT NULL DEFAULT '');
"""


@dataclass(frozen=True)
class Job:
    id: int
    user: str
    session: str
    request: str
    state: str
    created: float
    ticket: str | None
    sent_at: float | None
    response: str | None
    hresult: str | None
    message: str | None
    finished_at: float | None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


@dataclass(frozen=True)
class Ticket:
    ticket: str
    user: str
    company: str
    created: float
    closed_at: float | None
    answered: int
    failed: int
    progress: int
    last_error: str
    last_digest: str


@dataclass(frozen=True)
class WebConnectorSeen:
    """What the connector knows of one Web Connector: its last poll and what it reported."""

    user: str
    last_poll: float | None
    last_outcome: str
    company: str
    version: str
    country: str
    client_address: str


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class JobQueue:
    """The jobs, tickets and polls of every Web Connector user, in one SQLite file (or in
    memory for ``path=None``). Thread-safe; waiters are woken on every change."""

    def __init__(self, path: str | Path | None, clock: Callable[[], float] = time.time, *,
                 prune: bool = True) -> None:
        self.path = Path(path) if path else None
        self._clock = clock
        self._prune = prune
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._db = self._connect()
        self._generation: dict[str, int] = {}
        self.stopping = False

    def _connect(self) -> sqlite3.Connection:
        where = str(self.path) if self.path else ":memory:"
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(where, check_same_thread=False, isolation_level=None, timeout=10)
        db.row_factory = sqlite3.Row
        if self.path:
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(_SCHEMA)
        if self._prune:   # the connector's queue forgets finished jobs after a week
            db.execute("DELETE FROM jobs WHERE state IN (?, ?, ?) AND finished_at < ?",
                       (*FINISHED, self._clock() - KEEP_FINISHED_SECONDS))
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction, then every waiter is woken."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._changed.notify_all()

    def _one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    # -- the clients' side ---------------------------------------------------------------------
    def enqueue(self, user: str, session: str, request: str) -> Job:
        with self._write() as db:
            cursor = db.execute("INSERT INTO jobs (user, session, request, state, created) "
                                "VALUES (?, ?, ?, ?, ?)",
                                (user, session, request, QUEUED, self._clock()))
            self._generation[user] = self._generation.get(user, 0) + 1
        job = self.job(int(cursor.lastrowid or 0))
        assert job is not None
        return job

    def job(self, job_id: int) -> Job | None:
        row = self._one("SELECT * FROM jobs WHERE id=?", job_id)
        return Job(**dict(row)) if row is not None else None

    def wait(self, job_id: int, until: float | None,
             give_up: Callable[[], bool] = lambda: False) -> Job:
        """The job once it is finished, or as it is at ``until`` (a time of the clock) or
        when ``give_up()`` turns true (checked whenever the queue changes)."""
        with self._changed:
            while True:
                job = self.job(job_id)
                assert job is not None
                if job.finished or give_up():
                    return job
                left = None if until is None else until - self._clock()
                if left is not None and left <= 0:
                    return job
                self._changed.wait(min(left, 1.0) if left is not None else 1.0)

    def withdraw(self, job_id: int, message: str) -> bool:
        """Take a job that was not handed out yet off the queue; False when it was."""
        with self._write() as db:
            done = db.execute("UPDATE jobs SET state=?, message=?, finished_at=? "
                              "WHERE id=? AND state=?",
                              (WITHDRAWN, message, self._clock(), job_id, QUEUED)).rowcount
        return bool(done)

    def interrupt(self) -> None:
        """Wake every waiting client: the connector is stopping."""
        with self._changed:
            self.stopping = True
            self._changed.notify_all()

    def resume(self) -> None:
        with self._lock:
            self.stopping = False

    # -- the Web Connector's side --------------------------------------------------------------
    def waiting(self, user: str) -> int:
        row = self._one("SELECT count(*) FROM jobs WHERE user=? AND state=?", user, QUEUED)
        return int(row[0]) if row else 0

    def generation(self, user: str) -> int:
        """A number that changes whenever a job is queued for ``user`` (cheap to poll)."""
        with self._lock:
            return self._generation.get(user, 0)

    def open_ticket(self, user: str, company: str) -> Ticket:
        ticket = secrets.token_hex(16)
        with self._write() as db:
            db.execute("INSERT INTO tickets (ticket, user, company, created) VALUES (?,?,?,?)",
                       (ticket, user, company, self._clock()))
        found = self.ticket(ticket)
        assert found is not None
        return found

    def ticket(self, ticket: str) -> Ticket | None:
        row = self._one("SELECT * FROM tickets WHERE ticket=?", ticket)
        return Ticket(**dict(row)) if row is not None else None

    def hand_out(self, ticket: Ticket) -> Job | None:
        """The oldest queued job of the ticket's user, now ``sent`` in this update."""
        with self._write() as db:
            row = db.execute("SELECT id FROM jobs WHERE user=? AND state=? ORDER BY id LIMIT 1",
                             (ticket.user, QUEUED)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE jobs SET state=?, ticket=?, sent_at=? WHERE id=?",
                       (SENT, ticket.ticket, self._clock(), row[0]))
        return self.job(int(row[0]))

    def take_answer(self, ticket: Ticket, response: str, hresult: str, message: str
                    ) -> Job | None:
        """Record the answer to the job this update was handed; None when it has none
        waiting (the same answer posted again, or an answer nobody asked for)."""
        with self._write() as db:
            row = db.execute("SELECT id FROM jobs WHERE ticket=? AND state=? ORDER BY id "
                             "LIMIT 1", (ticket.ticket, SENT)).fetchone()
            if row is None:
                return None
            failed = bool(hresult.strip())
            db.execute("UPDATE jobs SET state=?, response=?, hresult=?, message=?, "
                       "finished_at=? WHERE id=?",
                       (FAILED if failed else ANSWERED, None if failed else response,
                        hresult.strip() or None, message or None, self._clock(), row[0]))
            db.execute("UPDATE tickets SET answered=answered+?, failed=failed+?, "
                       "last_digest=? WHERE ticket=?",
                       (0 if failed else 1, 1 if failed else 0,
                        digest(response + hresult + message), ticket.ticket))
        return self.job(int(row[0]))

    def fail_waiting(self, user: str, hresult: str, message: str) -> int:
        """QuickBooks could not be reached: every queued job of ``user`` fails with its error."""
        with self._write() as db:
            return db.execute("UPDATE jobs SET state=?, hresult=?, message=?, finished_at=? "
                              "WHERE user=? AND state=?",
                              (FAILED, hresult, message, self._clock(), user, QUEUED)).rowcount

    def update_ticket(self, ticket: str, **values: Any) -> None:
        columns = ", ".join(f"{name}=?" for name in values)
        with self._write() as db:
            db.execute(f"UPDATE tickets SET {columns} WHERE ticket=?",   # noqa: S608 - our names
                       (*values.values(), ticket))

    def close_ticket(self, ticket: str) -> Ticket | None:
        self.update_ticket(ticket, closed_at=self._clock())
        return self.ticket(ticket)

    def record_poll(self, user: str, outcome: str, client: str = "") -> None:
        with self._write() as db:
            db.execute("INSERT INTO web_connectors (user, last_poll, last_outcome, "
                       "client_address) VALUES (?, ?, ?, ?) ON CONFLICT(user) DO UPDATE SET "
                       "last_poll=excluded.last_poll, last_outcome=excluded.last_outcome, "
                       "client_address=excluded.client_address",
                       (user, self._clock(), outcome, client))

    def record_host(self, user: str, company: str, version: str, country: str) -> None:
        with self._write() as db:
            db.execute("UPDATE web_connectors SET company=?, version=?, country=? WHERE user=?",
                       (company, version, country, user))

    def seen(self, user: str) -> WebConnectorSeen | None:
        row = self._one("SELECT * FROM web_connectors WHERE user=?", user)
        return WebConnectorSeen(**dict(row)) if row is not None else None

    # -- status --------------------------------------------------------------------------------
    def counts(self, user: str, since: float) -> dict[str, int]:
        """How many jobs of ``user`` are in each state (finished ones since ``since``)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT state, count(*) FROM jobs WHERE user=? AND (state IN (?, ?) OR "
                "finished_at >= ?) GROUP BY state", (user, QUEUED, SENT, since)).fetchall()
        found = {state: 0 for state in (QUEUED, SENT, *FINISHED)}
        found.update({row[0]: int(row[1]) for row in rows})
        return found

    def users(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT user FROM jobs UNION SELECT user FROM "
                                    "web_connectors ORDER BY 1").fetchall()
        return [row[0] for row in rows]

    def recent(self, user: str, limit: int = 10) -> list[Job]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs WHERE user=? ORDER BY id DESC LIMIT ?",
                                    (user, limit)).fetchall()
        return [Job(**dict(row)) for row in rows]
