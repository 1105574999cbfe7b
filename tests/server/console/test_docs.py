"""docs/console.md: every runnable block runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO
from tests.docs_blocks import blocks as doc_blocks
from tests.docs_blocks import run_shell

DOC = REPO / "docs" / "console.md"


def blocks(language: str) -> list[str]:
    return doc_blocks(DOC, language)


def test_the_shell_block_sets_up_a_console(tmp_path: Path):
    [script] = blocks("sh")
    done = run_shell(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "OK (1 users)" in done.stdout
    from qbconnector.server.passwords import verify_password
    from qbconnector.server.settings import load_settings

    settings = load_settings(tmp_path / "connector.toml")
    assert settings.AdminPort == 8168
    assert verify_password("a console password", settings.AdminPassword)


def test_the_python_block_runs(capsys):
    [code] = blocks("python")
    exec(compile(code, str(DOC), "exec"), {"__name__": "docs_console"})
    out = capsys.readouterr().out
    assert out.startswith("sandbox company file ['http://127.0.0.1:")


def test_the_images_the_page_shows_exist():
    for image in re.findall(r"\]\((images/[^)]+)\)", DOC.read_text()):
        assert (DOC.parent / image).is_file(), image
