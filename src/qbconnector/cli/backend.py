"""What a connector serves: the backend chosen by ``--backend``, the ``Backend`` setting or the
machine's default, made through the one door (:mod:`qbconnector.targets`).

``serve``, the service (which runs ``serve``) and ``test-connection`` all come here, so they
serve the same backend; the server itself never imports one — it is handed the factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qbconnector.cli.connecting import EXIT_CONNECTION, Failure
from qbconnector.errors import QBConnectorError
from qbconnector.targets import Backend, default_backend, describe, session_factory


@dataclass(frozen=True)
class Choice:
    """The backend target to serve and where that choice came from."""

    target: str
    source: str          # "--backend", "Backend in FILE", "the default on this machine"

    def __str__(self) -> str:
        return f"{describe(self.target)} ({self.source})"


def choose(settings: Any, option: str | None) -> Choice:
    """``--backend`` wins over the settings' ``Backend``, which wins over the default."""
    if option:
        return Choice(option.strip(), "--backend")
    if settings.Backend.strip():
        return Choice(settings.Backend.strip(), f"Backend in {settings.path or 'the settings'}")
    return Choice(default_backend(), "the default on this machine")


def open_backend(choice: Choice) -> Backend:
    """The backend's sessions; a target that cannot be served here stops with one line."""
    try:
        return session_factory(choice.target)
    except QBConnectorError as exc:
        raise Failure(f"cannot serve {describe(choice.target)}: {exc}", EXIT_CONNECTION
                      ) from None


def build_server(settings: Any, backend: Backend, company: str = "",
                 option: str | None = None, **kwargs: Any) -> Any:
    """The connector ``serve`` runs: ``company`` (``serve --company``) is the file of users
    without a CompanyFile, else the backend's own default; ``option`` is ``--backend``, which
    a restart with a changed settings file keeps (the command line wins)."""
    from qbconnector.server.runner import ConnectorServer, NotReady
    from qbconnector.server.tls import CertificateError

    def backend_for(fresh: Any) -> tuple[Backend, str]:
        served = session_factory(choose(fresh, option).target)
        return served, company or served.default_company

    try:
        return ConnectorServer(settings, backend, backend_for=backend_for,
                               default_company=company or backend.default_company, **kwargs)
    except (NotReady, CertificateError) as exc:
        backend.close()
        raise Failure(str(exc)) from None
