"""Batches: many operations in one message set, a result for each.

    with qb.batch() as batch:
        first = batch.customers.add(name="Acme")
        second = batch.invoices.add(customer="Acme", lines=[...])
    first.record, second.error

``on_error="continueOnError"`` (the default) runs every operation; ``"stopOnError"`` stops at
the first error and the rest report 3231 (not processed). Queries in a batch return one page
(no iterator).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qbconnector.api.records import errors
from qbconnector.api.records.collections import Collection, check
from qbconnector.api.records.record import Record
from qbconnector.qbxml.build import Message
from qbconnector.qbxml.parse import Response

if TYPE_CHECKING:
    from qbconnector.api.records.connection import Connection


@dataclass
class Result:
    """The outcome of one batched operation (filled when the batch has run)."""

    operation: str
    type_name: str
    records: list[Record] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    error: errors.QBError | None = None
    status_code: int | None = None
    status_message: str = ""
    done: bool = False
    limit: int | None = None

    @property
    def ok(self) -> bool:
        return self.done and self.error is None

    @property
    def record(self) -> Record | None:
        """The (first) record returned; raises the operation's error if it failed."""
        if self.error is not None:
            raise self.error
        return self.records[0] if self.records else None


class _BatchCollection:
    def __init__(self, batch: Batch, collection: Collection) -> None:
        self._batch = batch
        self._collection = collection

    def add(self, data: dict[str, Any] | None = None, **fields: Any) -> Result:
        return self._batch._queue("add", self._collection,
                                  self._collection.add_message({**(data or {}), **fields}))

    def modify(self, target: Any, data: dict[str, Any] | None = None, **changes: Any) -> Result:
        message = self._collection.mod_message(target, {**(data or {}), **changes})
        return self._batch._queue("modify", self._collection, message)

    def delete(self, target: Any) -> Result:
        return self._batch._queue("delete", self._collection,
                                  self._collection.delete_message(target))

    def void(self, target: Any) -> Result:
        return self._batch._queue("void", self._collection,
                                  self._collection.void_message(target))

    def query(self, **filters: Any) -> Result:
        query = self._collection.query(**filters)
        data = dict(query.data)
        name = self._collection.query_request
        assert name is not None
        # Some queries have no MaxReturned (BarCodeQueryRq): the limit is applied on receipt.
        if query.limit is not None and self._collection.query_takes("MaxReturned"):
            data["MaxReturned"] = query.limit
        result = self._batch._queue("query", self._collection, Message(name, data))
        result.limit = query.limit    # also cut here: some queries have no MaxReturned
        return result


class Batch:
    """Collects operations; sends them as one message set when the ``with`` block ends."""

    def __init__(self, connection: Connection, on_error: str = "continueOnError") -> None:
        if on_error not in ("continueOnError", "stopOnError"):
            raise ValueError("on_error must be 'continueOnError' or 'stopOnError' "
                             "(QuickBooks Desktop has no rollbackOnError)")
        self.connection = connection
        self.on_error = on_error
        self.results: list[Result] = []
        self._messages: list[Message] = []

    def __getattr__(self, name: str) -> _BatchCollection:
        if name.startswith("_"):
            raise AttributeError(name)
        return _BatchCollection(self, self.connection.collection(name))

    def _queue(self, operation: str, collection: Collection, message: Message) -> Result:
        message.attrs["requestID"] = str(len(self._messages))
        result = Result(operation, collection.type_name)
        self._messages.append(message)
        self.results.append(result)
        return result

    def run(self) -> list[Result]:
        """Send the queued operations (done automatically at the end of ``with``)."""
        if not self._messages:
            return self.results
        responses = self.connection.send(self._messages, on_error=self.on_error)
        for message, result, response in zip(self._messages, self.results, responses,
                                             strict=False):
            self._fill(message, result, response)
        self._messages = []
        return self.results

    def _fill(self, message: Message, result: Result, response: Response) -> None:
        result.done = True
        result.status_code = response.status_code
        result.status_message = response.status_message
        try:
            check(response, message.name)
        except errors.QBError as exc:
            result.error = exc
            return
        result.records = [Record(r, r.tag) for r in response.records[:result.limit]]
        result.fields = dict(response.fields)

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.run()
