"""``http(s)://[user[:password]@]host[:port][/?options]``: another connector (ours, or the
4D Payments QuickBooks Connector).

The password comes from the ``password=`` keyword, the URL, the environment variable named by
``password_env``, or ``QBCONNECTOR_PASSWORD`` — or, through a saved connection, from the
keyring — so it never has to be written in plain text. As a connector's backend (a relay) the
sessions share one keep-alive pool; each is one request unless the relay's client keeps a
persistent connection (then the relay keeps one upstream too) or the target says
``persistent=1``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from qbconnector import wire
from qbconnector.errors import TargetError
from qbconnector.qbxml.session import Session, SessionOptions
from qbconnector.targets.kinds import Backend, TargetKind
from qbconnector.targets.options import COMMON, PASSWORD_ENV, gather, query_options

REMOTE_ONLY = frozenset({"user", "password", "password_env", "ca_file", "fingerprint",
                         "insecure", "persistent", "timeout", "delay_after_open_ms"})


def describe(target: str) -> str:
    """The connect string for messages and logs: a URL's password replaced by ``***``."""
    return wire.mask_url(target)


def _password(extra: dict[str, Any], url_password: str | None, user: str | None,
              where: str) -> str | None:
    password = extra.pop("password", None)
    variable = extra.pop("password_env", None)
    if password is None and url_password is not None:
        password = unquote(url_password)
    if password is None and variable:
        password = os.environ.get(variable)
        if password is None:
            raise TargetError(f"the password for {user or 'the connector'} at {where} comes "
                              f"from ${variable}, which is not set")
    if user and password is None:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise TargetError(f"no password for user {user!r} at {where}: put it in the URL "
                              f"(user:password@host), pass password=, name a variable with "
                              f"password_env=, or set {PASSWORD_ENV}")
    if password is not None and not user:
        raise TargetError(f"{where}: a password needs a user name (user:password@host)")
    return password


def session(text: str, keywords: Mapping[str, Any], *, persistent: bool = True) -> Session:
    """A RemoteSession; ``persistent`` is its default when the options do not say."""
    parts = urlsplit(text)
    where = describe(text)
    if parts.path not in ("", "/"):
        raise TargetError(f"{where}: the connector answers at / only, not {parts.path!r}")
    options, extra = gather("remote connector", COMMON | REMOTE_ONLY,
                            query_options(parts.query, where), keywords)
    extra.setdefault("persistent", persistent)
    user = extra.pop("user", None) or (unquote(parts.username) if parts.username else None)
    password = _password(extra, parts.password, user, where)
    from qbconnector.remote import RemoteSession

    url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/", "", ""))
    try:
        return RemoteSession(url, user=user, password=password, options=options, **extra)
    except ValueError as exc:
        raise TargetError(f"{where}: {exc}") from None


def backend(text: str, keywords: Mapping[str, Any]) -> Backend:
    probe = session(text, keywords, persistent=False)   # checks the target and options now
    from qbconnector.remote import RemoteSession

    assert isinstance(probe, RemoteSession)
    endpoint, target = probe.endpoint, probe.options

    def sessions(options: SessionOptions) -> Session:
        merged = dataclasses.replace(options, read_only=options.read_only or target.read_only)
        return RemoteSession(endpoint, options=merged, persistent=probe.persistent,
                             delay_after_open_ms=probe.delay_after_open_ms)

    who = f" as {endpoint.user}" if endpoint.user else ""
    trust = (" (pinned certificate)" if endpoint.fingerprint else
             " (TLS NOT VERIFIED)" if endpoint.insecure else "")
    return Backend(sessions, kind="remote", target=describe(text),
                   description=f"the connector at {endpoint.url}{who}{trust}",
                   close=endpoint.close)


KIND = TargetKind("remote", session, backend, schemes=("http", "https"),
                  example="https://user@host:8167")
