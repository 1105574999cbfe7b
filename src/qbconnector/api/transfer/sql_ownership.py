"""Which tables of a database the export may replace: those it created, and no others.

Every table the export creates is listed in ``qbconnector_tables`` (name, when), in the same
transaction. A table of the same name that is not listed is the user's: when its columns are
exactly the export's (an export made before the list existed, or by hand to the same shape) it
is adopted; otherwise the export stops before writing anything, unless ``--replace``
(``replace=True``) says to drop it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from qbconnector.api.transfer.sinks import DestinationError

REGISTRY = "qbconnector_tables"


def _registry(sa: Any) -> Any:
    return sa.Table(REGISTRY, sa.MetaData(),
                    sa.Column("name", sa.String(128), primary_key=True),
                    sa.Column("created", sa.String(32), nullable=False))


def _owned(connection: Any, sa: Any) -> set[str]:
    if not sa.inspect(connection).has_table(REGISTRY):
        return set()
    registry = _registry(sa)
    return {row[0] for row in connection.execute(sa.select(registry.c.name))}


def _foreign(connection: Any, sa: Any, table: Any, owned: set[str]) -> bool:
    """Whether ``table``'s name is taken by a table the export did not create, of another
    shape (one of the same shape is taken as the export's)."""
    inspector = sa.inspect(connection)
    if table.name in owned or not inspector.has_table(table.name):
        return False
    theirs = {c["name"] for c in inspector.get_columns(table.name)}
    return theirs != {c.name for c in table.columns}


def check_tables(connection: Any, sa: Any, tables: list[Any], replace: bool) -> None:
    """Refuse, before anything is written, names taken by the user's own tables."""
    if replace:
        return
    owned = _owned(connection, sa)
    taken = [t.name for t in tables if _foreign(connection, sa, t, owned)]
    if taken:
        names = ", ".join(repr(n) for n in taken)
        raise DestinationError(
            f"the database already has {'a table' if len(taken) == 1 else 'tables'} {names} "
            "that the export did not create, with other columns: nothing was written. Export "
            "to another database, rename "
            f"{'it' if len(taken) == 1 else 'them'}, or give --replace to drop "
            f"{'it' if len(taken) == 1 else 'them'}")


def prepare_table(connection: Any, sa: Any, table: Any, merge: bool, replace: bool) -> None:
    """Create ``table`` (a SQLAlchemy Table) or make it ready to be written: a full export
    replaces a table it owns, a merge keeps it; a table it does not own is refused (unless
    its shape is the export's, or ``replace``)."""
    check_tables(connection, sa, [table], replace)
    owned = _owned(connection, sa)
    exists = sa.inspect(connection).has_table(table.name)
    if exists and (not merge or _foreign(connection, sa, table, owned)):
        table.drop(connection)
        exists = False
    if not exists:
        table.create(connection)
    if table.name not in owned:
        registry = _registry(sa)
        registry.create(connection, checkfirst=True)
        connection.execute(registry.insert().values(
            name=table.name, created=datetime.now(UTC).replace(microsecond=0).isoformat()))
