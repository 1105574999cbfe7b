#!/usr/bin/env python3
"""One-command entry points for a fresh clone: needs only Python 3.11+.

    python3 run.py serve   install everything, then run the remote connector serving a sample
                           sandbox company on 127.0.0.1 (prints a demo password and a curl line)
    python3 run.py test    install everything, then run ruff and the whole test suite
                           (installs Debian's chromium with apt for the browser tests if missing)

Both create (or reuse) a virtual environment in .venv and install qbconnector into it with
pip; nothing is installed outside that folder. Extra arguments are passed on.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
EXTRAS = {"serve": "export", "test": "test"}
COVERED_BY = {"export": ("export", "test")}   # the test extra installs everything export does


def ensure_environment(extra: str) -> None:
    """Create .venv and install the package with ``extra``, unless already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py may be started by an older Python
        sys.exit(f"qbconnector needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extra}"
    # The build compiles the parse accelerator: a new version of its source means a new build.
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + (
        ROOT / "src/qbconnector/qbxml/_fastparse.c").read_bytes()).hexdigest()
    for covering in COVERED_BY.get(extra, (extra,)):
        done = VENV / f".installed-{covering}"
        if done.exists() and done.read_text() == digest:
            return
    print(f"installing qbconnector[{extra}] into {VENV}", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", f"{ROOT}[{extra}]"], check=True)
    stamp.write_text(digest)


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> None:
    """The browser tests drive Debian's chromium: install it with apt when it is missing."""
    if CHROMIUM.exists() or os.name == "nt" or sys.platform == "darwin":
        return
    print("installing chromium (Debian package) for the browser tests", flush=True)
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        try:
            done = subprocess.run([*prefix, *step], env=env).returncode == 0
        except FileNotFoundError:
            done = False
        if not done:
            break
    if not CHROMIUM.exists():
        sys.exit("the browser tests need Debian's chromium at /usr/bin/chromium and it could "
                 "not be installed (needs root or password-less sudo); install it with: "
                 "sudo apt-get install chromium")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    if command not in EXTRAS:
        print(__doc__)
        return 2
    ensure_environment(EXTRAS[command])
    os.chdir(ROOT)
    if command == "test":
        ensure_chromium()
        lint = subprocess.run([str(PYTHON), "-m", "ruff", "check", "src", "tests", "tools",
                               "bench", "run.py"])
        if lint.returncode != 0:
            return lint.returncode
        return subprocess.run([str(PYTHON), "-m", "pytest", *argv[1:]]).returncode
    command = [str(PYTHON), "-m", "qbconnector.cli.main", "serve", "--demo", *argv[1:]]
    if os.name == "posix":
        # Become the server: a supervisor's SIGTERM (or Ctrl+C) then reaches it directly and
        # stops it, instead of killing this launcher and leaving the server behind.
        sys.stdout.flush()
        os.execv(command[0], command)  # noqa: S606 - the same command, without a shell
    return subprocess.run(command).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
