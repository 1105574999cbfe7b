"""The sandbox answers the mixed workload (``mixed_workload.py``) exactly as recorded: a change
to its inside (modules moved, a faster path) must not change one byte of an answer nor one row
of a company file."""

from __future__ import annotations

import json
from pathlib import Path

from .mixed_workload import GOLDEN, record


def test_the_mixed_workload_is_answered_byte_for_byte_as_recorded(tmp_path: Path) -> None:
    expected = json.loads(GOLDEN.read_text())
    got = record(tmp_path).digests()
    assert list(got) == list(expected), "the workload itself changed: record it again"
    changed = [name for name in expected if got[name] != expected[name]]
    assert not changed, (
        f"{len(changed)} of {len(expected)} answers or tables differ, first: {changed[:8]}; "
        "compare `python -m tests.sandbox.mixed_workload --dump DIR` before and after")


def test_the_workload_covers_reads_writes_failures_and_tables() -> None:
    names = list(json.loads(GOLDEN.read_text()))
    assert len(names) > 300
    for part in ("sample/table records", "read/", "write/", "after writes/", "sets/",
                 "after writes/table postings", "write/002 stale edit sequence"):
        assert any(name.startswith(part) for name in names), part
