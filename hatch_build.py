"""Build hook: compile the optional accelerator of the typed parse
(``src/qbconnector/qbxml/_fastparse.c``) where a C compiler and Python's headers are at hand.

Without them the build goes on and the package is pure Python (the parse takes the same,
slower, path); the reason is printed. ``QBCONNECTOR_NO_ACCELERATOR=1`` skips the compile.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src/qbconnector/qbxml/_fastparse.c")


def compile_accelerator(root: Path) -> Path | None:
    """Compile the extension next to its source; its path, or None (and why, on stderr)."""
    source = root / SOURCE
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    ldshared = sysconfig.get_config_var("LDSHARED")
    if os.environ.get("QBCONNECTOR_NO_ACCELERATOR") == "1" or not suffix or not ldshared:
        print("qbconnector: parse accelerator not built (turned off, or no compiler "
              "settings for this Python); the parse is pure Python", file=sys.stderr)
        return None
    target = source.with_name("_fastparse" + suffix)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    partial = target.with_name(target.name + ".partial")
    command = [*shlex.split(ldshared), *shlex.split(sysconfig.get_config_var("CCSHARED") or ""),
               "-O2", f"-I{sysconfig.get_paths()['include']}",
               f'-DQBX_SOURCE_SHA="{digest}"', str(source), "-o", str(partial)]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        print(f"qbconnector: parse accelerator not built ({detail.strip()[:300]}); the parse "
              "is pure Python", file=sys.stderr)
        partial.unlink(missing_ok=True)
        return None
    partial.replace(target)
    return target


class AcceleratorHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        built = compile_accelerator(Path(self.root))
        if built is not None and version != "editable":
            build_data["force_include"][str(built)] = f"qbconnector/qbxml/{built.name}"
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
