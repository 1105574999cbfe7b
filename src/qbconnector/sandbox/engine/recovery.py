"""qbXML error recovery: responses kept by message set ID, for the user and application that
sent them.

A message set with ``newMessageSetID`` has its response kept; one with ``oldMessageSetID``
asks about an earlier one. As QuickBooks documents it:

- ``oldMessageSetID`` with ``newMessageSetID``: the stored response of the old set when it was
  processed (and the current set is then not run); otherwise the current set runs normally.
- ``oldMessageSetID`` alone: a status check that also clears the stored status — the stored
  response once, or ``messageSetStatusCode="600"`` when the file keeps nothing under that ID
  (the requests of such a set are not run).
- ``oldMessageSetID="ClearAllMessageSets"`` forgets every stored status of the application.

QuickBooks keeps these per application; the sandbox keeps them per *user and* application, so
that users of one connector can neither read, replace, clear nor pre-empt each other's. A
read-only session stores, reads and clears nothing. Each user keeps at most
:data:`KEPT_PER_OWNER` responses, so one user's flood evicts only their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from qbconnector.qbxml import respond
from qbconnector.sandbox.storage.store import Store

KEPT_PER_OWNER = 1000
CLEAR_ALL = "ClearAllMessageSets"
NOTHING_STORED = 600
"""messageSetStatusCode: the oldMessageSetID matches no stored ID and no newMessageSetID came."""
MAX_ID_LENGTH = 23


@dataclass(frozen=True)
class Scope:
    """Whose stored statuses a session sees: the connector user ('' when the file is used
    directly) and the application name."""

    owner: str
    app: str
    read_only: bool = False


def status_only(code: int) -> str:
    """An answer with no responses, only a message set status code."""
    return respond.message_set([]).replace(
        "<QBXMLMsgsRs>", f'<QBXMLMsgsRs messageSetStatusCode="{code}">', 1)


class Recovery:
    """The stored statuses of one scope in one company file (call inside a transaction)."""

    def __init__(self, store: Store, scope: Scope) -> None:
        self.store = store
        self.scope = scope

    def answer(self, old_id: str, new_id: str | None) -> str | None:
        """The answer to a message set naming ``old_id``, or None when it is to be run."""
        if old_id == CLEAR_ALL:
            if not self.scope.read_only:
                self.store.db.execute("DELETE FROM message_sets WHERE owner=? AND app=?",
                                      (self.scope.owner, self.scope.app))
            return respond.message_set([], new_id)
        stored = None if self.scope.read_only else self.store.db.execute(
            "SELECT response FROM message_sets WHERE owner=? AND app=? AND id=?",
            (self.scope.owner, self.scope.app, old_id)).fetchone()
        if new_id is not None:
            return stored[0] if stored is not None else None
        if stored is None:
            return status_only(NOTHING_STORED)
        self.store.db.execute("DELETE FROM message_sets WHERE owner=? AND app=? AND id=?",
                              (self.scope.owner, self.scope.app, old_id))
        return stored[0]

    def remember(self, set_id: str, text: str) -> None:
        """Keep the response of a message set (a read-only session keeps nothing)."""
        if self.scope.read_only:
            return
        owner, app = self.scope.owner, self.scope.app
        self.store.db.execute(
            "INSERT OR REPLACE INTO message_sets (owner, app, id, response, created) "
            "VALUES (?, ?, ?, ?, ?)", (owner, app, set_id, text,
                                       self.store.clock.now().timestamp()))
        kept = self.store.db.execute("SELECT COUNT(*) FROM message_sets WHERE owner=?",
                                     (owner,)).fetchone()[0]
        if kept > KEPT_PER_OWNER:
            self.store.db.execute(
                "DELETE FROM message_sets WHERE rowid IN (SELECT rowid FROM message_sets "
                "WHERE owner=? ORDER BY created, rowid LIMIT ?)", (owner, kept - KEPT_PER_OWNER))
