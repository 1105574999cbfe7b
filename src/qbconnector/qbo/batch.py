"""Batches over QuickBooks Online: many operations, sent as ``/batch`` requests of at most 30
items (QBO's limit), a :class:`~qbconnector.api.records.batch.Result` for each.

    with qb.batch() as batch:
        first = batch.customers.add(display_name="Acme")
        second = batch.invoices.void(invoice)
    first.record, second.error

Items run on QBO's side in order and one failing does not stop the others (its Result
carries the error). With ``on_error="stopOnError"`` the requests after one holding a
failure are not sent; their Results carry :class:`~qbconnector.errors.NotProcessedError`.
Each request carries its own ``requestid``, so a retried request is not done twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qbconnector.api.records.batch import Result
from qbconnector.errors import NotProcessedError
from qbconnector.qbo.faults import error_for, faults_of
from qbconnector.qbo.typed import record

if TYPE_CHECKING:
    from qbconnector.qbo.collections import QBOCollection
    from qbconnector.qbo.connection import QBOConnection

LIMIT = 30


class _BatchCollection:
    def __init__(self, batch: QBOBatch, collection: QBOCollection) -> None:
        self._batch = batch
        self._collection = collection

    def add(self, data: dict[str, Any] | None = None, **fields: Any) -> Result:
        body = self._collection.add_body({**(data or {}), **fields})
        return self._batch.queue("add", self._collection, {"operation": "create"}, body)

    def modify(self, target: Any, data: dict[str, Any] | None = None, **changes: Any) -> Result:
        body, _ = self._collection.mod_body(target, {**(data or {}), **changes})
        return self._batch.queue("modify", self._collection, {"operation": "update"}, body)

    def delete(self, target: Any) -> Result:
        body, params = self._collection.delete_request(target)
        operation = params.get("operation", "update")
        return self._batch.queue("delete", self._collection, {"operation": operation}, body)

    def void(self, target: Any) -> Result:
        body, _ = self._collection.void_request(target)
        body = {**body, "sparse": True}
        return self._batch.queue("void", self._collection,
                                 {"operation": "update", "optionsData": "void"}, body)

    def query(self, limit: int | None = None, **filters: Any) -> Result:
        text = self._collection.query(limit=limit, **filters).text(1, limit or 1000)
        return self._batch.queue("query", self._collection, {"Query": text}, None)


class QBOBatch:
    """Collects operations; sends them in requests of 30 when the ``with`` block ends."""

    def __init__(self, connection: QBOConnection, on_error: str = "continueOnError") -> None:
        if on_error not in ("continueOnError", "stopOnError"):
            raise ValueError("on_error must be 'continueOnError' or 'stopOnError'")
        self.connection = connection
        self.on_error = on_error
        self.results: list[Result] = []
        self._items: list[tuple[dict[str, Any], Result, QBOCollection]] = []

    def __getattr__(self, name: str) -> _BatchCollection:
        if name.startswith("_"):
            raise AttributeError(name)
        return _BatchCollection(self, self.connection.collection(name))

    def queue(self, operation: str, collection: QBOCollection, head: dict[str, Any],
              body: dict[str, Any] | None) -> Result:
        item = dict(head)
        if body is not None:
            item[collection.type_name] = body
        result = Result(operation, collection.type_name)
        self._items.append((item, result, collection))
        self.results.append(result)
        return result

    def run(self) -> list[Result]:
        """Send what is queued (done at the end of ``with``); returns every Result."""
        items, self._items = self._items, []
        failed = False
        for start in range(0, len(items), LIMIT):
            chunk = items[start:start + LIMIT]
            if failed and self.on_error == "stopOnError":
                for _, result, _ in chunk:
                    result.done = True
                    result.error = NotProcessedError(3231, "Error", "not sent: an earlier "
                                                     "operation of the batch failed")
                    result.status_code = 3231
                continue
            request = [{**item, "bId": str(n)} for n, (item, _, _) in enumerate(chunk)]
            answer = self.connection.session.post("batch", {"BatchItemRequest": request},
                                                  operation="batch", entity="")
            by_id = {str(a.get("bId")): a for a in answer.get("BatchItemResponse") or []}
            for n, (item, result, collection) in enumerate(chunk):
                self._fill(result, collection, item, by_id.get(str(n)))
                failed = failed or result.error is not None
        return self.results

    def _fill(self, result: Result, collection: QBOCollection, item: dict[str, Any],
              answer: dict[str, Any] | None) -> None:
        result.done = True
        entity = collection.type_name
        if answer is None:
            result.error = NotProcessedError(3231, "Error", "QBO answered nothing for this "
                                             "operation", f"{entity} batch")
            result.status_code = 3231
            return
        if "Fault" in answer:
            faults = faults_of(answer["Fault"])
            error = error_for(faults, status=400, operation=_operation(result.operation),
                              entity=entity)
            result.error = error  # type: ignore[assignment]
            result.status_code = getattr(error, "status_code", None)
            result.status_message = str(error)
            return
        result.status_code = 0
        result.status_message = "OK"
        if result.operation == "query":
            rows = (answer.get("QueryResponse") or {}).get(entity) or []
            result.records = [record(entity, r) for r in rows]
            return
        data = answer.get(entity)
        if data is not None:
            created = record(entity, data)
            result.records = [created]
            if result.operation == "add":
                self.connection.references.learn(entity, created)

    def __enter__(self) -> QBOBatch:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.run()


def _operation(name: str) -> str:
    return {"add": "create", "modify": "update"}.get(name, name)
