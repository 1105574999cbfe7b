"""Change data capture: what changed since a moment, deletions included — the only way QBO
tells of deleted transactions.

    for change in qb.changes(["customers", "invoices"], since=yesterday):
        print(change.type_name, change.id, "deleted" if change.deleted else change.record)

QBO looks back at most 30 days and answers at most 1,000 objects per call. Entities are
asked one at a time; when one answers 1,000, it is asked again from the newest change seen
(records seen twice are given once, newest version), so long windows come whole. A
``since`` past the window raises :class:`ChangeWindowError` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from qbconnector.errors import ValidationError
from qbconnector.qbo.typed import QBORecord, record
from qbconnector.qbo_wire.values import parse_datetime

if TYPE_CHECKING:
    from qbconnector.qbo.connection import QBOConnection

WINDOW = timedelta(days=30)
LIMIT = 1000
UNSUPPORTED = ("TimeActivity", "TaxCode", "TaxRate", "JournalCode", "TaxAgency")


class ChangeWindowError(ValidationError):
    """``since`` is further back than QBO's 30-day change window."""


@dataclass(frozen=True)
class Change:
    """One changed record: its current version, or (``deleted``) only its Id and time."""

    type_name: str
    id: str
    deleted: bool
    time: datetime | None
    record: QBORecord | None = None


def within_window(since: datetime, now: datetime | None = None,
                  margin: timedelta = timedelta(minutes=10)) -> bool:
    """Whether ``since`` is inside QBO's 30 days (with a margin for clock differences)."""
    now = now or datetime.now(UTC)
    return since >= now - WINDOW + margin


def changes(connection: QBOConnection, types: Iterable[str], since: datetime) -> Iterator[Change]:
    """Every change of ``types`` (collection or entity names) at or after ``since``."""
    if since.tzinfo is None:
        raise ValidationError("since needs a UTC offset (an aware datetime)")
    if not within_window(since):
        raise ChangeWindowError(f"QBO's change data capture looks back at most 30 days; "
                                f"{since.isoformat()} is further back (export a full copy)")
    for name in types:
        entity = connection.collection(name).type_name
        if entity in UNSUPPORTED:
            raise ValidationError(f"QBO's change data capture does not cover {entity}")
        yield from _entity_changes(connection, entity, since)


def _entity_changes(connection: QBOConnection, entity: str, since: datetime
                    ) -> Iterator[Change]:
    seen: dict[str, Change] = {}
    mark = since
    while True:
        answer = connection.session.get("cdc", {"entities": entity,
                                                "changedSince": mark.isoformat()},
                                        operation="changes", entity=entity)
        rows = _rows(answer, entity)
        newest = mark
        for row in rows:
            change = _change(entity, row)
            seen[change.id] = change
            if change.time is not None and change.time > newest:
                newest = change.time
        if len(rows) < LIMIT or newest <= mark:
            break
        mark = newest
    yield from seen.values()


def _rows(answer: Any, entity: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for block in (answer or {}).get("CDCResponse") or []:
        for response in block.get("QueryResponse") or []:
            rows.extend(response.get(entity) or [])
    return rows


def _change(entity: str, row: dict[str, Any]) -> Change:
    stamp = (row.get("MetaData") or {}).get("LastUpdatedTime")
    moment = parse_datetime(stamp) if isinstance(stamp, str) else None
    if row.get("status") == "Deleted":
        return Change(entity, str(row.get("Id")), True, moment)
    return Change(entity, str(row.get("Id")), False, moment, record(entity, row))
