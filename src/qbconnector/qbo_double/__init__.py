"""An offline double of QuickBooks Online: Intuit's Accounting API v3 and its OAuth server,
served from one local company file. Used by tests and the CLI (``qbconnector qbo serve``);
nothing else in the package imports it.
"""

from __future__ import annotations

from qbconnector.qbo_double.app import QBODouble
from qbconnector.qbo_double.companyfile import create_company_file, open_double
from qbconnector.qbo_double.server import DoubleServer

__all__ = ["DoubleServer", "QBODouble", "create_company_file", "open_double"]
