"""The connector's decisions as pure functions: request facts in, decision out.

Nothing here touches a socket, a session or a clock (the h11 idea), and the vocabulary (paths,
codes, headers, answer formats) comes from :mod:`qbconnector.wire`, which the remote client
uses too. The ASGI app asks :func:`decide` what to do, supplying facts as it asks for them, in
the order the connector checks them:

1. path must be ``/`` (404), method ``POST`` (405), a ``Content-Length`` must be present (411,
   which also refuses chunked bodies);
2. the client address must be allowed (403) — before any authentication;
3. the credentials must match a user (401 with a ``WWW-Authenticate: Basic`` challenge);
4. the optional headers must be well formed and the interaction type known (400), the body
   no larger than the server takes (413);
5. then the request is a :class:`Call`; :func:`session_options` says which company file and
   options serve it, and :func:`reply_for` turns its result into the exact body of its
   interaction type.
"""

from __future__ import annotations

import binascii
import fnmatch
import os.path
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from qbconnector import wire
from qbconnector.qbxml.session import SessionOptions
from qbconnector.qbxml.status import HR_COULD_NOT_OPEN_FILE
from qbconnector.wire import (  # noqa: F401 - the vocabulary, re-exported for the server
    ALL_VERSIONS,
    CLOSE_PERSISTENT,
    COMPANY_FILE,
    CRLF,
    EXECUTE,
    INTERACTION_TYPES,
    IS_ACCESSIBLE,
    IS_AUTHORIZED,
    LATEST_VERSION,
    MAX_DELAY_AFTER_OPEN_MS,
    OPEN_PERSISTENT,
    TEXT,
    XML,
    newest_version,
)

_LOWER = str.lower   # header names arrive lower-cased (RequestHead.from_pairs)


