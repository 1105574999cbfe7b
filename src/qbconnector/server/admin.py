"""Administering a connector's settings file: users, a masked view, the demo setup.

What ``qbconnector users|config|serve --demo`` do, as functions: every change goes through
:func:`update_settings_file` (checked, atomic, locked), so the command line stays a thin layer
and other programs can manage users the same way.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbconnector.errors import QBConnectorError
from qbconnector.qbxml.session import CONNECTION_MODES
from qbconnector.server.passwords import hash_password, kind_of
from qbconnector.server.settings import (
    SECRET_KEYS,
    SETTING_KEYS,
    Settings,
    update_settings_file,
)
from qbconnector.wire import mask_url


class AdminError(QBConnectorError, ValueError):
    """A change that cannot be made (unknown user, user exists...)."""


def _apply(table: dict[str, Any], *, password: str | None = None, read_only: bool | None = None,
           company_file: str | None = None, app_name: str | None = None,
           auth: str | None = None, connection_mode: str | None = None,
           authorized: bool | None = None) -> None:
    if auth is not None:
        if auth not in ("basic", "system"):
            raise AdminError(f"auth must be basic or system, not {auth!r}")
        table["AuthMode"] = 1 if auth == "system" else 0
    if password is not None:
        table["Password"] = hash_password(password)
    if read_only is not None:
        table["ReadOnly"] = read_only
    for key, value in (("CompanyFile", company_file), ("AppName", app_name)):
        if value:
            table[key] = value
        elif value is not None:        # '' = back to the default
            table.pop(key, None)
    if connection_mode is not None:
        modes = {m.lower(): m for m in CONNECTION_MODES}
        if connection_mode.lower() not in modes:
            raise AdminError(f"connection mode must be one of {', '.join(CONNECTION_MODES)}")
        table["ConnectionMode"] = modes[connection_mode.lower()]
    if authorized is not None:
        table["Authorized"] = authorized
    if table.get("AuthMode") == 1:
        table.pop("Password", None)


def add_user(path: str | Path, name: str, **options: Any) -> Settings:
    """Add user ``name`` (options as for :func:`edit_user`, ``password`` in clear)."""
    if ":" in name or not name.strip():
        raise AdminError("a user name must be non-empty and have no ':'")

    def change(raw: dict[str, Any]) -> None:
        users = raw.setdefault("Users", {})
        if name in users:
            raise AdminError(f"user {name} exists")
        table: dict[str, Any] = {}
        _apply(table, **options)
        users[name] = table

    return update_settings_file(path, change)


def edit_user(path: str | Path, name: str, **options: Any) -> Settings:
    """Change only the given options of user ``name``."""
    def change(raw: dict[str, Any]) -> None:
        table = raw.get("Users", {}).get(name)
        if table is None:
            raise AdminError(f"no user {name}")
        _apply(table, **options)

    return update_settings_file(path, change)


def remove_user(path: str | Path, name: str) -> Settings:
    def change(raw: dict[str, Any]) -> None:
        if name not in raw.get("Users", {}):
            raise AdminError(f"no user {name}")
        del raw["Users"][name]

    return update_settings_file(path, change)


def user_rows(settings: Settings) -> list[dict[str, Any]]:
    """One row per user for listings; passwords appear only as their storage kind."""
    return [{
        "user": user.name,
        "auth": "system" if user.system_auth else "basic",
        "password": "-" if user.system_auth else kind_of(user.Password),
        "company_file": user.CompanyFile,
        "app_name": user.AppName,
        "read_only": user.ReadOnly,
        "connection_mode": user.ConnectionMode,
        "authorized": user.Authorized,
    } for user in settings.Users.values()]


def masked_view(settings: Settings) -> dict[str, Any]:
    """Every setting in force, secrets replaced by ******** and passwords by their kind."""
    out: dict[str, Any] = {}
    for key in SETTING_KEYS:
        value = getattr(settings, key)
        out[key] = "********" if key in SECRET_KEYS and value else value
    out["AuthFlags"] = f"0x{settings.AuthFlags:X}"
    out["Backend"] = mask_url(settings.Backend)
    out["Users"] = {}
    for user in settings.Users.values():
        table = {k: getattr(user, k) for k in ("AuthMode", "CompanyFile", "AppName", "ReadOnly",
                                              "ConnectionMode", "Authorized")}
        if not user.system_auth:
            table["Password"] = f"<{kind_of(user.Password)} hash>"
        out["Users"][user.name] = table
    if settings.WebConnectorUsers:
        out["WebConnector"] = {"Users": {
            user.name: {"Password": f"<{kind_of(user.Password)} hash>",
                        "CompanyFile": user.CompanyFile, "OwnerID": user.OwnerID,
                        "FileID": user.FileID}
            for user in settings.WebConnectorUsers.values()}}
    return out


# -- the demo -----------------------------------------------------------------------------------
DEMO_USER = "demo"
DEMO_REQUEST = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
                'onError="stopOnError"><HostQueryRq requestID="1"/></QBXMLMsgsRq></QBXML>')


@dataclass(frozen=True)
class Demo:
    """A demo set up in a folder: its company file, settings and the one-time password."""

    company: Path
    settings_path: Path
    settings: Settings
    password: str
    admin_password: str = ""


def prepare_demo(folder: Path, create_sample: Callable[[Path], Any],
                 settings_path: Path | None = None) -> Demo:
    """Create the sample company (first time only) and give the demo user a new password."""
    folder.mkdir(parents=True, exist_ok=True)
    company = folder / "sample.qbdb"
    if not company.exists():
        create_sample(company)
    password = secrets.token_urlsafe(12)
    admin_password = secrets.token_urlsafe(12)
    path = settings_path or folder / "connector.toml"

    def change(raw: dict[str, Any]) -> None:
        raw.setdefault("LocalHost", "127.0.0.1")
        raw["AdminPassword"] = hash_password(admin_password)
        raw.setdefault("Users", {})[DEMO_USER] = {"Password": hash_password(password),
                                                  "CompanyFile": str(company)}

    return Demo(company, path, update_settings_file(path, change), password, admin_password)


def set_admin_password(path: str | Path, password: str) -> Settings:
    """Store the admin console's password (as a scrypt hash, like user passwords)."""
    if not password:
        raise AdminError("the console password cannot be empty")
    hashed = hash_password(password)
    return update_settings_file(path, lambda raw: raw.__setitem__("AdminPassword", hashed))


def curl_command(url: str, user: str, password: str, insecure: bool = False) -> str:
    """A ready-to-paste curl line sending a HostQuery to the connector."""
    parts = ["curl", "-sS", "-u", f"{user}:{password}", "-H", "Content-Type: text/xml",
             "--data-binary", DEMO_REQUEST]
    if insecure:
        parts.append("-k")
    return shlex.join([*parts, url])
