"""The wire protocol of the QuickBooks Connector as pure functions: request facts in, decision out.

Nothing here touches a socket, a session or a clock (the h11 idea): the ASGI app collects the
facts (method, path, headers, whether the client is allowed, whether the credentials matched)
and these functions say what to answer, in the order the connector checks them:

1. path must be ``/`` (404), method ``POST`` (405), a ``Content-Length`` must be present (411,
   which also refuses chunked bodies);
2. the client address must be allowed (403) — before any authentication;
3. the credentials must match a user (401 with a ``WWW-Authenticate: Basic`` challenge);
4. the optional headers must be well formed and the interaction type known (400);
5. then the request is a :class:`Call` to serve, and :func:`reply_for` turns its result into
   the exact body of its interaction type.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CRLF = "\r\n"

EXECUTE = 0
COMPANY_FILE = 1
OPEN_PERSISTENT = 101
CLOSE_PERSISTENT = 102
LATEST_VERSION = 103
ALL_VERSIONS = 104
IS_AUTHORIZED = 105
IS_ACCESSIBLE = 106
INTERACTION_TYPES = {
    EXECUTE: "execute",
    COMPANY_FILE: "company file",
    OPEN_PERSISTENT: "open persistent connection",
    CLOSE_PERSISTENT: "close persistent connection",
    LATEST_VERSION: "latest qbXML version",
    ALL_VERSIONS: "qbXML versions",
    IS_AUTHORIZED: "is authorized",
    IS_ACCESSIBLE: "is company file accessible",
}

HEADER_INTERACTION = "x-acctsyncinteractiontype"
HEADER_POS = "x-qbpos"
HEADER_POS_PRACTICE = "x-acctqbpospractice"
HEADER_POS_VERSION = "x-qbposversion"
HEADER_DELAY = "x-delayafteropen"
# Extensions of qbconnector (the original connector ignores unknown headers).
HEADER_APP_NAME = "x-qbconnector-appname"
HEADER_HRESULT = "X-QBConnector-HResult"

MAX_DELAY_AFTER_OPEN_MS = 60_000
_POS_VERSION = re.compile(r"[Vv]?\d{1,3}(\.\d{1,3}){0,2}")
_APP_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,256}")

TEXT = "text/plain; charset=utf-8"
XML = "text/xml; charset=utf-8"


@dataclass(frozen=True)
class RequestHead:
    """The facts of an HTTP request the rules look at; header names are lower case."""

    method: str
    path: str
    headers: Mapping[str, str]

    @classmethod
    def from_pairs(cls, method: str, path: str,
                   pairs: Iterable[tuple[bytes | str, bytes | str]]) -> RequestHead:
        """Build from raw header pairs; a repeated header keeps its first value."""
        headers: dict[str, str] = {}
        for name, value in pairs:
            key = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            headers.setdefault(key, text)
        return cls(method.upper(), path, headers)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, body and extra headers. ``close`` asks to end the connection."""

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

    @property
    def needs_body(self) -> bool:
        return self.interaction == EXECUTE


