"""Saved connections (profiles), so code, the CLI and the connector can say ``"office"``.

A saved connection name is one of the targets every door takes (:mod:`qbconnector.targets`):
``connect("office")``, ``--connection office``, ``qbconnector serve --backend office``.

Profiles live in ``connections.toml`` in the user's config directory (``qbconnector
connections path`` prints it; ``QBCONNECTOR_CONFIG_DIR`` overrides it)::

    [connections.office]
    target = "https://sync@qb-office.example.com:8167"
    password_env = "QB_OFFICE_PASSWORD"     # or: password_keyring = true
    fingerprint = "3F:9A:..."               # pin the connector's certificate
    version = "13.0"

No secret needs to be stored in the file: the password comes from an environment variable
or from the operating system's keyring (service ``qbconnector``, user = the profile name,
optional dependency ``qbconnector[keyring]``).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from qbconnector.errors import TargetError

KEYRING_SERVICE = "qbconnector"
_SECRET_KEYS = ("password",)


class ProfileError(TargetError):
    """A saved connection that is missing or cannot be used."""


def config_dir() -> Path:
    override = os.environ.get("QBCONNECTOR_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir("qbconnector"))


def profiles_path() -> Path:
    return config_dir() / "connections.toml"


def load_profiles() -> dict[str, dict[str, Any]]:
    path = profiles_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: {exc}") from None
    profiles = data.get("connections", {})
    if not isinstance(profiles, dict):
        raise ProfileError(f"{path}: [connections] must be a table of profiles")
    return profiles


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def checked_name(name: str) -> str:
    """A profile name: letters, digits, ``-``, ``_``, ``.``, not a file name or URL (so
    ``connect("office")`` cannot be mistaken for a file)."""
    if not _NAME.match(name) or name.lower().endswith((".qbdb", ".qbw")):
        raise ProfileError(f"{name!r} cannot name a connection: use letters, digits, '-', "
                           "'_' and '.' (e.g. office, shop-2), not a file name or URL")
    return name


def checked_target(target: str) -> str:
    """A profile's target as it will be used from any folder: URLs as given, a company file
    as an absolute path."""
    target = target.strip()
    if not target:
        raise ProfileError("give the target: a company file, https://host:port or com://")
    if "://" in target:
        return target
    return str(Path(target).expanduser().resolve())


def _checked_options(options: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in options.items() if v is not None and v != ""}
    if "fingerprint" in out:
        from qbconnector.remote.tls import format_fingerprint, normalize_fingerprint

        try:
            out["fingerprint"] = format_fingerprint(normalize_fingerprint(out["fingerprint"]))
        except ValueError as exc:
            raise ProfileError(str(exc)) from None
    if "version" in out:
        from qbconnector.qbxml.spec import load

        out["version"] = load().check_version(str(out["version"]))
    if "password_env" in out and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$",
                                              out["password_env"]):
        raise ProfileError(f"{out['password_env']!r} is not an environment variable name")
    return out


def save_profile(name: str, target: str, **options: Any) -> Path:
    """Add or replace a profile (atomically); refuses plaintext passwords, names that read
    as files, fingerprints that are not SHA-256 and unknown qbXML versions; a company file
    is stored as an absolute path."""
    if "password" in options:
        raise ProfileError("profiles do not store passwords: use password_env or "
                           "password_keyring = true")
    name = checked_name(name)
    target = checked_target(target)
    checked = _checked_options(options)
    profiles = load_profiles()
    profiles[name] = {"target": target, **checked}
    path = profiles_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text(tomli_w.dumps({"connections": profiles}), encoding="utf-8")
    os.replace(temporary, path)
    return path


def remove_profile(name: str) -> bool:
    """Remove a profile (atomically); False when there was none of that name."""
    profiles = load_profiles()
    if name not in profiles:
        return False
    del profiles[name]
    path = profiles_path()
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text(tomli_w.dumps({"connections": profiles}), encoding="utf-8")
    os.replace(temporary, path)
    return True


def _secret(name: str, profile: dict[str, Any]) -> str | None:
    env = profile.get("password_env")
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ProfileError(f"profile {name!r} takes its password from ${env}, which is "
                               "not set")
        return value
    if profile.get("password_keyring"):
        try:
            import keyring
            from keyring.errors import KeyringError
        except ImportError:
            raise ProfileError("password_keyring needs the keyring package: pip install "
                               "'qbconnector[keyring]'") from None
        try:
            value = keyring.get_password(KEYRING_SERVICE, name)
        except KeyringError as exc:     # installed, but no backend on this machine
            raise ProfileError(f"password_keyring: the OS keyring cannot be used here "
                               f"({type(exc).__name__}); install a keyring backend or use "
                               "password_env") from None
        if value is None:
            raise ProfileError(f"no password for {name!r} in the keyring (service "
                               f"{KEYRING_SERVICE!r})")
        return value
    return None


def resolve(target: str) -> tuple[str, dict[str, Any]]:
    """A connect string, or a profile name turned into its target and options."""
    if "://" in target or Path(target).exists() or target.endswith((".qbdb", ".qbw")):
        return target, {}
    profiles = load_profiles()
    if target not in profiles:
        known = ", ".join(sorted(profiles)) or "none saved"
        raise ProfileError(f"{target!r} is neither a company file, a URL nor a saved "
                           f"connection ({known}; file: {profiles_path()})")
    profile = dict(profiles[target])
    real_target = profile.pop("target", None)
    if not real_target:
        raise ProfileError(f"profile {target!r} has no target")
    password = _secret(target, profile)
    profile.pop("password_env", None)
    profile.pop("password_keyring", None)
    if password is not None:
        profile["password"] = password
    return real_target, profile
