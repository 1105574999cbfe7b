"""Read-only users: QuickBooks' refusal for a message set that would change data.

Which requests can change data is the one rule of :mod:`qbconnector.qbxml.access` (deny by
default). If a read-only user's message set holds any of them, none of it reaches the company
file: every response carries status 3260, the way QuickBooks answers a read-only session.
"""

from __future__ import annotations

from qbconnector.qbxml.access import INSUFFICIENT_PERMISSION, writes_in
from qbconnector.qbxml.respond import refusal as _refusal

__all__ = ["INSUFFICIENT_PERMISSION", "refusal", "writes_in"]


def refusal(requests: tuple[tuple[str, str | None], ...], family: str = "qbxml",
            request_set: str | None = None) -> str:
    """A response message set answering every request with status 3260."""
    return _refusal(requests, INSUFFICIENT_PERMISSION, family, request_set)
