"""Batches (one message set, a result each) and retries that never duplicate a write."""

from __future__ import annotations

import pytest

import qbconnector
from qbconnector.api import DuplicateNameError, NotProcessedError, SessionError
from qbconnector.qbxml.session import TransportError
from qbconnector.sandbox import SandboxSession


def test_batch_gives_a_result_per_operation(qb):
    qb.customers.add(name="Existing")
    with qb.batch() as batch:
        first = batch.customers.add(name="New")
        clash = batch.customers.add(name="existing")
        found = batch.customers.query(name_contains="e")
    assert first.ok and first.record.name == "New"
    assert not clash.ok and isinstance(clash.error, DuplicateNameError)
    with pytest.raises(DuplicateNameError):
        clash.record  # noqa: B018
    assert {r.name for r in found.records} == {"Existing", "New"}


def test_stop_on_error_batches_report_the_rest_as_not_processed(qb):
    with qb.batch(on_error="stopOnError") as batch:
        batch.customers.add(name="A")
        batch.customers.add(name="a")
        third = batch.customers.add(name="C")
    assert isinstance(third.error, NotProcessedError) and third.status_code == 3231
    assert qb.customers.count() == 1


class DropsConnectionAfterProcessing:
    """A session whose connection breaks after QuickBooks processed the message set, before
    the response arrives: the worst case for retries. It wraps a real sandbox session."""

    def __init__(self, inner: SandboxSession, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.sent: list[str] = []

    def process(self, request: str) -> str:
        self.sent.append(request)
        response = self.inner.process(request)
        if self.failures:
            self.failures -= 1
            raise TransportError("connection reset by peer")
        return response

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def test_a_retried_add_does_not_create_a_second_record(blank_company):
    inner = SandboxSession(blank_company("retry"))
    flaky = DropsConnectionAfterProcessing(inner, failures=1)
    with qbconnector.connect(flaky) as qb:
        added = qb.customers.add(name="Once")
        assert added.name == "Once"
        assert qb.customers.count() == 1
    first, second = flaky.sent[0], flaky.sent[1]
    assert "newMessageSetID=" in first and "oldMessageSetID=" not in first
    assert "oldMessageSetID=" in second          # the retry asked for the stored answer


def test_retries_are_bounded(blank_company):
    inner = SandboxSession(blank_company("retry"))
    flaky = DropsConnectionAfterProcessing(inner, failures=10)
    with qbconnector.connect(flaky, retries=2) as qb:
        with pytest.raises(SessionError, match="connection failed") as info:
            qb.customers.add(name="Never confirmed")
        assert info.value.retryable
    assert len(flaky.sent) == 3


def test_request_processor_errors_become_session_errors(tmp_path):
    missing = SandboxSession(tmp_path / "nowhere.qbdb")
    with pytest.raises(SessionError) as info:
        qbconnector.connect(missing)
    assert info.value.hresult == 0x80040403
    assert "Could not open the specified QuickBooks company data file" in str(info.value)


def test_version_is_negotiated_with_the_session(qb):
    assert qb.version == "14.0"
    with qbconnector.connect(qb.session, version="12.0") as older:
        assert older.version == "12.0"
