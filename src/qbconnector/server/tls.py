"""TLS for the connector: server contexts from PEM or PFX files, and self-signed certificates.

Only TLS 1.2 and newer are offered. A PEM file holds the certificate chain and its private
key; a PFX (PKCS#12) file is opened with ``cryptography`` using SSLCertPassword. Windows
certificate stores (User/Machine) cannot be read here: export the certificate to a PFX file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import ipaddress
import os
import socket
import ssl
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from qbconnector.errors import QBConnectorError


class CertificateError(QBConnectorError, ValueError):
    """The configured certificate cannot be loaded; the message says what to change."""


@dataclass(frozen=True)
class GeneratedCertificate:
    cert_pem: bytes
    key_pem: bytes
    fingerprint: str
    not_after: dt.datetime


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as colon-separated upper-case hex (what clients pin)."""
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def generate_self_signed(common_name: str = "", hosts: Sequence[str] = (),
                         days: int = 825) -> GeneratedCertificate:
    """A new RSA-2048 self-signed server certificate for ``hosts`` (plus localhost)."""
    common_name = common_name or socket.gethostname() or "localhost"
    names = list(dict.fromkeys([*hosts, common_name, "localhost", "127.0.0.1", "::1"]))
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "qbconnector")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return GeneratedCertificate(cert.public_bytes(serialization.Encoding.PEM), key_pem,
                                fingerprint(cert), cert.not_valid_after_utc)


def to_pfx(generated: GeneratedCertificate, password: str, name: str = "qbconnector") -> bytes:
    """The generated certificate and key as a password-protected PKCS#12 (PFX) file."""
    key = serialization.load_pem_private_key(generated.key_pem, None)
    cert = x509.load_pem_x509_certificate(generated.cert_pem)
    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    return pkcs12.serialize_key_and_certificates(name.encode(), key, cert, None,  # type: ignore[arg-type]
                                                 encryption)


def _cert_type(path: str, declared: str) -> str:
    if declared:
        return declared
    return "PFX" if path.lower().endswith((".pfx", ".p12")) else "PEM"


def _check_subject(cert: x509.Certificate, wanted: str, path: str) -> None:
    if not wanted or wanted == "*":
        return
    subject = cert.subject.rfc4514_string()
    cns = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    pattern = wanted[3:] if wanted.upper().startswith("CN=") else wanted
    if any(fnmatch.fnmatchcase(str(cn), pattern) for cn in cns) or fnmatch.fnmatchcase(
            subject, wanted):
        return
    raise CertificateError(f"{path}: certificate subject {subject!r} does not match "
                           f"SSLCertSubject {wanted!r}")


