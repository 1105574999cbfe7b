"""Every runnable block of docs/qbo.md runs as written, in the page's order, against the
double on a free port: ```sh lines as commands (``$QBO_URL`` and ``$QBO_CLIENT_ID`` name the
double and the app; for ``qbo login`` the test does the browser's part: it opens the printed
URL), ```python blocks in one namespace."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from qbconnector.cli.main import cli
from tests.qbo_double.conftest import CLIENT_ID, CLIENT_SECRET

DOC = Path(__file__).resolve().parents[2] / "docs" / "qbo.md"


def blocks() -> list[tuple[str, str]]:
    return re.findall(r"```(sh|python)\n(.*?)```", DOC.read_text(), re.DOTALL)


def run_command(line: str, env: dict[str, str], cwd: Path) -> str:
    """``qbo login`` in its own process (the test opens the URL it prints); every other
    command in this process (a process each would cost a second apiece)."""
    argv = shlex.split(os.path.expandvars(line))
    assert argv[0] == "qbconnector", line
    if argv[1:3] != ["qbo", "login"]:
        result = CliRunner().invoke(cli, argv[1:], env=env, catch_exceptions=False)
        assert result.exit_code == 0, (line, result.output)
        return result.output
    process = subprocess.Popen([sys.executable, "-m", "qbconnector.cli.main", *argv[1:]],
                               cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert httpx.get(url, follow_redirects=True).status_code == 200   # the browser's part
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, (line, out, err)
    return out + err


def test_every_block_runs_in_order(double, tmp_path, monkeypatch):
    running = double()
    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "QBO_URL": running.base, "QBO_CLIENT_ID": CLIENT_ID,
           "QBCONNECTOR_QBO_CLIENT_SECRET": CLIENT_SECRET, "COLUMNS": "200"}
    os.environ.update(QBO_URL=running.base, QBO_CLIENT_ID=CLIENT_ID)
    namespace: dict = {}
    printed = io.StringIO()
    shell = []
    try:
        for language, text in blocks():
            if language == "python":
                with contextlib.redirect_stdout(printed):
                    exec(compile(text, str(DOC), "exec"), namespace)  # noqa: S102
                continue
            for line in text.splitlines():
                if line.strip():
                    shell.append(run_command(line, env, tmp_path))
    finally:
        for name in ("QBO_URL", "QBO_CLIENT_ID"):
            os.environ.pop(name, None)
    out = printed.getvalue()
    assert "1001 225.00 225.00" in out and "None" in out
    assert "cannot be expressed in QBO" in out
    assert "0 1 prefers email" in out and "Voided" in out
    assert "35 DuplicateNameError" in out and "ProfitAndLoss" in out
    joined = "\n".join(shell)
    assert "connected 'books'" in joined and "Lead 7" in joined
    assert "exported" in joined and "revoked and forgot" in joined
    assert (tmp_path / "books.db").exists() and (tmp_path / "moved.csv").exists()
    assert '"DisplayName": "Desk Co"' in joined and '"FreeFormNumber": "555-0100"' in joined
