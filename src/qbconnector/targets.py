"""Connect strings: one string (plus keyword options) picks the backend and makes its Session.

=====================================================  =========================================
``shop.qbdb``, ``/path/to/file``, ``file:///path``     a sandbox company file (must exist)
``http(s)://[user[:password]@]host[:port][/?opts]``    a remote connector (RemoteSession)
``com://[?company=C:\\...&app=MyApp&mode=multi]``      QuickBooks on this Windows machine (COM)
=====================================================  =========================================

Options come as keyword arguments or, for URLs, in the query string (keyword arguments win);
query values are percent-decoded (``+`` stays ``+``; write ``%26`` for ``&``). Names:

- every backend: ``app`` (app_name), ``app_id``, ``read_only``, ``pos``, ``pos_practice``,
  ``pos_version``, and ``options`` (a SessionOptions to start from; keyword arguments only);
- COM: ``company`` (company_file), ``mode`` (connection_mode: single, multi, dontcare),
  ``auth_flags``, ``unattended``; keyword ``dispatch`` (a COM dispatcher, for tests);
- remote: ``user``, ``password`` (keyword only, never in a query string), ``ca_file``,
  ``fingerprint``, ``insecure``, ``persistent``, ``timeout`` (seconds),
  ``delay_after_open_ms``. With a user and no password, the password is taken from the
  environment variable ``QBCONNECTOR_PASSWORD``. ``persistent`` defaults to true (the
  connector keeps QuickBooks open between requests, so query iterators work, as the records
  API's paging needs); :func:`session_factory` defaults it to false.

Backends are imported only when a string names them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from qbconnector.qbxml.session import CONNECTION_MODES, Session, SessionFactory, SessionOptions

PASSWORD_ENV = "QBCONNECTOR_PASSWORD"  # noqa: S105 - the variable's name, not a secret
SANDBOX_SUFFIX = ".qbdb"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")

# query-string and keyword spellings -> canonical option names
_ALIASES = {
    "company": "company_file", "app": "app_name", "mode": "connection_mode",
    "practice": "pos_practice", "readonly": "read_only", "delay": "delay_after_open_ms",
}
_SESSION_FIELDS = {f.name for f in dataclasses.fields(SessionOptions)}
_COMMON = {"app_name", "app_id", "read_only", "pos", "pos_practice", "pos_version"}
_COM_ONLY = {"company_file", "connection_mode", "auth_flags", "unattended", "dispatch"}
_REMOTE_ONLY = {"user", "password", "ca_file", "fingerprint", "insecure", "persistent",
                "timeout", "delay_after_open_ms"}
_BOOLS = {"read_only", "pos", "pos_practice", "unattended", "insecure", "persistent"}
_KEYWORD_ONLY = {"password", "dispatch", "options"}


class TargetError(ValueError):
    """A connect string or option that names no usable backend; the message says what to write."""


def describe(target: str | os.PathLike[str]) -> str:
    """The connect string for messages and logs: a URL's password replaced by ``***``."""
    text = os.fspath(target)
    parts = urlsplit(text) if "://" in text else None
    if parts is None or parts.password is None:
        return text
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def make_session(target: str | os.PathLike[str], **options: Any) -> Session:
    """The Session a connect string names, not opened yet (see the module doc for options)."""
    return _make(target, options, persistent=True)


def _make(target: str | os.PathLike[str], options: Mapping[str, Any], *,
          persistent: bool) -> Session:
    text = os.fspath(target).strip()
    if not text:
        raise TargetError("empty connect string: give a sandbox file (shop.qbdb), "
                          "https://user@host:8167 or com://")
    match = _SCHEME.match(text)
    scheme = match.group(1).lower() if match and len(match.group(1)) > 1 else ""
    if scheme in ("http", "https"):
        return _remote(text, options, persistent)
    if scheme == "com":
        return _com(text, options)
    if scheme == "file":
        return _sandbox(_file_url_path(text), options)
    if scheme:
        raise TargetError(f"unknown connect string scheme {scheme!r} in {describe(text)!r}: "
                          "use a sandbox file path, http://, https:// or com://")
    return _sandbox(Path(text).expanduser(), options)


