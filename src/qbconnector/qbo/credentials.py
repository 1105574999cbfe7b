"""A connection's access token, kept valid: refreshed before it expires and when the API
says it is not valid (401), with the refresh shared by every process on the machine.

A refresh runs under the connection's lock (:mod:`qbconnector.qbo.locks`). Inside, the
stored tokens are read again: if another process refreshed meanwhile, its access token is
used and nothing is sent; otherwise the refresh token is spent and the reply — with the
rotated refresh token — is saved before the new access token is used. So a refresh token is
never spent twice, and a process that dies mid-refresh loses nothing.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from qbconnector.qbo.environments import Environment
from qbconnector.qbo.faults import LoginRequiredError
from qbconnector.qbo.oauth import OAuthClient
from qbconnector.qbo.tokens import Tokens, TokenStore


class Credentials:
    """The tokens of one connection, from its store, refreshed as needed."""

    def __init__(self, store: TokenStore, environment: Environment, *, relogin: str = "",
                 http: httpx.Client | None = None) -> None:
        self.store = store
        self.environment = environment
        self.relogin = relogin or f"qbconnector qbo login {store.name}"
        self.refreshes = 0               # refresh tokens this process spent
        self._http = http
        self._tokens: Tokens | None = None
        self._oauth: OAuthClient | None = None
        self._lock = threading.Lock()

    def _missing(self) -> LoginRequiredError:
        return LoginRequiredError(f"no QuickBooks Online authorization for "
                                  f"{self.store.name!r} in {self.store.where}: run "
                                  f"{self.relogin}")

    def tokens(self) -> Tokens:
        if self._tokens is None:
            self._tokens = self.store.load()
            if self._tokens is None:
                raise self._missing()
        return self._tokens

    @property
    def realm_id(self) -> str:
        return self.tokens().realm_id

    def oauth(self) -> OAuthClient:
        if self._oauth is None:
            tokens = self.tokens()
            self._oauth = OAuthClient(self.environment, tokens.client_id, tokens.client_secret,
                                      http=self._http, relogin=self.relogin)
        return self._oauth

    def access_token(self) -> str:
        """A valid access token (refreshed first when it expires within two minutes)."""
        tokens = self.tokens()
        if tokens.access_usable():
            return tokens.access_token
        return self.refresh(tokens.access_token)

    def refresh(self, stale: str) -> str:
        """A new access token in place of ``stale`` (refused by the API, or expiring)."""
        with self._lock, self.store.lock():
            latest = self.store.load()
            if latest is None:
                raise self._missing()
            if latest.access_token != stale and latest.access_usable():
                self._tokens = latest             # another process refreshed: use its token
                return latest.access_token
            if not latest.refresh_usable():
                raise LoginRequiredError(f"the QuickBooks Online authorization of "
                                         f"{self.store.name!r} has expired: run {self.relogin}")
            reply = self.oauth().refresh(latest.refresh_token)
            renewed = Tokens.from_reply(reply, realm_id=latest.realm_id,
                                        client_id=latest.client_id,
                                        client_secret=latest.client_secret)
            self.store.save(renewed)             # the rotated refresh token first, then use
            self._tokens = renewed
            self.refreshes += 1
            return renewed.access_token

    def revoke(self) -> bool:
        """Revoke the grant at the server (its refresh token) and forget the tokens here."""
        tokens = self.store.load()
        revoked = False
        if tokens is not None:
            self._tokens = tokens
            try:
                revoked = self.oauth().revoke(tokens.refresh_token)
            finally:
                self.store.delete()
        self._tokens = None
        return revoked

    def close(self) -> None:
        if self._oauth is not None:
            self._oauth.close()

    def describe(self) -> dict[str, Any]:
        tokens = self.store.load()
        return {"store": self.store.kind, "where": self.store.where,
                "realm_id": tokens.realm_id if tokens else None,
                "client_id": tokens.client_id if tokens else None,
                "logged_in": tokens is not None and tokens.refresh_usable()}
