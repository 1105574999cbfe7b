"""Where a QuickBooks Online connection keeps its secrets: the OS keyring when one is usable
(optional dependency ``qbconnector[keyring]``), else a file only this user can read.

A connection's secrets are its client secret, refresh token and access token with their
expiry times. Every save replaces the whole entry at once (a new file renamed over the old
one; one keyring entry), so a rotated refresh token is either fully saved or not at all —
and it is saved before it is used. The lock file beside the tokens is what concurrent
processes take turns on when they refresh (:mod:`qbconnector.qbo.locks`).

``QBCONNECTOR_QBO_TOKEN_STORE=file`` (or ``keyring``) overrides the choice; a saved connection
remembers where its tokens went.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from qbconnector.errors import TargetError
from qbconnector.profiles import config_dir
from qbconnector.qbo.locks import file_lock

KEYRING_SERVICE = "qbconnector-qbo"
STORE_ENV = "QBCONNECTOR_QBO_TOKEN_STORE"
KINDS = ("keyring", "file")
EARLY = 120.0
"""Seconds before an access token's expiry when it is refreshed anyway (clocks differ)."""


@dataclass
class Tokens:
    """A connection's OAuth secrets and when they expire (seconds since the epoch)."""

    realm_id: str
    client_id: str
    client_secret: str
    refresh_token: str
    access_token: str = ""
    access_expires_at: float = 0.0
    refresh_expires_at: float | None = None
    refresh_hard_expires_at: float | None = None

    @classmethod
    def from_reply(cls, reply: dict[str, Any], *, realm_id: str, client_id: str,
                   client_secret: str, now: float | None = None) -> Tokens:
        """Tokens from a token endpoint reply (``expires_in`` and friends are durations)."""
        now = time.time() if now is None else now

        def after(key: str) -> float | None:
            value = reply.get(key)
            return now + float(value) if isinstance(value, int | float) else None

        return cls(realm_id, client_id, client_secret, str(reply["refresh_token"]),
                   str(reply["access_token"]), after("expires_in") or now,
                   after("x_refresh_token_expires_in"),
                   after("x_refresh_token_hard_expires_in"))

    def access_usable(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return bool(self.access_token) and self.access_expires_at - EARLY > now

    def refresh_usable(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return all(limit is None or limit > now
                   for limit in (self.refresh_expires_at, self.refresh_hard_expires_at))

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Tokens:
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def __repr__(self) -> str:   # never print a secret
        return f"<Tokens realm {self.realm_id}, client {self.client_id}>"


def tokens_dir() -> Path:
    return config_dir() / "qbo"


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", lambda m: f"%{ord(m.group()):02X}", name)


class TokenStore(ABC):
    """One connection's secrets (load, save, delete) and its refresh lock."""

    kind = ""

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def load(self) -> Tokens | None: ...

    @abstractmethod
    def save(self, tokens: Tokens) -> None: ...

    @abstractmethod
    def delete(self) -> bool: ...

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the tokens are, for messages (never the tokens themselves)."""

    def lock(self) -> AbstractContextManager[None]:
        """The lock processes take turns on while they refresh this connection's tokens."""
        folder = tokens_dir()
        _private_folder(folder)
        return file_lock(folder / f"{_file_name(self.name)}.lock")


class MemoryTokenStore(TokenStore):
    """Tokens held by the caller's program only (an app that stores them itself)."""

    kind = "memory"

    def __init__(self, tokens: Tokens | None = None, name: str = "memory") -> None:
        super().__init__(name)
        self.tokens = tokens

    def load(self) -> Tokens | None:
        return self.tokens

    def save(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def delete(self) -> bool:
        had, self.tokens = self.tokens is not None, None
        return had

    @property
    def where(self) -> str:
        return "memory"

    @contextmanager
    def _noop(self) -> Iterator[None]:
        yield

    def lock(self) -> AbstractContextManager[None]:
        return self._noop()


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if os.name != "nt":
        folder.chmod(0o700)


class FileTokenStore(TokenStore):
    """``<config>/qbo/NAME.json``, mode 0600 in a 0700 folder, replaced atomically."""

    kind = "file"

    @property
    def path(self) -> Path:
        return tokens_dir() / f"{_file_name(self.name)}.json"

    @property
    def where(self) -> str:
        return str(self.path)

    def load(self) -> Tokens | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return Tokens.from_json(text)
        except (ValueError, TypeError, KeyError):
            raise TargetError(f"{self.path} is not a token file (delete it and run "
                              f"qbconnector qbo login {self.name} again)") from None

    def save(self, tokens: Tokens) -> None:
        folder = self.path.parent
        _private_folder(folder)
        fd, partial = tempfile.mkstemp(prefix=".tokens-", dir=folder)   # created 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(tokens.to_json())
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, self.path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    def delete(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True


def _keyring() -> Any:
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def keyring_usable() -> bool:
    """Whether the keyring package is installed and has a backend that can store secrets."""
    keyring = _keyring()
    if keyring is None:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # a misconfigured keyring: not usable, the file store is used
        return False
    module = type(backend).__module__
    if module.endswith((".fail", ".null")):
        return False
    return getattr(backend, "priority", 1) > 0


class _Guarded:
    """The keyring module, its failures (no backend, a locked keyring) as TargetError."""

    def __init__(self, keyring: Any) -> None:
        self._keyring = keyring

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._keyring, name)

        def guarded(*args: Any) -> Any:
            from keyring.errors import KeyringError

            try:
                return call(*args)
            except KeyringError as exc:
                raise TargetError(f"the OS keyring cannot be used here ({type(exc).__name__}: "
                                  f"{exc}); log in with --token-store file") from None

        return guarded


class KeyringTokenStore(TokenStore):
    """Two entries of service ``qbconnector-qbo``: NAME (client secret, refresh token and
    expiries) and NAME/access (the access token, kept apart: some keyrings hold only short
    secrets)."""

    kind = "keyring"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        found = _keyring()
        if found is None:
            raise TargetError(f"the tokens of {name!r} are in the OS keyring, which needs the "
                              "keyring package: pip install 'qbconnector[keyring]'")
        self._keyring = _Guarded(found)

    @property
    def where(self) -> str:
        return f"the OS keyring (service {KEYRING_SERVICE!r}, entry {self.name!r})"

    def load(self) -> Tokens | None:
        main = self._keyring.get_password(KEYRING_SERVICE, self.name)
        if main is None:
            return None
        tokens = Tokens.from_json(main)
        access = self._keyring.get_password(KEYRING_SERVICE, self.name + "/access")
        if access:
            data = json.loads(access)
            if data.get("for") == tokens.refresh_token[-12:]:
                tokens.access_token = data.get("token", "")
                tokens.access_expires_at = float(data.get("expires", 0))
        return tokens

    def save(self, tokens: Tokens) -> None:
        lasting = Tokens(**{**asdict(tokens), "access_token": "", "access_expires_at": 0.0})
        self._keyring.set_password(KEYRING_SERVICE, self.name, lasting.to_json())
        self._keyring.set_password(KEYRING_SERVICE, self.name + "/access", json.dumps(
            {"token": tokens.access_token, "expires": tokens.access_expires_at,
             "for": tokens.refresh_token[-12:]}))

    def delete(self) -> bool:
        found = False
        for entry in (self.name, self.name + "/access"):
            if self._keyring.get_password(KEYRING_SERVICE, entry) is not None:
                self._keyring.delete_password(KEYRING_SERVICE, entry)
                found = True
        return found


def token_store(name: str, kind: str | None = None) -> TokenStore:
    """The store of connection ``name``: ``kind`` (keyring or file) as saved, else the
    environment's choice, else the keyring when usable, else the file."""
    chosen = kind or os.environ.get(STORE_ENV) or ("keyring" if keyring_usable() else "file")
    if chosen not in KINDS:
        raise TargetError(f"token store {chosen!r}: choose keyring or file")
    return KeyringTokenStore(name) if chosen == "keyring" else FileTokenStore(name)
