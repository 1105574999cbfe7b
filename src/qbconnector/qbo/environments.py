"""Where a QuickBooks Online connection goes: Intuit's production or sandbox servers, or any
server that speaks the same wire (the offline double) named by a URL.

``--environment URL`` takes either a discovery document's URL
(``http://127.0.0.1:8180/.well-known/openid_sandbox_configuration``) or a base URL
(``http://127.0.0.1:8180``); the API is served under the part before ``/.well-known``.
Plain ``http`` is accepted for loopback hosts only: tokens never cross a network in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from qbconnector.errors import TargetError

LOOPBACK = ("127.0.0.1", "localhost", "::1")
WELL_KNOWN = "/.well-known/"


@dataclass(frozen=True)
class Environment:
    """A named environment: its discovery document and the base URL of its API."""

    name: str
    discovery_url: str
    api_url: str

    def api_base(self, realm: str) -> str:
        return f"{self.api_url}/v3/company/{realm}"


PRODUCTION = Environment(
    "production", "https://developer.intuit.com/.well-known/openid_configuration/",
    "https://quickbooks.api.intuit.com")
SANDBOX = Environment(
    "sandbox", "https://developer.intuit.com/.well-known/openid_sandbox_configuration/",
    "https://sandbox-quickbooks.api.intuit.com")
NAMED = {"production": PRODUCTION, "sandbox": SANDBOX}


def check_url(url: str, what: str) -> str:
    """``url`` when it is https, or http to this machine; a TargetError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"{what} {url!r} is not an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise TargetError(f"{what} {url!r}: plain http is only for this machine (127.0.0.1); "
                          "use https")
    return url


def environment(text: str) -> Environment:
    """``production``, ``sandbox``, a discovery document URL or a base URL."""
    name = text.strip()
    if name.lower() in NAMED:
        return NAMED[name.lower()]
    if "://" not in name:
        raise TargetError(f"environment {text!r}: give production, sandbox or a URL "
                          "(a discovery document or a base URL)")
    check_url(name, "environment")
    if WELL_KNOWN in name:
        base = name.split(WELL_KNOWN, 1)[0]
        return Environment(name, name, base.rstrip("/"))
    base = name.rstrip("/")
    return Environment(name, base + WELL_KNOWN + "openid_configuration", base)
