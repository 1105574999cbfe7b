"""Export into a database through SQLAlchemy: one table per type, line tables, ``deleted``.

Column types follow the spec: amounts ``NUMERIC(18,2)``, prices/quantities/percents
``NUMERIC(20,5)`` (SQLite has no decimal type: there they are TEXT with the exact digits),
dates ``DATE``, booleans, integers, date-times as ``TIMESTAMP WITH TIME ZONE`` (SQLite has
none: there they are ISO 8601 text in UTC, which sorts in time order). Only tables the export
created are ever dropped (:mod:`qbconnector.api.transfer.sql_ownership`).
Each type is written in one transaction: a full export drops and recreates its tables, an
incremental one deletes the rows of changed or deleted records and inserts the new ones.
"""

from __future__ import annotations

import operator
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from qbconnector.api.transfer.sinks import DestinationError, TableHandle, TableSink
from qbconnector.api.transfer.sql_ownership import check_tables, prepare_table
from qbconnector.api.transfer.tables import DELETED, JSON, Table, TypeTables
from qbconnector.qbxml.values import parse_datetime


def _sqlalchemy() -> Any:
    try:
        import sqlalchemy
    except ImportError:
        raise ImportError("database export needs SQLAlchemy: pip install "
                          "'qbconnector[export]'") from None
    return sqlalchemy


@cache
def _types() -> dict[str, Any]:
    sa = _sqlalchemy()

    class AwareDateTime(sa.types.TypeDecorator):
        """A point in time; UTC ISO text on SQLite, TIMESTAMP WITH TIME ZONE elsewhere."""

        impl = sa.DateTime(timezone=True)
        cache_ok = True

        def load_dialect_impl(self, dialect: Any) -> Any:
            if dialect.name == "sqlite":
                return dialect.type_descriptor(sa.String(25))
            return dialect.type_descriptor(sa.DateTime(timezone=True))

        def process_bind_param(self, value: Any, dialect: Any) -> Any:
            if value is None or value == "":
                return None
            moment = value if isinstance(value, datetime) else parse_datetime(str(value))
            if not isinstance(moment, datetime):
                moment = datetime(moment.year, moment.month, moment.day)
            moment = moment.astimezone(UTC) if moment.tzinfo else \
                moment.replace(tzinfo=UTC)
            return moment.isoformat() if dialect.name == "sqlite" else moment

        def process_result_value(self, value: Any, dialect: Any) -> Any:
            if value is not None and dialect.name == "sqlite":
                return datetime.fromisoformat(value)
            return value

        def text_as_stored(self, dialect: Any, process: Any) -> Any:
            """The bind processor remembering the UTC text of the date-times it has seen
            (for the export's bulk insert): records made together share their TimeCreated
            and TimeModified, and each is parsed, moved to UTC and written out otherwise."""
            if dialect.name != "sqlite":
                return process
            seen: dict[str, Any] = {}

            def bind(value: Any) -> Any:
                if type(value) is not str:
                    return process(value)
                found = seen.get(value)
                if found is None:
                    if len(seen) >= SEEN_DATETIMES:
                        seen.clear()
                    found = seen[value] = process(value)
                return found
            return bind

    class ExactDecimal(sa.types.TypeDecorator):
        """NUMERIC with the spec's scale where the database has a decimal type; SQLite has
        none (its NUMERIC stores 0.1 as a binary float), so there the column is TEXT holding
        the exact digits. Values come back as Decimal with the column's scale either way."""

        impl = sa.String      # the binding adds nothing: process_bind_param says it all
        cache_ok = True

        def __init__(self, precision: int, scale: int) -> None:
            super().__init__()
            self.precision = precision
            self.scale = scale

        def load_dialect_impl(self, dialect: Any) -> Any:
            if dialect.name == "sqlite":
                return dialect.type_descriptor(sa.Text())
            return dialect.type_descriptor(sa.Numeric(self.precision, self.scale))

        def process_bind_param(self, value: Any, dialect: Any) -> Any:
            if value is None or value == "":
                return None
            if type(value) is str and dialect.name == "sqlite" and \
                    (_AMOUNT if self.scale == 2 else _PLAIN).fullmatch(value):
                return value                    # already as stored: QuickBooks' 12.50, 2.5
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return None
            if dialect.name != "sqlite":
                return number
            if self.scale <= 2:                 # amounts as QuickBooks writes them: 12.50
                number = number.quantize(Decimal(1).scaleb(-self.scale))
            return format(number, "f")

        def process_result_value(self, value: Any, dialect: Any) -> Any:
            if value is None:
                return None
            return Decimal(str(value)).quantize(Decimal(1).scaleb(-self.scale))

        def text_as_stored(self, dialect: Any, process: Any) -> Any:
            """The bind processor with the text it would store unchanged passed straight
            through (most of QuickBooks' amounts), for the export's bulk insert."""
            if dialect.name != "sqlite":
                return process
            match = (_AMOUNT if self.scale == 2 else _PLAIN).fullmatch

            def bind(value: Any) -> Any:
                if type(value) is str and match(value):
                    return value
                return process(value)
            return bind

    return {"AwareDateTime": AwareDateTime, "ExactDecimal": ExactDecimal}


