"""Third-party npm packages for tests: installed once from the npm registry into the
gitignored .cache/ (never patched); tests skip where node and npm are absent."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def npm_package(name: str, version: str) -> Path:
    """The node_modules folder holding ``name@version`` (installed when it is not there)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed")
    cache = REPO / ".cache" / name
    marker = cache / "node_modules" / name / "package.json"
    if not marker.exists() or json.loads(marker.read_text())["version"] != version:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix",
                        str(cache), f"{name}@{version}"], check=True, timeout=300)
    return cache / "node_modules"
