"""Stored passwords: salted scrypt hashes, plus the original connector's legacy forms.

New passwords are stored as ``$scrypt$ln=15,r=8,p=1$<salt>$<hash>`` (base64). For compatibility
a stored 64-digit hex string is taken as an unsalted SHA-256 and anything else as plaintext;
both verify, and :func:`is_legacy` tells the caller to re-hash after a successful login.
Every comparison is constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SCRYPT_PREFIX = "$scrypt$"
MIN_LOG_N = 15
"""scrypt cost (log2 N) for new hashes; stored hashes below it are re-hashed on login."""
_R, _P = 8, 1
_SALT_BYTES, _HASH_BYTES = 16, 32
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_SCRYPT = re.compile(r"\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    n = 1 << log_n
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r + (1 << 20), dklen=_HASH_BYTES)


def hash_password(password: str, *, log_n: int | None = None) -> str:
    """A new salted scrypt hash of ``password`` to store."""
    log_n = log_n or MIN_LOG_N
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, log_n, _R, _P)
    return f"{SCRYPT_PREFIX}ln={log_n},r={_R},p={_P}${_b64(salt)}${_b64(digest)}"


def kind_of(stored: str) -> str:
    """'scrypt', 'sha256' (legacy hex) or 'plaintext' (legacy)."""
    if stored.startswith(SCRYPT_PREFIX):
        return "scrypt"
    if _HEX64.fullmatch(stored):
        return "sha256"
    return "plaintext"


def is_legacy(stored: str) -> bool:
    """Whether a stored password should be re-hashed with scrypt."""
    if kind_of(stored) != "scrypt":
        return True
    match = _SCRYPT.fullmatch(stored)
    return match is None or int(match.group(1)) < MIN_LOG_N


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored value (scrypt, SHA-256 hex or plaintext)."""
    if not stored:
        return False
    kind = kind_of(stored)
    if kind == "scrypt":
        match = _SCRYPT.fullmatch(stored)
        if match is None:
            return False
        log_n, r, p = (int(match.group(i)) for i in (1, 2, 3))
        if not (1 <= log_n <= 20 and 1 <= r <= 32 and 1 <= p <= 16):
            return False
        expected = _unb64(match.group(5))
        return hmac.compare_digest(_scrypt(password, _unb64(match.group(4)), log_n, r, p),
                                   expected)
    if kind == "sha256":
        digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, stored.lower())
    return hmac.compare_digest(password.encode("utf-8"), stored.encode("utf-8"))