def column_type(kind: str, maxlen: int) -> Any:
    """The SQLAlchemy type of a spec value type."""
    sa = _sqlalchemy()
    custom = _types()
    if kind == "AMTTYPE":
        return custom["ExactDecimal"](18, 2)
    if kind in ("PRICETYPE", "QUANTYPE", "PERCENTTYPE"):
        return custom["ExactDecimal"](20, 5)
    if kind == "FLOATTYPE":
        return sa.Float()
    if kind == "INTTYPE":
        return sa.BigInteger()
    if kind == "BOOLTYPE":
        return sa.Boolean()
    if kind == "DATETYPE":
        return sa.Date()
    if kind == "DATETIMETYPE":
        return custom["AwareDateTime"]()
    if kind == JSON or not maxlen or maxlen > 4000:
        return sa.Text()
    return sa.String(maxlen)


def sql_table(table: Table, metadata: Any) -> Any:
    """The SQLAlchemy Table of a flat table (primary key: the record ID, or TxnID + line)."""
    sa = _sqlalchemy()
    if table.name == DELETED.name:
        primary = {"type", "id"}
    elif table.key == ("txn_line_id",):
        primary = {"txn_id", "line_no"}
    else:
        primary = set(table.key)
    columns = [sa.Column(c.name, column_type(c.type, c.maxlen), primary_key=c.name in primary,
                         autoincrement=False)
               for c in table.columns]
    return sa.Table(table.name, metadata, *columns)