def text_reply(status: int, message: str, *, close: bool = False,
               headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """A plain-text answer ending in CRLF."""
    return Reply(status, (message.rstrip("\r\n") + CRLF).encode("utf-8"), TEXT, headers, close)


def check_framing(head: RequestHead) -> Reply | None:
    """404 / 405 / 411, or None when the request is a ``POST /`` with a Content-Length."""
    path = head.path.split("?", 1)[0]
    if path != "/":
        return text_reply(404, f"Not found: {path}. The connector answers POST / only.",
                          close=True)
    if head.method != "POST":
        return text_reply(405, f"Method {head.method} not allowed: use POST /.", close=True,
                          headers=(("Allow", "POST"),))
    if "content-length" not in head.headers or "transfer-encoding" in head.headers:
        return text_reply(411, "Length required: send the body with a Content-Length header "
                               "(chunked bodies are not accepted).", close=True)
    length = head.headers["content-length"].strip()
    if not length.isdigit():
        return text_reply(400, f"Bad Content-Length: {length!r}.", close=True)
    return None


def content_length(head: RequestHead) -> int:
    """The declared body length (call after :func:`check_framing` accepted the request)."""
    return int(head.headers["content-length"].strip())


def forbidden_client(address: str) -> Reply:
    return text_reply(403, f"Client {address} is not in AllowedClients.", close=True)


def unauthorized(realm: str = "qbconnector") -> Reply:
    """401 with the Basic challenge; the same text for unknown users and wrong passwords."""
    return text_reply(401, "Unauthorized: the user name or password is not valid.", close=True,
                      headers=(("WWW-Authenticate", f'Basic realm="{realm}", charset="UTF-8"'),))


def too_large(limit: int) -> Reply:
    return text_reply(413, f"Request body too large: at most {limit} bytes.", close=True)


def credentials(head: RequestHead) -> tuple[str, str] | None:
    """(user, password) from a Basic ``Authorization`` header, or None when absent/malformed."""
    value = head.headers.get("authorization", "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        raw = base64.b64decode(token.strip(), validate=True)
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


def _flag(head: RequestHead, name: str, label: str) -> bool | Reply:
    value = head.headers.get(name)
    if value is None:
        return False
    text = value.strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return text_reply(400, f"Bad {label} header {value!r}: expected True or False.")


def read_call(head: RequestHead) -> Call | Reply:
    """The :class:`Call` a request asks for, or a 400 naming the malformed header."""
    raw_type = head.headers.get(HEADER_INTERACTION, "0").strip() or "0"
    if not raw_type.isdigit():
        return text_reply(400, f"Bad X-AcctSyncInteractionType {raw_type!r}: expected one of "
                               f"{', '.join(str(t) for t in INTERACTION_TYPES)}.")
    interaction = int(raw_type)
    if interaction not in INTERACTION_TYPES:
        return text_reply(400, f"Unknown X-AcctSyncInteractionType {interaction}: expected one "
                               f"of {', '.join(str(t) for t in INTERACTION_TYPES)}.")
    pos = _flag(head, HEADER_POS, "X-QBPOS")
    if isinstance(pos, Reply):
        return pos
    practice = _flag(head, HEADER_POS_PRACTICE, "X-AcctQBPOSPractice")
    if isinstance(practice, Reply):
        return practice
    pos_version = head.headers.get(HEADER_POS_VERSION)
    if pos_version is not None:
        pos_version = pos_version.strip()
        if not _POS_VERSION.fullmatch(pos_version):
            return text_reply(400, f"Bad X-QBPOSVersion {pos_version!r}: expected a version "
                                   "number such as 12 or 12.0.")
    delay = head.headers.get(HEADER_DELAY)
    delay_ms = 0
    if delay is not None:
        if not delay.strip().isdigit():
            return text_reply(400, f"Bad X-DelayAfterOpen {delay!r}: expected milliseconds "
                                   "(a whole number).")
        delay_ms = int(delay.strip())
        if delay_ms > MAX_DELAY_AFTER_OPEN_MS:
            return text_reply(400, f"X-DelayAfterOpen {delay_ms} is too long: at most "
                                   f"{MAX_DELAY_AFTER_OPEN_MS} ms.")
    app_name = head.headers.get(HEADER_APP_NAME)
    if app_name is not None and not _APP_NAME.fullmatch(app_name.strip()):
        return text_reply(400, "Bad X-QBConnector-AppName: 1 to 256 printable characters.")
    return Call(interaction, bool(pos), bool(practice), pos_version, delay_ms,
                app_name.strip() if app_name else None)


def decide(head: RequestHead, *, client_allowed: bool, authenticated: bool,
           client: str = "") -> Reply | Call:
    """The whole rule chain for one request, in the connector's order (see the module doc)."""
    framing = check_framing(head)
    if framing is not None:
        return framing
    if not client_allowed:
        return forbidden_client(client)
    if not authenticated:
        return unauthorized()
    return read_call(head)


def newest_version(versions: Iterable[str]) -> str:
    """The highest qbXML version of a list such as ['1.0', '13.0', '2.1']."""
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in v.strip().split("."))
    return max(versions, key=key)


def reply_for(interaction: int, result: object) -> Reply:
    """The 200 answer of each interaction type, byte for byte."""
    if interaction == EXECUTE:
        assert isinstance(result, str)
        return Reply(200, result.encode("utf-8"), XML)
    if interaction == COMPANY_FILE:
        return Reply(200, (str(result) + CRLF).encode("utf-8"))
    if interaction in (OPEN_PERSISTENT, CLOSE_PERSISTENT):
        return Reply(200, CRLF.encode())
    if interaction == LATEST_VERSION:
        return Reply(200, (newest_version(result) + CRLF).encode())  # type: ignore[arg-type]
    if interaction == ALL_VERSIONS:
        versions = list(result)  # type: ignore[call-overload]
        return Reply(200, (CRLF.join(versions) + CRLF).encode())
    if interaction in (IS_AUTHORIZED, IS_ACCESSIBLE):
        return Reply(200, (("0" if result else "1") + CRLF).encode())
    raise ValueError(f"no reply for interaction type {interaction}")


def processor_error(hresult: int, message: str) -> Reply:
    """517: the session (QuickBooks' request processor) could not process the request."""
    code = f"0x{hresult & 0xFFFFFFFF:08X}"
    return text_reply(517, f"{code} {message}", headers=((HEADER_HRESULT, code),))


def queue_timeout(seconds: float, company: str) -> Reply:
    name = company or "the open company file"
    return text_reply(503, f"Timed out after {seconds:g} s waiting for {name}: QuickBooks "
                           "handles one request at a time and the queue did not move. Try "
                           "again, or raise Timeout.", headers=(("Retry-After", "5"),))


def internal_error() -> Reply:
    return text_reply(500, "Internal error of the connector; see its log.", close=True)
