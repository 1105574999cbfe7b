"""QuickBooks Online's query language: a parser (for the double) and a builder (for clients).

    SELECT * | COUNT(*) | field[, field…] FROM Entity
        [WHERE prop op value [AND …]] [ORDERBY|ORDER BY prop [ASC|DESC][, …]]
        [STARTPOSITION n] [MAXRESULTS n]

Operators ``= < > <= >= IN LIKE``; values are single-quoted strings (backslash escapes),
numbers, ``true`` and ``false``. ``parse`` raises :class:`QueryError` carrying QBO's fault:
4000 with a ``QueryParserError`` detail for text it cannot read, 4001 with a
``QueryValidationError`` detail for what it reads but rejects (OR, unknown entity or property).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.faults import QBOFault, fault

OPERATORS = ("=", "<", ">", "<=", ">=", "IN", "LIKE")
MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 100
#: Which operators each kind of property takes (QBO's reference marks them per property).
OPERATORS_BY_KIND = {
    "string": {"=", "IN", "LIKE", "<", ">", "<=", ">="},
    "enum": {"=", "IN"},
    "ref": {"=", "IN"},
    "boolean": {"=", "IN"},
    "decimal": {"=", "IN", "<", ">", "<=", ">="},
    "integer": {"=", "IN", "<", ">", "<=", ">="},
    "date": {"=", "IN", "<", ">", "<=", ">="},
    "datetime": {"=", "IN", "<", ">", "<=", ">="},
}


class QueryError(QBOFault):
    """A query QBO rejects (fault 4000 or 4001)."""


def _error(code: str, detail: str) -> QueryError:
    base = fault(code, detail)
    return QueryError(base.errors, base.type, base.status)


@dataclass(frozen=True)
class Condition:
    """``prop op value``; for IN, ``value`` is a tuple."""

    prop: str
    op: str
    value: Any


@dataclass(frozen=True)
class Query:
    """A parsed (or built) query."""

    entity: str
    count: bool = False
    fields: tuple[str, ...] = ()
    where: tuple[Condition, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (prop, descending)
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS

    def text(self) -> str:
        """The query as QBO reads it (with correct quoting)."""
        return build(self.entity, count=self.count, fields=self.fields, where=self.where,
                     order_by=[(p, "DESC" if d else "ASC") for p, d in self.order_by],
                     start_position=self.start_position, max_results=self.max_results)


# --- builder ---------------------------------------------------------------------------

def quote(value: Any) -> str:
    """A literal for query text: strings single-quoted with ``\\`` and ``'`` escaped."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return quote(value.isoformat())
    if isinstance(value, date):
        return quote(value.isoformat())
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    raise TypeError(f"cannot quote {type(value).__name__} for a QBO query")


def build(entity: str, *, count: bool = False, fields: Sequence[str] = (),
          where: Iterable[Condition | tuple] = (), order_by: Iterable[tuple[str, str] | str] = (),
          start_position: int | None = None, max_results: int | None = None) -> str:
    """Query text from parts; every name is checked against the spec, every value quoted.

    ``where`` takes Conditions or ``(prop, op, value)`` tuples (``IN`` takes a sequence);
    ``order_by`` takes ``"TxnDate"`` or ``("TxnDate", "DESC")``.
    """
    target = spec.entity(entity)
    if count:
        head = "SELECT COUNT(*)"
    elif fields:
        head = "SELECT " + ", ".join(_checked_prop(target, f) for f in fields)
    else:
        head = "SELECT *"
    parts = [f"{head} FROM {target.name}"]
    conditions = []
    for item in where:
        cond = item if isinstance(item, Condition) else Condition(*item)
        op = cond.op.upper()
        if op not in OPERATORS:
            raise ValueError(f"operator {cond.op!r} is not one of {', '.join(OPERATORS)}")
        prop = _checked_prop(target, cond.prop)
        if op == "IN":
            values = list(cond.value)
            if not values:
                raise ValueError(f"IN needs at least one value ({prop})")
            conditions.append(f"{prop} IN ({', '.join(quote(v) for v in values)})")
        else:
            conditions.append(f"{prop} {op} {quote(cond.value)}")
    if conditions:
        parts.append("WHERE " + " AND ".join(conditions))
    orders = []
    for item in order_by:
        prop, direction = (item, "ASC") if isinstance(item, str) else item
        if direction.upper() not in ("ASC", "DESC"):
            raise ValueError(f"order direction {direction!r} is not ASC or DESC")
        orders.append(f"{_checked_prop(target, prop)} {direction.upper()}")
    if orders:
        parts.append("ORDERBY " + ", ".join(orders))
    if start_position is not None:
        if start_position < 1:
            raise ValueError("STARTPOSITION starts at 1")
        parts.append(f"STARTPOSITION {int(start_position)}")
    if max_results is not None:
        if not 1 <= max_results <= MAX_RESULTS:
            raise ValueError(f"MAXRESULTS is 1 to {MAX_RESULTS}")
        parts.append(f"MAXRESULTS {int(max_results)}")
    return " ".join(parts)


