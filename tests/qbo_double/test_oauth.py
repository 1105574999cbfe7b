"""Intuit's own OAuth client (intuit-oauth), unchanged, against the double: discovery, code
flow with state and realmId, id token validation, refresh rotation with its grace period,
invalid_grant, revocation, userinfo, and the opt-in hard expiry."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from tests.qbo_double.conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT

DAY = 24 * 3600


def connect(running, scopes=None) -> AuthClient:  # noqa: ANN001
    client = AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT,
                        f"{running.base}/.well-known/openid_sandbox_configuration")
    url = client.get_authorization_url(scopes or [Scopes.ACCOUNTING, Scopes.OPENID,
                                                  Scopes.EMAIL])
    reply = httpx.get(url)
    assert reply.status_code == 302
    query = parse_qs(urlsplit(reply.headers["location"]).query)
    assert query["state"] == [client.state_token]
    client.get_bearer_token(query["code"][0], realm_id=query["realmId"][0])
    return client


def test_discovery_names_the_doubles_own_endpoints(blank_double):
    for path in ("/.well-known/openid_configuration", "/.well-known/openid_sandbox_configuration"):
        document = httpx.get(blank_double.base + path).json()
        assert document["token_endpoint"] == blank_double.base + "/oauth2/v1/tokens/bearer"
        assert document["authorization_endpoint"].startswith(blank_double.base)
        assert set(document["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic", "client_secret_post"}


def test_code_flow_with_id_token_and_userinfo(blank_double):
    client = connect(blank_double)
    assert client.realm_id == blank_double.realm
    assert client.access_token and client.refresh_token
    assert client.expires_in == 3600 and client.x_refresh_token_expires_in == 8726400
    assert client.id_token  # set only when the RS256 signature checked out against the JWKS
    info = client.get_user_info().json()
    assert info["email"] == "developer@example.com"
    reply = httpx.get(f"{blank_double.api}/companyinfo/{blank_double.realm}",
                      headers={"Authorization": f"Bearer {client.access_token}",
                               "Accept": "application/json"})
    assert reply.status_code == 200


def test_refresh_rotates_daily_with_a_grace_period(blank_double):
    client = connect(blank_double)
    first = client.refresh_token
    client.refresh()
    assert client.refresh_token == first  # same day: the same refresh token comes back
    blank_double.clock.advance(DAY + 60)
    try:
        client.refresh()
        second = client.refresh_token
        assert second != first
        old = connect.__globals__["AuthClient"](CLIENT_ID, CLIENT_SECRET, REDIRECT,
                                                f"{blank_double.base}/.well-known/"
                                                f"openid_configuration")
        old.refresh(refresh_token=first)  # inside the grace period: still accepted
        assert old.refresh_token == second
        blank_double.clock.advance(DAY + 60)
        with pytest.raises(AuthClientError) as caught:
            old.refresh(refresh_token=first)
        assert caught.value.status_code == 400
        assert caught.value.response.json()["error"] == "invalid_grant"
        client.refresh()  # the newest one still works
    finally:
        blank_double.clock.advance(-2 * (DAY + 60))


def test_revoke_ends_the_grant(blank_double):
    client = connect(blank_double)
    access = client.access_token
    assert client.revoke()
    with pytest.raises(AuthClientError) as caught:
        client.refresh()
    assert caught.value.response.json()["error"] == "invalid_grant"
    reply = httpx.get(f"{blank_double.api}/companyinfo/{blank_double.realm}",
                      headers={"Authorization": f"Bearer {access}"})
    assert reply.status_code == 401


def test_bad_client_and_bad_code(blank_double):
    bad = AuthClient(CLIENT_ID, "wrong", REDIRECT, f"{blank_double.base}/.well-known/"
                                                   f"openid_configuration")
    with pytest.raises(AuthClientError) as caught:
        bad.get_bearer_token("nonsense", realm_id=blank_double.realm)
    assert caught.value.status_code == 401
    assert caught.value.response.json()["error"] == "invalid_client"
    good = AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT, f"{blank_double.base}/.well-known/"
                                                          f"openid_configuration")
    with pytest.raises(AuthClientError) as caught:
        good.get_bearer_token("AB1-not-a-code", realm_id=blank_double.realm)
    assert caught.value.response.json() == {"error_description": "Token invalid",
                                            "error": "invalid_grant"}


def test_hard_expiry_is_opt_in(blank_double):
    client = connect(blank_double, [Scopes.ACCOUNTING])
    client.refresh()
    assert not hasattr(client, "x_refresh_token_hard_expires_in")
    client.include_refresh_token_hard_expires_in = True
    if hasattr(client, "set_include_refresh_token_hard_expires_in"):
        client.set_include_refresh_token_hard_expires_in(True)
    reply = httpx.post(f"{blank_double.base}/oauth2/v1/tokens/bearer",
                       auth=(CLIENT_ID, CLIENT_SECRET),
                       headers={"x-include-refresh-token-hard-expires-in": "true"},
                       data={"grant_type": "refresh_token",
                             "refresh_token": client.refresh_token})
    assert reply.json()["x_refresh_token_hard_expires_in"] > 4 * 365 * DAY


def test_redirects_off_loopback_must_be_registered(blank_double):
    reply = httpx.get(f"{blank_double.base}/connect/oauth2", params={
        "client_id": CLIENT_ID, "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting", "redirect_uri": "https://evil.example/cb",
        "state": "s"})
    assert reply.status_code == 400 and "not registered" in reply.text


def test_consent_page_without_auto_consent(blank_template, tmp_path):
    from tests.qbo_double.conftest import start

    running = start(blank_template, tmp_path, auto_consent=False)
    try:
        page = httpx.get(f"{running.base}/connect/oauth2", params={
            "client_id": CLIENT_ID, "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting", "redirect_uri": REDIRECT,
            "state": "s1"})
        assert page.status_code == 200 and "Connect" in page.text
        import re

        nonce = re.search(r'name="consent" value="([^"]+)"', page.text).group(1)
        denied = httpx.post(f"{running.base}/connect/oauth2",
                            data={"consent": nonce, "decision": "cancel"})
        assert "error=access_denied" in denied.headers["location"]
        page = httpx.get(page.url)
        nonce = re.search(r'name="consent" value="([^"]+)"', page.text).group(1)
        granted = httpx.post(f"{running.base}/connect/oauth2", data={
            "consent": nonce, "decision": "connect", "realm": running.realm})
        query = parse_qs(urlsplit(granted.headers["location"]).query)
        assert query["realmId"] == [running.realm] and query["state"] == ["s1"]
    finally:
        running.server.stop()
        running.double.close()
