"""Status tab API: the connector's state, the live activity log, Test Connection, restart."""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse, PlainTextResponse, Response

from qbconnector.server.admin import AdminError, edit_user
from qbconnector.server.console.control import Call, Handler, refused
from qbconnector.server.console.logfeed import as_text
from qbconnector.server.probe import options_for
from qbconnector.server.reload import needs_restart
from qbconnector.server.settings import LOG_LEVELS, SettingsError, load_settings

log = logging.getLogger("qbconnector.server")
SEVERITY = {"verbose": 0, "info": 1, "warning": 2, "error": 3}


def restart_pending(call: Call) -> tuple[list[str], str]:
    """Keys of the settings file that wait for a restart, and the file's problem if any."""
    try:
        on_file = load_settings(call.control.settings_path)
    except SettingsError as exc:
        return [], str(exc)
    return needs_restart(call.control.in_force(), on_file), ""


async def status(call: Call) -> Response:
    settings = call.control.in_force()
    pending, problem = restart_pending(call)
    snapshot = call.control.state.snapshot()
    snapshot.update({
        "settings_file": str(call.control.settings_path),
        "log_level": LOG_LEVELS.get(settings.LogLevel, str(settings.LogLevel)),
        "log_files": settings.LogEnabled,
        "users": len(settings.Users),
        "restart_needed": pending,
        "settings_problem": problem,
        "signed_in_as": call.session.who,
    })
    return JSONResponse(snapshot)


async def log_lines(call: Call) -> Response:
    try:
        after = int(call.request.query_params.get("after", "0"))
    except ValueError:
        after = 0
    lines = call.control.log_feed.after(after)
    return JSONResponse({"lines": lines})


async def log_clear(call: Call) -> Response:
    next_id = call.control.log_feed.clear()
    return JSONResponse({"next": next_id})


async def log_download(call: Call) -> Response:
    level = call.request.query_params.get("level", "")
    user = call.request.query_params.get("user", "")
    lines = [line for line in call.control.log_feed.after(0, limit=10**6)
             if SEVERITY.get(line["level"], 0) >= SEVERITY.get(level, 0)
             and (not user or line["user"] == user)]
    return PlainTextResponse(as_text(lines), headers={
        "content-disposition": 'attachment; filename="qbconnector-log.txt"'})


async def test_connection(call: Call) -> Response:
    """Open a user's company file as that user would ({"user": NAME}), or with no user's
    own options (the Advanced tab's button); a user's Authorized flag follows the answer."""
    body = await call.json()
    name = body.get("user") if isinstance(body.get("user"), str) else None
    try:
        settings = load_settings(call.control.settings_path)
    except SettingsError as exc:
        return refused({"": str(exc)})
    user = settings.Users.get(name) if name else None
    if name and user is None:
        return refused({"": f"There is no user {name}."}, 404)
    options = options_for(settings, user, call.control.state.default_company)
    result = await call.control.test_connection(options, name)
    log.info("console: test connection%s to %s: %s", f" as {name}" if name else "",
             options.company_file or "(the open company file)",
             "ok" if result.ok else f"{result.hresult} {result.message}")
    if user is not None and result.ok and result.authorized != user.Authorized:
        try:
            edit_user(call.control.settings_path, user.name, authorized=result.authorized)
        except (AdminError, SettingsError, OSError) as exc:
            log.warning("console: could not record Authorized for %s: %s", user.name, exc)
    return JSONResponse(result.as_dict())


async def restart(call: Call) -> Response:
    log.info("console: restart asked by %s", call.session.who)
    call.control.restart()
    return JSONResponse({"restarting": True})


ROUTES: list[tuple[str, list[str], Handler]] = [
    ("/api/status", ["GET"], status),
    ("/api/log", ["GET"], log_lines),
    ("/api/log/clear", ["POST"], log_clear),
    ("/api/log.txt", ["GET"], log_download),
    ("/api/test-connection", ["POST"], test_connection),
    ("/api/restart", ["POST"], restart),
]
