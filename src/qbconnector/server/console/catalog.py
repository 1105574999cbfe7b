"""Every setting as the Advanced tab shows it: group, label, meaning, kind of field, choices.

The keys, types and defaults come from :class:`qbconnector.server.settings.Settings`; this
table adds the words a person reads. A test checks that every setting is here exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qbconnector.server.settings import LOG_FORMATS, LOG_LEVELS, SECRET_KEYS, Settings


@dataclass(frozen=True)
class Entry:
    key: str
    group: str
    label: str
    meaning: str
    kind: str = "text"          # text, int, number, bool, choice, flags, secret, readonly
    choices: tuple[tuple[Any, str], ...] = ()
    default_text: str = ""      # when the default needs words ('' = the value itself)


_CERT_TYPES = (("", "by file extension"), ("PEM", "PEM file"), ("PFX", "PFX (PKCS#12) file"),
               ("User", "Windows user store"), ("Machine", "Windows machine store"))
_EDITIONS = ((0x1, "Simple Start"), (0x2, "Pro"), (0x4, "Premier"), (0x8, "Enterprise"))

ENTRIES: tuple[Entry, ...] = (
    Entry("Backend", "Connection", "Backend",
          "What the connector serves: com:// (QuickBooks on this machine), a sandbox company "
          "file, https://user@host:port (another connector), a saved connection name, or "
          "'sandbox' (each user's CompanyFile).",
          default_text="com:// where QuickBooks is installed, else the sandbox"),
    Entry("Port", "Connection", "Port", "TCP port applications connect to.", "int"),
    Entry("LocalHost", "Connection", "Listen on address",
          "The address to listen on: 127.0.0.1 for this machine only, 0.0.0.0 for every "
          "network interface.", default_text="127.0.0.1"),
    Entry("AllowedClients", "Connection", "Allowed clients",
          "Comma-separated host names or addresses allowed to connect, * wildcards "
          "(10.1.*, *.example.com); empty or * allows anyone."),
    Entry("Timeout", "Connection", "Request timeout (s)",
          "Seconds a request may wait for its turn on a company file before it is answered "
          "503 (0 = no limit).", "number"),
    Entry("AuthFlags", "Connection", "QuickBooks editions",
          "The QuickBooks editions the application may work with (AuthFlags).", "flags",
          _EDITIONS),
    Entry("UseInteractiveLogon", "Connection", "Interactive Windows logons",
          "Check system-login users (AuthMode 1) with an interactive instead of a network "
          "logon (Windows).", "bool"),
    Entry("PersistentEnabled", "QuickBooks connections", "Persistent connections",
          "Keep every company file open between requests, shared by requests with the same "
          "options.", "bool"),
    Entry("PersistentIdleTimeout", "QuickBooks connections", "Idle timeout (s)",
          "Seconds before an unused persistent connection is closed.", "number"),
    Entry("CloseAndRetryConnect", "QuickBooks connections", "Close and retry",
          "When opening the company file fails with a listed error, stop QuickBooks and try "
          "again.", "bool"),
    Entry("CloseAndRetryTimeout", "QuickBooks connections", "Close and retry timeout (s)",
          "Seconds an open may take before it is treated as failed and retried.", "number"),
    Entry("CloseAndRetryCount", "QuickBooks connections", "Retries",
          "How many times to retry.", "int"),
    Entry("CloseAndRetryErrorList", "QuickBooks connections", "Errors that retry",
          "HRESULTs that trigger a retry, comma-separated; * = every error."),
    Entry("QBInstanceFile", "QuickBooks connections", "Instance file",
          "A file that close-and-retry deletes before retrying (optional)."),
    Entry("LogEnabled", "Logs", "Write log files",
          "Also write the log to files in the log folder (it always goes to the console).",
          "bool"),
    Entry("LogDir", "Logs", "Log folder", "Folder of the log files.",
          default_text="the user's log folder"),
    Entry("LogFormat", "Logs", "Rotation", "A new file every day, week or month.", "choice",
          tuple((k, v) for k, v in LOG_FORMATS.items())),
    Entry("LogLevel", "Logs", "Log mode", "How much is logged: Verbose adds request and "
          "response bodies.", "choice", tuple((k, v) for k, v in LOG_LEVELS.items())),
    Entry("MaxLogSize", "Logs", "Max log size (bytes)",
          "Size after which a log continues in <name>_1.txt, _2... (0 = no limit).", "int"),
    Entry("LogPort", "Logs", "Live log port",
          "Local port streaming the live log to 'qbconnector log tail --live' (needs the "
          "local secret; 0 = off).", "int"),
    Entry("LocalAuth", "Logs", "Local secret",
          "Secret shared by local administration tools (the live log port).", "secret"),
    Entry("SSLEnabled", "TLS", "Serve HTTPS only", "Encrypt every connection with TLS 1.2+.",
          "bool"),
    Entry("SSLCertType", "TLS", "Certificate type", "What SSLCertStore holds.", "choice",
          _CERT_TYPES),
    Entry("SSLCertStore", "TLS", "Certificate file",
          "The PEM file (certificate and key) or PFX file."),
    Entry("SSLCertSubject", "TLS", "Certificate subject",
          "Which certificate to use: its common name or subject, * wildcards.",
          default_text="any"),
    Entry("SSLCertPassword", "TLS", "Certificate password",
          "Password of the PFX file or of an encrypted PEM key.", "secret"),
    Entry("AdminPort", "Console", "Console port",
          "Port of this console (0 = off). Never the data port.", "int"),
    Entry("AdminLocalHost", "Console", "Console address",
          "The address the console listens on.", default_text="127.0.0.1"),
    Entry("AdminAllowedClients", "Console", "Console clients",
          "Addresses or host names allowed to open the console, * wildcards; empty or * = "
          "anyone."),
    Entry("AdminSystemLogin", "Console", "Sign in with system accounts",
          "Let administrators of this machine sign in with their own login.", "bool"),
    Entry("AdminPassword", "Console", "Console password",
          "Change it below; stored as a scrypt hash.", "readonly"),
    Entry("RunAsService", "Service", "Runs as a service",
          "Set when the connector is installed as a service.", "readonly"),
    Entry("WebConnectorURL", "Web Connector", "Web Connector URL",
          "The address the QuickBooks Web Connector reaches this connector's /qbwc at, written "
          "into .QWC files (https, or http on this machine only).",
          default_text="this connector's own address + /qbwc"),
    Entry("WebConnectorKeepOpen", "Web Connector", "Keep an update open (s)",
          "Seconds a Web Connector update waits for the next request once its queue is empty, "
          "so a client paging with an iterator keeps its QuickBooks session.", "number"),
)

BY_KEY = {entry.key: entry for entry in ENTRIES}


def describe(settings: Settings, present: set[str]) -> list[dict[str, Any]]:
    """The Advanced tab's groups: each setting's value, default and whether the file sets it."""
    defaults = Settings()
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in ENTRIES:
        value = getattr(settings, entry.key)
        default = getattr(defaults, entry.key)
        if entry.key in SECRET_KEYS:
            value = bool(value)                 # only whether one is set
            default = False
        groups.setdefault(entry.group, []).append({
            "key": entry.key, "label": entry.label, "meaning": entry.meaning,
            "kind": entry.kind, "choices": [list(c) for c in entry.choices],
            "value": value, "default": default,
            "default_text": entry.default_text or _default_text(entry, default),
            "set": entry.key in present,
        })
    return [{"name": name, "settings": items} for name, items in groups.items()]


def _default_text(entry: Entry, default: Any) -> str:
    if entry.key in SECRET_KEYS:
        return "not set"
    if entry.kind == "choice":
        return dict(entry.choices).get(default, str(default))
    if entry.kind == "flags":
        return ", ".join(label for bit, label in entry.choices if default & bit) or "none"
    if isinstance(default, bool):
        return "on" if default else "off"
    if default == "":
        return "empty"
    return str(default)
