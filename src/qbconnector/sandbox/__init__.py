"""The embedded, QuickBooks-compatible sandbox company file (SQLite)."""

from qbconnector.sandbox.company import create_company
from qbconnector.sandbox.session import SandboxSession
from qbconnector.sandbox.store import Clock

__all__ = ["Clock", "SandboxSession", "create_company"]
