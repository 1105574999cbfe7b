"""The committed QBO spec is exactly what tools/compile_qbo_spec.py makes from Intuit's XSD."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REFERENCE

ROOT = Path(__file__).resolve().parents[2]


def test_committed_spec_matches_the_generator():
    if not (REFERENCE / "qbo" / "xsd").is_dir():
        pytest.skip("../shared/reference/qbo is absent (a user's clone has none)")
    import importlib.util

    loader = importlib.util.spec_from_file_location("compile_qbo_spec",
                                                    ROOT / "tools" / "compile_qbo_spec.py")
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    generated = module.compile_spec(REFERENCE / "qbo")
    committed = json.loads((ROOT / "src" / "qbconnector" / "qbo_wire" / "data" /
                            "entities.json").read_text())
    assert json.loads(json.dumps(generated)) == committed
