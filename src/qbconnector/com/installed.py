"""Can QuickBooks be reached over COM here? pywin32, and the request processors' registration.

QuickBooks Desktop registers ``QBXMLRP2.RequestProcessor`` and Point of Sale
``QBPOSXMLRPLib.RequestProcessor``; ``pywintypes.IID(prog_id)`` resolves a ProgID through the
registry (CLSIDFromProgID) and raises ``com_error`` when it is not registered. Nothing here
starts QuickBooks.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass

from qbconnector.com.desktop import PROG_ID as DESKTOP_PROG_ID
from qbconnector.com.pos import PROG_ID as POS_PROG_ID
from qbconnector.errors import TargetError


@dataclass(frozen=True)
class Installed:
    """Which QuickBooks request processors are registered on this machine."""

    desktop: bool
    pos: bool

    def __bool__(self) -> bool:
        return self.desktop or self.pos

    def describe(self) -> str:
        products = [name for name, here in (("QuickBooks Desktop", self.desktop),
                                            ("Point of Sale", self.pos)) if here]
        return " and ".join(products) or "no QuickBooks"


def pywin32_problem() -> str | None:
    """Why COM cannot be used here (one line), or None when pywin32 is importable."""
    try:
        import pythoncom  # type: ignore[import-not-found]  # noqa: F401
        import pywintypes  # type: ignore[import-not-found]  # noqa: F401
        import win32com.client  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        if sys.platform != "win32":
            return (f"com:// reaches QuickBooks on Windows and this machine runs "
                    f"{platform.system() or sys.platform}: use a sandbox company file here, or "
                    "run qbconnector serve on the QuickBooks machine and use https://")
        return ("com:// needs pywin32 to reach QuickBooks: pip install 'qbconnector[windows]' "
                "on this machine")
    return None


def registered(prog_id: str) -> bool:
    """Whether ``prog_id`` is registered (pywin32 must be importable)."""
    import pywintypes

    try:
        pywintypes.IID(prog_id)
    except pywintypes.com_error:
        return False
    return True


def installed() -> Installed:
    """The request processors registered here; TargetError when pywin32 is missing."""
    problem = pywin32_problem()
    if problem is not None:
        raise TargetError(problem)
    return Installed(registered(DESKTOP_PROG_ID), registered(POS_PROG_ID))


def require() -> Installed:
    """Like :func:`installed`, and a TargetError when no QuickBooks is installed at all."""
    found = installed()
    if not found:
        raise TargetError(
            f"QuickBooks is not installed on this machine: neither {DESKTOP_PROG_ID} (QuickBooks "
            f"Desktop) nor {POS_PROG_ID} (Point of Sale) is registered. Install QuickBooks, or "
            "use the Python of the bitness QuickBooks registered its request processor for")
    return found


def available() -> bool:
    """True when com:// can reach a QuickBooks here (the connector's default backend then)."""
    try:
        return bool(installed())
    except TargetError:
        return False
