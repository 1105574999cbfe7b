"""The sample company files the sandbox tests share: built once per test session."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest

from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.storage.store import Clock

# When the sample companies are created (timestamps and IDs follow from it).
CREATED = datetime(2025, 1, 6, 8, 30, tzinfo=timezone(timedelta(hours=-7)))


def small_company(factory: pytest.TempPathFactory) -> Path:
    """The ``small`` sample (seed 0), created once per test session (tests must not change
    it)."""
    return _small(factory.getbasetemp())


@cache
def _small(base: Path) -> Path:
    path = base / "samples" / "small.qbdb"
    path.parent.mkdir(exist_ok=True)
    create_company(path, sample="small", seed=0, clock=Clock(fixed=CREATED))
    return path
