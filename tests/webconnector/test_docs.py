"""docs/webconnector.md: every runnable block runs as written, in order, in one folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.docs_blocks import blocks, run_shell

DOC = REPO / "docs" / "webconnector.md"


def test_the_blocks_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    [script] = blocks(DOC, "sh")
    done = run_shell(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "shop: 0 waiting" in done.stdout and (tmp_path / "shop.qwc").is_file()
    [code] = blocks(DOC, "python")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(DOC), "exec"), {"__name__": "docs_webconnector"})  # noqa: S102
    assert capsys.readouterr().out.strip().endswith("['Through the Web Connector']")
