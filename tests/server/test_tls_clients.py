"""TLS (real handshakes with generated certificates) and allowed clients (127.0.0.x sources)."""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from pathlib import Path

import httpx
import pytest

from qbconnector.server.clients import AllowedClients
from qbconnector.server.tls import (
    CertificateError,
    certificate_fingerprint,
    generate_self_signed,
    server_context,
    to_pfx,
)
from tests.server.helpers import client, post, raw_connection


@pytest.fixture(scope="module")
def cert_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    generated = generate_self_signed("qbconnector-test", ["127.0.0.1"])
    pem = folder / "server.pem"
    pem.write_bytes(generated.key_pem + generated.cert_pem)
    crt = folder / "server.crt"
    crt.write_bytes(generated.cert_pem)
    pfx = folder / "server.pfx"
    pfx.write_bytes(to_pfx(generated, "pfx-pass"))
    return {"pem": pem, "crt": crt, "pfx": pfx, "fingerprint": generated.fingerprint}


def trusting(crt: Path, **kwargs) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(crt))
    for key, value in kwargs.items():
        setattr(context, key, value)
    return context


def test_tls_with_pem(start_server, cert_files):
    server = start_server(SSLEnabled=True, SSLCertStore=str(cert_files["pem"]))
    assert server.url.startswith("https://")
    with client(server, verify=trusting(cert_files["crt"])) as c:
        r = post(c)
        assert r.status_code == 200
        assert c.post("/", content=b"", headers={"X-AcctSyncInteractionType": "1"}
                      ).status_code == 200


def test_stop_ends_the_server_with_an_idle_tls_client_connected(start_server, cert_files):
    """An idle keep-alive client never answers TLS close_notify; stopping must not wait for
    it (the server thread used to outlive stop()'s 10 s join)."""
    server = start_server(SSLEnabled=True, SSLCertStore=str(cert_files["pem"]))
    with client(server, verify=trusting(cert_files["crt"])) as c:
        assert post(c).status_code == 200          # the connection stays open, idle
        thread = server._thread
        assert thread is not None and thread.is_alive()
        server.stop()
        assert not thread.is_alive()
        with pytest.raises(httpx.TransportError):
            post(c)                                 # dropped, and nothing listens any more


def test_tls_with_pfx_and_fingerprint(start_server, cert_files):
    server = start_server(SSLEnabled=True, SSLCertStore=str(cert_files["pfx"]),
                          SSLCertType="PFX", SSLCertPassword="pfx-pass")
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with context.wrap_socket(raw) as tls:
            der = tls.getpeercert(binary_form=True)
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    import hashlib

    seen = ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
    assert seen == cert_files["fingerprint"] == certificate_fingerprint(cert_files["crt"])


def test_plaintext_is_refused_when_tls_is_on(start_server, cert_files):
    server = start_server(SSLEnabled=True, SSLCertStore=str(cert_files["pem"]))
    plain = httpx.Client(base_url=f"http://127.0.0.1:{server.port}/", timeout=5)
    with plain, pytest.raises(httpx.HTTPError):
        plain.post("/", content=b"<QBXML/>", auth=("alice", "alice-secret"))
    # the server is still up for TLS clients
    with client(server, verify=trusting(cert_files["crt"])) as c:
        assert post(c).status_code == 200


def _tls11_client() -> ssl.SSLContext | None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
            context.minimum_version = ssl.TLSVersion.TLSv1_1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError):
        return None
    return context


def _handshake_over_pair(server_context: ssl.SSLContext, client_context: ssl.SSLContext) -> bool:
    """Whether these two contexts agree on a handshake (control for the refusal test)."""
    a, b = socket.socketpair()
    result = {}

    def serve():
        try:
            with server_context.wrap_socket(a, server_side=True) as tls:
                result["server"] = tls.version()
        except (ssl.SSLError, OSError):
            result["server"] = None

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with client_context.wrap_socket(b) as tls:
            ok = tls.version() is not None
    except (ssl.SSLError, OSError):
        ok = False
    thread.join(5)
    return ok


