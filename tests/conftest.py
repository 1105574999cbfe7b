"""Shared test helpers: where the reference material lives (it may be absent), a private
configuration folder, and a fake pywin32 (``pywin32``) any test can install."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.com.fake_pywin32 import pywin32  # noqa: F401 - a fixture for every test folder

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


@pytest.fixture(scope="session")
def _blank_company_template(tmp_path_factory) -> Path:
    """One new company file, created once; tests get copies (creating one takes ~0.1 s)."""
    from qbconnector.sandbox import create_company

    return create_company(tmp_path_factory.mktemp("template") / "blank.qbdb", name="Blank")


@pytest.fixture
def blank_company(_blank_company_template, tmp_path):
    """Make a fresh copy of a new (sample none) company file: ``blank_company("name")``."""
    import shutil

    def make(name: str = "company") -> Path:
        target = tmp_path / f"{name}.qbdb"
        shutil.copyfile(_blank_company_template, target)
        return target

    return make


@pytest.fixture(scope="session", autouse=True)
def _private_configuration(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes the real user's settings or saved connections."""
    folder = tmp_path_factory.mktemp("user-config")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QBCONNECTOR_CONFIG_DIR", str(folder))
        mp.setenv("QBCONNECTOR_CONFIG", str(folder / "connector.toml"))
        mp.setenv("QBCONNECTOR_REPORT_DIR", str(folder / "reports"))
        for name in ("QBCONNECTOR_COMPANY", "QBCONNECTOR_URL", "QBCONNECTOR_CONNECTION",
                     "QBCONNECTOR_PASSWORD"):
            mp.delenv(name, raising=False)
        yield
    assert os.environ.get("QBCONNECTOR_CONFIG_DIR") != str(folder)
