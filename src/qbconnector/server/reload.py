"""Which settings a running connector takes at once, and which wait for a restart.

Users are re-read from the file on their own (:mod:`users`). The log settings, the request
timeout, AuthFlags, the allowed clients, the console's sign-in settings and the Web
Connector's users, URL and KeepOpen are applied live.
What shapes the listening sockets, TLS, the backend, or the sessions already open needs a
restart.
"""

from __future__ import annotations

from qbconnector.server.settings import SETTING_KEYS, Settings

RESTART_KEYS = frozenset({
    "Backend", "Port", "LocalHost", "SSLEnabled", "SSLCertStore", "SSLCertSubject", "SSLCertType",
    "SSLCertPassword", "LogPort", "LocalAuth", "PersistentEnabled", "PersistentIdleTimeout",
    "CloseAndRetryConnect", "CloseAndRetryTimeout", "CloseAndRetryCount",
    "CloseAndRetryErrorList", "QBInstanceFile", "UseInteractiveLogon", "AdminPort",
    "AdminLocalHost",
})
LIVE_KEYS = frozenset(SETTING_KEYS) - RESTART_KEYS


def needs_restart(in_force: Settings, on_file: Settings) -> list[str]:
    """Keys whose value in the file differs from the one the server runs with and that only
    a restart applies, in the file's key order."""
    return [key for key in SETTING_KEYS
            if key in RESTART_KEYS and getattr(in_force, key) != getattr(on_file, key)]
