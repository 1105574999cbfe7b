"""The remote connector: the 4D Payments QuickBooks Connector's HTTP protocol over any Session.

Build a server from settings and a session factory::

    from qbconnector.server import ConnectorServer, load_settings
    server = ConnectorServer(load_settings("connector.toml"), factory, default_company=path)
    server.serve_forever()          # or: with server: ... (background thread)

``factory`` is any ``Callable[[SessionOptions], Session]``; the server never imports a backend.
"""

from qbconnector.server.app import ConnectorApp
from qbconnector.server.runner import ConnectorServer, NotReady
from qbconnector.server.settings import Settings, SettingsError, User, load_settings

__all__ = ["ConnectorApp", "ConnectorServer", "NotReady", "Settings", "SettingsError", "User",
           "load_settings"]
