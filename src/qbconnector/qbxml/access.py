"""Which requests only read: the rule shared by read-only sessions and read-only users.

Deny by default: a request is read-only only when it is a query (its name ends in
``QueryRq``: lists, transactions, reports, Host, Company, Preferences...). Everything else —
adds, mods, deletes, voids, merges, display requests, subscriptions — may change data.
"""

from __future__ import annotations


def is_read_only(request_name: str) -> bool:
    """True when ``request_name`` (e.g. ``CustomerQueryRq``) cannot change data."""
    return request_name.endswith("QueryRq")