_CONVERTED = frozenset({"DATETYPE", "BOOLTYPE", "INTTYPE"})
SEEN_DATETIMES = 4096
"""Date-time texts one INSERT's converter remembers (then it starts afresh)."""
# Text that format(Decimal(text), "f") gives back unchanged (with two places, for amounts).
_AMOUNT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]{2}")
_PLAIN = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def _value(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "DATETYPE" and not isinstance(value, date):
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
    if kind == "BOOLTYPE" and not isinstance(value, bool):
        return str(value).lower() in ("true", "1")
    if kind == "INTTYPE" and not isinstance(value, int):
        try:
            return int(value)
        except ValueError:
            return None
    return value


def _sqlite_date(value: Any) -> Any:
    """A date for SQLite, which stores it as ISO text: QuickBooks' own text (2024-05-01), once
    checked to be a date, as it is; anything else made a date first (the driver writes that
    as the same text), or NULL."""
    if type(value) is str and len(value) == 10 and value[4] == value[7] == "-":
        try:
            date.fromisoformat(value)
        except ValueError:
            return None
        return value
    return _value(value, "DATETYPE")


def _converted(kind: str, process: Any) -> Any:
    """A date, boolean or integer column's conversion, then its bind processor."""
    if process is None:
        return lambda value: _value(value, kind)

    def convert(value: Any) -> Any:
        value = _value(value, kind)
        return None if value is None else process(value)
    return convert


@dataclass(frozen=True)
class _Insert:
    """An INSERT of some of a table's columns, ready for the driver: its SQL, the columns'
    names and indexes in parameter order, and each one's conversion (None: as it is)."""

    sql: str
    names: list[str]
    positions: list[int]
    converters: list[Any]
    positional: bool


def _filled(columns: list[tuple[Any, ...]], size: int) -> tuple[int, ...]:
    """The indexes of the columns holding a value other than None and '' in some row. A
    column with a true value is found at its first one; only columns without (empty ones,
    or holding only 0 or False) are counted through."""
    found = []
    for index, column in enumerate(columns):
        if any(column):
            found.append(index)
        else:
            empty = column.count(None)
            if empty != size and empty + column.count("") < size:
                found.append(index)
    return tuple(found)


class _SqlHandle(TableHandle):
    """A table inside the sink's open transaction (SQLite allows one writer at a time)."""

    takes_values = True

    def __init__(self, connection: Any, table: Table, match: tuple[str, ...],
                 merge: bool, replace: bool = False) -> None:
        super().__init__(table, match, merge)
        sa = _sqlalchemy()
        self.sql = sql_table(table, sa.MetaData())
        self.connection = connection
        prepare_table(connection, sa, self.sql, merge, replace)
        self._kinds = {c.name: c.type for c in table.columns}
        self._names = [c.name for c in self.sql.columns]
        self._inserts: dict[tuple[int, ...], _Insert] = {}

    def _insert_for(self, present: tuple[int, ...]) -> _Insert:
        """The INSERT naming only the columns at ``present`` (indexes into the table's
        columns), compiled once for this database, with one function each for the columns
        whose values change on the way in (the conversion of dates, booleans and integers,
        then the column's own bind processor): rows then go straight to the driver's
        executemany, stored exactly as SQLAlchemy would store them."""
        found = self._inserts.get(present)
        if found is not None:
            return found
        dialect = self.connection.dialect
        chosen = [self._names[i] for i in present]
        compiled = self.sql.insert().compile(dialect=dialect, column_keys=chosen)
        order = list(compiled.positiontup) if compiled.positional else chosen
        position = {name: i for i, name in zip(present, chosen, strict=True)}
        converters: list[Any] = []
        for name in order:
            column_type = self.sql.c[name].type
            process = column_type.bind_processor(dialect)
            kind = self._kinds[name]
            if kind == "DATETYPE" and process is None and dialect.name == "sqlite":
                converters.append(_sqlite_date)
            elif kind in _CONVERTED:
                converters.append(_converted(kind, process))
            elif process is not None:
                fast = getattr(column_type, "text_as_stored", None)
                converters.append(fast(dialect, process) if fast else process)
            else:
                converters.append(None)
        found = self._inserts[present] = _Insert(
            compiled.string, order, [position[name] for name in order], converters,
            bool(compiled.positional))
        return found

    def _delete(self, keys: list[tuple[Any, ...]]) -> None:
        sa = _sqlalchemy()
        for start in range(0, len(keys), 400):
            chunk = keys[start:start + 400]
            if len(self.match) == 1:
                condition = self.sql.c[self.match[0]].in_([k[0] for k in chunk])
            else:
                condition = sa.tuple_(*(self.sql.c[m] for m in self.match)).in_(chunk)
            self.connection.execute(self.sql.delete().where(condition))

    def append(self, rows: list[dict[str, Any]], keys: list[tuple[Any, ...]]) -> None:
        if self.merge and keys:
            self._delete(keys)
        if not rows:
            return
        if type(rows[0]) is list:      # values in column order (flatten_values)
            columns = list(zip(*rows, strict=True))
        else:
            names = self._names
            # Every row has every column (flatten makes them so): one C call takes them all,
            # and one more turns the rows into columns.
            take = operator.itemgetter(*names) if len(names) > 1 else \
                (lambda row: (row[names[0]],))
            columns = list(zip(*map(take, rows), strict=True))
        # Columns empty in every row of the batch are left out of the INSERT (they are NULL
        # all the same): a record fills a fraction of its type's columns, and SQLite then
        # binds and copies far fewer values.
        present = _filled(columns, len(rows))
        insert = self._insert_for(present)
        ready = []
        for index, convert in zip(insert.positions, insert.converters, strict=True):
            column = columns[index]
            if convert is not None:
                column = [None if value is None or value == "" else convert(value)
                          for value in column]
            elif "" in column:
                column = [None if value == "" else value for value in column]
            ready.append(column)
        prepared: list[Any] = list(zip(*ready, strict=True))
        if not insert.positional:
            prepared = [dict(zip(insert.names, values, strict=True)) for values in prepared]
        self.connection.exec_driver_sql(insert.sql, prepared)

    def remove(self, keys: list[tuple[Any, ...]]) -> None:
        if keys:
            self._delete(keys)

    def commit(self) -> None:
        """Nothing of its own: the sink commits the type's transaction."""

    def abort(self) -> None:
        """Nothing of its own: the sink rolls the type's transaction back."""


class SqlSink(TableSink):
    """Tables in a database named by a SQLAlchemy URL."""

    def __init__(self, url: str, replace: bool = False) -> None:
        super().__init__()
        sa = _sqlalchemy()
        self.replace = replace
        try:
            self.engine = sa.create_engine(url)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise DestinationError(f"{sa.engine.make_url(url).render_as_string()}: {exc}") \
                from None
        except ImportError as exc:
            raise DestinationError(f"the database driver is not installed: {exc}") from None
        self.description = self.engine.url.render_as_string(hide_password=True)
        self._check_reachable(sa)
        self._connection: Any = None
        self._transaction: Any = None

    def _check_reachable(self, sa: Any) -> None:
        """Refuse, before anything is read from QuickBooks, a database that cannot be opened
        (a SQLite file in a folder that does not exist, a server that does not answer)."""
        database = self.engine.url.database
        if self.engine.url.get_backend_name() == "sqlite" and database and \
                database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DestinationError(f"{self.description}: no folder {folder} for the "
                                       "database file")
        try:
            with self.engine.connect():
                pass
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise DestinationError(f"{self.description}: cannot open the database: "
                                   f"{reason}") from None

    def prepare(self, types: list[TypeTables]) -> None:
        """Check every table of the export before the first is written."""
        sa = _sqlalchemy()
        wanted = [sql_table(t, sa.MetaData()) for tables in types
                  for t in (tables.records, tables.lines, DELETED) if t is not None]
        with self.engine.connect() as connection:
            check_tables(connection, sa, wanted, self.replace)

    def location(self, table: Table) -> str:
        return table.name

    def begin(self, tables: TypeTables, merge: bool) -> None:
        self._connection = self.engine.connect()
        self._transaction = self._connection.begin()
        super().begin(tables, merge)

    def open_table(self, table: Table, match: tuple[str, ...], merge: bool) -> TableHandle:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=_sqlalchemy().exc.SAWarning)
            return _SqlHandle(self._connection, table, match, merge, self.replace)

    def end(self) -> None:
        super().end()
        super().close()            # the deleted rows of this type, in the same transaction
        self._transaction.commit()
        self._connection.close()
        self._connection = self._transaction = None

    def close(self) -> None:
        self.engine.dispose()

    def abort(self) -> None:
        super().abort()
        if self._transaction is not None:
            self._transaction.rollback()
            self._connection.close()
            self._connection = self._transaction = None
        self.engine.dispose()
