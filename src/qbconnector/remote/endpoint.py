"""One remote connector: its address, credentials, TLS trust and a keep-alive HTTP client.

Every exchange of the wire protocol (:mod:`qbconnector.wire`) is ``POST /`` with a
``Content-Length``, Basic auth and an interaction type header; :meth:`RemoteEndpoint.call`
does one and maps the answer
(see :mod:`qbconnector.remote.errors`). Sessions on the same connector can share an endpoint,
and with it the pool of kept-alive connections; an endpoint is also a session factory.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
import threading
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from qbconnector import wire
from qbconnector.remote import tls
from qbconnector.remote.errors import (
    RemoteCertificateError,
    RemoteConnectionError,
    RemoteError,
    RemoteTransportError,
    error_for_status,
)
from qbconnector.responses import release

if TYPE_CHECKING:
    from qbconnector.qbxml.session import SessionOptions
    from qbconnector.remote.session import RemoteSession

log = logging.getLogger("qbconnector.remote")

DEFAULT_TIMEOUT = httpx.Timeout(300.0, connect=15.0)
"""QuickBooks can take minutes over a large query; connecting should not."""


class InsecureConnectionWarning(UserWarning):
    """TLS verification was turned off: the password can be read by anyone in between."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RemoteEndpoint:
    """A remote connector at ``url`` (``http(s)://[user[:password]@]host[:port]``).

    Credentials come from ``user``/``password`` or, failing those, from the URL (url-decoded);
    the URL kept and shown is the one without them. TLS: the system's CAs by default;
    ``ca_file`` trusts a private CA or a self-signed certificate; ``fingerprint`` pins one
    certificate by its SHA-256 (checked during the handshake, before anything is sent);
    ``insecure`` turns verification off and warns loudly.
    """

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None,
                 ca_file: str | Path | None = None, fingerprint: str | None = None,
                 insecure: bool = False,
                 timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT) -> None:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise ValueError(f"not a connector URL: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("a connector URL looks like https://host:8167 or http://host:8167 "
                             f"(got scheme {parsed.scheme or 'none'!r})")
        if parsed.path not in ("", wire.PATH):
            raise ValueError(f"the connector answers at / only, not {parsed.path!r}")
        self.user = user if user is not None else (parsed.username or None)
        self._password = password if password is not None else (parsed.password or None)
        if self._password is not None and not self.user:
            raise ValueError("a password was given without a user name")
        self.url = str(parsed.copy_with(username=None, password=None, query=None,
                                        fragment=None, path=wire.PATH))
        self.host = parsed.host
        self.secure = parsed.scheme == "https"
        if not self.secure and (ca_file or fingerprint or insecure):
            raise ValueError("ca_file, fingerprint and insecure apply to https:// URLs only")
        if sum(bool(x) for x in (ca_file, fingerprint, insecure)) > 1:
            raise ValueError("choose one of ca_file, fingerprint and insecure")
        self.fingerprint = (tls.format_fingerprint(tls.normalize_fingerprint(fingerprint))
                            if fingerprint else None)
        self.ca_file = str(ca_file) if ca_file else None
        self.insecure = insecure
        self.timeout = timeout
        self._ssl: ssl.SSLContext | None = None
        if self.secure:   # build it now: a bad ca_file or fingerprint fails here, clearly
            self._ssl = self._ssl_context()
        if insecure:
            message = (f"TLS verification is OFF for {self.url}: anyone between here and the "
                       "connector can read the password and the company data. Use ca_file= "
                       "or fingerprint= instead.")
            warnings.warn(message, InsecureConnectionWarning, stacklevel=2)
            log.warning("%s", message)
        if (not self.secure and self.user and not _is_loopback(self.host)):
            log.warning("sending the password for %r to %s without TLS: use https://",
                        self.user, self.url)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _ssl_context(self) -> ssl.SSLContext:
        if self.fingerprint:
            return tls.pinned_context(self.fingerprint)
        if self.insecure:
            return tls.insecure_context()
        return tls.verifying_context(self.ca_file)

    # -- the HTTP client -----------------------------------------------------------------------
    @property
    def client(self) -> httpx.Client:
        """The keep-alive client, created on first use (again after :meth:`close`)."""
        with self._lock:
            if self._client is None:
                auth = httpx.BasicAuth(self.user, self._password or "") if self.user else None
                # trust_env=False: no proxies, .netrc or SSL_CERT_* from the environment; the
                # connection goes exactly where the URL says, with exactly this TLS trust.
                # Plain http:// never uses TLS (redirects are not followed): a bare context
                # that trusts nothing avoids loading a CA bundle for nothing.
                verify = self._ssl or tls.unused_context()
                self._client = httpx.Client(base_url=self.url, auth=auth, timeout=self.timeout,
                                            verify=verify, trust_env=False,
                                            follow_redirects=False)
            return self._client

    def close(self) -> None:
        """Close the kept-alive connections; the endpoint can still be used afterwards."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- one exchange --------------------------------------------------------------------------
    def call(self, interaction: int, body: bytes = b"",
             headers: Mapping[str, str] | None = None) -> str:
        """POST one request of this interaction type; the answer's body as text (on 200)."""
        sent = dict(headers or {})
        sent[wire.INTERACTION_HEADER] = str(interaction)
        sent["Content-Length"] = str(len(body))
        if interaction == wire.EXECUTE:
            sent.setdefault("Content-Type", wire.XML)
        started = time.perf_counter()
        try:
            response = self.client.request(wire.METHOD, wire.PATH, content=body, headers=sent)
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from None
        log.debug("%s interaction %d: HTTP %d in %.3f s", self.url, interaction,
                  response.status_code, time.perf_counter() - started)
        release(response)      # its pages are freed as soon as they are read, not at a collection
        if response.status_code == wire.OK:
            return response.text
        raise error_for_status(response.status_code, response.content, self.url, self.user,
                               response.headers.get(wire.HRESULT_HEADER)) from None

    def _transport_error(self, exc: httpx.TransportError) -> RemoteError:
        cause = _ssl_cause(exc)
        if isinstance(cause, tls.PinMismatch):
            return RemoteCertificateError(
                f"{self.url} presented a certificate with SHA-256 fingerprint {cause.seen}, not "
                f"the pinned {cause.expected}; the connection was closed during the TLS "
                "handshake and nothing was sent", url=self.url)
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or cause.reason or str(cause)
            hint = ("check ca_file" if self.ca_file else
                    "for a self-signed certificate pass ca_file=<its certificate file> or "
                    "fingerprint=<as printed by 'qbconnector cert generate'>")
            return RemoteCertificateError(
                f"{self.url}: the server's certificate was not accepted ({reason}); {hint}. "
                "Nothing was sent.", url=self.url)
        if isinstance(cause, ssl.SSLError):
            return RemoteConnectionError(
                f"{self.url}: TLS handshake failed ({cause.reason or cause}); is the connector "
                "serving TLS (SSLEnabled)? Without TLS use http://", url=self.url)
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return RemoteConnectionError(f"cannot reach the connector at {self.url}: timed out "
                                         "connecting", url=self.url)
        reason = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.ConnectError):
            return RemoteConnectionError(f"cannot reach the connector at {self.url}: {reason}",
                                         url=self.url)
        # Anything later (write, read, a connection closed without an answer) happened after
        # the request was at least partly sent: the connector may have processed it.
        if isinstance(exc, httpx.TimeoutException):
            reason = f"no answer within the {type(exc).__name__.replace('Timeout', '').lower()} " \
                     "timeout"
        if isinstance(exc, httpx.RemoteProtocolError) and not self.secure:
            reason += " (if the connector serves TLS, use https://)"
        return RemoteTransportError(
            f"the connection to {self.url} failed after the request was sent ({reason}); "
            "the connector may or may not have processed it", url=self.url)

    # -- sessions ------------------------------------------------------------------------------
    def session(self, options: SessionOptions | None = None, *, persistent: bool = False,
                delay_after_open_ms: int | None = None) -> RemoteSession:
        """A session over this endpoint (sharing its connections)."""
        from qbconnector.remote.session import RemoteSession

        return RemoteSession(self, options=options, persistent=persistent,
                             delay_after_open_ms=delay_after_open_ms)

    def __call__(self, options: SessionOptions) -> RemoteSession:
        """An endpoint is a SessionFactory: a (non-persistent) session for ``options``."""
        return self.session(options)

    def __repr__(self) -> str:
        trust = ("pinned " + self.fingerprint if self.fingerprint else
                 "INSECURE" if self.insecure else f"ca_file={self.ca_file}" if self.ca_file
                 else "system CAs" if self.secure else "no TLS")
        return f"<RemoteEndpoint {self.url} user={self.user!r} ({trust})>"


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    """The ssl error at the root of an httpx/httpcore exception chain, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        current = current.__cause__ or current.__context__
    return None
