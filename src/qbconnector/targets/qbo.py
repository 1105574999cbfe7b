"""``qbo://REALM``: a QuickBooks Online company, usually through a saved connection that
``qbconnector qbo login NAME`` wrote::

    [connections.books]
    target = "qbo://9130355377391746"
    environment = "sandbox"           # production, sandbox, or a URL (the offline double)
    client_id = "ABc0..."
    tokens = "books"                  # where the tokens are kept under (default: the realm)
    token_store = "keyring"           # or "file" (chosen at login)

QuickBooks Online speaks JSON over REST, not qbXML: such a target gives a records-API
connection (``connect()``, every record command, export and import), never a qbXML Session —
``request`` and a connector's ``--backend`` refuse it with a message saying so.

Options: ``environment``, ``tokens``, ``token_store``, ``client_id`` (informational),
``api_url`` (an API host other than the environment's), ``page_size`` (rows per page, at most
1,000), ``retries``, ``backoff`` (seconds before the first retry), ``timeout``,
``minor_version``, ``prefetch``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from qbconnector.errors import TargetError
from qbconnector.qbxml.session import Session
from qbconnector.targets.kinds import Backend, TargetKind

SCHEME = "qbo"
OPTIONS = frozenset({"environment", "tokens", "token_store", "client_id", "api_url",
                     "page_size", "retries", "backoff", "timeout", "minor_version", "prefetch",
                     "name"})


def realm_of(text: str) -> str:
    parts = urlsplit(text)
    realm = (parts.netloc or parts.path.strip("/")).strip()
    if not realm.isdigit():
        raise TargetError(f"{text!r}: a QuickBooks Online target is qbo://REALM_ID (the "
                          "company's digits), usually saved by qbconnector qbo login NAME")
    return realm


def _not_qbxml(text: str, options: Mapping[str, Any]) -> Session:
    raise TargetError(f"{options.get('name') or text} is a QuickBooks Online connection: it "
                      "speaks REST, not qbXML — use the records API or the record commands "
                      "(query, get, add, export, import...), not raw qbXML requests")


def _no_backend(text: str, options: Mapping[str, Any]) -> Backend:
    raise TargetError(f"{options.get('name') or text} is a QuickBooks Online connection: a "
                      "connector serves QuickBooks Desktop (qbXML) backends only")


def make_connection(text: str, options: Mapping[str, Any]) -> Any:
    """The records-API connection of ``qbo://REALM`` with its options."""
    from qbconnector.qbo.open import open_connection

    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise TargetError(f"QuickBooks Online targets take no option {', '.join(unknown)} "
                          f"(options: {', '.join(sorted(OPTIONS))})")
    return open_connection(realm_of(text), dict(options))


KIND = TargetKind("qbo", session=_not_qbxml, backend=_no_backend, schemes=(SCHEME,),
                  example="", connection=make_connection)
