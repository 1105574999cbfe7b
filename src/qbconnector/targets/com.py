"""``com://[?company=C:\\...&app=MyApp&mode=multi]``: QuickBooks on this machine, over COM.

QuickBooks Desktop, or Point of Sale when the options (or, for a connector, the request's
Point of Sale header) ask for it. Needs Windows, pywin32 and a registered request processor;
anywhere else the target is refused at once with a message saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from qbconnector.errors import TargetError
from qbconnector.qbxml.session import Session, SessionOptions
from qbconnector.targets.kinds import Backend, TargetKind
from qbconnector.targets.options import COMMON, for_server, gather, query_options

COM_ONLY = frozenset({"company_file", "connection_mode", "auth_flags", "unattended"})


def _parse(text: str, keywords: Mapping[str, Any]) -> SessionOptions:
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost") or parts.path not in ("", "/"):
        raise TargetError(f"com:// reaches QuickBooks on this machine only (got {text!r}); "
                          "for QuickBooks elsewhere run a connector there and use https://")
    options, _ = gather("com://", COMMON | COM_ONLY, query_options(parts.query, text), keywords)
    return options


def session(text: str, keywords: Mapping[str, Any]) -> Session:
    options = _parse(text, keywords)
    from qbconnector.com import com_session, installed

    found = installed.require()
    if options.pos and not found.pos:
        raise TargetError("QuickBooks Point of Sale is not installed on this machine (its "
                          "request processor is not registered); QuickBooks Desktop is")
    if not options.pos and not found.desktop:
        raise TargetError("QuickBooks Desktop is not installed on this machine (its request "
                          "processor is not registered); Point of Sale is: add pos=1")
    return com_session(options)


def backend(text: str, keywords: Mapping[str, Any]) -> Backend:
    target = _parse(text, keywords)
    from qbconnector.com import com_session, installed

    found = installed.require()

    def sessions(options: SessionOptions) -> Session:
        return com_session(for_server(options, target))

    return Backend(sessions, kind="com", target=text, default_company=target.company_file,
                   description=f"QuickBooks over COM on this machine ({found.describe()})"
                               + (" (read-only)" if target.read_only else ""))


KIND = TargetKind("com", session, backend, schemes=("com",), example="com://")
