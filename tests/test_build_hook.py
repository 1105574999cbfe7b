"""The build hook (``hatch_build.py``) compiles the parse's accelerator through setuptools'
``build_ext`` where a compiler is at hand, and otherwise says why and leaves the package pure
Python: a build never fails for want of a compiler, and never leaves half a module behind."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


def _hook():
    spec = importlib.util.spec_from_file_location("hatch_build_under_test",
                                                  ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(tmp_path: Path) -> Path:
    """A copy of the package's sources, without any module built for them."""
    shutil.copytree(ROOT / "src", tmp_path / "src",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    return tmp_path


def _compiler() -> str | None:
    return shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0])


@pytest.mark.skipif(sys.platform == "win32" or _compiler() is None,
                    reason="no C compiler here: the pure-Python path is the parse")
def test_the_hook_builds_a_module_the_package_uses(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    built = _hook().compile_accelerator(root)
    assert built == root / "src" / "qbconnector" / "qbxml" / f"_fastparse{SUFFIX}"
    assert built.is_file()
    assert list(built.parent.glob("*.partial")) == []
    code = ("from qbconnector.qbxml import parse\n"
            "rs = parse.parse_response(b'<?xml version=\"1.0\"?><QBXML><QBXMLMsgsRs>"
            "<HostQueryRs statusCode=\"0\"><HostRet><MajorVersion>33</MajorVersion>"
            "</HostRet></HostQueryRs></QBXMLMsgsRs></QBXML>')\n"
            "print(parse.__file__, parse.ACCELERATED, rs[0].records[0]['MajorVersion'])\n")
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    env.pop("QBCONNECTOR_PURE_PYTHON", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == [str(root / "src" / "qbconnector" / "qbxml" / "parse.py"), "True", "33"]


@pytest.mark.skipif(sys.platform == "win32", reason="setuptools takes CC from the environment "
                    "on Unix only")
def test_a_failing_compiler_leaves_the_package_pure_python(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path)
    monkeypatch.setenv("CC", "false")
    assert _hook().compile_accelerator(root) is None
    said = capsys.readouterr().err
    assert "parse accelerator not built" in said and "the parse is pure Python" in said
    assert "false" in said                       # what failed is named
    folder = root / "src" / "qbconnector" / "qbxml"
    assert sorted(p.name for p in folder.glob("_fastparse*")) == ["_fastparse.c"]


def test_the_compile_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path)
    monkeypatch.setenv("QBCONNECTOR_NO_ACCELERATOR", "1")
    assert _hook().compile_accelerator(root) is None
    assert "QBCONNECTOR_NO_ACCELERATOR=1" in capsys.readouterr().err
    folder = root / "src" / "qbconnector" / "qbxml"
    assert sorted(p.name for p in folder.glob("_fastparse*")) == ["_fastparse.c"]
