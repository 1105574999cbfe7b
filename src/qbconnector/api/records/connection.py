"""A connection: one Session, the qbXML version to speak, and the collections.

Writes are sent with qbXML error recovery: each write message set carries a fresh
``newMessageSetID``; if the connection breaks after it was sent, the same message set is
sent again with ``oldMessageSetID`` naming it, and QuickBooks (or the sandbox) answers with
the stored response of the first attempt if that one was processed — so a retried add never
creates a second record. Reads are simply retried.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import secrets
import string
from functools import cached_property
from typing import Any

from qbconnector.api.records import errors
from qbconnector.api.records.batch import Batch
from qbconnector.api.records.collections import Collection
from qbconnector.api.records.naming import plural
from qbconnector.api.records.reports import Report, run_desktop_report
from qbconnector.errors import AuthenticationError, PermissionDeniedError, TargetError
from qbconnector.errors import ValidationError as InvalidRequest
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.access import is_read_only
from qbconnector.qbxml.build import Message, build, request_name
from qbconnector.qbxml.parse import ResponseError, ResponseSet, parse_response
from qbconnector.qbxml.session import RequestProcessorError, Session, TransportError
from qbconnector.qbxml.spec import version_key
from qbconnector.qbxml.validate import Problem
from qbconnector.targets import make_connection, make_session, resolve

log = logging.getLogger(__name__)
# Failures a session reports with a class of their own: passed on as they are, not wrapped.
_OWN_KINDS = (AuthenticationError, PermissionDeniedError, TargetError)
_ALPHABET = string.ascii_letters + string.digits


def message_set_id() -> str:
    """A fresh error-recovery ID (QuickBooks allows up to 23 characters)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(22))


class Connection:
    """A reusable connection to one company file through any Session."""

    def __init__(self, session: Session, *, version: str | None = None, page_size: int = 500,
                 retries: int = 2, prefetch: bool = True) -> None:
        self.session = session
        self._requested_version = version
        self.page_size = page_size
        self.retries = retries
        self.prefetch = prefetch
        self._open = False

    # -- life cycle -------------------------------------------------------------------------
    def open(self) -> Connection:
        if not self._open:
            try:
                self.session.open()
            except _OWN_KINDS:
                raise      # refused credentials, client or target: already of a public kind
            except RequestProcessorError as exc:
                raise errors.SessionError(str(exc), exc.hresult) from exc
            self._open = True
        return self

    def close(self) -> None:
        if self._open:
            self._open = False
            self.session.close()

    def __enter__(self) -> Connection:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @cached_property
    def version(self) -> str:
        """The qbXML version spoken: as asked, else the newest both sides know."""
        known = specmod.load().versions
        if self._requested_version:
            return specmod.load().check_version(self._requested_version)
        self.open()
        offered = [v for v in self.session.versions() if _parses(v)]
        common = [v for v in known if any(version_key(v) == version_key(o) for o in offered)]
        return common[-1] if common else known[-1]

    # -- raw and message-level access -------------------------------------------------------
    def process(self, request: str) -> str:
        """Send raw qbXML and return the raw response (no retries, no parsing)."""
        self.open()
        return self.session.process(request)

    def send(self, messages: list[Message], on_error: str = "stopOnError",
             values: str = "typed") -> ResponseSet:
        """Send messages in one message set; retries safely when the connection breaks.
        ``values`` is how the response's values come (see ``parse_response``)."""
        return self.read(self.exchange(messages, on_error), values)

    def exchange(self, messages: list[Message], on_error: str = "stopOnError") -> str:
        """Send messages in one message set and return the response text, unread; retried
        as :meth:`send` retries (a paging reader fetches the next page while it reads one)."""
        self.open()
        writes = any(not is_read_only(request_name(m.name)) for m in messages)
        set_attrs: dict[str, str] = {}
        if writes:
            set_attrs["newMessageSetID"] = message_set_id()
        text = self._message_set(messages, on_error, set_attrs)
        attempt = 0
        while True:
            try:
                return self.session.process(text)
            except _OWN_KINDS:
                raise
            except TransportError as exc:
                attempt += 1
                if attempt > self.retries:
                    raise errors.SessionError(f"the connection failed: {exc}",
                                              retryable=True) from exc
                log.warning("connection failed (%s); retrying (%d of %d)", exc, attempt,
                            self.retries)
                if writes:
                    text = build(messages, version=self.version, on_error=on_error,
                                 set_attrs={**set_attrs,
                                            "oldMessageSetID": set_attrs["newMessageSetID"]})
            except RequestProcessorError as exc:
                raise errors.SessionError(str(exc), exc.hresult) from exc

    def _message_set(self, messages: list[Message], on_error: str = "stopOnError",
                     set_attrs: dict[str, str] | None = None) -> str:
        """The message set's text; a request QuickBooks would refuse is named as the caller
        wrote it."""
        try:
            return build(messages, version=self.version, on_error=on_error,
                         set_attrs=set_attrs)
        except InvalidRequest as exc:
            raise _from_the_callers_side(exc, len(messages)) from None

    @property
    def takes_requests_ahead(self) -> bool:
        """Whether queries can be sent ahead of their answers (:meth:`requests_ahead`: the
        sandbox worker's pipe); other sessions are read ahead by a thread."""
        return callable(getattr(self.session, "pipeline", None))

    def requests_ahead(self) -> RequestsAhead:
        """Queries sent ahead of their answers, which come back in order; only where
        :attr:`takes_requests_ahead`. Close it to take back the session."""
        self.open()
        try:
            pipe = self.session.pipeline()  # type: ignore[attr-defined]
        except RequestProcessorError as exc:
            raise errors.SessionError(str(exc), exc.hresult) from exc
        return RequestsAhead(self, pipe)

    @staticmethod
    def read(response: str | bytes, values: str = "typed") -> ResponseSet:
        """The response text of :meth:`exchange`, parsed."""
        try:
            result = parse_response(response, values=values)
        except ResponseError as exc:
            raise errors.SessionError(f"the response could not be read: {exc}") from exc
        for one in result:
            one.size = len(response)
        return result

    # -- collections ------------------------------------------------------------------------
    @cached_property
    def _collections(self) -> dict[str, tuple[str, str]]:
        return _collection_index()

    def collection(self, name: str) -> Collection:
        """A collection by plural name (``sales_orders``) or type name (``SalesOrder``)."""
        key = name if name in self._collections else plural(name)
        if key not in self._collections:
            close = difflib.get_close_matches(key, self._collections, n=3, cutoff=0.75)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise AttributeError(f"no collection {name!r}{hint}; see "
                                 "Connection.collection_names()")
        type_name, kind = self._collections[key]
        return Collection(self, type_name, kind)

    def collection_names(self) -> list[str]:
        return sorted(self._collections)

    def __getattr__(self, name: str) -> Collection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.collection(name)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._collections})

    def report(self, name: str, **params: Any) -> Report:
        """A report by Desktop's name (``ProfitAndLossStandard``) or Online's
        (``ProfitAndLoss``), e.g. ``qb.report("TrialBalance", end_date=date(2024, 12, 31))``."""
        return run_desktop_report(self, name, **params)

    def batch(self, on_error: str = "continueOnError") -> Batch:
        """Many operations in one message set: ``with qb.batch() as b: b.customers.add(...)``."""
        return Batch(self, on_error)


