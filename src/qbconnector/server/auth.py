"""Who is asking: Basic credentials checked against the users, or the operating system's login.

scrypt is deliberately slow, so a successful verification is remembered for a short time. The
cache never holds a password: its key is a MAC (keyed BLAKE2b) of the presented credentials
under a secret made fresh for each process, and an entry only counts while the user's stored
password is the one it was verified against. Failed logins slow further attempts down, per
account and per address (:class:`~qbconnector.server.backoff.LoginBackoff`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from qbconnector.errors import QBConnectorError
from qbconnector.server.backoff import LoginBackoff, Turn  # noqa: F401 - part of this API
from qbconnector.server.passwords import hash_password, is_legacy, verify_password
from qbconnector.server.settings import User
from qbconnector.server.users import UserStore

log = logging.getLogger("qbconnector.server")


class SystemAuthUnavailable(QBConnectorError, RuntimeError):
    """AuthMode 1 cannot be served here (no PAM module / no pywin32)."""


class VerificationCache:
    """Recently verified credentials, keyed by a MAC; entries expire after ``ttl`` seconds."""

    def __init__(self, ttl: float = 120.0, max_entries: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._secret = secrets.token_bytes(32)
        # the keyed hash with its key block already mixed in: each key() copies it
        self._keyed = hashlib.blake2b(key=self._secret, digest_size=32)
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[bytes, tuple[bytes, float]] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, user: str, password: str) -> bytes:
        """An opaque key for these credentials (no secret can be read back from it)."""
        # Keyed BLAKE2b is a MAC in its own right (RFC 7693), and costs a fraction of an
        # OpenSSL HMAC, which looks its digest up by name on every call.
        mac = self._keyed.copy()
        mac.update(user.encode("utf-8") + b"\x00" + password.encode("utf-8"))
        return mac.digest()

    @staticmethod
    @functools.lru_cache(maxsize=256)
    def _tag(stored: str) -> bytes:
        """A digest of a stored password form (few: one per user, asked for each request)."""
        return hashlib.sha256(stored.encode("utf-8")).digest()

    def hit(self, user: str, password: str, stored: str) -> bool:
        """Whether these credentials were verified against this stored value recently."""
        key = self.key(user, password)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False
            tag, expires = entry
            if self._clock() >= expires or not hmac.compare_digest(tag, self._tag(stored)):
                del self._entries[key]
                return False
            return True

    def remember(self, user: str, password: str, stored: str) -> None:
        key = self.key(user, password)
        with self._lock:
            self._entries[key] = (self._tag(stored), self._clock() + self._ttl)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def system_login(user: str, password: str, *, interactive: bool = False) -> bool:
    """Check credentials with the operating system: LogonUser on Windows, PAM elsewhere."""
    if os.name == "nt":
        try:
            import win32con  # type: ignore[import-not-found]
            import win32security  # type: ignore[import-not-found]
        except ImportError:
            raise SystemAuthUnavailable(
                "AuthMode 1 (Windows login) needs pywin32: pip install 'qbconnector[windows]'"
            ) from None
        domain, _, name = user.rpartition("\\")
        logon_type = (win32con.LOGON32_LOGON_INTERACTIVE if interactive
                      else win32con.LOGON32_LOGON_NETWORK)
        try:
            handle = win32security.LogonUser(name, domain or None, password, logon_type,
                                             win32con.LOGON32_PROVIDER_DEFAULT)
        except win32security.error:
            return False
        handle.Close()
        return True
    try:
        import pam  # type: ignore[import-not-found]
    except ImportError:
        raise SystemAuthUnavailable(
            "AuthMode 1 (system login) needs PAM: pip install 'qbconnector[pam]'") from None
    checker = pam.pam() if hasattr(pam, "pam") else pam
    return bool(checker.authenticate(user, password, service="login"))


class Authenticator:
    """Checks credentials against the user store, with a cache and re-hashing of legacy forms."""

    def __init__(self, store: UserStore, *, cache: VerificationCache | None = None,
                 system_check: Callable[..., bool] = system_login,
                 interactive_logon: bool = False) -> None:
        self.store = store
        self.cache = cache or VerificationCache()
        self._system_check = system_check
        self._interactive = interactive_logon

    def cached(self, name: str, password: str) -> User | None:
        """The user when these credentials were verified recently (cheap; no hashing)."""
        user = self.store.get(name)
        if user is None:
            return None
        stored = "system" if user.system_auth else user.Password
        return user if self.cache.hit(name, password, stored) else None

    def verify(self, name: str, password: str) -> User | None:
        """Full check (slow: scrypt or the OS); run it off the event loop."""
        user = self.store.get(name)
        if user is None:
            # Spend the same effort as for a real user so timing does not reveal names.
            verify_password(password, _dummy_hash())
            return None
        if user.system_auth:
            try:
                ok = self._system_check(name, password, interactive=self._interactive)
            except SystemAuthUnavailable as exc:
                log.error("user %s: %s", name, exc)
                return None
            if ok:
                self.cache.remember(name, password, "system")
            return user if ok else None
        stored = user.Password
        if not verify_password(password, stored):
            return None
        if is_legacy(stored):
            fresh = hash_password(password)
            self.store.replace_password(name, stored, fresh)
            stored = fresh
        self.cache.remember(name, password, stored)
        return self.store.get(name) or user


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
