"""Advanced tab API: every setting, the console password, the certificate, the service.

A save sends only the keys the person changed; they are checked one by one, then the whole
file is re-read under its lock, changed and checked again before it is replaced (so a change
the command line made meanwhile stays). What applies live is applied; the answer lists what
waits for a restart.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from typing import Any

from starlette.responses import JSONResponse, Response

from qbconnector.server.console.catalog import BY_KEY, describe
from qbconnector.server.console.control import Call, Handler, refused
from qbconnector.server.passwords import hash_password
from qbconnector.server.service import ServiceError, service_for
from qbconnector.server.settings import (
    Problem,
    SettingsError,
    coerce_setting,
    load_settings,
    read_raw,
    settings_from_dict,
    update_settings_file,
    warnings_for,
)
from qbconnector.server.tls import (
    CertificateError,
    describe_certificate,
    server_context,
    write_self_signed,
)

log = logging.getLogger("qbconnector.server")
SERVICE_ACTIONS = ("start", "stop", "auto", "manual")
SERVICE_STATES = ("active", "inactive", "failed", "activating", "deactivating", "reloading",
                  "unknown")
MIN_ADMIN_PASSWORD = 8


async def get_settings(call: Call) -> Response:
    path = call.control.settings_path
    try:
        raw = read_raw(path)
        settings = settings_from_dict(raw, str(path))
    except SettingsError as exc:
        return JSONResponse({"path": str(path), "groups": [], "problem": str(exc)})
    from qbconnector.server.console.api_status import restart_pending

    pending, _ = restart_pending(call)
    return JSONResponse({"path": str(path), "groups": describe(settings, set(raw)),
                         "restart_needed": pending,
                         "warnings": [{"key": p.key, "message": p.reason}
                                      for p in warnings_for(settings)]})


def _check_changes(values: dict[str, Any], unset: list[Any]) -> tuple[dict[str, str],
                                                                     dict[str, Any]]:
    errors: dict[str, str] = {}
    stored: dict[str, Any] = {}
    for key, value in values.items():
        entry = BY_KEY.get(key)
        if entry is None or entry.kind == "readonly":
            errors[key] = "This setting cannot be changed here."
            continue
        if entry.kind == "secret" and value in ("", None):
            continue                                # left as it is
        try:
            stored[key] = coerce_setting(key, value)
        except SettingsError as exc:
            errors[key] = "; ".join(p.reason for p in exc.problems)
    for key in unset:
        if not isinstance(key, str) or key not in BY_KEY or BY_KEY[key].kind == "readonly":
            errors[str(key)] = "This setting cannot be reset here."
    return errors, stored


def _would_serve(settings: Any) -> list[Problem]:
    """Problems that would keep the connector from starting with these settings."""
    file = settings.path
    problems = [p for p in warnings_for(settings) if not p.warning and p.key != "Users"]
    if settings.SSLEnabled and settings.SSLCertStore:
        try:
            server_context(settings.SSLCertStore, settings.SSLCertType,
                           settings.SSLCertPassword, settings.SSLCertSubject)
        except CertificateError as exc:
            problems.append(Problem(file, "SSLCertStore", str(exc)))
    return problems


async def save_settings(call: Call) -> Response:
    body = await call.json()
    values = body.get("values") if isinstance(body.get("values"), dict) else {}
    unset = body.get("unset") if isinstance(body.get("unset"), list) else []
    errors, stored = _check_changes(values, unset)
    if errors:
        return refused(errors)

    def change(raw: dict[str, Any]) -> None:
        raw.update(stored)
        for key in unset:
            raw.pop(key, None)
        candidate = settings_from_dict(copy.deepcopy(raw), str(call.control.settings_path))
        problems = _would_serve(candidate)
        if problems:
            raise SettingsError(problems)

    try:
        await asyncio.to_thread(update_settings_file, call.control.settings_path, change)
    except SettingsError as exc:
        return refused({p.key.partition(".")[0]: p.reason for p in exc.problems})
    except OSError as exc:
        return refused({"": f"The settings file could not be written: {exc}"}, 500)
    changed = sorted({*stored, *unset})
    log.info("console: %s changed %s", call.session.who, ", ".join(changed) or "nothing")
    pending = call.control.reload()
    return JSONResponse({"saved": changed, "restart_needed": pending})


async def set_admin_password(call: Call) -> Response:
    body = await call.json()
    password = body.get("password") if isinstance(body.get("password"), str) else ""
    again = body.get("password2") if isinstance(body.get("password2"), str) else ""
    if len(password) < MIN_ADMIN_PASSWORD:
        return refused({"admin_password": f"At least {MIN_ADMIN_PASSWORD} characters."})
    if password != again:
        return refused({"admin_password2": "The two passwords differ."})
    hashed = await asyncio.to_thread(hash_password, password)
    try:
        update_settings_file(call.control.settings_path,
                             lambda raw: raw.__setitem__("AdminPassword", hashed))
    except (SettingsError, OSError) as exc:
        return refused({"": f"Not saved: {exc}"})
    log.info("console: %s changed the console password", call.session.who)
    call.control.reload()
    return JSONResponse({"saved": ["AdminPassword"]})


async def certificate(call: Call) -> Response:
    try:
        settings = load_settings(call.control.settings_path)
    except SettingsError as exc:
        return JSONResponse({"configured": False, "error": str(exc)})
    if not settings.SSLCertStore:
        return JSONResponse({"configured": False, "enabled": settings.SSLEnabled})
    try:
        info = describe_certificate(settings.SSLCertStore, settings.SSLCertType,
                                    settings.SSLCertPassword)
    except CertificateError as exc:
        return JSONResponse({"configured": True, "enabled": settings.SSLEnabled,
                             "error": str(exc), "file": settings.SSLCertStore})
    return JSONResponse({"configured": True, "enabled": settings.SSLEnabled,
                         "file": settings.SSLCertStore, **info.as_dict()})


async def generate_certificate(call: Call) -> Response:
    body = await call.json()
    common_name = str(body.get("common_name") or "").strip()
    hosts = [h for h in re.split(r"[\s,]+", str(body.get("hosts") or "")) if h]
    try:
        days = int(body.get("days", 825))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 3650:
        return refused({"cert_days": "Between 1 and 3650 days."})
    out = call.control.settings_path.with_name("server.pem")
    files = await asyncio.to_thread(write_self_signed, out, common_name, hosts, days)
    log.info("console: %s generated a self-signed certificate %s (SHA-256 %s)",
             call.session.who, out, files.generated.fingerprint)
    if body.get("enable"):
        update_settings_file(call.control.settings_path, lambda raw: raw.update(
            SSLEnabled=True, SSLCertStore=str(out), SSLCertType="PEM"))
    else:
        update_settings_file(call.control.settings_path, lambda raw: raw.update(
            SSLCertStore=str(out), SSLCertType="PEM"))
    pending = call.control.reload()
    info = describe_certificate(str(out), "PEM")
    return JSONResponse({"file": str(out), "client_file": str(files.crt), **info.as_dict(),
                         "restart_needed": pending})


async def service_state(call: Call) -> Response:
    def read() -> dict[str, Any]:
        try:
            service = service_for(call.control.settings_path.resolve())
            state = service.action("state")
        except ServiceError as exc:
            return {"available": False, "state": "not available", "message": str(exc)}
        if state not in SERVICE_STATES:     # e.g. systemctl without a user session bus
            return {"available": False, "state": "not available",
                    "message": f"The service manager answered: {state}"}
        return {"available": True, "state": state, "actions": list(SERVICE_ACTIONS)}
    return JSONResponse(await asyncio.to_thread(read))


async def service_action(call: Call) -> Response:
    body = await call.json()
    action = body.get("action")
    if action not in SERVICE_ACTIONS:
        return refused({"": f"Choose one of {', '.join(SERVICE_ACTIONS)}."})

    def run() -> str:
        return service_for(call.control.settings_path.resolve()).action(str(action))
    try:
        message = await asyncio.to_thread(run)
    except ServiceError as exc:
        return refused({"": str(exc)})
    log.info("console: %s asked the service to %s", call.session.who, action)
    return JSONResponse({"message": message})


ROUTES: list[tuple[str, list[str], Handler]] = [
    ("/api/settings", ["GET"], get_settings),
    ("/api/settings", ["PUT"], save_settings),
    ("/api/admin-password", ["POST"], set_admin_password),
    ("/api/certificate", ["GET"], certificate),
    ("/api/certificate", ["POST"], generate_certificate),
    ("/api/service", ["GET"], service_state),
    ("/api/service", ["POST"], service_action),
]
