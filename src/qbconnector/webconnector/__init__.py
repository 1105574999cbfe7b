"""A QuickBooks Web Connector you can run anywhere: it reads a ``.QWC`` file, polls the Web
Connector service it names, and runs the qbXML it is handed on any backend (a sandbox file, a
remote connector, QuickBooks over COM) — so Web Connector applications can be tested on Linux,
in CI, against a sandbox company.

    from qbconnector.webconnector import WebConnectorRunner
"""

from qbconnector.webconnector.client import ServiceClient, WebConnectorError
from qbconnector.webconnector.runner import CLIENT_VERSION, UpdateResult, WebConnectorRunner

__all__ = ["CLIENT_VERSION", "ServiceClient", "UpdateResult", "WebConnectorError",
           "WebConnectorRunner"]
