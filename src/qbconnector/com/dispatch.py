"""Creating request processor objects through pywin32, imported only when actually used.

:func:`pywin32_dispatch` turns a ProgID into a late-bound COM object, as
``win32com.client.Dispatch`` does, for every COM session.
"""

from __future__ import annotations

import threading
from typing import Any

from qbconnector.errors import RequestProcessorError, TargetError

_thread_state = threading.local()
_NOT_REGISTERED = {0x800401F3, 0x80040154}   # CO_E_CLASSSTRING, REGDB_E_CLASSNOTREG


def pywin32_dispatch(prog_id: str) -> Any:
    """``win32com.client.Dispatch(prog_id)``, initialising COM once for the calling thread.

    The request processors are apartment-threaded: use the object on the thread that made it.
    A ProgID that is not registered (the product is not installed) is a request processor
    error saying so.
    """
    from qbconnector.com.installed import pywin32_problem

    problem = pywin32_problem()
    if problem is not None:
        raise TargetError(problem)
    import pythoncom
    import pywintypes
    import win32com.client

    if not getattr(_thread_state, "initialized", False):
        pythoncom.CoInitialize()
        _thread_state.initialized = True
    try:
        return win32com.client.Dispatch(prog_id)
    except pywintypes.com_error as exc:
        hresult = int(exc.args[0]) & 0xFFFFFFFF
        if hresult in _NOT_REGISTERED:
            raise RequestProcessorError(hresult, f"{prog_id} is not registered on this "
                                                 "machine: that QuickBooks product is not "
                                                 "installed (or only for another bitness)"
                                        ) from None
        raise
