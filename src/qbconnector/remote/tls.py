"""TLS for remote sessions: system CAs (default), a private CA file, or one pinned certificate.

Pinning accepts exactly one certificate, identified by the SHA-256 of its DER encoding (what
``qbconnector cert generate`` prints), even if it is self-signed. The check runs *inside the
TLS handshake*: the context's ``sslsocket_class`` (and ``sslobject_class``, for TLS through a
TLS proxy) is a subclass whose ``do_handshake`` compares the peer certificate's digest as soon
as the handshake completes and raises :class:`PinMismatch` (an ``ssl.SSLCertVerificationError``)
otherwise. ``SSLContext.wrap_socket`` performs the handshake before it returns a socket, so an
HTTP client never holds a connection it could write the request (or its ``Authorization``
header) on: a wrong certificate ends the connection with nothing sent but the handshake.
A pinned certificate that has expired (or is not valid yet) is still the one pinned, so it is
accepted — with a :class:`CertificateExpiredWarning` saying so, for its owner to renew it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import ssl
from pathlib import Path

_HEX = re.compile(r"[0-9A-Fa-f]{64}")


class CertificateExpiredWarning(UserWarning):
    """The pinned certificate is outside its validity period (the pin still matches)."""


def warn_if_outside_validity(der: bytes) -> None:
    """Say so when the certificate ``der`` has expired or is not valid yet."""
    import datetime as dt
    import warnings

    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return
    now = dt.datetime.now(dt.UTC)
    if cert.not_valid_after_utc < now:
        warnings.warn(f"the pinned server certificate {format_fingerprint(der_fingerprint(der))} "
                      f"expired on {cert.not_valid_after_utc:%Y-%m-%d}: ask the connector's "
                      "administrator for a new one (qbconnector cert generate) and pin it",
                      CertificateExpiredWarning, stacklevel=2)
    elif cert.not_valid_before_utc > now:
        warnings.warn(f"the pinned server certificate is not valid before "
                      f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (check the clocks)",
                      CertificateExpiredWarning, stacklevel=2)


class PinMismatch(ssl.SSLCertVerificationError):
    """The server's certificate is not the pinned one."""

    def __init__(self, seen: str, expected: str) -> None:
        super().__init__(f"certificate fingerprint {seen} is not the pinned {expected}")
        self.seen = seen
        self.expected = expected
        self.verify_message = "certificate is not the pinned one"


def normalize_fingerprint(text: str) -> bytes:
    """The 32-byte SHA-256 digest from hex with or without colons (or spaces), any case."""
    cleaned = re.sub(r"[\s:]", "", text.strip())
    if cleaned.lower().startswith("sha256"):
        cleaned = cleaned[6:].lstrip("=/-")
    if not _HEX.fullmatch(cleaned):
        raise ValueError(f"not a SHA-256 fingerprint: {text!r} (expected 64 hex digits, "
                         "colons allowed, as printed by: qbconnector cert generate)")
    return bytes.fromhex(cleaned)


def format_fingerprint(digest: bytes) -> str:
    """Colon-separated upper-case hex, the way the server prints fingerprints."""
    return ":".join(f"{b:02X}" for b in digest)


def der_fingerprint(der: bytes) -> bytes:
    return hashlib.sha256(der).digest()


def check_pin(der: bytes | None, pin: bytes) -> None:
    """Raise :class:`PinMismatch` unless ``der`` is the certificate with digest ``pin``."""
    if not der:
        raise PinMismatch("(no certificate)", format_fingerprint(pin))
    seen = der_fingerprint(der)
    if not hmac.compare_digest(seen, pin):
        raise PinMismatch(format_fingerprint(seen), format_fingerprint(pin))
    warn_if_outside_validity(der)


def _pinned_classes(pin: bytes) -> tuple[type[ssl.SSLSocket], type[ssl.SSLObject]]:
    class PinnedSSLSocket(ssl.SSLSocket):
        def do_handshake(self, block: bool = False) -> None:
            super().do_handshake(block)
            try:
                check_pin(self.getpeercert(binary_form=True), pin)
            except PinMismatch:
                self.close()
                raise

    class PinnedSSLObject(ssl.SSLObject):
        def do_handshake(self) -> None:
            super().do_handshake()   # raises SSLWantReadError until the handshake is done
            check_pin(self.getpeercert(binary_form=True), pin)

    return PinnedSSLSocket, PinnedSSLObject


def _client_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def pinned_context(fingerprint: str) -> ssl.SSLContext:
    """Accept only the certificate with this SHA-256 fingerprint (no CA, no host name check)."""
    pin = normalize_fingerprint(fingerprint)
    context = _client_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE   # the pin is the whole trust decision
    context.sslsocket_class, context.sslobject_class = _pinned_classes(pin)
    return context


def verifying_context(ca_file: str | Path | None = None) -> ssl.SSLContext:
    """Verify the certificate chain and host name against ``ca_file``, or the system's CAs.

    When the system has no CA store Python can read, certifi's bundle (an httpx dependency)
    is used instead.
    """
    if ca_file is None:
        return _system_context()
    context = _client_context()   # CERT_REQUIRED and check_hostname by default
    path = Path(ca_file).expanduser()
    try:
        context.load_verify_locations(cafile=str(path))
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise ValueError(f"ca_file {path}: {reason} (a PEM file with the CA or the "
                         "server's self-signed certificate)") from None
    return context


@functools.cache
def _system_context() -> ssl.SSLContext:
    """One shared context over the system's CAs (loading them takes tens of milliseconds)."""
    context = _client_context()
    context.load_default_certs()
    if not context.cert_store_stats().get("x509_ca"):
        import certifi

        context.load_verify_locations(cafile=certifi.where())
    return context


def unused_context() -> ssl.SSLContext:
    """For plain http:// clients, which never start TLS: verifies everything, trusts nothing."""
    return _client_context()


def insecure_context() -> ssl.SSLContext:
    """No verification at all: anyone between client and server can read the password."""
    context = _client_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
