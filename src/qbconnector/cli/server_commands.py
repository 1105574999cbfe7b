"""Commands of the remote connector: serve, users, config, cert, test-connection, service, log.

Thin wrappers over :mod:`qbconnector.server`. What is served — the backend — is chosen in
:mod:`qbconnector.cli.backend` (``--backend``, the ``Backend`` setting, or the machine's
default) and reached through :mod:`qbconnector.targets`, the one door to every backend.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import secrets
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from qbconnector.cli import backend as backends


def _create_sample(path: Path) -> None:
    from qbconnector.sandbox import create_company

    try:
        create_company(path, sample="small")
    except ImportError:      # this build has no sample data: an empty company will do
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        create_company(path)


# -- shared helpers -----------------------------------------------------------------------------
def default_config_path() -> Path:
    """$QBCONNECTOR_CONFIG, else connector.toml in the user's configuration folder."""
    env = os.environ.get("QBCONNECTOR_CONFIG")
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_config_path("qbconnector", appauthor=False) / "connector.toml"


def _config_option(f: Callable) -> Callable:
    return click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
                        default=None, help="Settings file (default: $QBCONNECTOR_CONFIG or "
                                           "connector.toml in the user config folder).")(f)


def _path(config: Path | None) -> Path:
    return config if config is not None else default_config_path()


def _load(config: Path | None, must_exist: bool = False) -> Any:
    """The settings; with ``must_exist``, a --config naming no file is refused (a typo, for
    commands that only read the settings)."""
    from qbconnector.server.settings import SettingsError, load_settings

    if must_exist and config is not None and not config.exists():
        raise click.BadParameter(f"no settings file at {config} (qbconnector config set KEY "
                                 "VALUE --config FILE creates one)", param_hint="--config")
    try:
        return load_settings(_path(config))
    except SettingsError as exc:
        raise click.ClickException(f"invalid settings:\n{exc}") from None


def _update(config: Path | None, change: Callable[[dict[str, Any]], None]) -> Any:
    from qbconnector.server.settings import update_settings_file

    return _admin(update_settings_file, _path(config), change)


