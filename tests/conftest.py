"""Shared test helpers: where the reference material lives (it may be absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def reference() -> Path:
    """../shared/reference, or skip when this clone has none."""
    if not (REFERENCE / "qbxml").is_dir():
        pytest.skip("../shared/reference is absent (a user's clone has none)")
    return REFERENCE


@pytest.fixture(scope="session")
def transcripts(reference: Path) -> Path:
    path = reference / "transcripts"
    if not path.is_dir():
        pytest.skip("../shared/reference/transcripts is absent")
    return path


@pytest.fixture(scope="session")
def xsd(reference: Path):
    """Intuit's official qbXML 13.0 XML Schema, an independent oracle."""
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(reference / "qbxml" / "qbxmlops130.xsd")))
