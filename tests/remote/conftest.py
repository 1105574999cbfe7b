"""Real connectors on 127.0.0.1 serving real sandbox company files, with and without real TLS."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qbconnector.qbxml.session import Session, SessionOptions
from qbconnector.sandbox import SandboxSession
from qbconnector.server import ConnectorServer, passwords
from qbconnector.server.auth import LoginBackoff
from qbconnector.server.settings import settings_from_dict
from qbconnector.server.tls import generate_self_signed

PASSWORDS = {"alice": "alice-secret", "reader": "reader-secret", "bob": "b0b:p@ss/wörd%"}
CHEAP_LOG_N = 10   # cheap scrypt for tests (the server's default is deliberately slow)


@pytest.fixture(scope="module", autouse=True)
def _cheap_scrypt() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "MIN_LOG_N", CHEAP_LOG_N)
        yield


def users(**extra: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """alice (read-write), reader (read-only) and bob, plus ``extra`` users (passwords hashed)."""
    table: dict[str, dict[str, Any]] = {
        "alice": {}, "reader": {"ReadOnly": True}, "bob": {}, **extra}
    for name, user in table.items():
        user.setdefault("Password", passwords.hash_password(
            PASSWORDS.get(name, f"{name}-secret"), log_n=CHEAP_LOG_N))
    return table


def sandbox_factory(company: Path, seen: list[SessionOptions] | None = None
                    ) -> Callable[[SessionOptions], Session]:
    """Sandbox sessions on the user's CompanyFile or ``company``; records the options asked."""
    def make(options: SessionOptions) -> Session:
        if seen is not None:
            seen.append(options)
        return SandboxSession(options.company_file or company, options)
    return make


@pytest.fixture(scope="module")
def start_connector() -> Iterator[Callable[..., ConnectorServer]]:
    """``start_connector(factory, company=..., Users=..., SSLEnabled=...)``: a running connector
    on 127.0.0.1 (free port), stopped when the module ends."""
    started: list[tuple[ConnectorServer, Callable[[SessionOptions], Session]]] = []

    def start(factory: Callable[[SessionOptions], Session], *, company: Path | str = "",
              **settings: Any) -> ConnectorServer:
        raw: dict[str, Any] = {"Port": 0, "Timeout": 20, **settings}
        raw.setdefault("Users", users())
        server = ConnectorServer(
            settings_from_dict(raw), factory, default_company=str(company),
            retry_pause=0.01, console_log=False,
            backoff=LoginBackoff(free_attempts=3, base=0.01, cap=0.05))
        started.append((server.start(), factory))
        return server

    yield start
    for server, factory in reversed(started):
        server.stop()
        close = getattr(factory, "close", None)
        if close is not None:   # a relay's connections to the next connector
            close()


@pytest.fixture(scope="module")
def module_company(_blank_company_template: Path, tmp_path_factory: pytest.TempPathFactory
                   ) -> Path:
    """A new sandbox company file for one test module."""
    target = tmp_path_factory.mktemp("company") / "shop.qbdb"
    shutil.copyfile(_blank_company_template, target)
    return target


@dataclass(frozen=True)
class Certificate:
    pem: Path          # key + certificate, for the server (SSLCertStore)
    crt: Path          # certificate only, for clients (ca_file)
    fingerprint: str   # as `qbconnector cert generate` prints it


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Certificate]:
    """Two self-signed certificates for 127.0.0.1: 'server' (served) and 'other' (not)."""
    folder = tmp_path_factory.mktemp("tls")
    made = {}
    for name in ("server", "other"):
        generated = generate_self_signed(f"qbconnector-{name}", ["127.0.0.1"])
        pem, crt = folder / f"{name}.pem", folder / f"{name}.crt"
        pem.write_bytes(generated.key_pem + generated.cert_pem)
        crt.write_bytes(generated.cert_pem)
        made[name] = Certificate(pem, crt, generated.fingerprint)
    return made