@contextlib.contextmanager
def _private_file(data: bytes) -> Iterator[str]:
    """A path holding ``data`` readable only by us, removed when done (memfd on Linux)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("qbconnector-cert")
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    folder = tempfile.mkdtemp(prefix="qbconnector-tls-")
    path = os.path.join(folder, "chain.pem")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def server_context(store: str, cert_type: str = "", password: str = "",
                   subject: str = "") -> ssl.SSLContext:
    """An SSLContext serving TLS 1.2+ with the certificate the settings name."""
    kind = _cert_type(store, cert_type)
    if kind in ("User", "Machine"):
        raise CertificateError(f"SSLCertType {kind}: Windows certificate stores are not "
                               "supported; export the certificate with its key to a PFX file "
                               "and set SSLCertType = \"PFX\", SSLCertStore = <file>")
    if not store:
        raise CertificateError("SSLEnabled needs SSLCertStore: the path of a PEM or PFX file "
                               "(create one with: qbconnector cert generate)")
    path = Path(store).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CertificateError(f"SSLCertStore {store}: {exc.strerror or exc}") from None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION
    if kind == "PFX":
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(
                data, password.encode() if password else None)
        except ValueError as exc:
            raise CertificateError(f"SSLCertStore {store}: cannot open the PFX file ({exc}); "
                                   "check SSLCertPassword") from None
        if key is None or cert is None:
            raise CertificateError(f"SSLCertStore {store}: the PFX file has no certificate "
                                   "with a private key")
        _check_subject(cert, subject, store)
        chain = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        chain += cert.public_bytes(serialization.Encoding.PEM)
        for other in extra or ():
            chain += other.public_bytes(serialization.Encoding.PEM)
        with _private_file(chain) as chain_path:
            context.load_cert_chain(chain_path)
        return context
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError(f"SSLCertStore {store}: no PEM certificate found") from None
    _check_subject(cert, subject, store)
    try:
        context.load_cert_chain(str(path), password=password or None)
    except ssl.SSLError as exc:
        raise CertificateError(f"SSLCertStore {store}: {exc.reason or exc}; the PEM file must "
                               "hold the certificate and its private key (SSLCertPassword "
                               "for an encrypted key)") from None
    return context


@dataclass(frozen=True)
class CertificateFiles:
    """Where :func:`write_self_signed` put a new certificate."""

    pem: Path
    crt: Path
    pfx: Path | None
    generated: GeneratedCertificate


def write_self_signed(out: str | os.PathLike[str], common_name: str = "",
                      hosts: Sequence[str] = (), days: int = 825, *,
                      pfx: str | os.PathLike[str] | None = None,
                      pfx_password: str = "") -> CertificateFiles:
    """Generate a certificate; write key + certificate to ``out`` (0600), the certificate
    alone to ``out`` with ``.crt`` (for clients), and optionally a PFX file (0600)."""
    from qbconnector.server.settings import write_atomic

    pem = Path(out)
    generated = generate_self_signed(common_name, hosts, days)
    write_atomic(pem, (generated.key_pem + generated.cert_pem).decode("ascii"), mode=0o600)
    crt = pem.with_suffix(".crt")
    write_atomic(crt, generated.cert_pem.decode("ascii"), mode=0o644)
    pfx_path = None
    if pfx is not None:
        pfx_path = Path(pfx)
        pfx_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(pfx_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(to_pfx(generated, pfx_password))
    return CertificateFiles(pem, crt, pfx_path, generated)


@dataclass(frozen=True)
class CertificateInfo:
    """What a person checks about the certificate in use (and clients pin)."""

    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    fingerprint: str

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer

    def as_dict(self) -> dict[str, object]:
        return {"subject": self.subject, "issuer": self.issuer,
                "not_before": self.not_before.isoformat(), "not_after": self.not_after.isoformat(),
                "expired": self.not_after < dt.datetime.now(dt.UTC),
                "fingerprint": self.fingerprint, "self_signed": self.self_signed}


def describe_certificate(store: str, cert_type: str = "", password: str = "") -> CertificateInfo:
    """Subject, validity and SHA-256 fingerprint of the certificate in a PEM or PFX file."""
    kind = _cert_type(store, cert_type)
    if kind in ("User", "Machine"):
        raise CertificateError(f"SSLCertType {kind}: Windows certificate stores cannot be read "
                               "here; export the certificate to a PFX file")
    if not store:
        raise CertificateError("no certificate file (SSLCertStore) is set")
    try:
        data = Path(store).expanduser().read_bytes()
    except OSError as exc:
        raise CertificateError(f"SSLCertStore {store}: {exc.strerror or exc}") from None
    try:
        if kind == "PFX":
            _, cert, _ = pkcs12.load_key_and_certificates(data, password.encode() or None)
            if cert is None:
                raise ValueError("no certificate in the PFX file")
        else:
            cert = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise CertificateError(f"SSLCertStore {store}: cannot read the certificate ({exc})"
                               ) from None
    return CertificateInfo(cert.subject.rfc4514_string(), cert.issuer.rfc4514_string(),
                           cert.not_valid_before_utc, cert.not_valid_after_utc, fingerprint(cert))


def certificate_fingerprint(path: str | os.PathLike[str], password: str = "") -> str:
    """The SHA-256 fingerprint of the certificate in a PEM or PFX file."""
    data = Path(path).read_bytes()
    if str(path).lower().endswith((".pfx", ".p12")):
        _, cert, _ = pkcs12.load_key_and_certificates(data, password.encode() or None)
        assert cert is not None
        return fingerprint(cert)
    return fingerprint(x509.load_pem_x509_certificate(data))