def open_session(target: str | os.PathLike[str], **options: Any) -> Session:
    """The Session a connect string names, opened (close it, or use it in a ``with`` block)."""
    session = make_session(target, **options)
    try:
        session.open()
    except BaseException:
        with contextlib.suppress(Exception):   # the open error is the one to report
            session.close()
        raise
    return session


def session_factory(target: str | os.PathLike[str], **options: Any) -> SessionFactory:
    """A session factory for a server (``qbconnector serve``) over the target's backend.

    Each session gets the options the server asks for (its user's company file, application
    name, read-only, connection mode, Point of Sale); a sandbox target is always its own
    company file, and a COM target's ``company`` is used when the server names none. For a
    remote target (a relay) the sessions share one keep-alive connection pool, which the
    factory's ``close()`` closes (call it when the server stops).
    """
    text = os.fspath(target)
    probe = _make(text, options, persistent=False)   # checks the target and options now
    kind = _kind(text)
    if kind == "remote":
        return _RemoteFactory(probe)
    fixed = probe.options.company_file   # type: ignore[attr-defined]
    dispatch = options.get("dispatch")
    if kind == "sandbox":
        from qbconnector.sandbox import SandboxSessions

        return SandboxSessions(fixed, fixed=True)

    def local(server_options: SessionOptions) -> Session:
        from qbconnector.com import com_session

        return com_session(dataclasses.replace(
            server_options, company_file=server_options.company_file or fixed),
            dispatch=dispatch)
    return local


class _RemoteFactory:
    """Sessions on one remote connector sharing one endpoint (a relay's upstream)."""

    def __init__(self, probe: Session) -> None:
        from qbconnector.remote import RemoteSession

        assert isinstance(probe, RemoteSession)
        self.endpoint = probe.endpoint
        self.persistent = probe.persistent
        self.delay_after_open_ms = probe.delay_after_open_ms

    def __call__(self, server_options: SessionOptions) -> Session:
        from qbconnector.remote import RemoteSession

        return RemoteSession(self.endpoint, options=server_options, persistent=self.persistent,
                             delay_after_open_ms=self.delay_after_open_ms)

    def close(self) -> None:
        self.endpoint.close()

    def __repr__(self) -> str:
        return f"<session factory over {self.endpoint!r}>"


# -- option handling -------------------------------------------------------------------------
def _kind(text: str) -> str:
    match = _SCHEME.match(text.strip())
    scheme = match.group(1).lower() if match and len(match.group(1)) > 1 else ""
    return {"http": "remote", "https": "remote", "com": "com"}.get(scheme, "sandbox")


def _canonical(name: str) -> str:
    return _ALIASES.get(name.lower(), name.lower())