def _checked_prop(target: spec.EntitySpec, prop: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", prop):
        raise ValueError(f"{prop!r} is not a property name")
    resolved = resolve_property(target, prop)
    if resolved is None:
        raise ValueError(f"{target.name} has no property {prop!r}")
    return resolved[0]


# --- property resolution ---------------------------------------------------------------

def resolve_property(target: spec.EntitySpec, prop: str) -> tuple[str, str] | None:
    """(canonical dotted name, value kind) for a property, names matched case-insensitively."""
    type_: spec.TypeSpec = target
    names = []
    kind = ""
    parts = prop.split(".")
    for i, part in enumerate(parts):
        match = next((f for n, f in type_.fields.items() if n.lower() == part.lower()), None)
        if match is None:
            if i == len(parts) - 1 and part.lower() == "value" and kind == "ref":
                return ".".join(names), "ref"
            return None
        names.append(match.name)
        kind = match.kind
        if match.object_type and i < len(parts) - 1:
            type_ = spec.type_spec(match.object_type)
        elif i < len(parts) - 1 and kind != "ref":
            return None
    if kind.startswith("object:"):
        return None
    return ".".join(names), kind.split(":")[0]


# --- parser ----------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<unterminated>'(?:[^'\\]|\\.)*\\?$)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),*;])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

KEYWORDS = {"select", "from", "where", "and", "or", "in", "like", "order", "by", "orderby",
            "asc", "desc", "startposition", "maxresults", "count", "iterator", "true", "false",
            "null", "not", "join", "group", "having", "limit", "offset"}


@dataclass
class _Token:
    kind: str  # name, keyword, string, number, op, punct, other, eof
    text: str
    column: int
    value: Any = None

    def describe(self) -> str:
        if self.kind == "eof":
            return '"<EOF>"'
        if self.kind == "keyword":
            word = self.text.lower()
            label = f"<{word.upper()}>" if word in ("and", "or") else f'"{word}"'
            return f'" {label} "{self.text} ""'
        label = {"name": "<IDENTIFIER>", "string": "<STRING_LITERAL>", "number": "<NUMBER>"}.get(
            self.kind, f'"{self.text}"')
        return f'" {label} "{self.text} ""'


def _tokens(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        chunk = match.group()
        column = match.start() + 1
        if kind == "ws":
            continue
        if kind == "unterminated":
            raise _error("4000", f"QueryParserError: Lexical error at line 1, column "
                                 f"{len(text) + 1}.  Encountered: <EOF> after : \"{chunk}\"")
        if kind == "other":
            raise _error("4000", f"QueryParserError: Lexical error at line 1, column {column}."
                                 f"  Encountered: \"{chunk}\"")
        token = _Token(kind, chunk, column)
        if kind == "name" and chunk.lower() in KEYWORDS:
            token.kind = "keyword"
        if kind == "string":
            token.value = re.sub(r"\\(.)", r"\1", chunk[1:-1], flags=re.DOTALL)
        elif kind == "number":
            token.value = Decimal(chunk) if "." in chunk else int(chunk)
        tokens.append(token)
    tokens.append(_Token("eof", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.current
        self.pos += 1
        return token

    def is_word(self, *words: str) -> bool:
        return self.current.kind == "keyword" and self.current.text.lower() in words

    def expect_word(self, word: str, expected: Sequence[str]) -> None:
        if not self.is_word(word):
            self.fail(expected)
        self.take()

    def expect_punct(self, char: str, expected: Sequence[str]) -> None:
        if self.current.text != char or self.current.kind != "punct":
            self.fail(expected)
        self.take()

    def fail(self, expected: Sequence[str]) -> None:
        token = self.current
        head = "Was expecting:" if len(expected) == 1 else "Was expecting one of:"
        lines = "".join(f"    {e} ...\n" for e in expected)
        raise _error("4000", f"QueryParserError: Encountered {token.describe()} at line 1, "
                             f"column {token.column}.\n{head}\n{lines}    ")

    def name(self) -> _Token:
        if self.current.kind != "name":
            self.fail(["<IDENTIFIER>"])
        return self.take()

    def parse(self) -> tuple:
        self.expect_word("select", ['"select"'])
        count = False
        fields: list[_Token] = []
        if self.current.text == "*":
            self.take()
            while self.current.text == ",":  # "SELECT *, Sku" as python-quickbooks sends
                self.take()
                fields.append(self.name())
        elif self.is_word("count"):
            self.take()
            self.expect_punct("(", ['"("'])
            self.expect_punct("*", ['"*"'])
            self.expect_punct(")", ['")"'])
            count = True
        else:
            fields.append(self.name())
            while self.current.text == ",":
                self.take()
                fields.append(self.name())
        self.expect_word("from", ['"from"', '","'])
        entity = self.name()
        where: list[tuple[_Token, str, Any]] = []
        has_or = False
        tail = ['<EOF>', '"where"', '"orderby"', '"order"', '"startposition"', '"maxresults"']
        if self.is_word("where"):
            self.take()
            where.append(self.condition())
            while self.is_word("and", "or"):
                has_or = has_or or self.take().text.lower() == "or"
                where.append(self.condition())
            tail = ['<EOF>', '<AND>', '"iterator"', '"maxresults"', '<OR>', '"order"',
                    '"orderby"', '"startposition"']
        order: list[tuple[_Token, bool]] = []
        if self.is_word("order", "orderby"):
            if self.take().text.lower() == "order":
                self.expect_word("by", ['"by"'])
            order.append(self.order_item())
            while self.current.text == ",":
                self.take()
                order.append(self.order_item())
        start = maximum = None
        while self.is_word("startposition", "maxresults", "iterator"):
            word = self.take().text.lower()
            if self.current.kind != "number" or not isinstance(self.current.value, int):
                self.fail(["<INTEGER>"])
            number = self.take().value
            if word == "startposition":
                start = number
            elif word == "maxresults":
                maximum = number
        if self.current.text == ";":
            self.take()
        if self.current.kind != "eof":
            self.fail(tail)
        return count, fields, entity, where, has_or, order, start, maximum

    def condition(self) -> tuple[_Token, str, Any]:
        prop = self.name()
        if self.is_word("in"):
            self.take()
            self.expect_punct("(", ['"("'])
            values = [self.value()]
            while self.current.text == ",":
                self.take()
                values.append(self.value())
            self.expect_punct(")", ['")"', '","'])
            return prop, "IN", tuple(values)
        if self.is_word("like"):
            self.take()
            if self.current.kind != "string":
                self.fail(["<STRING_LITERAL>"])
            return prop, "LIKE", self.take().value
        if self.current.kind != "op" or self.current.text in ("!=", "<>"):
            self.fail(['"="', '"<"', '">"', '"<="', '">="', '"in"', '"like"'])
        op = self.take().text
        return prop, op, self.value()

    def value(self) -> Any:
        token = self.current
        if token.kind in ("string", "number"):
            return self.take().value
        if token.kind == "keyword" and token.text.lower() in ("true", "false"):
            self.take()
            return token.text.lower() == "true"
        self.fail(["<STRING_LITERAL>", "<NUMBER>", '"true"', '"false"'])
        return None  # unreachable

    def order_item(self) -> tuple[_Token, bool]:
        prop = self.name()
        descending = False
        if self.is_word("asc", "desc"):
            descending = self.take().text.lower() == "desc"
        return prop, descending


def parse(text: str) -> Query:
    """Parse and validate query text against the spec; QueryError (4000/4001) when rejected."""
    if not isinstance(text, str) or not text.strip():
        raise _error("4000", "QueryParserError: Encountered \"<EOF>\" at line 1, column 1.\n"
                             "Was expecting:\n    \"select\" ...\n    ")
    count, fields, entity_token, where, has_or, order, start, maximum = _Parser(text).parse()
    target = spec.entity_named(entity_token.text)
    if target is None:
        raise _error("4001", f"QueryValidationError: invalid context declaration: "
                             f"{entity_token.text}")
    if has_or:
        raise _error("4001", "QueryValidationError: OR operator is not supported, use IN or "
                             "separate queries")
    conditions = []
    for prop_token, op, value in where:
        resolved = resolve_property(target, prop_token.text)
        if resolved is None:
            raise _error("4001", f"QueryValidationError: property '{prop_token.text}' is not "
                                 f"queryable")
        name, kind = resolved
        if name not in target.filterable and name.split(".")[0] not in target.filterable:
            raise _error("4001", f"QueryValidationError: property '{name}' is not queryable")
        allowed = OPERATORS_BY_KIND.get(kind, {"=", "IN"})
        if op not in allowed:
            raise _error("4001", f"QueryValidationError: operator '{op}' is not supported for "
                                 f"property '{name}'")
        conditions.append(Condition(name, op, value))
    ordered = []
    for prop_token, descending in order:
        resolved = resolve_property(target, prop_token.text)
        if resolved is None:
            raise _error("4001", f"QueryValidationError: property '{prop_token.text}' is not "
                                 f"sortable")
        ordered.append((resolved[0], descending))
    for token in fields:
        if resolve_property(target, token.text) is None and \
                not any(f.lower() == token.text.lower() for f in target.fields):
            raise _error("4001", f"QueryValidationError: property '{token.text}' is not "
                                 f"queryable")
    for number in (start, maximum):
        if number is not None and number < 1:
            raise _error("4001", f"QueryValidationError: value {number} is too small. Min "
                                 f"allowed value is 1")
    if maximum is not None and maximum > MAX_RESULTS:
        raise _error("4001", f"QueryValidationError: value {maximum} is too large. Max allowed "
                             f"value is {MAX_RESULTS}")
    return Query(target.name, count, tuple(t.text for t in fields), tuple(conditions),
                 tuple(ordered), start or 1, maximum or DEFAULT_MAX_RESULTS)


@dataclass
class Page:
    """One page of results as a double answers it (``maxResults`` = rows returned)."""

    entity: str
    rows: list = field(default_factory=list)
    start_position: int = 1
    total_count: int | None = None
