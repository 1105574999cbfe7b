"""Who may use the console: sign-in, sessions, CSRF tokens, and the Host a page was asked for.

Sign-in is the admin password (``qbconnector admin set-password``, stored as a scrypt hash in
``AdminPassword``) or, with ``AdminSystemLogin``, the login of an operating-system account that
is an administrator (Windows: the Administrators group; elsewhere root or the sudo, wheel or
admin group). A session lives in an HttpOnly, SameSite=Strict cookie holding a random token;
the server keeps only the token's SHA-256. Sessions end after ``IDLE_SECONDS`` unused or
``MAX_SECONDS`` in all. Every change carries the session's CSRF token in a header.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from qbconnector.server.auth import SystemAuthUnavailable, system_login
from qbconnector.server.passwords import verify_password
from qbconnector.server.settings import Settings

log = logging.getLogger("qbconnector.server")

COOKIE = "qbc_console"
CSRF_HEADER = "x-csrf-token"
IDLE_SECONDS = 30 * 60
MAX_SECONDS = 12 * 3600
MAX_SESSIONS = 64
ADMIN_GROUPS = ("sudo", "wheel", "admin")


@dataclass
class ConsoleSession:
    """One signed-in browser."""

    who: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    created: float = 0.0
    last_seen: float = 0.0


class Sessions:
    """Signed-in browsers by the SHA-256 of their cookie token."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 idle: float = IDLE_SECONDS, max_age: float = MAX_SECONDS) -> None:
        self._clock, self.idle, self.max_age = clock, idle, max_age
        self._sessions: dict[bytes, ConsoleSession] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "replace")).digest()

    def create(self, who: str) -> str:
        """A new session for ``who``; returns the cookie token."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._expire(now)
            while len(self._sessions) >= MAX_SESSIONS:     # the oldest gives way
                oldest = min(self._sessions, key=lambda k: self._sessions[k].created)
                del self._sessions[oldest]
            self._sessions[self._key(token)] = ConsoleSession(who, created=now, last_seen=now)
        return token

    def get(self, token: str | None) -> ConsoleSession | None:
        """The live session of a cookie token (touching it), or None."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            self._expire(now)
            session = self._sessions.get(self._key(token))
            if session is not None:
                session.last_seen = now
            return session

    def drop(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(self._key(token), None)

    def drop_all(self) -> None:
        """End every session (the admin password changed)."""
        with self._lock:
            self._sessions.clear()

    def _expire(self, now: float) -> None:
        for key, session in list(self._sessions.items()):
            if now - session.last_seen > self.idle or now - session.created > self.max_age:
                del self._sessions[key]


def csrf_ok(session: ConsoleSession, presented: str | None) -> bool:
    """Whether a change carries this session's CSRF token (constant-time)."""
    return bool(presented) and hmac.compare_digest(session.csrf.encode(),
                                                   (presented or "").encode())


def is_os_admin(name: str) -> bool:
    """Whether the operating-system account ``name`` is an administrator of this machine."""
    if os.name == "nt":
        try:
            import win32net  # type: ignore[import-not-found]
        except ImportError:
            return False
        try:
            groups = win32net.NetUserGetLocalGroups(None, name.rpartition("\\")[2])
        except Exception:
            return False
        return any(g.lower() == "administrators" for g in groups)
    import grp
    import pwd

    try:
        account = pwd.getpwnam(name)
    except KeyError:
        return False
    if account.pw_uid == 0:
        return True
    for group in ADMIN_GROUPS:
        try:
            entry = grp.getgrnam(group)
        except KeyError:
            continue
        if name in entry.gr_mem or entry.gr_gid == account.pw_gid:
            return True
    return False


class SignIn:
    """Checks what the sign-in form was given against the settings in force."""

    def __init__(self, *, system_check: Callable[..., bool] = system_login,
                 is_admin: Callable[[str], bool] = is_os_admin) -> None:
        self._system_check = system_check
        self._is_admin = is_admin

    def check(self, settings: Settings, name: str, password: str) -> str | None:
        """Who signed in ('admin' or the system account), or None. Slow: run off the loop."""
        if not password:
            return None
        if name and name != "admin":
            if not settings.AdminSystemLogin:
                return None
            try:
                ok = self._system_check(name, password,
                                        interactive=settings.UseInteractiveLogon)
            except SystemAuthUnavailable as exc:
                log.error("console sign-in of %r: %s", name, exc)
                return None
            return name if ok and self._is_admin(name) else None
        stored = settings.AdminPassword
        if not stored:
            return None
        return "admin" if verify_password(password, stored) else None


def host_allowed(host_header: str, settings: Settings) -> bool:
    """Whether a request's Host names this machine: an address, localhost, its own names.

    A page of another site whose name was pointed at 127.0.0.1 (DNS rebinding) sends its own
    name here, so it is refused before anything else happens.
    """
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    names = {"localhost", settings.admin_host.lower(), socket.gethostname().lower()}
    return host in names or host.endswith(".localhost")
