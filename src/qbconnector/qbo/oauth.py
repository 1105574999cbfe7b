"""The OAuth 2.0 client for Intuit's authorization server (or any server with the same wire):
the discovery document, the authorization URL, the code exchange, refresh and revocation.

The token endpoint takes the client's id and secret by HTTP Basic; ``invalid_grant`` (a
refresh token that expired, was revoked, or was replaced more than a day ago) becomes
:class:`~qbconnector.qbo.faults.LoginRequiredError`, whose message names the command that
gives a new authorization.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

import httpx

from qbconnector._version import __version__
from qbconnector.errors import AuthenticationError, TransportError
from qbconnector.qbo.environments import Environment, check_url
from qbconnector.qbo.faults import LoginRequiredError

ACCOUNTING = "com.intuit.quickbooks.accounting"
DEFAULT_SCOPES = (ACCOUNTING,)
USER_AGENT = f"qbconnector/{__version__}"


class OAuthClient:
    """One app (client id and secret) at one environment's authorization server."""

    def __init__(self, environment: Environment, client_id: str, client_secret: str, *,
                 http: httpx.Client | None = None, relogin: str = "") -> None:
        self.environment = environment
        self.client_id = client_id
        self.client_secret = client_secret
        self.relogin = relogin          # the command that gives a new authorization
        self._http = http or httpx.Client(timeout=30, headers={"User-Agent": USER_AGENT})
        self._own_http = http is None
        self._discovery: dict[str, Any] | None = None

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    # -- discovery ------------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        """The discovery document (fetched once)."""
        if self._discovery is None:
            url = self.environment.discovery_url
            try:
                reply = self._http.get(url, headers={"Accept": "application/json"})
            except httpx.HTTPError as exc:
                raise TransportError(f"cannot reach {url}: {exc}") from exc
            if reply.status_code != 200:
                raise TransportError(f"{url} answered HTTP {reply.status_code}, not a "
                                     "discovery document")
            try:
                document = reply.json()
            except ValueError:
                raise TransportError(f"{url} is not a discovery document (not JSON)") from None
            for key in ("authorization_endpoint", "token_endpoint"):
                if not isinstance(document.get(key), str):
                    raise TransportError(f"{url} is not a discovery document (no {key})")
                check_url(document[key], key)
            self._discovery = document
        return self._discovery

    # -- authorization code flow ---------------------------------------------------------------
    @staticmethod
    def new_state() -> str:
        return secrets.token_urlsafe(24)

    def authorization_url(self, redirect_uri: str, state: str,
                          scopes: tuple[str, ...] = DEFAULT_SCOPES) -> str:
        query = urlencode({"client_id": self.client_id, "response_type": "code",
                           "scope": " ".join(scopes), "redirect_uri": redirect_uri,
                           "state": state})
        return f"{self.discovery()['authorization_endpoint']}?{query}"

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, Any]:
        return self._token({"grant_type": "authorization_code", "code": code,
                            "redirect_uri": redirect_uri})

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        url = self.discovery()["token_endpoint"]
        try:
            reply = self._http.post(url, data=form, auth=(self.client_id, self.client_secret),
                                    headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise TransportError(f"the token endpoint {url} could not be reached: {exc}") \
                from exc
        try:
            body = reply.json()
        except ValueError:
            body = {}
        if reply.status_code == 200 and isinstance(body, dict) and \
                body.get("access_token") and body.get("refresh_token"):
            return body
        error = body.get("error", "") if isinstance(body, dict) else ""
        described = body.get("error_description", "") if isinstance(body, dict) else ""
        if error == "invalid_grant":
            what = "code" if form["grant_type"] == "authorization_code" else "authorization"
            raise LoginRequiredError(
                f"QuickBooks Online refused the {what} ({described or 'invalid_grant'}): it "
                "expired, was revoked or was replaced"
                + (f"; run {self.relogin}" if self.relogin else ""))
        if error == "invalid_client" or reply.status_code == 401:
            raise AuthenticationError(
                f"the token endpoint refused client {self.client_id!r}: wrong client id or "
                "secret, or an app of another environment")
        raise TransportError(f"the token endpoint answered HTTP {reply.status_code}"
                             + (f" ({error}: {described})" if error else ""))

    def revoke(self, token: str) -> bool:
        """Revoke a refresh (or access) token and its grant; False when the server has no
        revocation endpoint."""
        url = self.discovery().get("revocation_endpoint")
        if not url:
            return False
        check_url(url, "revocation_endpoint")
        try:
            reply = self._http.post(url, json={"token": token},
                                    auth=(self.client_id, self.client_secret),
                                    headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise TransportError(f"the revocation endpoint {url} could not be reached: {exc}") \
                from exc
        if reply.status_code == 401:
            raise AuthenticationError(f"the revocation endpoint refused client "
                                      f"{self.client_id!r}")
        if reply.status_code >= 400:
            raise TransportError(f"the revocation endpoint answered HTTP {reply.status_code}")
        return True
