"""docs/console.md: every runnable block runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

DOC = REPO / "docs" / "console.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), re.M | re.S)


def test_the_shell_block_sets_up_a_console(tmp_path: Path):
    [script] = blocks("sh")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("QBCONNECTOR_CONFIG", None)
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
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
