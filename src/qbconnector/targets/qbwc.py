"""``qbwc``: the QuickBooks Web Connector polling the connector (a connector's backend only).

Requests are queued for the Web Connector user whose ``CompanyFile`` they name and answered
when its Web Connector polls ``/qbwc`` (see :mod:`qbconnector.server.qbwc`). Only a running
connector has the Web Connector's service, so ``qbwc`` is no target for a single session:
connect to that connector's URL instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qbconnector.errors import TargetError
from qbconnector.qbxml.session import Session
from qbconnector.targets.kinds import Backend, TargetKind
from qbconnector.targets.options import COMMON, gather, query_options

WORD = "qbwc"


def _parse(text: str, keywords: Mapping[str, Any]) -> Any:
    _, _, query = text.partition("?")
    if text.partition("?")[0].lower() != WORD:
        raise TargetError(f"{text!r}: the Web Connector backend is 'qbwc' (options: "
                          "qbwc?read_only=1)")
    options, _ = gather("qbwc", COMMON, query_options(query, text), keywords)
    return options


def session(text: str, keywords: Mapping[str, Any]) -> Session:
    _parse(text, keywords)
    raise TargetError("'qbwc' is a connector's backend (Backend = \"qbwc\"): the Web Connector "
                      "polls that connector; reach it with the connector's URL "
                      "(https://user@host:8167)")


def backend(text: str, keywords: Mapping[str, Any]) -> Backend:
    options = _parse(text, keywords)
    from qbconnector.server.qbwc.backend import WebConnectorBackend

    queues = WebConnectorBackend(read_only=options.read_only)
    return Backend(queues, kind="qbwc", target=text,
                   description="the QuickBooks Web Connector polling /qbwc"
                               + (" (read-only)" if options.read_only else ""),
                   close=queues.close, serve=queues.serve, interrupt=queues.interrupt)


KIND = TargetKind("qbwc", session, backend, words=(WORD,), example="")
