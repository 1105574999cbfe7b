"""The cycle collector is calmed only while bulk work runs (a sample written, an export), and
its threshold is always put back, also when blocks nest or run on two threads at once."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

import pytest

import qbconnector
from qbconnector.api import export
from qbconnector.api.transfer.sink_files import JsonlSink
from qbconnector.collector import BULK_THRESHOLD, fewer_collections
from qbconnector.sandbox import create_company
from qbconnector.sandbox.company import samples


def test_the_threshold_is_raised_inside_and_put_back_after() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] >= BULK_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_an_error_inside_still_puts_it_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a bug in the bulk work")
    assert gc.get_threshold() == before


def test_nested_and_overlapping_blocks_restore_the_original() -> None:
    before = gc.get_threshold()
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with fewer_collections():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with fewer_collections():
        thread.start()
        assert inside.wait(10)
        with fewer_collections():
            assert gc.get_threshold()[0] >= BULK_THRESHOLD
    # The first block has ended while the other thread's still runs: still raised.
    assert gc.get_threshold()[0] >= BULK_THRESHOLD
    leave.set()
    thread.join(10)
    assert gc.get_threshold() == before


def test_a_sample_is_written_inside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample's transactions are written inside the block (seen from inside it), and the
    threshold is as it was afterwards."""
    before = gc.get_threshold()
    seen: list[int] = []
    original_run = samples.Executor.run

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_threshold()[0])
        return original_run(self, *args, **kwargs)

    monkeypatch.setattr(samples.Executor, "run", run)
    create_company(tmp_path / "small.qbdb", sample="small")
    assert seen and seen[0] >= BULK_THRESHOLD
    assert gc.get_threshold() == before



def test_an_export_is_written_inside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every record of an export is written inside the block, and the threshold is as it was
    afterwards (the sessions release their HTTP answers, so no page waits for a collection:
    tests/test_responses.py)."""
    path = create_company(tmp_path / "small.qbdb", sample="small")
    before = gc.get_threshold()
    written: list[int] = []
    original_write = JsonlSink.write

    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        written.append(gc.get_threshold()[0])
        return original_write(self, *args, **kwargs)

    monkeypatch.setattr(JsonlSink, "write", write)
    with qbconnector.connect(str(path)) as qb:
        summary = export(qb, ["customers"], str(tmp_path / "out.jsonl"))
    assert summary.types[0].records == len(written) > 0
    assert min(written) >= BULK_THRESHOLD
    assert gc.get_threshold() == before
