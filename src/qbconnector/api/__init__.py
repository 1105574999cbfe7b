"""The records API: connect, then query/get/add/modify/delete/void records per type.

    import qbconnector
    with qbconnector.connect("company.qbdb") as qb:
        for customer in qb.customers.query(name_contains="Acme", active="all"):
            print(customer.full_name, customer.balance)

Inside, ``records/`` is the records API itself (connection, collections, batches, records,
filters, errors) and ``transfer/`` the bulk export and import built on it; ``transfer/``
imports ``records/``, never the other way.
"""

from qbconnector.api.records import errors
from qbconnector.api.records.batch import Batch, Result
from qbconnector.api.records.collections import Collection, Query
from qbconnector.api.records.connection import Connection, connect
from qbconnector.api.records.errors import (
    ConflictError,
    DuplicateNameError,
    InvalidReferenceError,
    NotFoundError,
    NotProcessedError,
    PermissionDeniedError,
    QBError,
    SessionError,
    ValueTooLongError,
)
from qbconnector.api.records.filters import FilterError
from qbconnector.api.records.record import Record
from qbconnector.api.records.where import WhereError, parse_where
from qbconnector.api.transfer.export import export
from qbconnector.api.transfer.importing import import_file
from qbconnector.api.transfer.mapping import MappingError
from qbconnector.api.transfer.sinks import DestinationError
from qbconnector.api.transfer.sources import SourceError
from qbconnector.api.transfer.state import StateError
from qbconnector.profiles import ProfileError

__all__ = ["Batch", "Collection", "ConflictError", "Connection", "DestinationError",
           "DuplicateNameError", "FilterError", "InvalidReferenceError", "MappingError",
           "NotFoundError", "NotProcessedError", "PermissionDeniedError", "ProfileError",
           "QBError", "Query", "Record", "Result", "SessionError", "SourceError", "StateError",
           "ValueTooLongError", "WhereError", "connect", "errors", "export", "import_file",
           "parse_where"]
