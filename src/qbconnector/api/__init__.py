"""The records API: connect, then query/get/add/modify/delete/void records per type.

    import qbconnector
    with qbconnector.connect("company.qbdb") as qb:
        for customer in qb.customers.query(name_contains="Acme", active="all"):
            print(customer.full_name, customer.balance)
"""

from qbconnector.api.batch import Batch, Result
from qbconnector.api.collections import Collection, Query
from qbconnector.api.connection import Connection, connect
from qbconnector.api.errors import (
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
from qbconnector.api.records import Record

__all__ = ["Batch", "Collection", "ConflictError", "Connection", "DuplicateNameError",
           "InvalidReferenceError", "NotFoundError", "NotProcessedError",
           "PermissionDeniedError", "QBError", "Query", "Record", "Result", "SessionError",
           "ValueTooLongError", "connect"]