class RequestHead:
    """The facts of an HTTP request the rules look at; header names are lower case."""

    __slots__ = ("method", "path", "headers", "framing")

    def __init__(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        self.method, self.path, self.headers = method, path, headers
        self.framing: Reply | None | bool = False   # check_framing's answer, once known

    def __repr__(self) -> str:
        return f"RequestHead({self.method!r}, {self.path!r}, {self.headers!r})"

    @classmethod
    def from_pairs(cls, method: str, path: str,
                   pairs: Iterable[tuple[bytes | str, bytes | str]]) -> RequestHead:
        """Build from raw header pairs; a repeated header keeps its first value."""
        headers: dict[str, str] = {}
        for name, value in pairs:
            if type(name) is bytes and type(value) is bytes:    # as ASGI servers give them
                key, text = name.decode("latin-1").lower(), value.decode("latin-1")
            else:
                key = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
                text = value.decode("latin-1") if isinstance(value, bytes) else value
            if key not in headers:
                headers[key] = text
        return cls(method.upper(), path, headers)

    def header(self, name: str) -> str | None:
        return self.headers.get(_LOWER(name))


@dataclass(slots=True)
class Reply:
    """An HTTP answer: status, body and extra headers. ``close`` asks to end the connection.
    (Not frozen, so one is made without a setattr per field: one is made per request.)"""

    status: int
    body: bytes = b""
    content_type: str = TEXT
    headers: tuple[tuple[str, str], ...] = ()
    close: bool = False


@dataclass(frozen=True)
class Call:
    """A well-formed request from an authenticated user, ready to be served."""

    interaction: int = EXECUTE
    pos: bool = False
    pos_practice: bool = False
    pos_version: str | None = None
    delay_after_open_ms: int = 0
    app_name: str | None = None
    company_file: str | None = None

    @property
    def needs_body(self) -> bool:
        return self.interaction == EXECUTE


class Need(Enum):
    """A fact :func:`decide` needs before it can go on."""

    CLIENT_CHECK = "is the client allowed?"
    AUTHENTICATION = "do the credentials match a user?"


def text_reply(status: int, message: str, *, close: bool = False,
               headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """A plain-text answer ending in CRLF."""
    return Reply(status, wire.format_lines([message.rstrip(CRLF)]).encode("utf-8"), TEXT,
                 headers, close)


def check_framing(head: RequestHead) -> Reply | None:
    """404 / 405 / 411, or None when the request is a ``POST /`` with a Content-Length."""
    path = head.path if head.path == wire.PATH else head.path.split("?", 1)[0]
    if path != wire.PATH:
        return text_reply(wire.NOT_FOUND, f"Not found: {path}. The connector answers POST / "
                                          "only.", close=True)
    if head.method != wire.METHOD:
        return text_reply(wire.METHOD_NOT_ALLOWED, f"Method {head.method} not allowed: use "
                          "POST /.", close=True, headers=(("Allow", wire.METHOD),))
    if "content-length" not in head.headers or "transfer-encoding" in head.headers:
        return text_reply(wire.LENGTH_REQUIRED, "Length required: send the body with a "
                          "Content-Length header (chunked bodies are not accepted).", close=True)
    length = head.headers["content-length"].strip()
    if not length.isdigit():
        return text_reply(wire.BAD_REQUEST, f"Bad Content-Length: {length!r}.", close=True)
    return None


def content_length(head: RequestHead) -> int:
    """The declared body length (call after :func:`check_framing` accepted the request)."""
    return int(head.headers["content-length"].strip())


def forbidden_client(address: str) -> Reply:
    return text_reply(wire.FORBIDDEN, f"Client {address} is not in AllowedClients.", close=True)


def unauthorized(realm: str = "qbconnector") -> Reply:
    """401 with the Basic challenge; the same text for unknown users and wrong passwords."""
    return text_reply(wire.UNAUTHORIZED, "Unauthorized: the user name or password is not "
                      "valid.", close=True,
                      headers=(("WWW-Authenticate", f'Basic realm="{realm}", charset="UTF-8"'),))


def too_large(limit: int) -> Reply:
    return text_reply(wire.TOO_LARGE, f"Request body too large: at most {limit} bytes.",
                      close=True)


def too_many_requests(count: int, limit: int) -> Reply:
    """413: a message set holding more requests than the server takes in one."""
    return text_reply(wire.TOO_LARGE, f"Too many requests in one message set: {count}, at most "
                      f"{limit} (MaxMessageSetRequests). Send them in several message sets.")


def persistent_refused(reason: str) -> Reply:
    """503: no persistent connection can be opened for this user now."""
    return text_reply(wire.BUSY, f"Persistent connection refused: {reason}.",
                      headers=(("Retry-After", "5"),))


def credentials(head: RequestHead) -> tuple[str, str] | None:
    """(user, password) from a Basic ``Authorization`` header, or None when absent/malformed."""
    value = head.headers.get("authorization", "")
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "basic" or not token:
        return None
    try:   # base64.b64decode(token, validate=True), without its two wrappers
        raw = binascii.a2b_base64(token.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    user, sep, password = text.partition(":")
    if not sep or not user:
        return None
    return user, password


def _flag(head: RequestHead, name: str) -> bool | Reply:
    value = head.headers.get(_LOWER(name))
    if value is None:
        return False
    parsed = wire.parse_flag(value)
    if parsed is None:
        return text_reply(wire.BAD_REQUEST, f"Bad {name} header {value!r}: expected True or "
                                            "False.")
    return parsed


# the request headers read_call reads, as RequestHead keeps them (lower case)
_INTERACTION, _POS, _POS_PRACTICE, _POS_VERSION, _DELAY, _APP_NAME, _COMPANY_FILE = (
    name.lower() for name in (wire.INTERACTION_HEADER, wire.POS_HEADER,
                              wire.POS_PRACTICE_HEADER, wire.POS_VERSION_HEADER,
                              wire.DELAY_HEADER, wire.APP_NAME_HEADER, wire.COMPANY_FILE_HEADER))
_OPTIONAL_HEADERS = frozenset({_INTERACTION, _POS, _POS_PRACTICE, _POS_VERSION, _DELAY,
                               _APP_NAME, _COMPANY_FILE})
_PLAIN_CALL = Call()


def read_call(head: RequestHead) -> Call | Reply:
    """The :class:`Call` a request asks for, or a 400 naming the malformed header."""
    headers = head.headers
    if _OPTIONAL_HEADERS.isdisjoint(headers):
        return _PLAIN_CALL         # what the lines below make of a request without them
    raw_type = headers.get(_INTERACTION) or "0"
    interaction = wire.parse_interaction(raw_type)
    if interaction is None:
        known = ", ".join(str(t) for t in INTERACTION_TYPES)
        what = "Unknown" if raw_type.strip().isdigit() else "Bad"
        shown = raw_type.strip() if what == "Unknown" else repr(raw_type.strip())
        return text_reply(wire.BAD_REQUEST, f"{what} {wire.INTERACTION_HEADER} {shown}: "
                                            f"expected one of {known}.")
    pos = _flag(head, wire.POS_HEADER) if _POS in headers else False
    if isinstance(pos, Reply):
        return pos
    practice = _flag(head, wire.POS_PRACTICE_HEADER) if _POS_PRACTICE in headers else False
    if isinstance(practice, Reply):
        return practice
    pos_version = headers.get(_POS_VERSION)
    if pos_version is not None:
        pos_version = pos_version.strip()
        if not wire.is_pos_version(pos_version):
            return text_reply(wire.BAD_REQUEST, f"Bad {wire.POS_VERSION_HEADER} "
                              f"{pos_version!r}: expected a version number such as 12 or 12.0.")
    delay_ms = 0
    delay = headers.get(_DELAY)
    if delay is not None:
        parsed = wire.parse_delay(delay)
        if parsed is None:
            return text_reply(wire.BAD_REQUEST, f"Bad {wire.DELAY_HEADER} {delay!r}: expected "
                              f"milliseconds, a whole number up to {MAX_DELAY_AFTER_OPEN_MS}.")
        delay_ms = parsed
    app_name = headers.get(_APP_NAME)
    if app_name is not None and not wire.is_app_name(app_name):
        return text_reply(wire.BAD_REQUEST, f"Bad {wire.APP_NAME_HEADER}: 1 to 256 printable "
                                            "characters.")
    company = headers.get(_COMPANY_FILE)
    if company is not None:
        try:
            company = wire.parse_company_file(company)
        except UnicodeDecodeError:
            company = None
        if company is None:
            return text_reply(wire.BAD_REQUEST, f"Bad {wire.COMPANY_FILE_HEADER}: 1 to "
                              f"{wire.MAX_COMPANY_FILE} printable characters, percent-encoded "
                              "UTF-8.")
    return Call(interaction, bool(pos), bool(practice), pos_version, delay_ms,
                app_name.strip() if app_name else None, company)


def decide(head: RequestHead, *, client_allowed: bool | None = None,
           authenticated: bool | None = None, client: str = "",
           max_body: int | None = None) -> Reply | Call | Need:
    """The whole rule chain for one request, in the connector's order (see the module doc).

    Facts not given yet are asked for when the chain reaches them: the answer is then a
    :class:`Need`, and the caller calls again with that fact. So the app never checks a
    password for a request that is refused earlier, and never re-codes a rule.
    """
    framing = head.framing
    if framing is False:     # the app asks again with each fact: the framing is checked once
        framing = head.framing = check_framing(head)
    if framing is not None:
        return framing
    if client_allowed is None:
        return Need.CLIENT_CHECK
    if not client_allowed:
        return forbidden_client(client)
    if authenticated is None:
        return Need.AUTHENTICATION
    if not authenticated:
        return unauthorized()
    call = read_call(head)
    if isinstance(call, Call) and max_body is not None and content_length(head) > max_body:
        return too_large(max_body)
    return call


# -- which company file, as which application --------------------------------------------------
def _normal(path: str) -> str:
    """A path as this machine compares them (case-insensitive on Windows)."""
    return os.path.normcase(os.path.normpath(path.strip())) if path.strip() else ""


def _same_file(a: str, b: str) -> bool:
    return _normal(a) == _normal(b)


def _allows(pattern: str, path: str) -> bool:
    if ".." in re.split(r"[\\/]", path):   # no way out of the folders the pattern names
        return False
    return fnmatch.fnmatchcase(_normal(path), _normal(pattern))


def company_for(own: str, asked: str | None, default: str) -> str | None:
    """The company file a request works on, or None when the user may not have it.

    A user's ``CompanyFile`` is the file (else the server's default). With ``*`` or ``?`` in
    it, it is a pattern: the client (a relay passing on its user's file) may name any file that
    matches (``*`` matches across folders; ``..`` is never accepted), and without a name the
    default is used if it matches. A named file the user may not have is refused rather than
    quietly replaced by another.
    """
    if any(ch in own for ch in "*?["):
        chosen = asked if asked is not None else default
        return chosen if _allows(own, chosen) else None
    chosen = own or default
    if asked is not None and not _same_file(asked, chosen):
        return None
    return chosen


def session_options(*, user_name: str, company_file: str, app_name: str, read_only: bool,
                    connection_mode: str, auth_flags: int, call: Call,
                    default_company: str) -> SessionOptions | Reply:
    """The options of the session serving ``call`` for this user, or a 517 refusing a
    company file the user may not use (the same answer object for the same facts: a user's
    requests mostly ask for the same session)."""
    key = (user_name, company_file, app_name, read_only, connection_mode, auth_flags, call,
           default_company)
    found = _OPTIONS.get(key)
    if found is None:
        found = _session_options(*key)
        if len(_OPTIONS) >= _OPTIONS_KEPT:
            _OPTIONS.clear()
        _OPTIONS[key] = found
    return found


_OPTIONS: dict[tuple[object, ...], SessionOptions | Reply] = {}
_OPTIONS_KEPT = 1024


def _session_options(user_name: str, company_file: str, app_name: str, read_only: bool,
                     connection_mode: str, auth_flags: int, call: Call,
                     default_company: str) -> SessionOptions | Reply:
    company = company_for(company_file, call.company_file, default_company)
    if company is None:
        wanted = call.company_file or default_company
        return processor_error(HR_COULD_NOT_OPEN_FILE, f"User {user_name} may not open "
                               f"{wanted!r}: its CompanyFile is {company_file or '(none)'!r}.")
    return SessionOptions(
        company_file=company,
        app_name=app_name or call.app_name or "qbconnector",
        read_only=read_only,
        connection_mode=connection_mode,
        auth_flags=auth_flags,
        unattended=True,
        pos=call.pos,
        pos_practice=call.pos_practice,
        pos_version=call.pos_version,
    )


# -- answers --------------------------------------------------------------------------------
def reply_for(interaction: int, result: object) -> Reply:
    """The 200 answer of each interaction type, byte for byte."""
    if interaction == EXECUTE:
        assert isinstance(result, str)
        return Reply(wire.OK, result.encode("utf-8"), XML)
    if interaction == COMPANY_FILE:
        return Reply(wire.OK, wire.format_lines([str(result)]).encode("utf-8"))
    if interaction in (OPEN_PERSISTENT, CLOSE_PERSISTENT):
        return Reply(wire.OK, CRLF.encode())
    if interaction == LATEST_VERSION:
        return Reply(wire.OK, wire.format_lines([newest_version(result)]).encode())  # type: ignore[arg-type]
    if interaction == ALL_VERSIONS:
        return Reply(wire.OK, wire.format_lines(result).encode())  # type: ignore[arg-type]
    if interaction in (IS_AUTHORIZED, IS_ACCESSIBLE):
        return Reply(wire.OK, wire.format_yes_no(bool(result)).encode())
    raise ValueError(f"no reply for interaction type {interaction}")


def processor_error(hresult: int, message: str) -> Reply:
    """517: the session (QuickBooks' request processor) could not process the request."""
    return Reply(wire.PROCESSOR_ERROR,
                 wire.format_processor_error(hresult, message).encode("utf-8"), TEXT,
                 ((wire.HRESULT_HEADER, wire.format_hresult(hresult)),))


def queue_timeout(seconds: float, company: str, message: str = "") -> Reply:
    """503: the request did not run (``message`` says why, else the company file's queue did
    not move within Timeout); it may be sent again."""
    name = company or "the open company file"
    return text_reply(wire.BUSY, message or f"Timed out after {seconds:g} s waiting for {name}: "
                      "QuickBooks handles one request at a time and the queue did not move. "
                      "Try again, or raise Timeout.", headers=(("Retry-After", "5"),))


def internal_error() -> Reply:
    return text_reply(wire.INTERNAL_ERROR, "Internal error of the connector; see its log.",
                      close=True)
