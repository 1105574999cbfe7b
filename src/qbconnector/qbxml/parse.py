"""Parse qbXML response message sets into responses and typed records.

Each response carries its name, requestID, statusCode, statusSeverity, statusMessage,
retCount, iteratorID and iteratorRemainingCount; each record (``CustomerRet``,
``InvoiceRet``...) is a dict of typed values: Decimal amounts, date / datetime, bool, int,
nested dicts for aggregates and lists for elements that may repeat (always lists, even with
one item, so code does not break on the second line of an invoice). Attributes of an element
are kept under ``"@name"`` keys.

:func:`parse_response` reads a whole message set; :func:`stream_response` and
:func:`iter_records` read a file of any size with constant memory.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from lxml import etree

from qbconnector.errors import QBConnectorError
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml import xmlsafe
from qbconnector.qbxml.jsonify import jsonable
from qbconnector.qbxml.spec import Element
from qbconnector.qbxml.values import PARSERS, bool_value, parse_datetime


def _accelerator() -> Any:
    """The optional C reader (built by the package's build hook where a compiler is at hand),
    or None: not built, turned off by QBCONNECTOR_PURE_PYTHON=1, or built from another
    version of its source (then it could answer differently: not used)."""
    if os.environ.get("QBCONNECTOR_PURE_PYTHON") == "1":
        return None
    try:
        from qbconnector.qbxml import _fastparse
    except ImportError:
        return None
    source = Path(__file__).with_name("_fastparse.c")
    if source.exists() and hashlib.sha256(
            source.read_bytes()).hexdigest() != _fastparse.SOURCE_SHA:
        return None
    return _fastparse


_fastparse = _accelerator()
ACCELERATED = _fastparse is not None


class Record(dict):
    """One returned object (e.g. a ``CustomerRet``): a dict of typed values with its ``tag``."""

    __slots__ = ("tag",)

    def __init__(self, tag: str, values: dict[str, Any] | None = None) -> None:
        super().__init__(values or {})
        self.tag = tag

    def __repr__(self) -> str:
        return f"Record({self.tag!r}, {dict.__repr__(self)})"


@dataclass
class Response:
    """One response of a message set: status, iterator state and its records."""

    name: str
    status_code: int
    status_severity: str
    status_message: str
    request_id: str | None = None
    iterator_id: str | None = None
    iterator_remaining_count: int | None = None
    records: list[Record] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)   # values directly in the Rs
    size: int = 0      # characters of the message set it came in (set by the records API)

    @property
    def ret_count(self) -> int:
        return len(self.records)

    @property
    def is_error(self) -> bool:
        return self.status_severity == "Error"


@dataclass
class ResponseSet:
    """A parsed response message set."""

    responses: list[Response]
    family: str = "qbxml"
    attrs: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Response]:
        return iter(self.responses)

    def __len__(self) -> int:
        return len(self.responses)

    def __getitem__(self, index: int) -> Response:
        return self.responses[index]


# -- typed conversion -------------------------------------------------------------------------

_Plan = dict[str, tuple[Element, bool, Callable[[str], Any] | None]]
_PLANS: dict[int, _Plan] = {}


def _plan(element: Element) -> _Plan:
    """For an aggregate: child name -> (child spec, always a list?, value parser)."""
    plan = _PLANS.get(id(element))
    if plan is None:
        plan = {}
        _fill_plan(element.children, plan, False)
        _PLANS[id(element)] = plan
    return plan


def _fill_plan(particles: tuple, plan: _Plan, in_repeat: bool) -> None:
    for p in particles:
        if isinstance(p, Element):
            if p.name not in plan:
                plan[p.name] = (p, p.repeats or in_repeat, PARSERS.get(p.type))
        else:
            for branch in p.branches:
                _fill_plan(branch, plan, in_repeat or p.repeats)


def convert(el: etree._Element, element: Element | None) -> dict[str, Any]:
    """An aggregate element to a dict of typed values, following its spec when known.

    This is the hot loop of every parse, hence the local names and the single pass.
    """
    out: dict[str, Any] = {}
    if element is None or element.attrs:
        for key, value in el.items():
            out["@" + key] = value
    plan = _plan(element) if element is not None else _EMPTY
    get = plan.get
    for child in el:
        tag = child.tag
        entry = get(tag)
        if entry is None:
            if not isinstance(tag, str):
                continue
            value: Any = convert(child, None) if len(child) or child.attrib else (child.text or "")
            repeats = False
        else:
            child_spec, repeats, parser = entry
            if child_spec.type:
                text = child.text
                if text is None:
                    value = ""
                elif parser is None:
                    value = text
                else:
                    try:
                        value = parser(text)
                    except (ValueError, ArithmeticError):
                        value = text
                if child_spec.attrs and child.attrib:
                    value = {**{"@" + k: v for k, v in child.items()}, "#text": value}
            else:
                value = convert(child, child_spec)
        if repeats:
            bucket = out.get(tag)
            if bucket is None:
                out[tag] = [value]
            else:
                bucket.append(value)
        elif tag in out:
            current = out[tag]
            out[tag] = current + [value] if isinstance(current, list) else [current, value]
        else:
            out[tag] = value
    return out


_EMPTY: _Plan = {}


def _leaf_value(el: etree._Element, entry: tuple | None) -> Any:
    """A value that sits directly in a response (ListDelRs/ListID, ...), typed."""
    text = el.text or ""
    if entry is None or entry[2] is None or not text:
        return text
    try:
        return entry[2](text)
    except (ValueError, ArithmeticError):
        return text


def _response_meta(el: etree._Element) -> Response:
    return _response_of(el.tag, dict(el.attrib))


def _response_of(tag: str, attrs: dict[str, str]) -> Response:
    try:
        code = int(attrs.get("statusCode", "0"))
    except ValueError:
        code = -1
    remaining = attrs.get("iteratorRemainingCount")
    return Response(
        name=tag,
        status_code=code,
        status_severity=attrs.get("statusSeverity", ""),
        status_message=attrs.get("statusMessage", ""),
        request_id=attrs.get("requestID"),
        iterator_id=attrs.get("iteratorID"),
        iterator_remaining_count=int(remaining) if remaining and remaining.isdigit() else None,
        attrs=attrs,
    )


def _family_of(root_tag: str) -> str:
    return "qbposxml" if root_tag == "QBPOSXML" else "qbxml"


def _message_spec(sp: specmod.Spec, name: str) -> Element | None:
    return sp.messages.get(name)


class ResponseError(QBConnectorError, ValueError):
    """Text that is not a qbXML response message set."""


VALUES = ("typed", "json")


def parse_response(text: str | bytes, max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES, *,
                   values: str = "typed") -> ResponseSet:
    """Parse a whole response message set (safely) into responses and typed records.

    ``values="json"`` gives every value as :func:`~qbconnector.qbxml.jsonify.jsonable` would
    make it of the typed one (amounts and dates as text, booleans and integers typed), for
    code that writes them out again (exports): QuickBooks' text, already in that form, is
    kept as it is instead of being turned into Decimal or datetime and back.

    With the accelerator built, an ordinary message set is read in one pass of its bytes
    straight into records (a value repeated in the response is made once and shared: they are
    immutable; a record holding only such values is left out of the cycle collector's walks,
    as Python leaves its own dicts of them); anything else (errors included) goes the
    pure-Python way, which gives the same answer and says what is wrong.
    """
    if values not in VALUES:
        raise ValueError(f"values is one of {', '.join(VALUES)}, not {values!r}")
    try:
        data = xmlsafe.checked_bytes(text, max_bytes)
    except xmlsafe.XMLError as exc:
        raise ResponseError(str(exc)) from None
    if _fastparse is not None:
        with _collector_paused():
            fast = _fastparse.parse(data, _response_cplan, Record, _FAST_PARSERS,
                                    values == "json")
        if fast is not None:
            return _fast_set(*fast)
    try:
        root = xmlsafe.parse(data, max_bytes, keep_pis=False)
    except xmlsafe.XMLError as exc:
        raise ResponseError(str(exc)) from None
    if root.tag not in ("QBXML", "QBPOSXML"):
        raise ResponseError(f"not a qbXML response: the root element is {root.tag}")
    with _collector_paused():
        result = _convert_set(root)
        if values == "json":
            for response in result:
                response.fields = jsonable(response.fields)
                response.records = [Record(r.tag, jsonable(dict(r))) for r in response.records]
        return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a whole response is converted.

    The conversion makes hundreds of thousands of dicts, lists and values that stay alive
    and hold no reference cycles, so every collection along the way only walks the growing
    result: 20-35% of the parse time for a large response. The collector runs again (if it
    was on) as soon as the response is converted; nothing it would have freed is made here.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _convert_set(root: etree._Element) -> ResponseSet:
    family = _family_of(root.tag)
    sp = specmod.load(family)
    responses: list[Response] = []
    set_attrs: dict[str, str] = {}
    for msgs in root:
        if not msgs.tag.endswith("MsgsRs"):
            raise ResponseError(f"not a response message set: {msgs.tag}")
        set_attrs = dict(msgs.attrib)
        for rs in msgs:
            response = _response_meta(rs)
            rs_spec = _message_spec(sp, rs.tag)
            plan = _plan(rs_spec) if rs_spec is not None else {}
            append = response.records.append
            for ret in rs:
                entry = plan.get(ret.tag)
                if (entry is not None and entry[0].type) or (entry is None and len(ret) == 0):
                    response.fields[ret.tag] = _leaf_value(ret, entry)
                    continue
                append(Record(ret.tag, convert(ret, entry[0] if entry else None)))
            responses.append(response)
    return ResponseSet(responses, family, set_attrs)


# -- the accelerator's plans ------------------------------------------------------------------
# For the C reader: per aggregate, child tag -> (sub-plan, or None for a value; value code;
# parser; always a list?; the spec declares attributes). The codes name the parsers it knows.
_P_TEXT, _P_DECIMAL, _P_INT, _P_BOOL, _P_DATE, _P_DATETIME, _P_CALL = range(7)
_CODES: dict[Any, int] = {Decimal: _P_DECIMAL, int: _P_INT, bool_value: _P_BOOL,
                          date.fromisoformat: _P_DATE, parse_datetime: _P_DATETIME}
_FAST_PARSERS = (Decimal, date.fromisoformat, datetime.fromisoformat, parse_datetime, jsonable)
_CPLANS: dict[int, dict[str, tuple]] = {}


def _cplan(element: Element) -> dict[str, tuple]:
    plan = _CPLANS.get(id(element))
    if plan is None:
        plan = _CPLANS[id(element)] = {}        # before the children: specs may recurse
        for tag, (child, repeats, parser) in _plan(element).items():
            code = _P_TEXT if parser is None else _CODES.get(parser, _P_CALL)
            # interned, as the reader's tags are: a lookup then matches by identity
            plan[sys.intern(tag)] = (None if child.type else _cplan(child), code, parser,
                                     repeats, bool(child.attrs))
    return plan


def _response_cplan(root_tag: str, rs_tag: str) -> dict[str, tuple]:
    rs_spec = _message_spec(specmod.load(_family_of(root_tag)), rs_tag)
    return _cplan(rs_spec) if rs_spec is not None else {}


def _fast_set(root_tag: str, message_sets: list[tuple]) -> ResponseSet:
    responses: list[Response] = []
    for _, found in message_sets:
        for tag, attrs, fields, records in found:
            response = _response_of(tag, attrs)
            response.fields = fields
            response.records = records
            responses.append(response)
    set_attrs = message_sets[-1][0] if message_sets else {}   # the last one's, as with lxml
    return ResponseSet(responses, _family_of(root_tag), set_attrs)


# -- streaming --------------------------------------------------------------------------------

class StreamedResponse:
    """A response whose records are read on demand by :meth:`records` (once, in order).

    It has the same status and iterator attributes as :class:`Response`.
    """

    def __init__(self, meta: Response, reader: _StreamReader) -> None:
        self.name = meta.name
        self.status_code = meta.status_code
        self.status_severity = meta.status_severity
        self.status_message = meta.status_message
        self.request_id = meta.request_id
        self.iterator_id = meta.iterator_id
        self.iterator_remaining_count = meta.iterator_remaining_count
        self.attrs = meta.attrs
        self.fields: dict[str, Any] = {}
        self._reader = reader
        self.count = 0

    @property
    def ret_count(self) -> int:
        """Records read so far (all of them once :meth:`records` is exhausted)."""
        return self.count

    @property
    def is_error(self) -> bool:
        return self.status_severity == "Error"

    def records(self) -> Iterator[Record]:
        """Yield this response's records one by one; memory stays constant."""
        yield from self._reader.records_of(self)


class _StreamReader:
    """Reads start/end events, counting depth (cheaper than asking lxml for parents),
    converts each record when it ends and drops it from the tree so memory stays flat.

    Depth 1 is the root, 2 the message set, 3 a response, 4 a record.
    """

    def __init__(self, source: IO[bytes], max_bytes: int) -> None:
        self.events = xmlsafe.iterparse(source, ("start", "end"), max_bytes)
        self.current: StreamedResponse | None = None
        self.done_current = True
        self.spec = specmod.load("qbxml")
        self.depth = 0
        self.plan: _Plan = {}

    def responses(self) -> Iterator[StreamedResponse]:
        for event, el in self.events:
            if event == "start":
                self.depth += 1
                if self.depth == 1:
                    if el.tag not in ("QBXML", "QBPOSXML"):
                        raise ResponseError(f"not a qbXML response: the root element is {el.tag}")
                    self.spec = specmod.load(_family_of(el.tag))
                elif self.depth == 3:
                    rs_spec = _message_spec(self.spec, el.tag)
                    self.plan = _plan(rs_spec) if rs_spec is not None else {}
                    self.current = StreamedResponse(_response_meta(el), self)
                    self.done_current = False
                    yield self.current
                    if not self.done_current:
                        for _ in self.records_of(self.current):
                            pass
            else:
                self.depth -= 1
                if self.depth == 2:
                    el.clear()
                    _drop_previous(el)

    def records_of(self, response: StreamedResponse) -> Iterator[Record]:
        if response is not self.current or self.done_current:
            return
        depth = self.depth                   # the response's own depth
        plan_get = self.plan.get
        for event, el in self.events:
            if event == "start":
                self.depth += 1
                continue
            self.depth -= 1
            if self.depth == depth:          # a record ended
                entry = plan_get(el.tag)
                if (entry is not None and entry[0].type) or (entry is None and len(el) == 0):
                    response.fields[el.tag] = _leaf_value(el, entry)
                    el.clear()
                    _drop_previous(el)
                    continue
                record = Record(el.tag, convert(el, entry[0] if entry else None))
                el.clear()
                _drop_previous(el)
                response.count += 1
                yield record
            elif self.depth < depth:         # the response itself ended
                el.clear()
                _drop_previous(el)
                self.done_current = True
                return
        self.done_current = True


def _drop_previous(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _open(source: str | bytes | os.PathLike | IO[bytes]) -> IO[bytes]:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, str) and source.lstrip().startswith("<"):
        return io.BytesIO(xmlsafe.to_bytes(source))
    if isinstance(source, str | os.PathLike):
        return open(source, "rb")  # noqa: SIM115 - closed by the caller's generator
    return source


def stream_response(source: str | bytes | os.PathLike | IO[bytes],
                    max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES) -> Iterator[StreamedResponse]:
    """Yield responses one by one; read each one's records with ``response.records()``.

    ``source`` is response text, bytes, a path or a binary file. Memory stays constant
    whatever the size: records are converted and dropped from the tree as they are read.
    """
    handle = _open(source)
    try:
        yield from _StreamReader(handle, max_bytes).responses()
    except xmlsafe.XMLError as exc:
        raise ResponseError(str(exc)) from None
    finally:
        if handle is not source:
            handle.close()


def iter_records(source: str | bytes | os.PathLike | IO[bytes],
                 max_bytes: int = xmlsafe.DEFAULT_MAX_BYTES
                 ) -> Iterator[tuple[StreamedResponse, Record]]:
    """Yield ``(response, record)`` for every record of every response, streaming."""
    for response in stream_response(source, max_bytes):
        for record in response.records():
            yield response, record


def parse_request(text: str | bytes | etree._Element, family: str | None = None
                  ) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    """The requests of a request message set as (name, attributes, typed data) triples.

    No validation happens here; see :mod:`qbconnector.qbxml.validate`.
    """
    root = text if isinstance(text, etree._Element) else xmlsafe.parse(text)
    sp = specmod.load(family or _family_of(root.tag))
    out = []
    for msgs in root:
        if not isinstance(msgs.tag, str):
            continue
        for rq in msgs:
            if isinstance(rq.tag, str):
                data = convert(rq, _message_spec(sp, rq.tag))
                attrs = {k[1:]: data.pop(k) for k in list(data) if k.startswith("@")}
                out.append((rq.tag, attrs, data))
    return out
