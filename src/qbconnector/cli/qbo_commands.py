"""``qbconnector qbo ...``: QuickBooks Online. ``qbo login NAME`` authorizes qbconnector for a
company and saves connection NAME (then ``--connection NAME`` works for every record command);
``qbo logout NAME`` revokes and forgets its tokens; ``qbo serve`` runs the offline double of
Intuit's Accounting API v3 and OAuth server over a local company file."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

from qbconnector.cli.connecting import EXIT_NOT_FOUND, Failure, failures_as_exit_codes

DEFAULT_COMPANY = "qbo-company.qbo"
SECRET_ENV = "QBCONNECTOR_QBO_CLIENT_SECRET"  # noqa: S105 - the variable's name


def _zone(value: str) -> str:
    """``--time-zone``: a zone the double can use, checked before anything starts."""
    from qbconnector.qbo_wire.values import zone_named

    try:
        zone_named(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _address(value: str) -> str:
    """``--host``: an address to listen on; empty would mean every interface."""
    if not value.strip():
        raise click.BadParameter("give an address to listen on, e.g. 127.0.0.1")
    return value.strip()


@click.group("qbo")
def qbo_group() -> None:
    """QuickBooks Online: log in and out of companies, and an offline double of the API."""


def _client_secret() -> str:
    """The client secret: $QBCONNECTOR_QBO_CLIENT_SECRET, else one line of standard input."""
    secret = os.environ.get(SECRET_ENV)
    if secret:
        return secret
    if sys.stdin.isatty():
        secret = click.prompt("Client secret", hide_input=True, err=True)
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    if not secret:
        raise click.UsageError(f"give the client secret on standard input or in ${SECRET_ENV} "
                               "(never on the command line)")
    return secret


@qbo_group.command("login")
@click.argument("name")
@click.option("--client-id", required=True, help="Your app's client id (Intuit developer "
              "portal, Keys & credentials).")
@click.option("--environment", "environment_text", default="production", show_default=True,
              metavar="production|sandbox|URL",
              help="Intuit's production or sandbox servers, or a URL: a discovery document or "
                   "a base URL (the offline double: http://127.0.0.1:8180).")
@click.option("--no-browser", is_flag=True, help="Print the authorization URL only.")
@click.option("--redirect-uri", metavar="URI",
              help="The loopback redirect URI registered for the app (default: "
                   "http://127.0.0.1:<free port>/callback).")
@click.option("--scope", "scopes", multiple=True,
              help="Scopes to ask for (default: com.intuit.quickbooks.accounting).")
@click.option("--token-store", type=click.Choice(["keyring", "file"]),
              help="Where to keep the tokens (default: the OS keyring when usable, else a "
                   "file only you can read).")
@click.option("--timeout", type=click.IntRange(1, 3600), default=300, show_default=True,
              metavar="S", help="How long to wait for the authorization.")
def login_cmd(name: str, client_id: str, environment_text: str, no_browser: bool,
              redirect_uri: str | None, scopes: tuple[str, ...], token_store: str | None,
              timeout: int) -> None:
    """Authorize qbconnector for a QuickBooks Online company and save connection NAME.

    The client secret is read from standard input (or $QBCONNECTOR_QBO_CLIENT_SECRET), never
    from the command line. Open the printed URL, connect a company, and the browser comes
    back to this machine, which stores the tokens (OS keyring when available, else a file
    only you can read).
    """
    from qbconnector.qbo.login import login
    from qbconnector.qbo.oauth import DEFAULT_SCOPES

    secret = _client_secret()

    def show(url: str) -> None:
        click.echo("Open this URL to authorize qbconnector" + (
            "" if no_browser else " (a browser is opening it)") + ":", err=True)
        click.echo(url)
        sys.stdout.flush()

    with failures_as_exit_codes():
        result = login(name, client_id, secret, environment_text,
                       scopes=tuple(scopes) or DEFAULT_SCOPES, open_browser=not no_browser,
                       redirect_uri=redirect_uri, timeout=timeout, store_kind=token_store,
                       show=show)
    click.echo(f"connected {name!r} to {result.company_name or 'company'} (realm "
               f"{result.realm_id}); tokens in {result.token_store}; saved in "
               f"{result.profile_path}", err=True)
    click.echo(f"try: qbconnector query customers --connection {name}", err=True)


@qbo_group.command("logout")
@click.argument("name")
def logout_cmd(name: str) -> None:
    """Revoke connection NAME's authorization at Intuit and forget its tokens here (the saved
    connection stays; qbo login NAME authorizes it again)."""
    from qbconnector.profiles import load_profiles
    from qbconnector.qbo.credentials import Credentials
    from qbconnector.qbo.environments import environment
    from qbconnector.qbo.tokens import token_store

    with failures_as_exit_codes():
        profile = load_profiles().get(name)
        if profile is None or not str(profile.get("target", "")).startswith("qbo:"):
            raise Failure(f"no saved QuickBooks Online connection {name!r}", EXIT_NOT_FOUND)
        store = token_store(str(profile.get("tokens") or name), profile.get("token_store"))
        if store.load() is None:
            click.echo(f"{name!r} holds no tokens (already logged out)", err=True)
            return
        credentials = Credentials(store, environment(str(profile.get("environment")
                                                         or "production")))
        try:
            revoked = credentials.revoke()
        finally:
            credentials.close()
    click.echo(f"{'revoked and ' if revoked else ''}forgot the tokens of {name!r}", err=True)


@qbo_group.command("serve")
@click.option("--company", "company", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_COMPANY, show_default=True,
              help="The double's company file (created when missing).")
@click.option("--sample", type=click.Choice(["none", "small"]), default=None,
              help="When creating the file: none (a new company) or small (a year of data) "
                   "[default: none].")
@click.option("--host", default="127.0.0.1", show_default=True,
              callback=lambda ctx, param, value: _address(value),
              help="Address to listen on (loopback unless you mean otherwise).")
@click.option("--port", type=click.IntRange(0, 65535), default=8180, show_default=True,
              help="Port (0: any free port).")
@click.option("--client-id", help="OAuth client id to accept (with --client-secret).")
@click.option("--client-secret", help="OAuth client secret for --client-id.")
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="A non-loopback redirect URI to accept for the client (repeatable).")
@click.option("--auto-consent", is_flag=True,
              help="Grant authorization requests without showing the consent page.")
@click.option("--access-token-lifetime", type=click.IntRange(1, None), default=3600,
              show_default=True, metavar="S", help="Access token lifetime in seconds.")
@click.option("--throttle", is_flag=False, flag_value="intuit", default=None,
              metavar="[LIMITS]",
              help="Answer 429 over Intuit's limits (500/min, 10/s per realm and app, 120 "
                   "batch/min), or MINUTE[/SECOND[/BATCH]].")
@click.option("--webhook-url", help="POST a notification of each change here.")
@click.option("--webhook-verifier-token", help="Verifier token that signs webhooks.")
@click.option("--webhook-format", type=click.Choice(["legacy", "cloudevents"]),
              default="legacy", show_default=True)
@click.option("--time-zone", default="America/Los_Angeles", show_default=True,
              callback=lambda ctx, param, value: _zone(value),
              help="The companies' time zone (MetaData times carry its offset).")
def serve_cmd(company: Path, sample: str | None, host: str, port: int, client_id: str | None,
              client_secret: str | None, redirect_uris: tuple[str, ...], auto_consent: bool,
              access_token_lifetime: int, throttle: str | None, webhook_url: str | None,
              webhook_verifier_token: str | None, webhook_format: str, time_zone: str) -> None:
    """Serve the QuickBooks Online double (API under /v3, OAuth at the discovery paths)."""
    from qbconnector.qbo_double.app import QBODouble
    from qbconnector.qbo_double.companyfile import add_realm
    from qbconnector.qbo_double.server import DoubleServer
    from qbconnector.qbo_double.throttle import Limits
    from qbconnector.qbo_double.webhooks import WebhookSender

    if bool(client_id) != bool(client_secret):
        raise click.UsageError("--client-id and --client-secret go together")
    if bool(webhook_url) != bool(webhook_verifier_token):
        raise click.UsageError("--webhook-url and --webhook-verifier-token go together")
    try:
        limits = Limits.parse(throttle) if throttle is not None else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    creating = not company.exists()
    if not creating and sample is not None:
        click.echo(f"{company} exists: --sample applies to a new file only (ignored)", err=True)
    sender = WebhookSender(webhook_url, webhook_verifier_token, format=webhook_format) \
        if webhook_url and webhook_verifier_token else None
    try:
        double = QBODouble(str(company), zone=time_zone, auto_consent=auto_consent,
                           throttle=limits, access_token_lifetime=access_token_lifetime,
                           notify=sender)
    except Exception as exc:  # a file that is not a company file, a bad zone…
        raise click.ClickException(f"cannot open {company}: {exc}") from None
    if creating:
        click.echo(f"creating {company} (sample {sample or 'none'})…", err=True)
        add_realm(double, "Sample Landscaping Co." if sample == "small" else "My Company",
                  sample or "none")
    new_pair = None
    if client_id and client_secret:
        double.oauth.register_client(client_id, client_secret, redirect_uris)
    elif not double.oauth.has_clients():
        new_pair = ("AB" + secrets.token_hex(16), secrets.token_urlsafe(30))
        double.oauth.register_client(*new_pair, redirect_uris)
    try:
        server = DoubleServer(double, host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    base = server.base_url
    click.echo(f"QuickBooks Online double on {base}")
    click.echo(f"  discovery  {base}/.well-known/openid_sandbox_configuration")
    for realm, name in double.store.realms():
        click.echo(f"  company    {realm}  {name}  ({base}/v3/company/{realm})")
    if new_pair:
        click.echo(f"  client id      {new_pair[0]}")
        click.echo(f"  client secret  {new_pair[1]}  (shown once: keep it)")
    elif client_id:
        click.echo(f"  client id      {client_id}")
    if auto_consent:
        click.echo("  consent        automatic (--auto-consent)")
    if limits:
        click.echo(f"  throttle       {limits.per_minute}/min, {limits.per_second}/s, "
                   f"{limits.batch_per_minute} batch/min")
    if webhook_url:
        click.echo(f"  webhooks       {webhook_url} ({webhook_format})")
    click.echo("Ctrl+C stops it.")
    try:
        server.run()
    finally:
        if sender is not None:
            sender.close()
        double.close()


def register(cli: click.Group) -> None:
    cli.add_command(qbo_group)
