"""The records API over a remote connector: connect("https://...") works like a local file."""

from __future__ import annotations

from urllib.parse import quote

import pytest

import qbconnector
from qbconnector.api import SessionError
from qbconnector.qbxml.session import RequestProcessorError
from qbconnector.remote import RemoteSession

from .conftest import PASSWORDS, sandbox_factory


@pytest.fixture(scope="module")
def connector(start_connector, module_company, certificates):
    return start_connector(sandbox_factory(module_company), company=module_company,
                           SSLEnabled=True, SSLCertStore=str(certificates["server"].pem))


@pytest.fixture(scope="module")
def url(connector, certificates):
    scheme, rest = connector.url.split("://", 1)
    pin = quote(certificates["server"].fingerprint)
    return f"{scheme}://alice:{quote(PASSWORDS['alice'])}@{rest}?fingerprint={pin}"


def test_records_api_pages_through_a_remote_connector(url):
    with qbconnector.connect(url, page_size=3) as qb:
        assert isinstance(qb.session, RemoteSession) and qb.session.persistent
        for i in range(7):
            qb.customers.add(name=f"Paged Remote {i:02d}")
        names = [c.name for c in qb.customers.query(name_starts_with="Paged Remote")]
    assert sorted(names) == [f"Paged Remote {i:02d}" for i in range(7)]


def test_records_api_reports_remote_refusals(connector, certificates):
    wrong = connector.url.replace("https://", "https://alice:Nope-Not-It@")
    # connect() opens through targets.open_session, which raises the session's own error
    # (RemoteAuthenticationError, a RequestProcessorError); the API may wrap it.
    with pytest.raises((SessionError, RequestProcessorError)) as caught:
        qbconnector.connect(wrong, fingerprint=certificates["server"].fingerprint)
    assert "alice" in str(caught.value) and connector.url in str(caught.value)
    assert "Nope-Not-It" not in str(caught.value) + repr(caught.value)
