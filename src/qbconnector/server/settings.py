"""The connector's settings: a TOML file whose keys are the original connector's registry names.

Each key keeps its registry meaning and default. Values are checked when the file is read;
every problem names the file, the key and the reason, and :func:`load_settings` refuses a file
with any problem, so a server never starts half-configured. Changes are written back with
:func:`update_settings_file`, which replaces the file atomically under a lock.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from qbconnector.errors import QBConnectorError
from qbconnector.qbxml.session import CONNECTION_MODES
from qbconnector.wire import url_password

DEFAULT_ERROR_LIST = "0x80040402,0x80040408"
LOG_FORMATS = {0: "daily", 1: "weekly", 2: "monthly"}
LOG_LEVELS = {0: "Off", 1: "Error", 2: "Warning", 3: "Info", 4: "Verbose"}
CERT_TYPES = ("", "PEM", "PFX", "User", "Machine")
# /n software's numeric certificate store types, accepted for compatibility.
_CERT_TYPE_CODES = {0: "User", 1: "Machine", 2: "PFX", 6: "PEM", 99: ""}
AUTH_MODES = {0: "basic", 1: "system"}
ADMIN_LOOPBACK = "127.0.0.1,::1"
"""Who may reach the admin console by default: this machine only."""


class SettingsError(QBConnectorError):
    """A settings file that cannot be used; ``problems`` lists every (file, key, reason)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Problem:
    """One bad or unknown key in a settings file."""

    file: str
    key: str
    reason: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning" if self.warning else "error"
        return f"{self.file}: {self.key}: {self.reason} ({kind})"


@dataclass(frozen=True)
class User:
    """A connector user: ``[Users.NAME]`` in the settings file."""

    name: str
    Password: str = ""
    AuthMode: int = 0
    CompanyFile: str = ""
    AppName: str = ""
    ReadOnly: bool = False
    ConnectionMode: str = "DontCare"
    Authorized: bool = False

    @property
    def system_auth(self) -> bool:
        return self.AuthMode == 1


@dataclass(frozen=True)
class WebConnectorUser:
    """A Web Connector user: ``[WebConnector.Users.NAME]``; one queue each.

    ``CompanyFile`` is the file its Web Connector opens ('' = the one open in QuickBooks) and
    the file whose requests go to its queue; ``OwnerID`` and ``FileID`` are the GUIDs its
    ``.QWC`` file carries (made once, kept: changing them makes QuickBooks ask again)."""

    name: str
    Password: str = ""
    CompanyFile: str = ""
    OwnerID: str = ""
    FileID: str = ""


