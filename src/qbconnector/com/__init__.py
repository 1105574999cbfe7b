"""Sessions on a real QuickBooks over COM (Windows): Desktop (QBXMLRP2) and Point of Sale."""

from __future__ import annotations

from qbconnector.com.base import ComSession
from qbconnector.com.desktop import DesktopSession
from qbconnector.com.pos import PosSession, pos_connection_string
from qbconnector.qbxml.session import SessionOptions

__all__ = ["ComSession", "DesktopSession", "PosSession", "com_session", "pos_connection_string"]


def com_session(options: SessionOptions) -> ComSession:
    """A Point of Sale session when ``options.pos``, else QuickBooks Desktop; a SessionFactory."""
    if options.pos:
        return PosSession(options)
    return DesktopSession(options)
