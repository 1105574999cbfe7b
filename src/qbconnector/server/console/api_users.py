"""Users tab API: the users of the settings file with their live activity; add, edit, delete.

Changes go through :mod:`qbconnector.server.admin`, exactly as ``qbconnector users`` makes them
(checked, atomic, under the file's lock). Passwords are entered twice and never sent back.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from starlette.responses import JSONResponse, Response

from qbconnector.qbxml.session import CONNECTION_MODES
from qbconnector.server.admin import AdminError, add_user, edit_user, remove_user, user_rows
from qbconnector.server.console.control import Call, Handler, refused
from qbconnector.server.settings import SettingsError, load_settings

log = logging.getLogger("qbconnector.server")
MAX_NAME = 128
_FIELD_OF_KEY = {"Password": "password", "CompanyFile": "company_file", "AppName": "app_name",
                 "ConnectionMode": "connection_mode", "AuthMode": "auth", "ReadOnly": "read_only"}


async def list_users(call: Call) -> Response:
    try:
        settings = load_settings(call.control.settings_path)
    except SettingsError as exc:
        return JSONResponse({"users": [], "problem": str(exc)})
    rows = user_rows(settings)
    for row in rows:
        row.update(call.control.state.user_activity(row["user"]))
    return JSONResponse({"users": rows, "connection_modes": list(CONNECTION_MODES)})


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


def check_user_form(body: dict[str, Any], *, adding: bool, existing: set[str],
                    current_auth: str = "basic") -> tuple[dict[str, str], dict[str, Any]]:
    """Field errors and the options for :func:`add_user` / :func:`edit_user`."""
    errors: dict[str, str] = {}
    name = _text(body, "name")
    if adding:
        if not name.strip():
            errors["name"] = "Enter a user name."
        elif ":" in name:
            errors["name"] = "A user name cannot contain ':' (it separates name and password)."
        elif len(name) > MAX_NAME:
            errors["name"] = f"At most {MAX_NAME} characters."
        elif any(unicodedata.category(c).startswith("C") for c in name):
            errors["name"] = "A user name cannot contain control characters."
        elif name in existing:
            errors["name"] = f"There is already a user {name}."
    auth = _text(body, "auth") or current_auth
    if auth not in ("basic", "system"):
        errors["auth"] = "Choose basic or system."
    password, again = _text(body, "password"), _text(body, "password2")
    needs_password = auth == "basic" and (adding or current_auth != "basic")
    if auth == "basic":
        if not password and needs_password:
            errors["password"] = "Enter a password (basic authentication checks it)."  # noqa: S105
        elif password != again:
            errors["password2"] = "The two passwords differ."
    mode = _text(body, "connection_mode") or "DontCare"
    if mode not in CONNECTION_MODES:
        errors["connection_mode"] = f"Choose one of {', '.join(CONNECTION_MODES)}."
    options: dict[str, Any] = {
        "auth": auth, "read_only": bool(body.get("read_only")),
        "company_file": _text(body, "company_file").strip(),
        "app_name": _text(body, "app_name").strip(), "connection_mode": mode,
        "password": password if auth == "basic" and password else None,
    }
    if not adding and "authorized" in body:
        options["authorized"] = bool(body.get("authorized"))
    if adding:      # write only what differs from the defaults, as the command line does
        options = {k: v for k, v in options.items()
                   if v not in ("", None, False) and (k, v) not in (("auth", "basic"),
                                                                   ("connection_mode",
                                                                    "DontCare"))}
    return errors, options


def _settings_errors(exc: SettingsError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in exc.problems:
        key = problem.key.rpartition(".")[2]
        errors[_FIELD_OF_KEY.get(key, "")] = problem.reason
    return errors


async def _save(call: Call, action: Any, name: str, options: dict[str, Any]) -> Response:
    try:
        action(call.control.settings_path, name, **options)
    except AdminError as exc:
        return refused({"name" if "user" in str(exc) else "": str(exc)})
    except SettingsError as exc:
        return refused(_settings_errors(exc))
    except OSError as exc:
        return refused({"": f"The settings file could not be written: {exc}"}, 500)
    call.control.reload()
    return JSONResponse({"saved": name})


async def create_user(call: Call) -> Response:
    body = await call.json()
    existing = _existing(call)
    errors, options = check_user_form(body, adding=True, existing=existing)
    if errors:
        return refused(errors)
    name = _text(body, "name")
    log.info("console: %s added user %s", call.session.who, name)
    return await _save(call, add_user, name, options)


async def change_user(call: Call) -> Response:
    name = call.request.path_params["name"]
    body = await call.json()
    try:
        settings = load_settings(call.control.settings_path)
    except SettingsError as exc:
        return refused({"": str(exc)})
    user = settings.Users.get(name)
    if user is None:
        return refused({"": f"There is no user {name} (any more)."}, 404)
    errors, options = check_user_form(body, adding=False, existing=set(settings.Users),
                                      current_auth="system" if user.system_auth else "basic")
    if errors:
        return refused(errors)
    log.info("console: %s changed user %s", call.session.who, name)
    return await _save(call, edit_user, name, options)


async def delete_user(call: Call) -> Response:
    name = call.request.path_params["name"]
    try:
        remove_user(call.control.settings_path, name)
    except AdminError as exc:
        return refused({"": str(exc)}, 404)
    except SettingsError as exc:
        return refused({"": str(exc)})
    log.info("console: %s removed user %s", call.session.who, name)
    call.control.reload()
    return JSONResponse({"removed": name})


def _existing(call: Call) -> set[str]:
    try:
        return set(load_settings(call.control.settings_path).Users)
    except SettingsError:
        return set()


ROUTES: list[tuple[str, list[str], Handler]] = [
    ("/api/users", ["GET"], list_users),
    ("/api/users", ["POST"], create_user),
    ("/api/users/{name:path}", ["PUT"], change_user),
    ("/api/users/{name:path}", ["DELETE"], delete_user),
]
