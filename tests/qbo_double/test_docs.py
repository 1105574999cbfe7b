"""Every runnable block of docs/qbo-double.md runs as written: the ```python blocks in order
in one namespace, and each ```sh command (``qbo serve`` until it says it is serving)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "qbo-double.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.DOTALL)


def test_python_blocks_run(monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    namespace: dict = {}
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for block in blocks("python"):
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102
    printed = output.getvalue()
    assert "400 5010" in printed and "4001" in printed and "50.0" in printed


def test_shell_blocks_run(tmp_path):
    commands = [line for block in blocks("sh") for line in block.splitlines() if line.strip()]
    assert commands
    for command in commands:
        argv = shlex.split(command)
        assert argv[:3] == ["qbconnector", "qbo", "serve"]
        process = subprocess.Popen([sys.executable, "-m", "qbconnector.cli.main", *argv[1:]],
                                   cwd=tmp_path, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            assert process.stdout is not None
            seen = []
            for line in process.stdout:
                seen.append(line)
                if line.startswith("Ctrl+C"):
                    break
            assert any("QuickBooks Online double on http://127.0.0.1:" in s for s in seen), seen
        finally:
            process.terminate()
            process.wait(timeout=10)
