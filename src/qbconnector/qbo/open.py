"""Opening a QuickBooks Online connection from a target's options (the one door calls this
for ``qbo://REALM`` targets and saved connections that name one)."""

from __future__ import annotations

from typing import Any

from qbconnector.errors import TargetError
from qbconnector.qbo.connection import QBOConnection
from qbconnector.qbo.credentials import Credentials
from qbconnector.qbo.environments import check_url, environment
from qbconnector.qbo.session import MINOR_VERSION, QBOSession
from qbconnector.qbo.tokens import TokenStore, token_store


def _number(options: dict[str, Any], key: str, default: float) -> float:
    value = options.get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TargetError(f"option {key}: {value!r} is not a number") from None


def relogin_command(name: str, client_id: str | None, env: str | None) -> str:
    parts = ["qbconnector qbo login", name]
    if client_id:
        parts += ["--client-id", client_id]
    if env and env != "production":
        parts += ["--environment", env]
    return " ".join(parts)


def open_connection(realm: str, options: dict[str, Any]) -> QBOConnection:
    """A QBOConnection to ``realm`` (not opened: ``connect()`` opens it)."""
    env_text = str(options.get("environment") or "production")
    env = environment(env_text)
    tokens = options.get("tokens") or realm
    name = str(options.get("name") or (tokens if isinstance(tokens, str) else realm))
    store = tokens if isinstance(tokens, TokenStore) else \
        token_store(str(tokens), options.get("token_store"))
    relogin = relogin_command(name, options.get("client_id"), env_text)
    credentials = Credentials(store, env, relogin=relogin)
    api_url = str(options.get("api_url") or env.api_url)
    check_url(api_url, "api_url")
    session = QBOSession(api_url, credentials,
                         minor_version=str(options.get("minor_version") or MINOR_VERSION),
                         retries=int(_number(options, "retries", 5)),
                         backoff=_number(options, "backoff", 1.0),
                         timeout=_number(options, "timeout", 120.0))
    page_size = int(_number(options, "page_size", 1000))
    if not 1 <= page_size <= 1000:
        raise TargetError("page_size is 1 to 1000 for QuickBooks Online")
    prefetch = options.get("prefetch", True)
    connection = QBOConnection(session, page_size=page_size,
                               prefetch=prefetch not in (False, "0", "false"), name=name)
    saved = store.load()
    if saved is not None and saved.realm_id != realm:
        raise TargetError(f"the tokens of {name!r} are for company {saved.realm_id}, not "
                          f"{realm}: run {relogin}")
    return connection
