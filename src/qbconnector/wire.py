"""The connector's wire protocol, as facts: paths, methods, status codes, interaction types,
header names, the rules their values follow and the format of every answer.

The server (:mod:`qbconnector.server.protocol`) and the remote client
(:mod:`qbconnector.remote`) both take them from here, so the two sides cannot drift apart. Pure:
no I/O, and nothing of qbconnector is imported.

The protocol is the 4D Payments / /n software QuickBooks Connector's: every exchange is
``POST /`` with a ``Content-Length``, Basic authentication and an interaction type header; the
answer is 200 with a body whose format depends on the interaction type, or an error status.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit, urlunsplit

PATH = "/"
METHOD = "POST"
CRLF = "\r\n"
TEXT = "text/plain; charset=utf-8"
XML = "text/xml; charset=utf-8"

# -- connector URLs ----------------------------------------------------------------------------
def url_password(url: str) -> str | None:
    """The password written in a connector URL (``https://user:password@host``), if any."""
    return urlsplit(url.strip()).password if "://" in url else None


def mask_url(url: str) -> str:
    """A connector URL for messages, logs and settings views: its password as ``***``."""
    if url_password(url) is None:
        return url
    parts = urlsplit(url.strip())
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


# -- status codes ----------------------------------------------------------------------------
OK = 200
BAD_REQUEST = 400            # a malformed optional header, an unknown interaction type
UNAUTHORIZED = 401           # no credentials, or none that match a user
FORBIDDEN = 403              # the client's address is not in AllowedClients
NOT_FOUND = 404              # a path other than /
METHOD_NOT_ALLOWED = 405     # a method other than POST
LENGTH_REQUIRED = 411        # no Content-Length (chunked bodies included)
TOO_LARGE = 413              # a body over the server's limit
INTERNAL_ERROR = 500
BUSY = 503                   # the request waited Timeout seconds for its company file
PROCESSOR_ERROR = 517        # the request processor (QuickBooks) failed: an HRESULT and text

# -- interaction types (X-AcctSyncInteractionType) ---------------------------------------------
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

# -- headers (HTTP header names are case-insensitive; these are the spellings sent) ----------
INTERACTION_HEADER = "X-AcctSyncInteractionType"
POS_HEADER = "X-QBPOS"                          # True: QuickBooks Point of Sale (qbposXML)
POS_PRACTICE_HEADER = "X-AcctQBPOSPractice"      # True: Point of Sale practice mode
POS_VERSION_HEADER = "X-QBPOSVersion"            # the Point of Sale version, e.g. 12 or 12.0
DELAY_HEADER = "X-DelayAfterOpen"                # milliseconds to wait after opening
# qbconnector's extensions (the original connector ignores headers it does not know):
APP_NAME_HEADER = "X-QBConnector-AppName"        # the application, for users without AppName
COMPANY_FILE_HEADER = "X-QBConnector-CompanyFile"  # the company file a relay passes on
HRESULT_HEADER = "X-QBConnector-HResult"         # a 517's HRESULT again, as 0x%08X
HEADERS = (INTERACTION_HEADER, POS_HEADER, POS_PRACTICE_HEADER, POS_VERSION_HEADER,
           DELAY_HEADER, APP_NAME_HEADER, COMPANY_FILE_HEADER, HRESULT_HEADER)

# -- value rules -----------------------------------------------------------------------------
MAX_DELAY_AFTER_OPEN_MS = 60_000
MAX_COMPANY_FILE = 1024
_POS_VERSION = re.compile(r"[Vv]?\d{1,3}(\.\d{1,3}){0,2}")
_APP_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,256}")
_COMPANY_FILE = re.compile(r"[^\x00-\x1f\x7f]{1," + str(MAX_COMPANY_FILE) + "}")


def format_flag(value: bool) -> str:
    """A boolean header value as the connector's clients send it."""
    return "True" if value else "False"


