"""Web Connector users in the settings file (``[WebConnector.Users.NAME]``) and the ``.QWC``
file each one's Web Connector loads.

Passwords are stored hashed like the connector users'; ``OwnerID`` and ``FileID`` are made when
the user is added and kept, since QuickBooks knows the application by them.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from qbconnector.qbwc_wire.qwc import QWC, QWCError, is_loopback
from qbconnector.server.admin import AdminError
from qbconnector.server.passwords import hash_password, kind_of
from qbconnector.server.qbwc.backend import PATH
from qbconnector.server.settings import Settings, update_settings_file


def new_guid() -> str:
    return "{" + str(uuid.uuid4()).upper() + "}"


def _users(raw: dict[str, Any]) -> dict[str, Any]:
    return raw.setdefault("WebConnector", {}).setdefault("Users", {})


def add_user(path: str | Path, name: str, password: str, company_file: str = "") -> Settings:
    """Add Web Connector user ``name`` (the password in clear; it is stored hashed)."""
    def change(raw: dict[str, Any]) -> None:
        users = _users(raw)
        if name in users:
            raise AdminError(f"Web Connector user {name} exists")
        table = {"Password": hash_password(password), "OwnerID": new_guid(),
                 "FileID": new_guid()}
        if company_file:
            table["CompanyFile"] = company_file
        users[name] = table

    return update_settings_file(path, change)


def edit_user(path: str | Path, name: str, *, password: str | None = None,
              company_file: str | None = None) -> Settings:
    """Change only what is given ('' as company file: the file open in QuickBooks)."""
    def change(raw: dict[str, Any]) -> None:
        table = raw.get("WebConnector", {}).get("Users", {}).get(name)
        if table is None:
            raise AdminError(f"no Web Connector user {name}")
        if password is not None:
            table["Password"] = hash_password(password)
        if company_file:
            table["CompanyFile"] = company_file
        elif company_file is not None:
            table.pop("CompanyFile", None)
        table.setdefault("OwnerID", new_guid())
        table.setdefault("FileID", new_guid())

    return update_settings_file(path, change)


def remove_user(path: str | Path, name: str) -> Settings:
    def change(raw: dict[str, Any]) -> None:
        users = raw.get("WebConnector", {}).get("Users", {})
        if name not in users:
            raise AdminError(f"no Web Connector user {name}")
        del users[name]

    return update_settings_file(path, change)


def user_rows(settings: Settings) -> list[dict[str, Any]]:
    """One row per Web Connector user; the password appears only as its storage kind."""
    return [{"user": user.name, "password": kind_of(user.Password),
             "company_file": user.CompanyFile, "owner_id": user.OwnerID,
             "file_id": user.FileID} for user in settings.WebConnectorUsers.values()]


def service_url(settings: Settings) -> str:
    """Where a Web Connector reaches this connector's service: WebConnectorURL, else the
    connector's own address (its host when it listens on every interface)."""
    if settings.WebConnectorURL.strip():
        return settings.WebConnectorURL.strip()
    host = settings.bind_host
    if host in ("0.0.0.0", "::"):   # noqa: S104 - naming the wildcard, not binding it
        import socket

        host = socket.gethostname()
    shown = f"[{host}]" if ":" in host else host
    scheme = "https" if settings.SSLEnabled else "http"
    return f"{scheme}://{shown}:{settings.Port}{PATH}"


def qwc_for(settings: Settings, name: str, *, url: str | None = None,
            app_name: str = "qbconnector", every_seconds: int = 60, pos: bool = False,
            read_only: bool = False) -> QWC:
    """The ``.QWC`` file of Web Connector user ``name`` (QWCError when it cannot be made:
    an unknown user, http to another machine)."""
    user = settings.WebConnectorUsers.get(name)
    if user is None:
        known = ", ".join(settings.WebConnectorUsers) or "none"
        raise QWCError(f"no Web Connector user {name!r} in {settings.path or 'the settings'} "
                       f"(users: {known}); add one: qbconnector qbwc users add {name}")
    if not user.OwnerID or not user.FileID:
        raise QWCError(f"Web Connector user {name!r} has no OwnerID/FileID yet")
    address = url or service_url(settings)
    company = user.CompanyFile or "the company file open in QuickBooks"
    where = "this machine" if _loopback(address) else address
    return QWC(app_name=app_name, app_url=address, user_name=name, owner_id=user.OwnerID,
               file_id=user.FileID, app_description=f"qbconnector on {where}: requests for "
                                                    f"{company}",
               app_support=address + "?support", qb_type="QBPOS" if pos else "QBFS",
               run_every_seconds=every_seconds, read_only=read_only).check()


def _loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    return is_loopback(urlsplit(url).hostname or "")
