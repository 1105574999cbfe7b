"""The double's OAuth 2.0 / OpenID server, as Intuit's behaves.

Authorization code flow (``state`` and ``realmId`` on the redirect), client authentication by
HTTP Basic or in the form (``client_secret_basic``/``client_secret_post``), access tokens of
3,600 s, refresh tokens of 100 days that rotate when older than 24 h (the replaced one keeps
working for a 24 h grace period, then ``invalid_grant``), revocation of either token (the
whole grant goes), RS256 id tokens and userinfo. Secrets and tokens are stored hashed; the
clock is injectable so lifetimes can be tested.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from qbconnector.qbo_double.store import Store

ACCESS_LIFETIME = 3600
REFRESH_LIFETIME = 8726400  # 101 days, as Intuit's replies say
ROTATE_AFTER = 24 * 3600
GRACE = 24 * 3600
HARD_LIFETIME = 5 * 365 * 24 * 3600
SCOPES = ("com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment", "openid",
          "profile", "email", "phone", "address")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class OAuthError(Exception):
    """An OAuth error reply: ``{"error": code, "error_description": text}``."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code, self.description, self.status = code, description, status

    def body(self) -> dict:
        return {"error_description": self.description, "error": self.code}


@dataclass
class Grant:
    """What a valid access token allows."""

    client_id: str
    realm: str | None
    scope: str
    expires: float


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class OAuthServer:
    """Clients, codes and tokens in the company file."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time,
                 access_lifetime: int = ACCESS_LIFETIME, issuer: str = "") -> None:
        self.store = store
        self.clock = clock
        self.access_lifetime = access_lifetime
        self.issuer = issuer
        self._codes: dict[str, dict] = {}
        self._newest: dict[str, str | None] = {}
        self._key = self._signing_key()

    # --- clients --------------------------------------------------------------------------

    def register_client(self, client_id: str, secret: str,
                        redirect_uris: list[str] | tuple[str, ...] = ()) -> None:
        salt = secrets.token_hex(8)
        hashed = salt + "$" + hashlib.sha256((salt + secret).encode()).hexdigest()
        with self.store.lock:
            self.store.db.execute("INSERT OR REPLACE INTO oauth_client VALUES (?, ?, ?)",
                                  (client_id, hashed, json.dumps(list(redirect_uris))))

    def has_clients(self) -> bool:
        with self.store.lock:
            return self.store.db.execute("SELECT 1 FROM oauth_client").fetchone() is not None

    def client_redirects(self, client_id: str) -> list[str] | None:
        with self.store.lock:
            row = self.store.db.execute("SELECT redirect_uris FROM oauth_client WHERE id = ?",
                                        (client_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def authenticate_client(self, client_id: str | None, secret: str | None) -> str:
        """The client id when the credentials are right; ``invalid_client`` otherwise."""
        with self.store.lock:
            row = self.store.db.execute("SELECT secret_hash FROM oauth_client WHERE id = ?",
                                        (client_id or "",)).fetchone()
        expected = row[0] if row else "x$" + "0" * 64
        salt, hashed = expected.split("$", 1)
        given = hashlib.sha256((salt + (secret or "")).encode()).hexdigest()
        if not hmac.compare_digest(given, hashed) or row is None:
            raise OAuthError("invalid_client", "Client authentication failed", 401)
        return client_id or ""

    def check_redirect(self, client_id: str, redirect_uri: str) -> None:
        """Loopback redirect URIs are accepted; others must be registered for the client."""
        allowed = self.client_redirects(client_id)
        if allowed is None:
            raise OAuthError("invalid_client", "Unknown client_id", 401)
        if redirect_uri in allowed:
            return
        parts = urlsplit(redirect_uri)
        if parts.scheme in ("http", "https") and parts.hostname in LOOPBACK:
            return
        raise OAuthError("invalid_request", "The redirect_uri is not registered for this app")

    # --- authorization codes --------------------------------------------------------------

    def issue_code(self, client_id: str, redirect_uri: str, scope: str, realm: str) -> str:
        code = "AB1" + secrets.token_urlsafe(30)
        self._codes[digest(code)] = {"client": client_id, "redirect": redirect_uri,
                                     "scope": scope, "realm": realm,
                                     "expires": self.clock() + 300}
        return code

    def exchange_code(self, client_id: str, code: str, redirect_uri: str,
                      hard_expiry: bool = False) -> dict:
        entry = self._codes.pop(digest(code or ""), None)
        if entry is None or entry["expires"] < self.clock() or entry["client"] != client_id:
            raise OAuthError("invalid_grant", "Token invalid")
        if entry["redirect"] != redirect_uri:
            raise OAuthError("invalid_grant", "Redirect URI does not match")
        family = secrets.token_hex(12)
        return self._issue(client_id, entry["realm"], entry["scope"], family,
                           hard_expires=self.clock() + HARD_LIFETIME, hard_expiry=hard_expiry)

    # --- tokens ---------------------------------------------------------------------------

    def _issue(self, client_id: str, realm: str | None, scope: str, family: str, *,
               refresh: str | None = None, hard_expires: float, hard_expiry: bool) -> dict:
        now = self.clock()
        access = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + secrets.token_urlsafe(48)
        rows = [(digest(access), "access", client_id, realm, scope, now,
                 now + self.access_lifetime, family, None, 0, None, hard_expires)]
        if refresh is None:
            refresh = "AB1" + secrets.token_urlsafe(36)
            rows.append((digest(refresh), "refresh", client_id, realm, scope, now,
                         now + REFRESH_LIFETIME, family, None, 0, None, hard_expires))
        with self.store.lock:
            self.store.db.executemany(
                "INSERT INTO oauth_token VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            expires = self.store.db.execute(
                "SELECT expires FROM oauth_token WHERE digest = ?", (digest(refresh),)).fetchone()
        reply = {"x_refresh_token_expires_in": max(0, int(expires[0] - now)),
                 "refresh_token": refresh, "access_token": access, "token_type": "bearer",
                 "expires_in": self.access_lifetime}
        if hard_expiry:
            reply["x_refresh_token_hard_expires_in"] = max(0, int(hard_expires - now))
        if "openid" in scope.split():
            reply["id_token"] = self.id_token(client_id, realm)
        return reply

    def refresh(self, client_id: str, token: str, hard_expiry: bool = False) -> dict:
        now = self.clock()
        with self.store.lock:
            row = self.store.db.execute(
                "SELECT client_id, realm, scope, issued, expires, family, replaced, revoked, "
                "hard_expires FROM oauth_token WHERE digest = ? AND kind = 'refresh'",
                (digest(token or ""),)).fetchone()
        if row is None:
            raise OAuthError("invalid_grant", "Incorrect or invalid refresh token")
        owner, realm, scope, issued, expires, family, replaced, revoked, hard = row
        if owner != client_id or revoked or expires < now or (hard and hard < now):
            raise OAuthError("invalid_grant", "Incorrect or invalid refresh token")
        if replaced is not None:
            if replaced + GRACE < now:
                raise OAuthError("invalid_grant", "Incorrect or invalid refresh token")
            newest = self._newest_refresh(family)
            return self._issue(client_id, realm, scope, family, refresh=newest,
                               hard_expires=hard, hard_expiry=hard_expiry) if newest else \
                self._rotate(client_id, realm, scope, family, token, hard, hard_expiry)
        if now - issued >= ROTATE_AFTER:
            return self._rotate(client_id, realm, scope, family, token, hard, hard_expiry)
        with self.store.lock:  # rolling 100 days
            self.store.db.execute("UPDATE oauth_token SET expires = ? WHERE digest = ?",
                                  (now + REFRESH_LIFETIME, digest(token)))
        return self._issue(client_id, realm, scope, family, refresh=token, hard_expires=hard,
                           hard_expiry=hard_expiry)

    def _rotate(self, client_id: str, realm: str | None, scope: str, family: str, old: str,
                hard: float, hard_expiry: bool) -> dict:
        with self.store.lock:
            self.store.db.execute("UPDATE oauth_token SET replaced = ? WHERE digest = ?",
                                  (self.clock(), digest(old)))
            self._newest[family] = None
        reply = self._issue(client_id, realm, scope, family, hard_expires=hard,
                            hard_expiry=hard_expiry)
        self._newest[family] = reply["refresh_token"]
        return reply

    def _newest_refresh(self, family: str) -> str | None:
        return self._newest.get(family)

    def revoke(self, client_id: str, token: str) -> None:
        """Revoke the grant a refresh or access token belongs to (all its tokens)."""
        with self.store.lock:
            row = self.store.db.execute(
                "SELECT family, client_id FROM oauth_token WHERE digest = ?",
                (digest(token or ""),)).fetchone()
            if row is None:
                return  # RFC 7009: unknown tokens are not an error
            if row[1] != client_id:
                raise OAuthError("invalid_client", "Token was issued to another client", 401)
            self.store.db.execute("UPDATE oauth_token SET revoked = 1 WHERE family = ?",
                                  (row[0],))

    def check_access(self, token: str) -> tuple[Grant | None, str]:
        """(grant, "") for a valid access token, else (None, why)."""
        if not token or len(token) < 20 or len(token) > 4096:
            return None, "Malformed bearer token: too short or too long"
        with self.store.lock:
            row = self.store.db.execute(
                "SELECT client_id, realm, scope, expires, revoked FROM oauth_token WHERE "
                "digest = ? AND kind = 'access'", (digest(token),)).fetchone()
        if row is None:
            return None, f"Token invalid: {token[:12]}…"
        if row[4]:
            return None, "Token revoked"
        if row[3] < self.clock():
            return None, f"Token expired: {token[-24:]}"
        return Grant(row[0], row[1], row[2], row[3]), ""

    # --- OpenID ---------------------------------------------------------------------------

    def _signing_key(self) -> rsa.RSAPrivateKey:
        pem = self.store.setting("oauth.signing_key")
        if pem:
            key = serialization.load_pem_private_key(pem.encode(), password=None)
            assert isinstance(key, rsa.RSAPrivateKey)
            return key
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.store.set_setting("oauth.signing_key", key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode())
        return key

    @property
    def key_id(self) -> str:
        numbers = self._key.public_key().public_numbers()
        return hashlib.sha256(str(numbers.n).encode()).hexdigest()[:16]

    def jwks(self) -> dict:
        numbers = self._key.public_key().public_numbers()
        to_bytes = lambda n: n.to_bytes((n.bit_length() + 7) // 8, "big")  # noqa: E731
        return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.key_id,
                          "n": _b64(to_bytes(numbers.n)), "e": _b64(to_bytes(numbers.e))}]}

    def id_token(self, client_id: str, realm: str | None) -> str:
        now = int(self.clock())
        header = {"alg": "RS256", "kid": self.key_id}
        claims = {"sub": "qbo-double-user-" + (realm or "0"), "aud": [client_id],
                  "realmid": realm, "auth_time": now, "iss": self.issuer, "exp": now + 3600,
                  "iat": now}
        signing_input = _b64(json.dumps(header).encode()) + "." + \
            _b64(json.dumps(claims).encode())
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64(signature)

    def userinfo(self, grant: Grant) -> dict:
        info = {"sub": "qbo-double-user-" + (grant.realm or "0")}
        scopes = grant.scope.split()
        if "email" in scopes:
            info.update(email="developer@example.com", emailVerified=True)
        if "profile" in scopes:
            info.update(givenName="Quinn", familyName="Double")
        if "phone" in scopes:
            info.update(phoneNumber="+1 (555) 010-0000", phoneNumberVerified=False)
        if "address" in scopes:
            info["address"] = {"streetAddress": "2600 Marine Way", "locality": "Mountain View",
                               "region": "CA", "postalCode": "94043", "country": "US"}
        return info
