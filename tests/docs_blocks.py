"""Running a docs page's blocks as written: its ```sh blocks with bash in a folder (the venv's
commands first on PATH, no QBCONNECTOR_CONFIG), its ```python blocks with exec."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def blocks(doc: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", doc.read_text(), re.M | re.S)


def run_shell(script: str, folder: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("QBCONNECTOR_CONFIG", None)
    return subprocess.run(["bash", "-e", "-c", script], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=timeout)