def test_tls_1_1_is_refused(start_server, cert_files):
    context = _tls11_client()
    control = server_context(str(cert_files["pem"]), "PEM")
    assert control.minimum_version == ssl.TLSVersion.TLSv1_2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        control.minimum_version = ssl.TLSVersion.TLSv1_1
        control.set_ciphers("DEFAULT:@SECLEVEL=0")
    if context is None or not _handshake_over_pair(control, context):
        pytest.skip("this OpenSSL cannot speak TLS 1.1 at all, so refusal proves nothing")
    server = start_server(SSLEnabled=True, SSLCertStore=str(cert_files["pem"]))
    with socket.create_connection((server.host, server.port), timeout=5) as raw, \
            pytest.raises((ssl.SSLError, ConnectionError)):
        context.wrap_socket(raw).do_handshake()


def test_certificate_problems_are_explained(cert_files, tmp_path):
    with pytest.raises(CertificateError, match="SSLCertPassword"):
        server_context(str(cert_files["pfx"]), "PFX", "wrong")
    with pytest.raises(CertificateError, match="private key"):
        server_context(str(cert_files["crt"]), "PEM")
    with pytest.raises(CertificateError, match="SSLCertSubject"):
        server_context(str(cert_files["pem"]), "PEM", subject="CN=other.example")
    server_context(str(cert_files["pem"]), "PEM", subject="CN=qbconnector-*")
    with pytest.raises(CertificateError, match="PFX file"):
        server_context("", "User")
    with pytest.raises(CertificateError, match="SSLCertStore"):
        server_context(str(tmp_path / "missing.pem"), "PEM")


# -- allowed clients ---------------------------------------------------------------------------
def test_patterns_decide_by_address():
    allowed = AllowedClients("127.0.0.2, 10.1.*, 192.168.*.7")
    assert allowed.allows("127.0.0.2")
    assert allowed.allows("10.1.200.3")
    assert allowed.allows("192.168.4.7") and not allowed.allows("192.168.4.8")
    assert not allowed.allows("127.0.0.1")
    assert allowed.allows("::ffff:127.0.0.2")
    assert AllowedClients("").allows("8.8.8.8") and AllowedClients("*").allows("8.8.8.8")
    assert AllowedClients("a.example, *").anyone


def test_patterns_with_names_use_a_reverse_lookup():
    names = {"127.0.0.5": "books.example.com", "127.0.0.6": None}
    looked_up = []

    def resolve(address):
        looked_up.append(address)
        return names.get(address)

    allowed = AllowedClients("*.example.com, 127.0.0.9", resolve=resolve)
    assert allowed.allows("127.0.0.5")
    assert not allowed.allows("127.0.0.6")
    assert allowed.allows("127.0.0.9")
    assert allowed.allows("127.0.0.5")    # cached
    assert looked_up == ["127.0.0.5", "127.0.0.6"]


def _post_from(server, source: str):
    transport = httpx.HTTPTransport(local_address=source)
    with client(server, transport=transport) as c:
        return post(c)


def _can_bind(source: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((source, 0))
        return True
    except OSError:
        return False


def test_allowed_clients_on_loopback_sources(start_server):
    if not _can_bind("127.0.0.3"):
        pytest.skip("this system cannot use 127.0.0.x source addresses")
    server = start_server(AllowedClients="127.0.0.2, 127.0.0.1*")
    assert _post_from(server, "127.0.0.2").status_code == 200
    assert _post_from(server, "127.0.0.1").status_code == 200
    assert _post_from(server, "127.0.0.15").status_code == 200
    r = _post_from(server, "127.0.0.3")
    assert r.status_code == 403 and "127.0.0.3" in r.text


def test_refused_client_gets_no_authentication(start_server):
    if not _can_bind("127.0.0.4"):
        pytest.skip("this system cannot use 127.0.0.x source addresses")
    server = start_server(AllowedClients="127.0.0.2")
    transport = httpx.HTTPTransport(local_address="127.0.0.4")
    with client(server, user=None, transport=transport) as c:
        r = post(c)
    assert r.status_code == 403 and "www-authenticate" not in r.headers


def test_default_bind_is_loopback(start_server):
    server = start_server()
    assert server.host == "127.0.0.1"
    with raw_connection(server) as sock:
        assert sock.getpeername()[0] == "127.0.0.1"