@dataclass(frozen=True)
class Settings:
    """Every setting of the connector; attribute names are the registry key names."""

    Port: int = 8167
    Backend: str = ""   # ours: what is served (a target: com://, a sandbox file, a URL...)
    LocalHost: str = ""
    AllowedClients: str = "*"
    Timeout: float = 60
    AuthFlags: int = 0xF
    CloseAndRetryConnect: bool = False
    CloseAndRetryTimeout: float = 30
    CloseAndRetryCount: int = 3
    CloseAndRetryErrorList: str = DEFAULT_ERROR_LIST
    QBInstanceFile: str = ""
    LogEnabled: bool = False
    LogDir: str = ""
    LogFormat: int = 0
    LogLevel: int = 3
    MaxLogSize: int = 10 * 1024 * 1024
    LogPort: int = 0
    PersistentEnabled: bool = False
    PersistentIdleTimeout: float = 300
    RunAsService: bool = False
    SSLEnabled: bool = False
    SSLCertStore: str = ""
    SSLCertSubject: str = ""
    SSLCertType: str = ""
    SSLCertPassword: str = ""
    UseInteractiveLogon: bool = False
    LocalAuth: str = ""
    AdminPort: int = 0
    AdminLocalHost: str = ""
    AdminAllowedClients: str = ADMIN_LOOPBACK
    AdminPassword: str = ""
    AdminSystemLogin: bool = False
    WebConnectorURL: str = ""
    WebConnectorKeepOpen: float = 3
    Users: Mapping[str, User] = field(default_factory=dict)
    WebConnectorUsers: Mapping[str, WebConnectorUser] = field(default_factory=dict)
    path: str = field(default="", compare=False)

    @property
    def bind_host(self) -> str:
        """The address to listen on: LocalHost, or loopback when it is unset."""
        return self.LocalHost.strip() or "127.0.0.1"

    @property
    def admin_host(self) -> str:
        """The admin console's address: AdminLocalHost, or loopback when it is unset."""
        return self.AdminLocalHost.strip() or "127.0.0.1"

    def retry_hresults(self) -> frozenset[int] | None:
        """HRESULTs that trigger close-and-retry; None means every error."""
        return parse_error_list(self.CloseAndRetryErrorList)

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with some settings replaced (command-line overrides); values are checked."""
        raw = {k: v for k, v in values.items() if v is not None}
        problems: list[Problem] = []
        where = self.path or "<override>"
        checked = {k: _check_value(where, k, v, problems) for k, v in raw.items()}
        if problems:
            raise SettingsError(problems)
        return replace(self, **checked)


SETTING_KEYS = tuple(f.name for f in fields(Settings)
                     if f.name not in ("Users", "WebConnectorUsers", "path"))
USER_KEYS = tuple(f.name for f in fields(User) if f.name != "name")
WEB_CONNECTOR_USER_KEYS = tuple(f.name for f in fields(WebConnectorUser) if f.name != "name")
_GUID = r"^\{[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\}$"
SECRET_KEYS = frozenset({"SSLCertPassword", "LocalAuth", "Password", "AdminPassword"})

_BOOL_KEYS = {"CloseAndRetryConnect", "LogEnabled", "PersistentEnabled", "RunAsService",
              "SSLEnabled", "UseInteractiveLogon", "ReadOnly", "Authorized",
              "AdminSystemLogin"}
_STR_KEYS = {"Backend", "LocalHost", "AllowedClients", "QBInstanceFile", "LogDir", "SSLCertStore",
             "SSLCertSubject", "SSLCertPassword", "LocalAuth", "Password", "CompanyFile",
             "AppName", "AdminLocalHost", "AdminAllowedClients", "AdminPassword",
             "WebConnectorURL"}
# key -> (low, high, whether fractions are allowed)
_NUMBER_KEYS: dict[str, tuple[float, float, bool]] = {
    "Port": (0, 65535, False),
    "Timeout": (0, 86400, True),
    "CloseAndRetryTimeout": (0, 3600, True),
    "CloseAndRetryCount": (0, 100, False),
    "LogFormat": (0, 2, False),
    "LogLevel": (0, 4, False),
    "MaxLogSize": (0, 2**32 - 1, False),
    "LogPort": (0, 65535, False),
    "AdminPort": (0, 65535, False),
    "PersistentIdleTimeout": (0, 86400, True),
    "AuthMode": (0, 1, False),
    "WebConnectorKeepOpen": (0, 60, True),
}


def parse_flag(value: Any) -> bool:
    """A registry DWORD flag: true/false, 1/0 (ints or strings)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
        return value.strip().lower() in ("true", "1")
    raise ValueError(f"expected true/false or 1/0, got {value!r}")


def parse_hex(value: Any) -> int:
    """A registry hex DWORD: an integer or a string such as "0xF" or "15"."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number such as 0xF, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip():
        try:
            number = int(value.strip(), 0)
        except ValueError:
            raise ValueError(f"expected a number such as 0xF, got {value!r}") from None
    elif isinstance(value, str):
        return 0  # "" = send no auth flags
    else:
        raise ValueError(f"expected a number such as 0xF, got {value!r}")
    if not 0 <= number <= 0xFFFFFFFF:
        raise ValueError(f"{value!r} does not fit in a DWORD")
    return number


def parse_error_list(text: str) -> frozenset[int] | None:
    """``"0x80040402,0x80040408"`` -> the HRESULTs; ``"*"`` -> None (retry on every error)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if "*" in items:
        return None
    codes = set()
    for item in items:
        try:
            codes.add(int(item, 16 if not item.lower().startswith("0x") else 0) & 0xFFFFFFFF)
        except ValueError:
            raise ValueError(f"{item!r} is not an HRESULT such as 0x80040408") from None
    return frozenset(codes)


