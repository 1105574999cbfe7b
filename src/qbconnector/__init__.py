"""qbconnector: read and write QuickBooks data from anywhere.

The qbXML codec lives in :mod:`qbconnector.qbxml`; backends (sandbox, COM, remote) implement the
:class:`~qbconnector.qbxml.session.Session` contract and are reached through one door,
:mod:`qbconnector.targets`; the records API is :func:`connect`. Every error raised on purpose is
a :class:`QBConnectorError` (see :mod:`qbconnector.errors`).

Nothing inside the package imports this module: layers import ``qbconnector.errors`` and
``qbconnector._version`` directly.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from qbconnector._version import __version__
from qbconnector.errors import (
    AuthenticationError,
    ConflictError,
    DuplicateNameError,
    InsufficientPermissionError,
    InvalidReferenceError,
    NotFoundError,
    NotProcessedError,
    PermissionDeniedError,
    QBConnectorError,
    QBError,
    RequestProcessorError,
    SessionError,
    TargetError,
    TransportError,
    ValidationError,
    ValueTooLongError,
)

if TYPE_CHECKING:
    from qbconnector.api.records.connection import Connection
    from qbconnector.qbxml.session import Session


def connect(target: str | os.PathLike[str] | Session, **options: Any) -> Connection:
    """Open a records-API connection (see :func:`qbconnector.api.connect`)."""
    from qbconnector.api import connect as _connect

    return _connect(target, **options)


# Errors raised by one part of the package, importable from here without importing that part
# until a caller asks for one (``from qbconnector import DestinationError``).
_LAZY_ERRORS = {
    "XMLError": "qbconnector.qbxml.xmlsafe",
    "ResponseError": "qbconnector.qbxml.parse",
    "FilterError": "qbconnector.api.records.filters",
    "WhereError": "qbconnector.api.records.where",
    "DestinationError": "qbconnector.api.transfer.sinks",
    "SourceError": "qbconnector.api.transfer.sources",
    "MappingError": "qbconnector.api.transfer.mapping",
    "StateError": "qbconnector.api.transfer.state",
    "ProfileError": "qbconnector.profiles",
    "QBOFault": "qbconnector.qbo_wire.faults",
    "LoginRequiredError": "qbconnector.qbo.faults",
    "ThrottledError": "qbconnector.qbo.faults",
}


def __getattr__(name: str) -> Any:
    module = _LAZY_ERRORS.get(name)
    if module is None:
        raise AttributeError(f"module 'qbconnector' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [*_LAZY_ERRORS,
    "AuthenticationError", "ConflictError", "DuplicateNameError", "InsufficientPermissionError",
    "InvalidReferenceError", "NotFoundError", "NotProcessedError", "PermissionDeniedError",
    "QBConnectorError", "QBError", "RequestProcessorError", "SessionError", "TargetError",
    "TransportError", "ValidationError", "ValueTooLongError", "__version__", "connect",
]