def parse_flag(text: str) -> bool | None:
    """``True``/``False``/``1``/``0`` (any case, spaces around) -> bool; None for anything else."""
    value = text.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return None


def parse_interaction(text: str) -> int | None:
    """An interaction type header value -> its number; None when it is not a known type."""
    value = text.strip() or "0"
    if not value.isdigit() or int(value) not in INTERACTION_TYPES:
        return None
    return int(value)


def parse_delay(text: str) -> int | None:
    """X-DelayAfterOpen -> milliseconds; None unless a whole number up to the maximum."""
    value = text.strip()
    if not value.isdigit() or int(value) > MAX_DELAY_AFTER_OPEN_MS:
        return None
    return int(value)


def is_pos_version(text: str) -> bool:
    return bool(_POS_VERSION.fullmatch(text.strip()))


def is_app_name(text: str) -> bool:
    return bool(_APP_NAME.fullmatch(text.strip()))


def format_company_file(path: str) -> str:
    """A company file path as a header value: percent-encoded UTF-8, so any path travels."""
    return quote(path.strip(), safe=" /\\:._-()!$&'+,;=@~")


def parse_company_file(value: str) -> str | None:
    """The path a company file header names; None unless 1 to 1024 printable characters."""
    path = unquote(value.strip(), errors="strict") if "%" in value else value.strip()
    return path if _COMPANY_FILE.fullmatch(path) else None


def header_safe(text: str) -> bool:
    """Whether ``text`` can be sent as a header value as it is (printable ASCII)."""
    return text.isascii() and text.isprintable()


# -- answers ---------------------------------------------------------------------------------
YES, NO = "0", "1"   # the protocol's yes and no (105, 106)


def format_lines(lines: Iterable[str]) -> str:
    """Each line followed by CRLF (1, 103, 104 and every plain-text message)."""
    return "".join(line + CRLF for line in lines)


def parse_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def format_yes_no(value: bool) -> str:
    return (YES if value else NO) + CRLF


def parse_yes_no(text: str) -> bool | None:
    """``0`` -> True, ``1`` -> False, anything else None."""
    value = text.strip()
    return True if value == YES else False if value == NO else None


def newest_version(versions: Iterable[str]) -> str:
    """The highest qbXML version of a list such as ['1.0', '13.0', '2.1'] (the 103 answer)."""
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in v.strip().split("."))
    return max(versions, key=key)


def format_hresult(hresult: int) -> str:
    return f"0x{hresult & 0xFFFFFFFF:08X}"


def format_processor_error(hresult: int, message: str) -> str:
    """The 517 body: ``0x80040400 <text>`` + CRLF."""
    return format_lines([f"{format_hresult(hresult)} {message.rstrip(CRLF)}"])


_HEX_HRESULT = re.compile(r"^\s*(?:HRESULT\s*[:=]?\s*)?0x([0-9A-Fa-f]{1,8})\b[\s:.-]*(.*)$", re.S)
_DEC_HRESULT = re.compile(r"^\s*(?:HRESULT\s*[:=]?\s*)?(-\d{9,10})\b[\s:.-]*(.*)$", re.S)


def parse_processor_error(text: str, header: str | None = None) -> tuple[int | None, str]:
    """(HRESULT, message) from a 517 body and its HResult header.

    Our server writes ``0x80040400 <text>`` and repeats the code in the header; other
    connectors may write the code in decimal (``-2147220480 <text>``) or only a text, which
    gives (None, text).
    """
    code: int | None = None
    message = text
    for pattern, base in ((_HEX_HRESULT, 16), (_DEC_HRESULT, 10)):
        match = pattern.match(text)
        if match:
            code = int(match.group(1), base) & 0xFFFFFFFF
            message = match.group(2).strip()
            break
    if header:
        try:
            code = int(header.strip(), 0) & 0xFFFFFFFF
        except ValueError:
            pass
    return code, message
