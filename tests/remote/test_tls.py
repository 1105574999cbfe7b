"""TLS with real handshakes: a private CA file, fingerprint pinning, and what a refusal sends."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

from qbconnector.qbxml.session import TransportError
from qbconnector.remote import (
    InsecureConnectionWarning,
    RemoteAuthenticationError,
    RemoteCertificateError,
    RemoteConnectionError,
    RemoteSession,
    RemoteTransportError,
)
from qbconnector.server.tls import server_context

from .conftest import PASSWORDS, sandbox_factory, users
from .helpers import ask, server_log, wait_for_record


@pytest.fixture(scope="module")
def tls_connector(start_connector, module_company, certificates):
    return start_connector(sandbox_factory(module_company), company=module_company,
                           SSLEnabled=True, SSLCertStore=str(certificates["server"].pem),
                           Users=users(dave={}, erin={}))


@pytest.fixture(scope="module")
def plain_connector(start_connector, module_company):
    return start_connector(sandbox_factory(module_company), company=module_company)


def alice(url: str, **kwargs) -> RemoteSession:
    return RemoteSession(url, user="alice", password=PASSWORDS["alice"], **kwargs)


def test_ca_file_trusts_the_self_signed_certificate(tls_connector, certificates):
    assert tls_connector.url.startswith("https://")
    with alice(tls_connector.url, ca_file=certificates["server"].crt) as session:
        assert ask(session, "HostQuery").status_code == 0
        assert session.is_authorized()


def test_without_ca_file_the_certificate_is_refused(tls_connector):
    with server_log() as records, pytest.raises(RemoteCertificateError) as caught:
        RemoteSession(tls_connector.url, user="dave", password="dave-secret").versions()
    message = str(caught.value)
    assert "ca_file" in message and "fingerprint" in message
    assert "certificate" in message
    assert [r.getMessage() for r in records if "dave" in r.getMessage()] == []


def test_ca_file_of_another_certificate_is_refused(tls_connector, certificates):
    with pytest.raises(RemoteCertificateError):
        alice(tls_connector.url, ca_file=certificates["other"].crt).versions()


@pytest.mark.parametrize("form", ["as printed", "lower case without colons", "spaces"])
def test_fingerprint_pin_accepts_exactly_that_certificate(tls_connector, certificates, form):
    printed = certificates["server"].fingerprint
    pin = {"as printed": printed,
           "lower case without colons": printed.replace(":", "").lower(),
           "spaces": printed.replace(":", " ")}[form]
    with alice(tls_connector.url, fingerprint=pin) as session:
        assert ask(session, "HostQuery").status_code == 0


def test_wrong_pin_is_refused_before_credentials_are_sent(tls_connector, certificates):
    wrong, right = certificates["other"].fingerprint, certificates["server"].fingerprint
    backoff = tls_connector.app.backoff
    failures_before = backoff.failures("127.0.0.1")
    with server_log() as records:
        with pytest.raises(RemoteCertificateError) as caught:
            RemoteSession(tls_connector.url, user="dave", password="dave-secret",
                          fingerprint=wrong).versions()
        # A later request, by another user, whose log line we wait for: had dave's request
        # been sent, the connector would have logged it (it logs every request it answers).
        with RemoteSession(tls_connector.url, user="erin", password="erin-secret",
                           fingerprint=right) as erin:
            erin.versions()
        assert wait_for_record(records, "erin")
    message = str(caught.value)
    assert wrong in message and right in message and "nothing was sent" in message
    assert [r.getMessage() for r in records if "dave" in r.getMessage()] == []
    assert backoff.failures("127.0.0.1") == failures_before

    # Controls: the same log shows dave's request, and a failed login, when they happen.
    with server_log() as records:
        with RemoteSession(tls_connector.url, user="dave", password="dave-secret",
                           fingerprint=right) as dave:
            dave.versions()
        assert wait_for_record(records, "dave")
    with server_log() as records:
        with pytest.raises(RemoteAuthenticationError):
            RemoteSession(tls_connector.url, user="dave", password="not-it",
                          fingerprint=right).versions()
        assert wait_for_record(records, "failed login for user 'dave'")


class TlsListener:
    """A bare TLS server (the connector's certificate) that records every byte a client sends
    after the handshake, then closes. It proves what a client puts on the wire."""

    def __init__(self, pem) -> None:
        self.context = server_context(str(pem))
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.handshake_done = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        conn.settimeout(5)
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                self.handshake_done = True
                while b"\r\n\r\n" not in self.received:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    self.received += chunk
        except (ssl.SSLError, OSError):
            pass
        finally:
            self.sock.close()

    def join(self) -> None:
        self.thread.join(10)


def test_wrong_pin_puts_no_byte_of_http_on_the_wire(certificates):
    listener = TlsListener(certificates["server"].pem)
    url = f"https://127.0.0.1:{listener.port}/"
    with pytest.raises(RemoteCertificateError):
        alice(url, fingerprint=certificates["other"].fingerprint).versions()
    listener.join()
    assert listener.handshake_done   # the client got as far as seeing the certificate
    assert listener.received == b""


def test_right_pin_control_sends_the_request_with_credentials(certificates):
    listener = TlsListener(certificates["server"].pem)
    url = f"https://127.0.0.1:{listener.port}/"
    # the listener hangs up without answering: the request may have been processed
    with pytest.raises(RemoteTransportError) as caught:
        alice(url, fingerprint=certificates["server"].fingerprint).versions()
    assert isinstance(caught.value, TransportError)
    listener.join()
    assert listener.received.startswith(b"POST / HTTP/1.1\r\n")
    assert b"\r\nauthorization: basic " in listener.received.lower()
    assert b"x-acctsyncinteractiontype: 104" in listener.received.lower()


def test_insecure_works_and_warns(tls_connector):
    with pytest.warns(InsecureConnectionWarning, match="verification is OFF"):
        session = alice(tls_connector.url, insecure=True)
    with session:
        assert ask(session, "HostQuery").status_code == 0


def test_https_to_a_plain_connector(plain_connector):
    url = plain_connector.url.replace("http://", "https://")
    with pytest.raises(RemoteConnectionError, match="TLS handshake failed"):
        alice(url).versions()


def test_http_to_a_tls_connector(tls_connector):
    url = tls_connector.url.replace("https://", "http://")
    with pytest.raises(RemoteConnectionError) as caught:
        alice(url).versions()
    assert url in str(caught.value)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"fingerprint": "AB:CD"}, "not a SHA-256 fingerprint"),
    ({"fingerprint": "zz" * 32}, "not a SHA-256 fingerprint"),
    ({"ca_file": "/nonexistent/ca.pem"}, "ca_file"),
])
def test_bad_trust_settings_fail_when_made(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RemoteSession("https://127.0.0.1:8167/", **kwargs)


def test_trust_settings_need_https():
    with pytest.raises(ValueError, match="https"):
        RemoteSession("http://127.0.0.1:8167/", fingerprint="AB" * 32)


def test_one_trust_setting_at_a_time(certificates):
    with pytest.raises(ValueError, match="one of"):
        RemoteSession("https://127.0.0.1:8167/", ca_file=certificates["server"].crt,
                      fingerprint=certificates["server"].fingerprint)