def _parses(version: str) -> bool:
    try:
        version_key(version)
    except ValueError:
        return False
    return True


def _collection_index() -> dict[str, tuple[str, str]]:
    """plural name -> (type name, list|txn) for every type with a query, add or mod."""
    sp = specmod.load()
    index: dict[str, tuple[str, str]] = {}
    for request in sp.requests:
        for suffix in ("QueryRq", "AddRq", "ModRq"):
            if not request.endswith(suffix):
                continue
            type_name = request[: -len(suffix)]
            rs = sp.messages.get(f"{type_name}{suffix[:-2]}Rs")
            ret = rs.child(f"{type_name}Ret") if rs is not None else None
            if ret is None:
                continue
            kind = "list" if ret.child("ListID") is not None else (
                "txn" if ret.child("TxnID") is not None else "other")
            if kind != "other":
                index[plural(type_name)] = (type_name, kind)
    return index


def connect(target: str | os.PathLike[str] | Session, **options: Any) -> Connection:
    """Open a connection: a sandbox file path, ``http(s)://user:pass@host:port`` (a remote
    connector), ``com://`` (QuickBooks on this Windows machine), the name of a saved
    connection, or a Session object — any target of :mod:`qbconnector.targets`. A saved
    QuickBooks Online connection (``qbconnector qbo login NAME``) gives a
    :class:`~qbconnector.qbo.connection.QBOConnection`, used the same way.

    Connection options: ``version`` (default: the newest both sides know), ``page_size``
    (iterator pages, default 500), ``retries``, ``prefetch``; every other option goes to the
    session (``password``, ``ca_file``, ``fingerprint``, ``app_name``...).
    """
    connection_options = {k: options.pop(k) for k in ("version", "page_size", "retries",
                                                      "prefetch") if k in options}
    if isinstance(target, str | os.PathLike):
        text, saved = resolve(target)
        for key in ("version", "page_size"):
            if key in saved and key not in connection_options:
                connection_options[key] = saved.pop(key)
        own = make_connection(text, **{**saved, **options, **connection_options})
        if own is not None:       # QuickBooks Online: a connection of its own, not a Session
            return own.open()
        session = make_session(text, **{**saved, **options})
    else:
        session = target
    return Connection(session, **connection_options).open()


def _from_the_callers_side(exc: InvalidRequest, count: int) -> InvalidRequest:
    """The codec's error with paths as the caller wrote the data: ``CustomerAdd/Name``
    rather than ``QBXMLMsgsRq/CustomerAddRq[1]/CustomerAdd/Name`` (the message's number is
    kept when several were sent)."""
    problems = getattr(exc, "problems", None)
    if not problems:
        return exc
    prefix = re.compile(r"^QBXMLMsgsRq/\w+Rq\[\d+\]/" if count == 1 else r"^QBXMLMsgsRq/")
    shorter = [Problem(prefix.sub("", p.path), p.message) for p in problems]
    return type(exc)(shorter)


class RequestsAhead:
    """Read-only message sets sent ahead of their answers (:meth:`Connection.requests_ahead`)."""

    def __init__(self, connection: Connection, pipe: Any) -> None:
        self.connection = connection
        self._pipe = pipe

    @property
    def waiting(self) -> int:
        """Message sets sent whose answers have not been taken."""
        return int(self._pipe.waiting)

    def send(self, messages: list[Message]) -> None:
        if any(not is_read_only(request_name(m.name)) for m in messages):
            raise ValueError("only queries are sent ahead of their answers")
        text = self.connection._message_set(messages)
        try:
            self._pipe.send(text)
        except RequestProcessorError as exc:
            raise errors.SessionError(str(exc), exc.hresult) from exc

    def receive(self) -> bytes:
        """The oldest answer not taken yet, as UTF-8 bytes."""
        try:
            return bytes(self._pipe.receive())
        except RequestProcessorError as exc:
            raise errors.SessionError(str(exc), exc.hresult) from exc

    def close(self) -> None:
        self._pipe.close()
