"""Build hook: compile the optional accelerator of the typed parse
(``src/qbconnector/qbxml/_fastparse.c``) where a C compiler and Python's headers are at hand.

The compile goes through setuptools' ``build_ext``, the machinery every C extension on PyPI
uses: it takes this Python's own compiler settings on Linux and macOS and finds Microsoft's
compiler (Visual Studio or its Build Tools) on Windows. Without a compiler the build goes on
and the package is pure Python (the parse takes the same, slower, path); the reason is
printed. ``QBCONNECTOR_NO_ACCELERATOR=1`` skips the compile.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:      # imported outside a build (the tests compile with it): no hook then
    BuildHookInterface = object  # type: ignore[misc,assignment]

SOURCE = Path("src/qbconnector/qbxml/_fastparse.c")


def _not_built(reason: str) -> None:
    print(f"qbconnector: parse accelerator not built ({reason}); the parse is pure Python",
          file=sys.stderr)


def compile_accelerator(root: Path) -> Path | None:
    """Compile the extension next to its source; its path, or None (and why, on stderr).

    The source's SHA-256 is compiled in, so a module built from another version of the
    source is never used (the package checks it on import)."""
    source = root / SOURCE
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if os.environ.get("QBCONNECTOR_NO_ACCELERATOR") == "1":
        _not_built("QBCONNECTOR_NO_ACCELERATOR=1")
        return None
    if not suffix:
        _not_built("this Python names no extension suffix")
        return None
    try:
        from setuptools import Distribution, Extension
    except ImportError:
        _not_built("setuptools is not installed")
        return None
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    target = source.with_name("_fastparse" + suffix)
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="qbconnector-build-") as work:
        extension = Extension("_fastparse", [str(source)],
                              define_macros=[("QBX_SOURCE_SHA", f'"{digest}"')])
        command = Distribution({"name": "qbconnector-accelerator",
                                "ext_modules": [extension]}).get_command_obj("build_ext")
        command.build_lib = os.path.join(work, "lib")
        command.build_temp = os.path.join(work, "temp")
        said = io.StringIO()
        try:
            with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
                command.ensure_finalized()
                command.run()
            shutil.copyfile(command.get_ext_fullpath("_fastparse"), partial)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the pure-Python path
            detail = str(exc).strip() or type(exc).__name__
            _not_built(f"{detail[:300]}; the compiler said: {said.getvalue().strip()[-300:]}"
                       if said.getvalue().strip() else detail[:300])
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
