"""pywin32 as qbconnector uses it, over the fake request processors: ``pythoncom``,
``pywintypes`` and ``win32com.client``, installed in ``sys.modules`` for one test.

pywin32 cannot run here, so this stands in for it with its real interface, and the product
code runs unchanged — the whole path from an HTTP request through ``serve --backend com://``
to ``win32com.client.Dispatch`` and the request processor:

- ``win32com.client.Dispatch(prog_id)`` makes the registered product's request processor;
  a ProgID nothing registered raises ``com_error`` CO_E_CLASSSTRING ("Invalid class string"),
  as COM does;
- ``pywintypes.IID(prog_id)`` resolves a ProgID the way CLSIDFromProgID does (a CLSID for a
  registered one, ``com_error`` CO_E_CLASSSTRING otherwise);
- ``pywintypes.com_error`` is the exception class qbconnector's COM layer catches (off
  Windows it is :class:`qbconnector.com.errors.ComError`, laid out as pywin32's);
- ``pythoncom.CoInitialize`` initialises COM for the calling thread; ``Dispatch`` on a thread
  that did not fails with CO_E_NOTINITIALIZED, as COM does.
"""

from __future__ import annotations

import sys
import threading
import types
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from qbconnector.com.errors import ComError

from .fake_com import class_string_error

MODULES = ("pythoncom", "pywintypes", "win32com", "win32com.client")
CO_E_NOTINITIALIZED = -2147221008
# COM is initialised per thread, for the life of the thread, whichever test started it.
_INITIALIZED_THREADS: set[int] = set()


class FakePywin32:
    """The fake modules and the machine's registry of ProgIDs (nothing installed at first)."""

    def __init__(self) -> None:
        self.registry: dict[str, Callable[[str], Any]] = {}
        self.clsids: dict[str, str] = {}
        self.modules = self._modules()

    def install_product(self, prog_ids: tuple[str, ...], dispatch: Callable[[str], Any]) -> None:
        """Register a product's request processor (what its installer does)."""
        for prog_id in prog_ids:
            self.registry[prog_id] = dispatch
            self.clsids[prog_id] = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, prog_id)).upper() + "}"

    # -- the modules ------------------------------------------------------------------------
    def _modules(self) -> dict[str, types.ModuleType]:
        pythoncom = types.ModuleType("pythoncom")
        pythoncom.CoInitialize = self._co_initialize
        pythoncom.CoUninitialize = lambda: None
        pywintypes = types.ModuleType("pywintypes")
        pywintypes.com_error = ComError
        pywintypes.IID = self._iid
        client = types.ModuleType("win32com.client")
        client.Dispatch = self._dispatch
        win32com = types.ModuleType("win32com")
        win32com.client = client
        return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com,
                "win32com.client": client}

    @staticmethod
    def _co_initialize() -> None:
        _INITIALIZED_THREADS.add(threading.get_ident())

    def _iid(self, text: str) -> str:
        if text.startswith("{") and text.endswith("}"):
            return text
        if text not in self.clsids:
            raise class_string_error()
        return self.clsids[text]

    def _dispatch(self, prog_id: str) -> Any:
        if threading.get_ident() not in _INITIALIZED_THREADS:
            raise ComError(CO_E_NOTINITIALIZED, "CoInitialize has not been called.", None, None)
        maker = self.registry.get(prog_id)
        if maker is None:
            raise class_string_error()
        return maker(prog_id)


@pytest.fixture
def pywin32(monkeypatch: pytest.MonkeyPatch) -> FakePywin32:
    """pywin32 importable, on a machine where nothing is installed yet."""
    fake = FakePywin32()
    for name in MODULES:
        monkeypatch.setitem(sys.modules, name, fake.modules[name])
    return fake
