"""Creating request processor objects through pywin32, imported only when actually used.

A :data:`Dispatcher` turns a ProgID into a late-bound COM object. Sessions take one as a
parameter so tests can hand in a fake; the default is :func:`pywin32_dispatch`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Dispatcher = Callable[[str], Any]

_thread_state = threading.local()


def pywin32_dispatch(prog_id: str) -> Any:
    """``win32com.client.Dispatch(prog_id)``, initialising COM once for the calling thread.

    The request processors are apartment-threaded: use the object on the thread that made it.
    """
    try:
        import pythoncom  # type: ignore[import-not-found]
        import win32com.client  # type: ignore[import-not-found]
    except ImportError as exc:
        raise RuntimeError(
            "QuickBooks over COM needs Windows with pywin32: "
            "pip install 'qbconnector[windows]' on the machine where QuickBooks runs"
        ) from exc
    if not getattr(_thread_state, "initialized", False):
        pythoncom.CoInitialize()
        _thread_state.initialized = True
    return win32com.client.Dispatch(prog_id)