def _admin(action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a settings change, turning its refusals into command-line errors."""
    from qbconnector.server.admin import AdminError
    from qbconnector.server.settings import SettingsError

    try:
        return action(*args, **kwargs)
    except AdminError as exc:
        raise click.ClickException(str(exc)) from None
    except SettingsError as exc:
        raise click.ClickException(f"not saved:\n{exc}") from None


def _read_password_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException("no password on standard input")
    return password


def _run(server: Any) -> None:
    """Serve until interrupted (Ctrl+C, or the service manager's stop)."""
    from qbconnector.server.runner import NotReady

    try:
        server.bind()
        server.start_console()
    except (NotReady, RuntimeError) as exc:
        server.app.close()
        raise click.ClickException(str(exc)) from None
    click.echo(f"qbconnector serving {server.backend} on {server.url} (Ctrl+C to stop)",
               err=True)
    if server.console_url:
        click.echo(f"admin console: {server.console_url}", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:   # uvicorn stopped gracefully, then passed Ctrl+C on
        click.echo("qbconnector stopped", err=True)


# -- serve --------------------------------------------------------------------------------------
_BACKEND_HELP = ("What to serve: com:// (QuickBooks on this machine), a sandbox file, "
                 "https://user@host:port (another connector), a saved connection name, or "
                 "'sandbox' (each user's CompanyFile). Default: the Backend setting, else com:// "
                 "where QuickBooks is installed, else the sandbox.")


@click.command("serve")
@_config_option
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Listen on this port instead of the configured Port.")
@click.option("--backend", "backend", metavar="TARGET", default=None, help=_BACKEND_HELP)
@click.option("--company", "company", default=None,
              help="Company file for users without their own CompanyFile.")
@click.option("--demo", is_flag=True,
              help="Create a sample company and a demo user, and serve them on 127.0.0.1.")
@click.option("--dir", "demo_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Folder for the demo's company and settings.")
@click.option("--admin-port", type=click.IntRange(0, 65535), default=None,
              help="Serve the admin console on this port instead of the configured AdminPort "
                   "(0 = off; with --demo the console is on, on a free port by default).")
def serve_command(config: Path | None, port: int | None, backend: str | None,
                  company: str | None, demo: bool, demo_dir: Path | None,
                  admin_port: int | None) -> None:
    """Run the remote connector."""
    if demo:
        if backend:
            raise click.UsageError("--demo serves a sample sandbox company; drop --backend")
        _serve_demo(demo_dir, port, config, admin_port)
        return
    settings = _load(config)
    settings = settings.with_overrides(Port=port, AdminPort=admin_port)
    served = backends.open_backend(backends.choose(settings, backend))
    _run(backends.build_server(settings, served, company or "", backend))


def _port_is_free(settings: Any, port: int | None) -> None:
    """Stop, before anything changes (the demo password is new each time), when another
    server has the port: a second ``serve --demo`` says so rather than move elsewhere."""
    from qbconnector.server.listen import bind_socket
    from qbconnector.server.runner import NotReady

    chosen = settings.Port if port is None else port
    if not chosen:
        return
    try:
        bind_socket(settings.bind_host, chosen).close()
    except NotReady:
        raise click.ClickException(
            f"port {chosen} on {settings.bind_host} is in use (is a qbconnector serve --demo "
            "running already?): stop that one, or give --port N (0: any free port)") from None


def _serve_demo(folder: Path | None, port: int | None, config: Path | None,
                admin_port: int | None) -> None:
    import platformdirs

    from qbconnector.server.admin import DEMO_USER, curl_command, prepare_demo
    from qbconnector.server.runner import NotReady

    folder = folder or platformdirs.user_data_path("qbconnector", appauthor=False) / "demo"
    _port_is_free(_load(config or folder / "connector.toml"), port)
    if not (folder / "sample.qbdb").exists():
        click.echo(f"creating the sample company in {folder}", err=True)
    demo = _admin(prepare_demo, folder, _create_sample, config)
    settings = demo.settings.with_overrides(Port=port if port is not None else None)
    console = {"admin_port": admin_port or 0} if admin_port != 0 else {}
    sample = backends.Choice(str(demo.company), "--demo")
    server = backends.build_server(settings, backends.open_backend(sample), **console)
    try:
        server.bind()
        server.start_console()
    except (NotReady, RuntimeError) as exc:
        server.app.close()
        raise click.ClickException(str(exc)) from None
    curl = curl_command(server.url, DEMO_USER, demo.password, server.ssl_context is not None)
    console_lines = (f"\nAdmin console: {server.console_url}\n  console password: "
                     f"{demo.admin_password}   (shown once; stored hashed)\n"
                     if server.console_url else "")
    click.echo(f"\nqbconnector demo: a sample company served on {server.url}\n"
               f"  company : {demo.company}\n  settings: {demo.settings_path}\n"
               f"  user    : {DEMO_USER}\n  password: {demo.password}   (shown once; stored "
               f"hashed)\n{console_lines}\nTry it:\n  {curl}\n")
    _run(server)


# -- admin ------------------------------------------------------------------------------------
@click.group("admin")
def admin_group() -> None:
    """The admin console's sign-in."""


@admin_group.command("set-password")
@_config_option
def admin_set_password(config: Path | None) -> None:
    """Set the admin console's password, read from standard input (stored hashed)."""
    from qbconnector.server.admin import set_admin_password

    if sys.stdin.isatty():
        password = click.prompt("Console password", hide_input=True, confirmation_prompt=True)
    else:
        password = _read_password_stdin()
    _admin(set_admin_password, _path(config), password)
    click.echo(f"console password set in {_path(config)}")


# -- users --------------------------------------------------------------------------------------
def _user_options(f: Callable) -> Callable:
    options = [
        click.option("--password-stdin", is_flag=True, help="Read the password from stdin."),
        click.option("--generate-password", is_flag=True,
                     help="Make a random password and print it once."),
        click.option("--read-only/--read-write", default=None,
                     help="Allow only queries (ReadOnly)."),
        click.option("--company-file", default=None, help="CompanyFile ('' = the open one)."),
        click.option("--app-name", default=None, help="AppName presented to QuickBooks."),
        click.option("--auth", type=click.Choice(["basic", "system"]), default=None,
                     help="AuthMode: basic (password here) or system (OS login)."),
        click.option("--connection-mode", type=click.Choice(["DontCare", "Single", "Multi"],
                                                            case_sensitive=False),
                     default=None, help="ConnectionMode."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _new_password(password_stdin: bool, generate: bool, prompt: bool) -> str | None:
    if password_stdin and generate:
        raise click.UsageError("use --password-stdin or --generate-password, not both")
    if password_stdin:
        return _read_password_stdin()
    if generate:
        password = secrets.token_urlsafe(15)
        click.echo(f"password: {password}   (shown once; stored hashed)")
        return password
    if prompt:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return None


@click.group("users")
def users_group() -> None:
    """Add, change, remove and list connector users."""


@users_group.command("add")
@click.argument("name")
@_config_option
@_user_options
def users_add(name: str, config: Path | None, password_stdin: bool, generate_password: bool,
              **options: Any) -> None:
    """Add user NAME."""
    from qbconnector.server.admin import add_user

    if name in _load(config).Users:
        raise click.ClickException(f"user {name} exists; use 'qbconnector users edit {name}'")
    system = options.get("auth") == "system"
    password = _new_password(password_stdin, generate_password, prompt=not system)
    _admin(add_user, _path(config), name, password=password, **options)
    click.echo(f"added user {name} to {_path(config)}")


@users_group.command("edit")
@click.argument("name")
@_config_option
@_user_options
@click.option("--authorized/--not-authorized", default=None,
              help="Record whether AppName was authorized for CompanyFile.")
def users_edit(name: str, config: Path | None, password_stdin: bool, generate_password: bool,
               **options: Any) -> None:
    """Change user NAME (only the options given)."""
    from qbconnector.server.admin import edit_user

    if name not in _load(config).Users:
        raise click.ClickException(f"no user {name}")
    password = _new_password(password_stdin, generate_password, prompt=False)
    _admin(edit_user, _path(config), name, password=password, **options)
    click.echo(f"changed user {name}")


@users_group.command("remove")
@click.argument("name")
@_config_option
def users_remove(name: str, config: Path | None) -> None:
    """Remove user NAME."""
    from qbconnector.server.admin import remove_user

    _admin(remove_user, _path(config), name)
    click.echo(f"removed user {name}")


@users_group.command("list")
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def users_list(config: Path | None, as_json: bool) -> None:
    """List users (never their passwords)."""
    from qbconnector.server.admin import user_rows

    rows = user_rows(_load(config))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no users (add one: qbconnector users add NAME)")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*[k.replace("_", " ") for k in rows[0]])
    for row in rows:
        table.add_row(*[("yes" if v else "no") if isinstance(v, bool) else (v or "-")
                        for v in row.values()])
    Console().print(table)


# -- config -------------------------------------------------------------------------------------
@click.group("config")
def config_group() -> None:
    """Show, change and check the connector's settings."""


@config_group.command("show")
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML.")
def config_show(config: Path | None, as_json: bool) -> None:
    """Print every setting in force (secrets masked)."""
    from qbconnector.server.admin import masked_view
    from qbconnector.server.settings import dump_toml

    settings = _load(config, must_exist=True)
    values = masked_view(settings)
    choice = backends.choose(settings, None)
    values["Backend"] = backends.describe(choice.target)   # the one in force, default included
    if as_json:
        click.echo(json.dumps({**values, "BackendSource": choice.source}, indent=2))
    else:
        click.echo(f"# {_path(config)}")
        click.echo(f"# Backend: {choice}")
        click.echo(dump_toml(values), nl=False)


@config_group.command("path")
def config_path() -> None:
    """Print the settings file used by default."""
    click.echo(str(default_config_path()))


@config_group.command("set")
@click.argument("key")
@click.argument("value")
@_config_option
def config_set(key: str, value: str, config: Path | None) -> None:
    """Set KEY (a registry name such as Port or LogLevel) to VALUE."""
    from qbconnector.server.settings import SettingsError, coerce_setting

    try:
        stored = coerce_setting(key, value)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    from qbconnector.server.settings import SECRET_KEYS

    _update(config, lambda raw: raw.__setitem__(key, stored))
    click.echo(f"{key} = {'********' if key in SECRET_KEYS else stored}")


@config_group.command("unset")
@click.argument("key")
@_config_option
def config_unset(key: str, config: Path | None) -> None:
    """Remove KEY from the file (back to its default)."""
    from qbconnector.server.settings import Settings

    known = [f.name for f in dataclasses.fields(Settings)]
    if key not in known and key != "Users":
        hint = difflib.get_close_matches(key, known, n=1)
        raise click.BadParameter(f"no setting {key!r}"
                                 + (f" (did you mean {hint[0]}?)" if hint else ""),
                                 param_hint="KEY")
    _update(config, lambda raw: raw.pop(key, None))
    click.echo(f"{key} reset to its default")


@config_group.command("check")
@_config_option
def config_check(config: Path | None) -> None:
    """Check the settings file; exit 1 when the server would refuse it."""
    from qbconnector.server.settings import warnings_for
    from qbconnector.server.tls import CertificateError, server_context

    path = _path(config)
    settings = _load(config, must_exist=True)
    problems = warnings_for(settings)
    if settings.SSLEnabled and settings.SSLCertStore:
        try:
            server_context(settings.SSLCertStore, settings.SSLCertType,
                           settings.SSLCertPassword, settings.SSLCertSubject)
        except CertificateError as exc:
            from qbconnector.server.settings import Problem

            problems.append(Problem(str(path), "SSLCertStore", str(exc)))
    problems += _backend_problems(settings)
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = [p for p in problems if not p.warning]
    if errors or not settings.Users:
        raise SystemExit(1)
    click.echo(f"{path}: OK ({len(settings.Users)} users)")


# -- cert ---------------------------------------------------------------------------------------
@click.group("cert")
def cert_group() -> None:
    """TLS certificates for the connector."""


@cert_group.command("generate")
@_config_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PEM file to write (key + certificate; default: server.pem beside the "
                   "settings).")
@click.option("--cn", "common_name", default="", help="Common name (default: this host).")
@click.option("--host", "hosts", multiple=True, help="Extra host name or IP for the "
                                                     "certificate (repeatable).")
@click.option("--days", type=click.IntRange(1, 3650), default=825, show_default=True)
@click.option("--pfx", "pfx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a PFX file (password from --pfx-password-stdin).")
@click.option("--pfx-password-stdin", is_flag=True)
@click.option("--enable", is_flag=True, help="Also set SSLEnabled, SSLCertStore, SSLCertType.")
def cert_generate(config: Path | None, out: Path | None, common_name: str, hosts: tuple[str, ...],
                  days: int, pfx: Path | None, pfx_password_stdin: bool, enable: bool) -> None:
    """Create a self-signed certificate and print its SHA-256 fingerprint."""
    from qbconnector.server.tls import write_self_signed

    out = out or _path(config).with_name("server.pem")
    password = _read_password_stdin() if pfx is not None and pfx_password_stdin else ""
    for name in (common_name, *hosts):
        if len(name) > 64 or not name.isascii():
            raise click.BadParameter(f"{name!r}: a host name is at most 64 ASCII characters",
                                     param_hint="--cn/--host")
    files = write_self_signed(out, common_name, hosts, days, pfx=pfx, pfx_password=password)
    generated = files.generated
    click.echo(f"key and certificate: {files.pem}\ncertificate for clients: {files.crt}")
    if files.pfx is not None:
        click.echo(f"PFX: {files.pfx}")
    click.echo(f"valid until: {generated.not_after:%Y-%m-%d}")
    click.echo(f"SHA-256 fingerprint: {generated.fingerprint}")
    if enable:
        def change(raw: dict[str, Any]) -> None:
            raw.update(SSLEnabled=True, SSLCertStore=str(out), SSLCertType="PEM")
        _update(config, change)
        click.echo(f"TLS enabled in {_path(config)}")
    else:
        click.echo(f"to use it: qbconnector config set SSLCertStore {shlex.quote(str(out))} && "
                   "qbconnector config set SSLEnabled true")


def _backend_problems(settings: Any) -> list[Any]:
    """The backend the server would serve, checked as serve checks it (nothing is opened)."""
    from qbconnector.server.settings import Problem

    choice = backends.choose(settings, None)
    try:
        backends.open_backend(choice).close()
    except click.ClickException as exc:
        return [Problem(settings.path or "<settings>", "Backend", exc.message)]
    return []


# -- test-connection ----------------------------------------------------------------------------
@click.command("test-connection")
@_config_option
@click.option("--user", "user_name", default=None, help="Test as this user (default: the only "
                                                        "or first user).")
@click.option("--backend", "backend", metavar="TARGET", default=None, help=_BACKEND_HELP)
@click.option("--company", default=None, help="Company file for users without CompanyFile.")
def test_connection(config: Path | None, user_name: str | None, backend: str | None,
                    company: str | None) -> None:
    """Open the company file as a user would, through the backend serve would use."""
    settings = _load(config, must_exist=True)
    if not settings.Users:
        raise click.ClickException("no users configured (qbconnector users add NAME)")
    if user_name is None:
        user = next(iter(settings.Users.values()))
    elif user_name in settings.Users:
        user = settings.Users[user_name]
    else:
        raise click.ClickException(f"no user {user_name}")
    from qbconnector.server.probe import options_for, probe

    factory = backends.open_backend(backends.choose(settings, backend))
    if factory.kind == "qbwc":
        _web_connector_check(settings)
        return
    options = options_for(settings, user, company or factory.default_company)
    click.echo(f"backend: {factory}")
    click.echo(f"user {user.name}: opening {options.company_file or '(the open company file)'} "
               f"as {options.app_name!r} ({options.connection_mode}"
               f"{', read-only' if options.read_only else ''})")
    try:
        result = probe(factory(options), options, user.name)
    finally:
        factory.close()   # what the backend keeps between sessions (a pool, a relay's)
    if not result.ok:
        click.echo(f"FAILED: {result.hresult} {result.message}", err=True)
        click.echo(f"what to do: {result.advice}", err=True)
        raise SystemExit(1)
    click.echo(f"OK: company file {result.opened_file}")
    if result.company_name:
        click.echo(f"company: {result.company_name}")
    click.echo(f"qbXML versions {result.versions[0]} .. {result.newest_version}")
    click.echo(f"application authorized: {'yes' if result.authorized else 'no'}")
    if result.authorized != user.Authorized:
        from qbconnector.server.admin import edit_user

        _admin(edit_user, _path(config), user.name, authorized=result.authorized)


def _web_connector_check(settings: Any) -> None:
    """test-connection for Backend = "qbwc": QuickBooks is reached only when a Web Connector
    polls the running connector, so say what the queues know of each one."""
    from qbconnector.server.qbwc.status import status_rows

    rows = status_rows(settings)
    click.echo("backend: the QuickBooks Web Connector polling /qbwc (QuickBooks answers when "
               "a Web Connector polls the running connector)")
    if not rows:
        click.echo("FAILED: no Web Connector users (qbconnector qbwc users add NAME)", err=True)
        raise SystemExit(1)
    for row in rows:
        click.echo(f"Web Connector {row['user']}: last poll {row['last_poll']}"
                   + (f" ({row['last_outcome']})" if row["last_outcome"] else "")
                   + f"; {row['waiting']} waiting")
    if all(row["last_poll"] == "never" for row in rows):
        click.echo("no Web Connector has polled yet: load its .QWC file (qbconnector qbwc "
                   "qwc NAME) into the Web Connector and run it", err=True)
        raise SystemExit(1)


# -- service ------------------------------------------------------------------------------------
@click.command("service")
@click.argument("action", type=click.Choice(
    ["install", "delete", "start", "stop", "state", "auto", "manual", "disabled"]))
@_config_option
@click.option("--name", default="qbconnector", show_default=True, help="Service name.")
@click.option("--system", is_flag=True, help="A system-wide systemd unit (needs root) instead "
                                             "of a user unit.")
def service_command(action: str, config: Path | None, name: str, system: bool) -> None:
    """Install and control the connector as a service (systemd unit / Windows service)."""
    from qbconnector.server.service import ServiceError, service_for

    path = _path(config).resolve()
    try:
        service = service_for(path, name=name, system=system)
        message = service.action(action)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    if action in ("install", "delete") and path.exists():
        _update(config, lambda raw: raw.__setitem__("RunAsService", action == "install"))
    click.echo(message)


# -- log ----------------------------------------------------------------------------------------
@click.group("log")
def log_group() -> None:
    """The connector's log files."""


@log_group.command("tail")
@_config_option
@click.option("-n", "lines", type=click.IntRange(0), default=20, show_default=True)
@click.option("-f/-F", "--follow/--no-follow", default=True, show_default=True,
              help="Keep printing new lines.")
@click.option("--live", is_flag=True, help="Read a running server's LogPort instead of the "
                                           "files (needs LogPort and LocalAuth).")
def log_tail(config: Path | None, lines: int, follow: bool, live: bool) -> None:
    """Print the end of the newest log file (and follow it)."""
    from qbconnector.server.logs import default_log_dir, last_lines, newest_log_file
    from qbconnector.server.logs import follow as follow_lines

    settings = _load(config, must_exist=True)
    if live:
        _tail_live(settings)
        return
    folder = settings.LogDir or default_log_dir()
    newest = newest_log_file(folder)
    if newest is None and not follow:
        raise click.ClickException(f"no log files in {folder}"
                                   + ("" if settings.LogEnabled else
                                      " (LogEnabled is off: qbconnector config set "
                                      "LogEnabled true)"))
    if newest is not None:
        for line in last_lines(newest, lines):
            click.echo(line)
    if follow:
        try:
            for line in follow_lines(folder):
                click.echo(line)
        except KeyboardInterrupt:
            pass


def _tail_live(settings: Any) -> None:
    from qbconnector.server.logport import read_live

    if not settings.LogPort or not settings.LocalAuth:
        raise click.ClickException("--live needs LogPort and LocalAuth in the settings")
    try:
        for line in read_live(settings.LogPort, settings.LocalAuth):
            click.echo(line)
    except (OSError, PermissionError) as exc:
        raise click.ClickException(f"cannot read LogPort {settings.LogPort}: {exc}") from None
    except KeyboardInterrupt:
        pass


def register(cli: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    for command in (serve_command, admin_group, users_group, config_group, cert_group,
                    test_connection, service_command, log_group):
        cli.add_command(command)
