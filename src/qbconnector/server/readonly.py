"""Read-only users: which requests cannot change data, and QuickBooks' refusal for the rest.

Deny by default: a request is read-only only when the spec knows it and it is a query
(``...QueryRq``: lists, transactions, reports, host, company, preferences). Anything else —
adds, mods, deletes, voids, merges, subscriptions, names the spec does not know — is a write,
and the whole message set is answered the way QuickBooks answers a read-only session: every
response carries status 3260, without the request reaching the company file.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import quoteattr

from qbconnector.qbxml import spec as qbspec
from qbconnector.qbxml import status as qbstatus

INSUFFICIENT_PERMISSION = 3260
_FALLBACK_3260 = "Insufficient permission level to perform this action."

# Queries that do not follow the ...QueryRq naming would go here; none are known today.
EXTRA_READ_ONLY: frozenset[str] = frozenset()


@cache
def read_only_requests(family: str = "qbxml") -> frozenset[str]:
    """The request names of ``family`` ('qbxml' or 'qbposxml') that cannot change data."""
    names = qbspec.load(family).requests
    return frozenset(n for n in names if n.endswith("QueryRq")) | (
        EXTRA_READ_ONLY & frozenset(names))


def writes_in(names: tuple[str, ...], family: str = "qbxml") -> tuple[str, ...]:
    """The names among ``names`` a read-only user may not run (unknown names included)."""
    allowed = read_only_requests(family)
    return tuple(n for n in names if n not in allowed)


def _permission_message() -> tuple[str, str]:
    entry = qbstatus.STATUSES.get(INSUFFICIENT_PERMISSION)
    message = qbstatus.status_message(INSUFFICIENT_PERMISSION) if entry else _FALLBACK_3260
    return qbstatus.severity_of(INSUFFICIENT_PERMISSION), message


def refusal(root: str, message_set: str, requests: tuple[tuple[str, str | None], ...]) -> str:
    """A response message set answering every request with status 3260."""
    severity, message = _permission_message()
    rs_set = message_set[:-2] + "Rs" if message_set.endswith("Rq") else "QBXMLMsgsRs"
    lines = ['<?xml version="1.0" ?>', f"<{root}>", f"<{rs_set}>"]
    for name, request_id in requests:
        rs = name[:-2] + "Rs" if name.endswith("Rq") else name + "Rs"
        rid = f" requestID={quoteattr(request_id)}" if request_id is not None else ""
        lines.append(f'<{rs}{rid} statusCode="{INSUFFICIENT_PERMISSION}" '
                     f"statusSeverity={quoteattr(severity)} statusMessage={quoteattr(message)} />")
    lines += [f"</{rs_set}>", f"</{root}>", ""]
    return "\n".join(lines)
