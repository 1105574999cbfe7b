"""Running one qbXML message set against a company file, the way QuickBooks does.

The message set is validated as a whole first: anything QuickBooks could not parse or
validate gets no response at all but the request processor's HRESULT. Then each request runs
atomically (a SQLite savepoint inside one transaction for the whole set, or that transaction
itself for a set of one request), responses come back
in request order echoing ``requestID``; after an error ``stopOnError`` answers every later
request with 3231 while ``continueOnError`` runs them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from lxml import etree

from qbconnector.qbxml import respond, xmlsafe
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.access import read_only_requests
from qbconnector.qbxml.parse import convert
from qbconnector.qbxml.session import (
    RequestProcessorError,
    ResponseTooLarge,
    current_caller,
    parsed_already,
)
from qbconnector.qbxml.spec import version_key
from qbconnector.qbxml.validate import MessageSet, read_message_set, valid_message_set
from qbconnector.sandbox import rules  # noqa: F401  (importing it registers every type's rules)
from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import Context, Request
from qbconnector.sandbox.core.objects import ENTITY_TYPES, ITEM_TYPES, TERMS_TYPES, registry
from qbconnector.sandbox.engine import meta, special
from qbconnector.sandbox.engine.recovery import MAX_ID_LENGTH, Recovery, Scope
from qbconnector.sandbox.records import add_mod, dataext, deletes, queries
from qbconnector.sandbox.reports import summary
from qbconnector.sandbox.storage.store import Store

log = logging.getLogger(__name__)

_STATUS_OK = catalogue.status_message(0)
Result = tuple[list[str], dict[str, str], "errors.QBStatus | None"]


def _single(producer: Callable[[Context], str]) -> Callable[[Context], Result]:
    def handler(ctx: Context) -> Result:
        return [producer(ctx)], {}, None
    return handler


def _query_of(*type_names: str) -> Callable[[Context], Result]:
    def handler(ctx: Context) -> Result:
        types = registry()
        result = queries.query(ctx, tuple(types[t] for t in type_names if t in types))
        return result.rets, result.attrs, result.status
    return handler


SPECIAL: dict[str, Callable[[Context], Result]] = {
    "HostQueryRq": _single(meta.host_ret),
    "CompanyQueryRq": _single(meta.company_ret),
    "CompanyActivityQueryRq": _single(meta.company_activity_ret),
    "PreferencesQueryRq": _single(meta.preferences_ret),
    "ItemQueryRq": _query_of(*ITEM_TYPES),
    "EntityQueryRq": _query_of(*ENTITY_TYPES),
    "TermsQueryRq": _query_of(*TERMS_TYPES),
}


# With the handlers living in their own modules (deletes, data extensions, reports...).
_HANDLERS: dict[str, Callable[[Context], Result]] = {
    **SPECIAL, **deletes.HANDLERS, **dataext.HANDLERS, **summary.HANDLERS, **special.HANDLERS}


def handler_for(name: str) -> Callable[[Context], Result] | None:
    if name in _HANDLERS:
        return _HANDLERS[name]
    types = registry()
    for suffix in ("AddRq", "ModRq", "QueryRq"):
        if not name.endswith(suffix):
            continue
        otype = types.get(name[: -len(suffix)])
        if otype is None:
            return None
        if suffix == "AddRq" and otype.add is not None and otype.kind in ("list", "txn"):
            return lambda ctx, t=otype: ([add_mod.add(ctx, t)], {}, None)
        if suffix == "ModRq" and otype.mod is not None and otype.kind in ("list", "txn"):
            return lambda ctx, t=otype: ([add_mod.modify(ctx, t)], {}, None)
        if suffix == "QueryRq" and otype.kind in ("list", "txn"):
            return _query_of(otype.name)
    return None


def _strip_unsupported(elements: list[etree._Element],
                       unsupported: list[etree._Element]) -> dict[int, str]:
    """Take out of each request the elements QuickBooks Desktop does not have; the request is
    processed without them and answered with 530 naming the first (QuickBooks does so for
    IsStatementWithParent in a CustomerMod [039]). Returns id(request) -> that name."""
    if not unsupported:
        return {}
    owners = {id(el): el for el in elements}
    named: dict[int, str] = {}
    for node in unsupported:
        request = next((a for a in node.iterancestors() if id(a) in owners), None)
        if request is not None:
            named.setdefault(id(request), node.tag)
        parent = node.getparent()
        if parent is not None:
            parent.remove(node)
    return named


# Requests whose answer reads nothing of the company file (the host is described from the
# session's options and the spec): a message set made of these alone needs no transaction,
# and inside a longer one they need no savepoint. Clients send HostQueryRq first on every
# connection, so it is answered without touching SQLite.
NO_STORE = frozenset({"HostQueryRq"})

_SPEC = specmod.load()
_READ_ONLY = read_only_requests("qbxml")

SAVEPOINT, TRANSACTION, NOTHING = 0, 1, 2
"""What makes one request atomic (:meth:`Engine._run`)."""


VALIDATED = 256
"""Request texts remembered as valid (see :func:`_validate`)."""
VALIDATED_SIZE = 4096
"""Characters a request text may have to be remembered as valid."""
_VALIDATED: dict[tuple[str, bool], str] = {}


def _validate(root: etree._Element, text: str | bytes, handed_over: bool,
              version: str) -> MessageSet:
    """The message set of ``root``, validated against ``version``.

    Validation is a pure function of the document, so a small request text found valid once
    (with nothing QuickBooks Desktop lacks) is not validated again: clients repeat the same
    requests (a HostQuery on every connection, polling queries). The text is remembered with
    the version it passed and with where its tree came from (the server's scan of the bytes,
    or this engine's parse of the text), so that only trees made the same way share an
    answer. Invalid texts are never remembered."""
    key = (text, handed_over) if type(text) is str and len(text) <= VALIDATED_SIZE else None
    if key is not None and _VALIDATED.get(key) == version:
        return valid_message_set(root, version)
    message_set = read_message_set(root, version, lengths=False, desktop=False)
    if key is not None and not message_set.problems and not message_set.unsupported:
        if len(_VALIDATED) >= VALIDATED:
            _VALIDATED.clear()
        _VALIDATED[key] = version
    return message_set


class Engine:
    """Processes message sets for one open session on one company file."""

    def __init__(self, store: Store, session: object) -> None:
        self.store = store
        self.session = session

    def process(self, text: str | bytes) -> str:
        """Answer one message set (RequestProcessorError when QuickBooks would refuse it)."""
        root = parsed_already(text)   # a server has read the request safely already
        handed_over = root is not None
        if root is None:
            try:
                root = xmlsafe.parse(text)
            except xmlsafe.XMLError as exc:
                raise RequestProcessorError(catalogue.HR_PARSE_ERROR) from exc
        if root.tag == "QBPOSXML":
            raise RequestProcessorError(
                catalogue.HR_COULD_NOT_ACCESS,
                "QuickBooks Point of Sale is not available: the sandbox company file holds "
                "QuickBooks Desktop data only.")
        try:
            version = _SPEC.check_version(xmlsafe.declared_version(root, "qbxml") or "")
        except ValueError:
            raise RequestProcessorError(catalogue.HR_VERSION_UNSUPPORTED) from None
        # The version is read and checked once: the message set is validated against it.
        message_set = _validate(root, text, handed_over, version)
        if message_set.problems:
            log.info("parse error: %s", "; ".join(str(p) for p in message_set.problems[:5]))
            raise RequestProcessorError(catalogue.HR_PARSE_ERROR)
        msgs = message_set.msgs
        if msgs is None or msgs.tag != "QBXMLMsgsRq":
            raise RequestProcessorError(catalogue.HR_PARSE_ERROR)
        on_error = msgs.get("onError", "")
        if on_error == "rollbackOnError":
            raise RequestProcessorError(catalogue.HR_ROLLBACK_UNSUPPORTED)
        old_id = msgs.get("oldMessageSetID")
        new_id = msgs.get("newMessageSetID")
        if (old_id is not None and len(old_id) > MAX_ID_LENGTH) or (
                new_id is not None and len(new_id) > MAX_ID_LENGTH):
            raise RequestProcessorError(catalogue.HR_PARSE_ERROR)
        options = getattr(self.session, "options", None)
        read_only = options is not None and options.read_only
        caller = current_caller()
        store = self.store
        recovery = None
        if old_id is not None or new_id is not None:
            recovery = Recovery(store, Scope(caller.user, options.app_name if options else "",
                                             read_only))
        if old_id is not None:
            with store.transaction(write=not read_only):
                recovered = recovery.answer(old_id, new_id)   # type: ignore[union-attr]
            if recovered is not None:
                return recovered
        elements = message_set.messages
        unsupported = _strip_unsupported(elements, message_set.unsupported) \
            if message_set.unsupported else {}
        tags: list[str] = []
        writes = new_id is not None
        storeless = not writes
        for el in elements:
            tag = el.tag
            tags.append(tag)
            if tag not in _READ_ONLY:
                writes = True
            if tag not in NO_STORE:
                storeless = False
        budget = caller.max_response_size
        if storeless:         # nothing to read or write: no transaction
            return respond.message_set(self._answers(
                elements, tags, version, unsupported, on_error, read_only, budget, False),
                new_id)
        store.begin(writes and not read_only)
        try:
            text = respond.message_set(self._answers(
                elements, tags, version, unsupported, on_error, read_only, budget,
                len(elements) == 1), new_id)
            if recovery is not None and new_id is not None:
                recovery.remember(new_id, text)
        except BaseException:
            store.abort()
            raise
        store.commit()
        return text

    def _answers(self, elements: list[etree._Element], tags: list[str], version: str,
                 unsupported: dict[int, str], on_error: str, read_only: bool, budget: int,
                 alone: bool) -> list[str]:
        """Each request's response, in order; ``alone``: the set's one request is all its
        transaction does (no savepoint needed). ResponseTooLarge past the ``budget``."""
        stop = on_error == "stopOnError"
        size = 0
        responses: list[str] = []
        stopped = False
        for el, tag in zip(elements, tags, strict=True):
            request_id = el.get("requestID")
            rs_name = tag[:-2] + "Rs"
            if stopped:
                responses.append(self._status(rs_name, {"requestID": request_id},
                                              errors.fail(3231)))
                continue
            if read_only and tag not in _READ_ONLY:
                responses.append(self._status(rs_name, {"requestID": request_id},
                                              errors.fail(3260)))
                failed = True
            else:
                scope = NOTHING if tag in NO_STORE else TRANSACTION if alone else SAVEPOINT
                text_rs, failed = self._run(el, tag, version, request_id, rs_name,
                                            unsupported.get(id(el)) if unsupported else None,
                                            max(1, budget - size) if budget else 0, scope)
                responses.append(text_rs)
                size += len(text_rs)
                if budget and size > budget:
                    raise ResponseTooLarge(budget)
            if failed and stop:
                stopped = True
        return responses

    def _status(self, rs_name: str, attrs: dict[str, str | None], status: errors.QBStatus,
                body: str = "") -> str:
        return respond.response(
            rs_name, {**attrs, **respond.status(status.code, status.message, status.severity)},
            body)

    def _run(self, el: etree._Element, tag: str, version: str, request_id: str | None,
             rs_name: str, unsupported: str | None = None, budget: int = 0,
             scope: int = SAVEPOINT) -> tuple[str, bool]:
        """Run one request and return its response and whether it failed. ``scope`` says
        what makes it atomic: a savepoint, the transaction itself (the request is all the
        transaction does: it is rolled back and begun again on failure), or nothing (a
        request that does not touch the file)."""
        spec = _SPEC.messages.get(tag) or _SPEC.message(tag)
        data = convert(el, spec)
        request_attrs = {}
        for key in list(data):
            if key[0] == "@":
                request_attrs[key[1:]] = data.pop(key)
        request = Request(tag, request_attrs, el, spec, data, version, version_key(version))
        ctx = Context(self.store, request, self.session, budget=budget)
        if unsupported is not None:
            ctx.warn(errors.fail(530, field=unsupported))
        handler = _HANDLERS.get(tag) or handler_for(tag)
        if handler is None:
            return self._status(rs_name, {"requestID": request_id}, errors.QBStatus(
                1030, "This request is not supported by the qbconnector sandbox.")), False
        store = self.store
        try:
            if scope == SAVEPOINT:
                with store.savepoint():
                    rets, extra, status = handler(ctx)
            elif scope == TRANSACTION:
                # store.savepoint(alone=True) spelt out: this runs for every set of one
                # request, the usual kind.
                if store.cache.get("counters_pending"):
                    store.flush_counters()
                try:
                    rets, extra, status = handler(ctx)
                except BaseException:
                    store.restart()
                    raise
                if store.cache.get("counters_pending"):
                    store.flush_counters()
            else:
                rets, extra, status = handler(ctx)
        except errors.QBStatus as exc:
            return self._status(rs_name, {"requestID": request_id}, exc,
                                exc.ret + "\n" if exc.ret else ""), exc.severity == "Error"
        body = rets[0] + "\n" if len(rets) == 1 else "".join(r + "\n" for r in rets)
        ok = status or ctx.warning
        if ok is None and not extra:
            return respond.ok_response(rs_name, request_id, body), False
        ok = ok or errors.QBStatus(0, _STATUS_OK)
        full = {"requestID": request_id, **respond.status(ok.code, ok.message, ok.severity),
                **extra}
        return respond.response(rs_name, full, body), ok.severity == "Error"