def _query_options(query: str, where: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = _canonical(unquote(name))
        if name in _KEYWORD_ONLY:
            raise TargetError(f"{where}: {name!r} cannot go in the query string"
                              + (f" (use user:password@host or {PASSWORD_ENV})"
                                 if name == "password" else ""))
        found[name] = unquote(value) if sep else "1"
    return found


def _parse_bool(name: str, value: Any) -> bool:
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
    if name in _BOOLS:
        return _parse_bool(name, value)
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


def _gather(kind: str, allowed: set[str], query: Mapping[str, str],
            keywords: Mapping[str, Any]) -> tuple[SessionOptions, dict[str, Any]]:
    """Merge query and keyword options; split into SessionOptions and backend settings."""
    base = keywords.get("options")
    if base is not None and not isinstance(base, SessionOptions):
        raise TargetError("options= must be a SessionOptions")
    merged: dict[str, Any] = dict(query)
    for name, value in keywords.items():
        if name != "options" and value is not None:
            merged[_canonical(name)] = value
    unknown = sorted(set(merged) - allowed)
    if unknown:
        names = ", ".join(sorted(allowed - {"dispatch"}))
        raise TargetError(f"{kind} targets take no option {', '.join(unknown)} "
                          f"(options: {names})")
    values = {name: _convert(name, value) for name, value in merged.items()}
    session_values = {k: v for k, v in values.items() if k in _SESSION_FIELDS}
    extra = {k: v for k, v in values.items() if k not in _SESSION_FIELDS}
    options = dataclasses.replace(base or SessionOptions(), **session_values)
    return options, extra


# -- the backends ----------------------------------------------------------------------------
def _file_url_path(text: str) -> Path:
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost"):
        raise TargetError(f"file URLs name local files only: {text!r}")
    path = unquote(parts.path)
    if re.match(r"^/[A-Za-z]:[/\\]", path):   # file:///C:/... on Windows
        path = path[1:]
    return Path(path)


def _sandbox(path: Path, keywords: Mapping[str, Any]) -> Session:
    options, _ = _gather("sandbox file", _COMMON, {}, keywords)
    if path.suffix.lower() == ".qbw":
        raise TargetError(f"{path} is a QuickBooks Desktop company file: reach it through "
                          f"QuickBooks with com://?company={path} (on Windows)")
    if not path.exists():
        if path.suffix.lower() == SANDBOX_SUFFIX:
            raise TargetError(f"no sandbox company file at {path} (create one with "
                              "qbconnector.sandbox.create_company)")
        raise TargetError(f"{path} is neither an existing sandbox company file nor a URL: use "
                          "shop.qbdb, https://user@host:8167 or com://")
    if not path.is_file():
        raise TargetError(f"{path} is not a file: a sandbox company file is one .qbdb file")
    from qbconnector.sandbox import SandboxSession

    return SandboxSession(path, dataclasses.replace(options, company_file=str(path)))


def _remote(text: str, keywords: Mapping[str, Any], persistent: bool) -> Session:
    parts = urlsplit(text)
    if parts.path not in ("", "/"):
        raise TargetError(f"{describe(text)}: the connector answers at / only, not "
                          f"{parts.path!r}")
    query = _query_options(parts.query, describe(text))
    options, extra = _gather("remote connector", _COMMON | _REMOTE_ONLY, query, keywords)
    extra.setdefault("persistent", persistent)
    user = extra.pop("user", None) or (unquote(parts.username) if parts.username else None)
    password = extra.pop("password", None)
    if password is None and parts.password is not None:
        password = unquote(parts.password)
    if user and password is None:
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise TargetError(f"no password for user {user!r} at {describe(text)}: put it in "
                              f"the URL (user:password@host), pass password=, or set "
                              f"{PASSWORD_ENV}")
    if password is not None and not user:
        raise TargetError(f"{describe(text)}: a password needs a user name (user:password@host)")
    from qbconnector.remote import RemoteSession

    url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "/", "", ""))
    try:
        return RemoteSession(url, user=user, password=password, options=options, **extra)
    except ValueError as exc:
        raise TargetError(f"{describe(text)}: {exc}") from None


def _com(text: str, keywords: Mapping[str, Any]) -> Session:
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost") or parts.path not in ("", "/"):
        raise TargetError(f"com:// reaches QuickBooks on this machine only (got {text!r}); "
                          "for QuickBooks elsewhere run a connector there and use https://")
    query = _query_options(parts.query, text)
    options, extra = _gather("com://", _COMMON | _COM_ONLY, query, keywords)
    dispatch: Callable[[str], Any] | None = extra.pop("dispatch", None)
    if dispatch is None and sys.platform != "win32":
        raise TargetError("com:// needs Windows with QuickBooks (and pywin32: pip install "
                          "'qbconnector[windows]'); on this machine use a sandbox company "
                          "file, or https:// to a connector on the QuickBooks machine")
    from qbconnector.com import com_session

    return com_session(options, dispatch=dispatch)
