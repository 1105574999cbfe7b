"""COM errors of the request processors, turned into :class:`RequestProcessorError`.

pywin32 raises ``pywintypes.com_error`` with ``args == (hresult, text, excepinfo, argerror)``.
When QuickBooks itself fails a call, COM reports ``DISP_E_EXCEPTION`` and the real HRESULT and
QuickBooks' own text sit in ``excepinfo`` (``excepinfo[5]`` is the scode, ``excepinfo[2]`` the
description). Where pywin32 is absent (Linux, CI) :class:`ComError` is a stand-in with the same
layout, so code and tests catch one type everywhere.
"""

from __future__ import annotations

from qbconnector.com.hresults import DISP_E_EXCEPTION, unsigned
from qbconnector.qbxml.session import RequestProcessorError

try:  # pragma: no cover - only on Windows with pywin32
    from pywintypes import com_error as ComError  # type: ignore[import-not-found]
except ImportError:

    class ComError(Exception):  # type: ignore[no-redef]
        """Stand-in for ``pywintypes.com_error``: ``args`` = (hresult, text, excepinfo, argerr)."""

        def __init__(self, hresult: int, text: str | None = None,
                     excepinfo: tuple | None = None, argerror: int | None = None) -> None:
            super().__init__(hresult, text, excepinfo, argerror)

        hresult = property(lambda self: self.args[0])
        strerror = property(lambda self: self.args[1])
        excepinfo = property(lambda self: self.args[2])
        argerror = property(lambda self: self.args[3])


def hresult_and_text(error: BaseException) -> tuple[int, str | None]:
    """The HRESULT (unsigned) and the most specific text a COM error carries."""
    args = tuple(error.args) + (None, None, None, None)
    hresult, text, excepinfo = args[0], args[1], args[2]
    if excepinfo and len(excepinfo) >= 6 and excepinfo[5]:
        return unsigned(excepinfo[5]), excepinfo[2] or None
    if not isinstance(hresult, int):
        raise TypeError(f"not a COM error: {error!r}")
    if unsigned(hresult) == DISP_E_EXCEPTION and excepinfo and excepinfo[2]:
        return DISP_E_EXCEPTION, excepinfo[2]
    return unsigned(hresult), text or None


def to_request_processor_error(error: BaseException) -> RequestProcessorError:
    """The :class:`RequestProcessorError` for a COM error (catalogue text if COM gave none)."""
    hresult, text = hresult_and_text(error)
    return RequestProcessorError(hresult, text)
