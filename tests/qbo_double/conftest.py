"""Fixtures for the QBO double: a sample company made once, servers shared per module, a clock
tests can move, and an OAuth code flow that yields tokens."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from qbconnector.qbo_double import DoubleServer, create_company_file, open_double

CLIENT_ID = "ABtestclient0001"
CLIENT_SECRET = "test-secret-not-for-production"
REDIRECT = "http://127.0.0.1:9/callback"


class Clock:
    """Wall time plus an offset the test controls."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Running:
    """A double on a loopback port, with its realm and a token for it."""

    server: DoubleServer
    realm: str
    clock: Clock
    tokens: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.server.base_url

    @property
    def api(self) -> str:
        return f"{self.base}/v3/company/{self.realm}"

    @property
    def double(self):  # noqa: ANN201
        return self.server.double

    def authorize(self, scope: str = "com.intuit.quickbooks.accounting openid email",
                  state: str = "xyz") -> dict:
        """Run the code flow over HTTP (auto-consent) and return the token reply."""
        reply = httpx.get(f"{self.base}/connect/oauth2", params={
            "client_id": CLIENT_ID, "response_type": "code", "scope": scope,
            "redirect_uri": REDIRECT, "state": state})
        assert reply.status_code == 302, reply.text
        query = parse_qs(urlsplit(reply.headers["location"]).query)
        assert query["state"] == [state] and query["realmId"] == [self.realm]
        token = httpx.post(f"{self.base}/oauth2/v1/tokens/bearer", auth=(CLIENT_ID, CLIENT_SECRET),
                           data={"grant_type": "authorization_code", "code": query["code"][0],
                                 "redirect_uri": REDIRECT})
        assert token.status_code == 200, token.text
        return token.json()

    def client(self) -> httpx.Client:
        """An httpx client with a fresh bearer token and JSON headers."""
        if "access_token" not in self.tokens:
            self.tokens.update(self.authorize())
        return httpx.Client(base_url=self.api, headers={
            "Authorization": f"Bearer {self.tokens['access_token']}",
            "Accept": "application/json"}, timeout=30)


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory) -> tuple[Path, str]:
    """The small sample, created once per test session (about 4 s)."""
    path = tmp_path_factory.mktemp("qbo-template") / "sample.qbo"
    realm = create_company_file(path, sample="small")
    return path, realm


@pytest.fixture(scope="session")
def blank_template(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("qbo-blank") / "blank.qbo"
    realm = create_company_file(path, sample="none")
    return path, realm


def start(template: tuple[Path, str], folder: Path, **options) -> Running:
    path = folder / "company.qbo"
    shutil.copyfile(template[0], path)
    clock = Clock()
    options.setdefault("auto_consent", True)
    double = open_double(path, clock=clock, **options)
    double.oauth.register_client(CLIENT_ID, CLIENT_SECRET)
    server = DoubleServer(double).start()
    return Running(server, template[1], clock)


def serving(template: tuple[Path, str], folder: Path):  # noqa: ANN201 - a generator
    running = start(template, folder)
    yield running
    running.server.stop()
    running.double.close()


@pytest.fixture(scope="module")
def sample_double(sample_template, tmp_path_factory):
    yield from serving(sample_template, tmp_path_factory.mktemp("qbo-sample"))


@pytest.fixture(scope="module")
def blank_double(blank_template, tmp_path_factory):
    yield from serving(blank_template, tmp_path_factory.mktemp("qbo-blank"))
