"""The connector's admin console: the Users, Status and Advanced tabs as a web page.

It is served on its own port (``AdminPort``, loopback by default), never the data port, by
:class:`ConsoleServer`; the runner hands it a :class:`ConsoleControl` (the connector's state,
its log feed, and a few requests it may make) and it edits the same settings file as the
command line. Everything the page needs ships in ``assets/``.
"""

from qbconnector.server.console.control import ConsoleControl
from qbconnector.server.console.logfeed import LogFeed
from qbconnector.server.console.server import ConsoleServer
from qbconnector.server.console.web import ConsoleApp

__all__ = ["ConsoleApp", "ConsoleControl", "ConsoleServer", "LogFeed"]
