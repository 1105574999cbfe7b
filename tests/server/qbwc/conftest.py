"""Fixtures of the connector's Web Connector tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.qbwc.rig import Rig, make_rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    """``rig(**settings)``: a started connector serving the Web Connector; stopped after."""
    made: list[Rig] = []

    def start(**values: Any) -> Rig:
        made.append(make_rig(tmp_path, **values))
        made[-1].start()
        return made[-1]

    yield start
    for one in made:
        one.stop()
