"""Sessions on a real QuickBooks over COM (Windows): Desktop (QBXMLRP2) and Point of Sale."""

from qbconnector.com.desktop import DesktopSession
from qbconnector.com.pos import PosSession, pos_connection_string

__all__ = ["DesktopSession", "PosSession", "pos_connection_string"]