def _parse_number(key: str, value: Any) -> float | int:
    low, high, fractions = _NUMBER_KEYS[key]
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text, 0)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"expected a number, got {text!r}") from None
    if isinstance(value, float) and not fractions:
        if not value.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        value = int(value)
    if not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{value} is out of range {int(low)}..{int(high)}")
    return value


def _parse_cert_type(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value in _CERT_TYPE_CODES:
        return _CERT_TYPE_CODES[value]
    if isinstance(value, str):
        for name in CERT_TYPES:
            if value.strip().lower() == name.lower():
                return name
        if value.strip().lower() in ("pfxfile", "pemkeyfile", "auto"):
            return {"pfxfile": "PFX", "pemkeyfile": "PEM", "auto": ""}[value.strip().lower()]
    raise ValueError(f"expected one of PEM, PFX, User, Machine (or 2, 6, 0, 1), got {value!r}")


def _parse_connection_mode(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # the COM numbering: Single 0, Multi 1, DontCare 2
        names = {0: "Single", 1: "Multi", 2: "DontCare"}
        if value in names:
            return names[value]
    if isinstance(value, str):
        for mode in CONNECTION_MODES:
            if value.strip().lower() == mode.lower():
                return mode
    raise ValueError(f"expected one of {', '.join(CONNECTION_MODES)}, got {value!r}")


def _parse_auth_mode(value: Any) -> int:
    if isinstance(value, str) and value.strip().lower() in ("basic", "system", "windows"):
        return 0 if value.strip().lower() == "basic" else 1
    return int(_parse_number("AuthMode", value))


def _check_value(file: str, key: str, value: Any, problems: list[Problem]) -> Any:
    """The typed value of ``key``, or None after recording a problem."""
    try:
        if key in _BOOL_KEYS:
            return parse_flag(value)
        if key == "AuthFlags":
            return parse_hex(value)
        if key == "AuthMode":
            return _parse_auth_mode(value)
        if key in _NUMBER_KEYS:
            return _parse_number(key, value)
        if key == "SSLCertType":
            return _parse_cert_type(value)
        if key == "ConnectionMode":
            return _parse_connection_mode(value)
        if key in _STR_KEYS:
            if not isinstance(value, str):
                raise ValueError(f"expected a string, got {value!r}")
            if key == "WebConnectorURL" and value.strip():
                _check_web_connector_url(value.strip())
            return value
        if key == "CloseAndRetryErrorList":
            if not isinstance(value, str):
                raise ValueError(f"expected a string such as {DEFAULT_ERROR_LIST!r}")
            parse_error_list(value)
            return value
    except ValueError as exc:
        problems.append(Problem(file, key, str(exc)))
        return None
    problems.append(Problem(file, key, "unknown setting"))
    return None


def _check_web_connector_url(url: str) -> None:
    from qbconnector.qbwc_wire.qwc import QWCError, check_app_url

    try:
        check_app_url(url, "the URL")
    except QWCError as exc:
        raise ValueError(str(exc)) from None
    if not url.rstrip("/").endswith("/qbwc"):
        raise ValueError(f"{url!r} must end with /qbwc, where the connector serves the Web "
                         "Connector")


def _check_user(file: str, name: str, table: Any, problems: list[Problem]) -> User | None:
    where = f"Users.{name}"
    if not isinstance(table, dict):
        problems.append(Problem(file, where, "expected a table of user settings"))
        return None
    if not name.strip() or ":" in name:
        problems.append(Problem(file, where, "a user name must be non-empty and have no ':'"))
        return None
    values: dict[str, Any] = {}
    before = len(problems)
    for key, value in table.items():
        if key not in USER_KEYS:
            problems.append(Problem(file, f"{where}.{key}", "unknown user setting"))
            continue
        local: list[Problem] = []
        checked = _check_value(file, key, value, local)
        for p in local:
            problems.append(Problem(file, f"{where}.{key}", p.reason))
        values[key] = checked
    if len(problems) > before:
        return None
    user = User(name=name, **values)
    if not user.system_auth and not user.Password:
        problems.append(Problem(file, f"{where}.Password", "required for Basic authentication"))
        return None
    return user


def _check_web_connector_user(file: str, name: str, table: Any,
                              problems: list[Problem]) -> WebConnectorUser | None:
    where = f"WebConnector.Users.{name}"
    if not isinstance(table, dict):
        problems.append(Problem(file, where, "expected a table of Web Connector user settings"))
        return None
    if not name.strip() or len(name) > 100 or any(c in name for c in "<>&\"'"):
        problems.append(Problem(file, where, "a Web Connector user name must be non-empty, "
                                             "at most 100 characters, without <>&\"'"))
        return None
    before = len(problems)
    values: dict[str, str] = {}
    for key, value in table.items():
        if key not in WEB_CONNECTOR_USER_KEYS:
            problems.append(Problem(file, f"{where}.{key}", "unknown Web Connector user setting"
                                    f" (known: {', '.join(WEB_CONNECTOR_USER_KEYS)})"))
        elif not isinstance(value, str):
            problems.append(Problem(file, f"{where}.{key}", f"expected a string, got {value!r}"))
        elif key in ("OwnerID", "FileID") and value and not re.match(_GUID, value):
            problems.append(Problem(file, f"{where}.{key}", f"{value!r} is not a GUID in "
                                    "braces ({xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})"))
        else:
            values[key] = value
    if len(problems) > before:
        return None
    if not values.get("Password"):
        problems.append(Problem(file, f"{where}.Password", "required (qbconnector qbwc users "
                                                           f"add {name})"))
        return None
    return WebConnectorUser(name=name, **values)


def _check_web_connector(file: str, value: Any, problems: list[Problem]
                         ) -> dict[str, WebConnectorUser]:
    users: dict[str, WebConnectorUser] = {}
    if not isinstance(value, dict):
        problems.append(Problem(file, "WebConnector", "expected [WebConnector.Users.NAME] tables"))
        return users
    for key, table in value.items():
        if key != "Users" or not isinstance(table, dict):
            problems.append(Problem(file, f"WebConnector.{key}", "unknown: the WebConnector "
                                    "table holds [WebConnector.Users.NAME] tables"))
            continue
        for name, entry in table.items():
            user = _check_web_connector_user(file, name, entry, problems)
            if user is not None:
                users[name] = user
    return users


def settings_from_dict(raw: Mapping[str, Any], file: str = "<settings>") -> Settings:
    """Check a parsed TOML document and build :class:`Settings`; SettingsError lists problems."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    users: dict[str, User] = {}
    web_connector: dict[str, WebConnectorUser] = {}
    for key, value in raw.items():
        if key == "WebConnector":
            web_connector = _check_web_connector(file, value, problems)
        elif key == "Users":
            if not isinstance(value, dict):
                problems.append(Problem(file, "Users", "expected [Users.NAME] tables"))
                continue
            for name, table in value.items():
                user = _check_user(file, name, table, problems)
                if user is not None:
                    users[name] = user
        elif key in SETTING_KEYS:
            values[key] = _check_value(file, key, value, problems)
        else:
            problems.append(Problem(file, key, "unknown setting"))
    if problems:
        raise SettingsError(problems)
    return Settings(**values, Users=users, WebConnectorUsers=web_connector, path=file)


def warnings_for(settings: Settings) -> list[Problem]:
    """Things that work but deserve attention (legacy password storage, no users...)."""
    from qbconnector.server.passwords import is_legacy

    file = settings.path or "<settings>"
    found = []
    if not settings.Users:
        found.append(Problem(file, "Users", "no users: the server will not start until one "
                                            "is added (qbconnector users add NAME)", True))
    for user in settings.Users.values():
        if not user.system_auth and is_legacy(user.Password):
            found.append(Problem(file, f"Users.{user.name}.Password",
                                 "stored as plaintext or unsalted SHA-256; it is re-hashed with "
                                 "scrypt at the next successful login", True))
    if settings.SSLEnabled and not settings.SSLCertStore:
        found.append(Problem(file, "SSLCertStore", "SSLEnabled needs a certificate "
                                                   "(qbconnector cert generate)", False))
    if url_password(settings.Backend):
        found.append(Problem(file, "Backend", "holds a password in plain text: name a variable "
                                              "with password_env= or use a saved connection",
                             True))
    if settings.Backend.strip().lower() == "qbwc" and not settings.WebConnectorUsers:
        found.append(Problem(file, "WebConnector", "Backend is qbwc but there is no Web "
                                                   "Connector user (qbconnector qbwc users "
                                                   "add NAME)", True))
    if settings.LogPort and not settings.LocalAuth:
        found.append(Problem(file, "LogPort", "LogPort stays closed without LocalAuth (the "
                                              "secret log clients send)", True))
    if settings.AdminPort and settings.AdminPort == settings.Port:
        found.append(Problem(file, "AdminPort", "the admin console needs its own port, not the "
                                                "data port", False))
    if settings.AdminPort and not settings.AdminPassword and not settings.AdminSystemLogin:
        found.append(Problem(file, "AdminPassword", "nobody can sign in to the admin console: "
                                                    "set a password (qbconnector admin "
                                                    "set-password)", True))
    if settings.bind_host not in ("127.0.0.1", "::1", "localhost") and not settings.SSLEnabled:
        found.append(Problem(file, "SSLEnabled", f"listening on {settings.bind_host} without "
                                                 "TLS sends passwords in clear text", True))
    return found


def read_raw(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The TOML document at ``path`` ({} when the file does not exist)."""
    p = Path(path)
    if not p.exists():
        return {}
    try:
        with p.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError([Problem(str(p), "(file)", f"not valid TOML: {exc}")]) from None
    except UnicodeDecodeError:
        raise SettingsError([Problem(str(p), "(file)", "not a settings file: not UTF-8 "
                                                        "text")]) from None


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read and check the settings file (defaults when it does not exist)."""
    return settings_from_dict(read_raw(path), str(path))


def dump_toml(raw: Mapping[str, Any]) -> str:
    """TOML text of a settings document, top-level keys first, users last (the connector's,
    then the Web Connector's)."""
    top = {k: v for k, v in raw.items() if k not in ("Users", "WebConnector")}
    text = tomli_w.dumps(top)
    for table in ("Users", "WebConnector"):
        if raw.get(table):
            text += ("\n" if text else "") + tomli_w.dumps({table: raw[table]})
    return text


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock beside ``path`` so concurrent writers do not lose changes."""
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: msvcrt locks a byte range instead
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_atomic(path: str | os.PathLike[str], text: str, mode: int = 0o600) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def update_settings_file(path: str | os.PathLike[str],
                         change: Callable[[dict[str, Any]], None]) -> Settings:
    """Apply ``change`` to the raw document, check the result and replace the file atomically.

    The file is re-read under the lock, so a server re-hashing a password and a person running
    ``qbconnector users edit`` at the same moment do not overwrite each other.
    """
    p = Path(path)
    with _file_lock(p):
        raw = read_raw(p)
        change(raw)
        settings = settings_from_dict(raw, str(p))
        write_atomic(p, dump_toml(raw))
    return settings


def coerce_setting(key: str, text: str) -> Any:
    """Turn command-line text for ``key`` into the value to store (checked)."""
    if key not in SETTING_KEYS:
        raise SettingsError([Problem("<command line>", key, "unknown setting; known: "
                                     + ", ".join(SETTING_KEYS))])
    if key == "AdminPassword":
        raise SettingsError([Problem("<command line>", key, "stored hashed: use 'qbconnector "
                                     "admin set-password' (reads it from standard input)")])
    problems: list[Problem] = []
    value = _check_value("<command line>", key, text, problems)
    if problems:
        raise SettingsError(problems)
    if key == "AuthFlags":
        return f"0x{value:X}"
    return value
