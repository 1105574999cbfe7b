"""Commands of the QuickBooks Web Connector, both ways.

``qbconnector qbwc`` — the connector's side (``Backend = "qbwc"``): its Web Connector users,
the ``.QWC`` file each loads, and the queues' status. ``qbconnector webconnector run`` — a Web
Connector you can run anywhere, against any Web Connector service, on any backend.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from qbconnector.cli import server_commands as server
from qbconnector.cli.connecting import (
    EXIT_CONNECTION,
    EXIT_REFUSED,
    TARGET_ENV,
    Failure,
    Target,
)


@click.group("qbwc")
def qbwc_group() -> None:
    """The connector's QuickBooks Web Connector service (Backend = "qbwc"): users, .QWC
    files, queues."""


@qbwc_group.command("qwc")
@click.argument("name")
@server._config_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the file here (default: NAME.qwc in the current folder; - for "
                   "standard output).")
@click.option("--url", default=None, help="The AppURL (default: WebConnectorURL, else this "
                                          "connector's address + /qbwc).")
@click.option("--app-name", default="qbconnector", show_default=True,
              help="The name QuickBooks shows (and authorizes) for the application.")
@click.option("--every", "every", type=click.IntRange(0, 86400), default=60, show_default=True,
              help="Seconds between updates in the Web Connector's scheduler (0: by hand).")
@click.option("--pos", is_flag=True, help="For QuickBooks Point of Sale (QBType QBPOS).")
@click.option("--read-only", is_flag=True, help="Ask QuickBooks for read-only access.")
def qbwc_qwc(name: str, config: Path | None, out: Path | None, url: str | None,
             app_name: str, every: int, pos: bool, read_only: bool) -> None:
    """Write the .QWC file Web Connector user NAME loads into their Web Connector.

    \b
    Example:
      qbconnector qbwc qwc shop --url https://books.example.com:8167/qbwc --out shop.qwc
    """
    from qbconnector.qbwc_wire.qwc import QWCError, render
    from qbconnector.server.qbwc.users import edit_user, qwc_for

    settings = server._load(config)
    user = settings.WebConnectorUsers.get(name)
    if user is not None and (not user.OwnerID or not user.FileID):
        settings = server._admin(edit_user, server._path(config), name)   # make the GUIDs once
    try:
        text = render(qwc_for(settings, name, url=url, app_name=app_name, every_seconds=every,
                              pos=pos, read_only=read_only))
    except QWCError as exc:
        raise click.ClickException(str(exc)) from None
    if out is not None and str(out) == "-":
        click.echo(text, nl=False)
        return
    target = out or Path(f"{name}.qwc")
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}: load it into the Web Connector (Add an application) and "
               f"enter user {name}'s password there")


@qbwc_group.group("users")
def qbwc_users() -> None:
    """Add, change, remove and list Web Connector users ([WebConnector.Users.NAME])."""


_COMPANY_HELP = ("The company file its Web Connector opens and whose requests go to its queue "
                 "('' = the file open in QuickBooks).")


@qbwc_users.command("add")
@click.argument("name")
@server._config_option
@click.option("--company-file", default="", help=_COMPANY_HELP)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--generate-password", is_flag=True, help="Make a random password, print it once.")
def qbwc_users_add(name: str, config: Path | None, company_file: str, password_stdin: bool,
                   generate_password: bool) -> None:
    """Add Web Connector user NAME (its password is stored hashed)."""
    from qbconnector.server.qbwc.users import add_user

    password = server._new_password(password_stdin, generate_password, prompt=True)
    assert password is not None
    server._admin(add_user, server._path(config), name, password, company_file)
    click.echo(f"added Web Connector user {name} to {server._path(config)}; write its .QWC "
               f"file with: qbconnector qbwc qwc {name}")


@qbwc_users.command("edit")
@click.argument("name")
@server._config_option
@click.option("--company-file", default=None, help=_COMPANY_HELP)
@click.option("--password-stdin", is_flag=True, help="Read a new password from stdin.")
@click.option("--generate-password", is_flag=True, help="Make a new random password.")
def qbwc_users_edit(name: str, config: Path | None, company_file: str | None,
                    password_stdin: bool, generate_password: bool) -> None:
    """Change Web Connector user NAME (only what is given)."""
    from qbconnector.server.qbwc.users import edit_user

    password = server._new_password(password_stdin, generate_password, prompt=False)
    server._admin(edit_user, server._path(config), name, password=password,
                  company_file=company_file)
    click.echo(f"changed Web Connector user {name}")


@qbwc_users.command("remove")
@click.argument("name")
@server._config_option
def qbwc_users_remove(name: str, config: Path | None) -> None:
    """Remove Web Connector user NAME."""
    from qbconnector.server.qbwc.users import remove_user

    server._admin(remove_user, server._path(config), name)
    click.echo(f"removed Web Connector user {name}")


@qbwc_users.command("list")
@server._config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def qbwc_users_list(config: Path | None, as_json: bool) -> None:
    """List Web Connector users (never their passwords)."""
    from qbconnector.server.qbwc.users import user_rows

    rows = user_rows(server._load(config))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo("no Web Connector users (add one: qbconnector qbwc users add NAME)")
    for row in [] if as_json else rows:
        click.echo(f"{row['user']}: company file {row['company_file'] or '(the open one)'}, "
                   f"password {row['password']}, OwnerID {row['owner_id']}")


@qbwc_group.command("status")
@server._config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def qbwc_status(config: Path | None, as_json: bool) -> None:
    """Each Web Connector user's queue and last poll (read from the queue file beside the
    settings file, whether or not the connector runs)."""
    from qbconnector.server.qbwc.status import status_rows

    settings = server._load(config)
    rows = status_rows(settings)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no Web Connector users (add one: qbconnector qbwc users add NAME)")
    for row in rows:
        click.echo(f"{row['user']}: {row['waiting']} waiting, {row['handed_out']} handed out, "
                   f"{row['answered']} answered and {row['failed']} failed in 24 h, "
                   f"{row['withdrawn']} withdrawn; last poll {row['last_poll']}"
                   + (f" ({row['last_outcome']})" if row["last_outcome"] else ""))


# -- the runner ---------------------------------------------------------------------------------
@click.group("webconnector")
def webconnector_group() -> None:
    """A QuickBooks Web Connector you can run anywhere."""


def _password(password_env: str | None, password_stdin: bool, user: str) -> str:
    if password_env and password_stdin:
        raise click.UsageError("use --password-env or --password-stdin, not both")
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise click.UsageError(f"--password-env {password_env}: that variable is not set")
        return value
    if password_stdin:
        return server._read_password_stdin()
    if sys.stdin.isatty():
        return click.prompt(f"Web Connector password of {user}", hide_input=True)
    raise click.UsageError("give the Web Connector user's password with --password-env VAR "
                           "or --password-stdin")


def _backend(company: str | None, url: str | None, connection: str | None) -> Any:
    from qbconnector import targets

    text, _ = Target(company, url, connection).connect_string()
    options: dict[str, Any] = {}
    real, _ = targets.resolve(text)
    if real.lower().startswith(("http://", "https://")):
        options["persistent"] = True   # one QuickBooks session for the whole update
    from qbconnector.errors import QBConnectorError

    try:
        return targets.session_factory(text, **options)
    except QBConnectorError as exc:
        raise Failure(f"cannot use {targets.describe(text)}: {exc}", EXIT_CONNECTION) from None


def _printer(kind: str, text: str) -> None:
    if kind in ("warning", "error"):
        click.echo(f"{kind}: {text}", err=True)
    else:
        click.echo(text)


@webconnector_group.command("run")
@click.argument("qwc_file", metavar="FILE.qwc",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--company", metavar="FILE", envvar=TARGET_ENV["company"],
              help="Run the requests on this sandbox company file.")
@click.option("--url", metavar="URL", envvar=TARGET_ENV["url"],
              help="Run them on a remote connector (https://user@host:8167) or com://.")
@click.option("--connection", "connection_name", metavar="NAME",
              envvar=TARGET_ENV["connection"], help="Run them on a saved connection.")
@click.option("--password-env", metavar="VAR",
              help="Read the Web Connector user's password from this environment variable.")
@click.option("--password-stdin", is_flag=True,
              help="Read the Web Connector user's password from standard input.")
@click.option("--every", type=click.FloatRange(0.1, 86400), default=None, metavar="SECONDS",
              help="Run an update every SECONDS until stopped (Ctrl+C) instead of once.")
@click.option("--service-ca-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Trust the service's certificate signed by this CA (PEM).")
def webconnector_run(qwc_file: Path, company: str | None, url: str | None,
                     connection_name: str | None, password_env: str | None,
                     password_stdin: bool, every: float | None,
                     service_ca_file: str | None) -> None:
    """Play the Web Connector against the service a .QWC file names, running its requests
    on a sandbox file, a remote connector or QuickBooks over COM.

    Exit status: 0 when the update succeeded (or had nothing to do), 1 when it failed, 5
    when the service or the backend cannot be reached.

    \b
    Example:
      qbconnector webconnector run shop.qwc --company demo.qbdb --password-env SHOP_PASSWORD
    """
    from qbconnector.qbwc_wire.qwc import QWCError, parse
    from qbconnector.webconnector import ServiceClient, WebConnectorRunner

    try:
        qwc = parse(qwc_file.read_bytes())
    except QWCError as exc:
        raise click.ClickException(f"{qwc_file}: {exc}") from None
    password = _password(password_env, password_stdin, qwc.user_name)
    backend = _backend(company, url, connection_name)
    runner = WebConnectorRunner(qwc, password, backend, report=_printer,
                                client=ServiceClient(qwc.app_url, ca_file=service_ca_file))
    try:
        result = runner.run_once() if every is None else _run_every(runner, every)
    finally:
        runner.close()
        backend.close()
    if not result.ok:
        raise SystemExit(EXIT_CONNECTION if result.unreachable else EXIT_REFUSED)


def _run_every(runner: Any, every: float) -> Any:
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"an update every {every:g} s (Ctrl+C to stop)", err=True)
    try:
        return runner.run_every(every, stop)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
        return runner.last_result
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def register(cli: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    cli.add_command(qbwc_group)
    cli.add_command(webconnector_group)
