"""Fixtures for the records API: connections to real sandbox company files."""

from __future__ import annotations

import pytest

import qbconnector
from qbconnector.sandbox import SandboxSession


@pytest.fixture
def qb(blank_company):
    """A records-API connection to a fresh company file (small iterator pages)."""
    with qbconnector.connect(SandboxSession(blank_company("api")), page_size=5) as connection:
        yield connection
