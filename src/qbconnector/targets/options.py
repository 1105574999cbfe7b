"""Options of connect strings: their names and spellings, how values are read, which backend
takes which, and how they split into :class:`SessionOptions` and backend settings.

Options come as keyword arguments or, in a URL, in the query string (keyword arguments win);
query values are percent-decoded (``+`` stays ``+``; write ``%26`` for ``&``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from qbconnector.errors import TargetError
from qbconnector.qbxml.session import CONNECTION_MODES, SessionOptions

PASSWORD_ENV = "QBCONNECTOR_PASSWORD"  # noqa: S105 - the variable's name, not a secret

# query-string and keyword spellings -> canonical option names
ALIASES = {
    "company": "company_file", "app": "app_name", "mode": "connection_mode",
    "practice": "pos_practice", "readonly": "read_only", "delay": "delay_after_open_ms",
}
SESSION_FIELDS = frozenset(f.name for f in dataclasses.fields(SessionOptions)) - {"keep_open"}
COMMON = frozenset({"app_name", "app_id", "read_only", "pos", "pos_practice", "pos_version"})
BOOLS = frozenset({"read_only", "pos", "pos_practice", "unattended", "insecure", "persistent",
                   "worker"})
KEYWORD_ONLY = frozenset({"password", "options"})


def canonical(name: str) -> str:
    return ALIASES.get(name.lower(), name.lower())


def query_options(query: str, where: str) -> dict[str, str]:
    """The options of a URL's query string (``a=1&b``: b is true)."""
    found: dict[str, str] = {}
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = canonical(unquote(name))
        if name in KEYWORD_ONLY:
            raise TargetError(f"{where}: {name!r} cannot go in the query string"
                              + (f" (use user:password@host, password_env=VARIABLE or "
                                 f"{PASSWORD_ENV})" if name == "password" else ""))
        found[name] = unquote(value) if sep else "1"
    return found


def parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise TargetError(f"option {name}: {value!r} is not true/false (1/0, yes/no)")


def _parse_mode(value: Any) -> str:
    wanted = str(value).strip().lower().replace("_", "").replace("-", "")
    for mode in CONNECTION_MODES:
        if mode.lower() == wanted:
            return mode
    raise TargetError(f"option mode: {value!r} is not one of single, multi, dontcare")


def _convert(name: str, value: Any) -> Any:
    if name in BOOLS:
        return parse_bool(name, value)
    if name == "connection_mode":
        return _parse_mode(value)
    try:
        if name == "auth_flags" and not isinstance(value, int):
            return int(str(value), 0)
        if name == "timeout" and value is not None and not isinstance(value, int | float):
            return float(value)
        if name == "delay_after_open_ms" and not isinstance(value, int):
            return int(str(value))
    except ValueError:
        raise TargetError(f"option {name}: {value!r} is not a number") from None
    return value


def gather(kind: str, allowed: frozenset[str], query: Mapping[str, str],
           keywords: Mapping[str, Any]) -> tuple[SessionOptions, dict[str, Any]]:
    """Merge query and keyword options; split into SessionOptions and backend settings."""
    base = keywords.get("options")
    if base is not None and not isinstance(base, SessionOptions):
        raise TargetError("options= must be a SessionOptions")
    merged: dict[str, Any] = dict(query)
    for name, value in keywords.items():
        if name != "options" and value is not None:
            merged[canonical(name)] = value
    unknown = sorted(set(merged) - allowed)
    if unknown:
        raise TargetError(f"{kind} targets take no option {', '.join(unknown)} "
                          f"(options: {', '.join(sorted(allowed))})")
    values = {name: _convert(name, value) for name, value in merged.items()}
    session_values = {k: v for k, v in values.items() if k in SESSION_FIELDS}
    extra = {k: v for k, v in values.items() if k not in SESSION_FIELDS}
    options = dataclasses.replace(base or SessionOptions(), **session_values)
    return options, extra


def for_server(server: SessionOptions, target: SessionOptions) -> SessionOptions:
    """A server's options for one request, completed by the connect string's: its company file
    when the server names none, and read-only when the connect string asks for it."""
    return dataclasses.replace(server, company_file=server.company_file or target.company_file,
                               read_only=server.read_only or target.read_only)
