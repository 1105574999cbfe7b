"""Which requests only read: the one rule for read-only users and read-only sessions.

Deny by default: a request is read-only only when the spec of its family knows it and it is a
query (its name ends in ``QueryRq``: lists, transactions, reports, Host, Company,
Preferences...). Everything else — adds, mods, deletes, voids, merges, display requests,
subscriptions, and names the spec does not know — may change data. The server's read-only
users, the sandbox's read-only sessions and every other session that enforces read-only
itself ask this module, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from qbconnector.qbxml import spec as qbspec

#: The status QuickBooks answers a read-only session's writes with.
INSUFFICIENT_PERMISSION = 3260
#: Queries that do not follow the ...QueryRq naming would go here; none are known today.
EXTRA_READ_ONLY: frozenset[str] = frozenset()


@cache
def read_only_requests(family: str = "qbxml") -> frozenset[str]:
    """The request names of ``family`` ('qbxml' or 'qbposxml') that cannot change data."""
    names = qbspec.load(family).requests
    return frozenset(n for n in names if n.endswith("QueryRq")) | (
        EXTRA_READ_ONLY & frozenset(names))


def is_read_only(request_name: str, family: str = "qbxml") -> bool:
    """True when ``request_name`` (e.g. ``CustomerQueryRq``) cannot change data."""
    return request_name in read_only_requests(family)


def writes_in(names: Iterable[str], family: str = "qbxml") -> tuple[str, ...]:
    """The names among ``names`` a read-only user may not run (unknown names included)."""
    allowed = read_only_requests(family)
    return tuple(n for n in names if n not in allowed)


def refuse_writes(request: str | bytes, family: str = "qbxml") -> str | None:
    """For a session that enforces read-only itself: the response refusing ``request`` with
    status 3260 when it holds any request that may change data (nothing of it is run, as a
    connector answers its read-only users), else None. Text that is not XML is left to the
    backend, which reports it the way QuickBooks does."""
    from qbconnector.qbxml import respond, xmlsafe

    try:
        root = xmlsafe.parse(request)
    except xmlsafe.XMLError:
        return None
    message_set = next((child for child in root if isinstance(child.tag, str)), None)
    if message_set is None:
        return None
    requests = [(child.tag, child.get("requestID")) for child in message_set
                if isinstance(child.tag, str)]
    if not writes_in((name for name, _ in requests), family):
        return None
    return respond.refusal(requests, INSUFFICIENT_PERMISSION, family, message_set.tag)
