"""Stored passwords: salted scrypt hashes, plus the original connector's legacy forms.

New passwords are stored as ``$scrypt$ln=15,r=8,p=1$<salt>$<hash>`` (base64). For compatibility
with the original connector a stored 64-digit hex string is taken as an unsalted SHA-256 and a
value without any ``$`` as plaintext; both verify, and :func:`is_legacy` tells the caller to
re-hash after a successful login. A value with a ``$`` is a hash: one this module cannot read
(bcrypt, argon2, a damaged scrypt string) is *malformed* (:func:`problem`) — it never verifies,
and the settings holding it are refused — instead of passing as a plaintext password equal to
itself. Every comparison is constant-time.
"""

from __future__ import annotations

import base64
import binascii
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


def _scrypt(password: str, salt: bytes, log_n: int, r: int, p: int,
            dklen: int = _HASH_BYTES) -> bytes:
    n = 1 << log_n
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r + (1 << 20), dklen=dklen)


def hash_password(password: str, *, log_n: int | None = None) -> str:
    """A new salted scrypt hash of ``password`` to store."""
    log_n = log_n or MIN_LOG_N
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, log_n, _R, _P)
    return f"{SCRYPT_PREFIX}ln={log_n},r={_R},p={_P}${_b64(salt)}${_b64(digest)}"


def kind_of(stored: str) -> str:
    """'scrypt', 'sha256' (legacy hex), 'plaintext' (legacy, no ``$``) or 'malformed'."""
    if problem(stored) is not None:
        return "malformed"
    if stored.startswith(SCRYPT_PREFIX):
        return "scrypt"
    if _HEX64.fullmatch(stored):
        return "sha256"
    return "plaintext"


def _scrypt_parts(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    """(log N, r, p, salt, hash) of a well-formed scrypt string, else None."""
    match = _SCRYPT.fullmatch(stored)
    if match is None:
        return None
    log_n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    if not (1 <= log_n <= 20 and 1 <= r <= 32 and 1 <= p <= 16):
        return None
    try:
        salt, digest = _unb64(match.group(4)), _unb64(match.group(5))
    except (binascii.Error, ValueError):
        return None
    if len(salt) < 8 or not 16 <= len(digest) <= 64:
        return None
    return log_n, r, p, salt, digest


def problem(stored: str) -> str | None:
    """Why a stored password cannot be used, or None when it can."""
    if "$" not in stored:
        return None
    if not stored.startswith(SCRYPT_PREFIX):
        return ("not a hash this connector reads (only $scrypt$…); a plaintext password may "
                "not contain '$'")
    if _scrypt_parts(stored) is None:
        return "a malformed scrypt hash (its parameters, salt or hash cannot be read)"
    return None


def is_legacy(stored: str) -> bool:
    """Whether a stored password should be re-hashed with scrypt (a malformed one is not a
    legacy form: it is refused, see :func:`problem`)."""
    kind = kind_of(stored)
    if kind == "malformed":
        return False
    if kind != "scrypt":
        return True
    parts = _scrypt_parts(stored)
    return parts is None or parts[0] < MIN_LOG_N


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored value (scrypt, SHA-256 hex or plaintext);
    never for a malformed value."""
    if not stored:
        return False
    kind = kind_of(stored)
    if kind == "malformed":
        return False
    if kind == "scrypt":
        parts = _scrypt_parts(stored)
        if parts is None:
            return False
        log_n, r, p, salt, expected = parts
        return hmac.compare_digest(_scrypt(password, salt, log_n, r, p, len(expected)),
                                   expected)
    if kind == "sha256":
        digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
        return hmac.compare_digest(digest, stored.lower())
    return hmac.compare_digest(password.encode("utf-8"), stored.encode("utf-8"))
