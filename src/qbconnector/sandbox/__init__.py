"""The embedded, QuickBooks-compatible sandbox company file (SQLite)."""

from qbconnector.sandbox.company import create_company
from qbconnector.sandbox.pool import ConnectionPool
from qbconnector.sandbox.session import SandboxSession, SandboxSessions
from qbconnector.sandbox.store import Clock

__all__ = ["Clock", "ConnectionPool", "SandboxSession", "SandboxSessions",
           "create_company"]
