"""Connecting from the command line: the target options every command that reaches QuickBooks
takes (``request`` and every record command), and the exit codes of its failures.

One of ``--company FILE`` (``$QBCONNECTOR_COMPANY``), ``--url URL`` (``$QBCONNECTOR_URL``) or
``--connection NAME`` (``$QBCONNECTOR_CONNECTION``); an option on the command line wins over
the environment. With a URL: ``--user``, ``--password-stdin`` (else ``$QBCONNECTOR_PASSWORD``),
``--ca-file``, ``--fingerprint``, ``--insecure``. The target is made through
:mod:`qbconnector.targets`, like every other door.

Exit codes: 0 done; 1 QuickBooks refused (or, for import, some records failed); 2 usage;
3 conflict (the record changed since it was read); 4 not found; 5 no connection (the target
cannot be used, the backend cannot be reached, or it refused the credentials or this client).
Errors are told apart by class (:mod:`qbconnector.errors`), never by message or module.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import click

from qbconnector import errors

EXIT_REFUSED, EXIT_USAGE, EXIT_CONFLICT, EXIT_NOT_FOUND, EXIT_CONNECTION = 1, 2, 3, 4, 5
PASSWORD_ENV = "QBCONNECTOR_PASSWORD"   # noqa: S105 - the variable's name
TARGET_ENV = {"company": "QBCONNECTOR_COMPANY", "url": "QBCONNECTOR_URL",
              "connection": "QBCONNECTOR_CONNECTION"}
_FLAGS = {"company": "--company FILE", "url": "--url URL", "connection": "--connection NAME"}


class Failure(click.ClickException):
    """A failure with its own exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# -- the target options -------------------------------------------------------------------------
@dataclass
class Target:
    """Where a command connects: one of company, url, connection, plus their options."""

    company: str | None = None
    url: str | None = None
    connection: str | None = None
    user: str | None = None
    password_stdin: bool = False
    ca_file: str | None = None
    fingerprint: str | None = None
    version: str | None = None
    insecure: bool = False
    from_environment: frozenset[str] = field(default_factory=frozenset)

    def chosen(self) -> tuple[str, str]:
        """(which, value): the one target given, command line first; a UsageError otherwise."""
        given = {name: getattr(self, name) for name in _FLAGS if getattr(self, name)}
        explicit = {k: v for k, v in given.items() if k not in self.from_environment}
        candidates = explicit or given
        if len(candidates) == 1:
            return next(iter(candidates.items()))
        if not candidates:
            raise click.UsageError(
                f"give one of {', '.join(_FLAGS.values())} (or set "
                f"{', '.join(TARGET_ENV.values())})")
        names = (", ".join(_FLAGS[k] for k in candidates) if explicit else
                 ", ".join(TARGET_ENV[k] for k in candidates) + " are all set")
        raise click.UsageError(f"give one target, not several: {names}")

    def connect_string(self) -> tuple[str, dict[str, Any]]:
        """The connect string and options for :mod:`qbconnector.targets`."""
        which, value = self.chosen()
        options: dict[str, Any] = {}
        remote = {"user": self.user, "ca_file": self.ca_file, "fingerprint": self.fingerprint,
                  "insecure": self.insecure or None}
        if which == "company":
            if any(remote.values()) or self.password_stdin:
                raise click.UsageError("--user, --password-stdin, --ca-file, --fingerprint and "
                                       "--insecure go with --url")
            return value, options
        options.update({k: v for k, v in remote.items() if v})
        if self.password_stdin:
            options["password"] = sys.stdin.readline().rstrip("\r\n")
        if self.insecure:
            click.echo("warning: --insecure: the connector's certificate is not checked",
                       err=True)
        return value, options


_TARGET_OPTIONS = [
    click.option("--company", metavar="FILE", envvar=TARGET_ENV["company"],
                 help=f"A sandbox company file (.qbdb) [env: {TARGET_ENV['company']}]."),
    click.option("--url", metavar="URL", envvar=TARGET_ENV["url"],
                 help="A remote connector, e.g. https://user@host:8167, or com:// for "
                      f"QuickBooks on this machine [env: {TARGET_ENV['url']}]."),
    click.option("--connection", "connection_name", metavar="NAME",
                 envvar=TARGET_ENV["connection"],
                 help=f"A saved connection [env: {TARGET_ENV['connection']}]."),
    click.option("--user", help="User name at the remote connector."),
    click.option("--password-stdin", is_flag=True,
                 help=f"Read the connector password from stdin (else ${PASSWORD_ENV})."),
    click.option("--ca-file", type=click.Path(exists=True, dir_okay=False),
                 help="Trust the connector certificate signed by this CA (PEM)."),
    click.option("--fingerprint", help="Pin the connector certificate's SHA-256 fingerprint."),
    click.option("--insecure", is_flag=True,
                 help="Do not verify the connector's certificate (testing only)."),
]
_VERSION_OPTION = click.option("--qbxml-version",
                               help="qbXML version (default: the newest both know).")


def _sources(ctx: click.Context) -> frozenset[str]:
    names = {"company": "company", "url": "url", "connection": "connection_name"}
    return frozenset(k for k, param in names.items()
                     if ctx.get_parameter_source(param) == click.core.ParameterSource.ENVIRONMENT)


def target_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the target options; the command receives them as ``target``."""
    @functools.wraps(func)
    def wrapper(*args: Any, company: str | None, url: str | None, connection_name: str | None,
                user: str | None, password_stdin: bool, ca_file: str | None,
                fingerprint: str | None, insecure: bool, **kwargs: Any) -> Any:
        version = kwargs.pop("qbxml_version", None)
        target = Target(company, url, connection_name, user, password_stdin, ca_file,
                        fingerprint, version, insecure,
                        _sources(click.get_current_context()))
        return func(*args, target=target, **kwargs)
    for option in reversed(_TARGET_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The target options plus ``--qbxml-version``: what every record command takes."""
    return target_options(_VERSION_OPTION(func))


# -- failures, by class ---------------------------------------------------------------------------
def failure_for(exc: BaseException) -> click.ClickException | None:
    """The command-line failure for an error of qbconnector, chosen by its class."""
    if isinstance(exc, errors.ConflictError):
        return Failure(_conflict_text(exc), EXIT_CONFLICT)
    if isinstance(exc, errors.NotFoundError):
        return Failure(str(exc), EXIT_NOT_FOUND)
    if isinstance(exc, errors.QBError):
        return Failure(str(exc))
    if isinstance(exc, errors.TargetError):
        return Failure(f"cannot connect: {exc}", EXIT_CONNECTION)
    if isinstance(exc, errors.TransportError | errors.AuthenticationError |
                  errors.PermissionDeniedError | errors.SessionError):
        return Failure(str(exc), EXIT_CONNECTION)
    if isinstance(exc, errors.ValidationError):
        return click.UsageError(str(exc))
    if isinstance(exc, errors.RequestProcessorError):
        return Failure(str(exc))
    return None


@contextmanager
def failures_as_exit_codes() -> Iterator[None]:
    """Run a command's work, turning qbconnector's errors into messages and exit codes."""
    try:
        yield
    except errors.QBConnectorError as exc:
        failure = failure_for(exc)
        if failure is None:
            raise
        raise failure from None


@contextmanager
def open_connection(target: Target, page_size: int | None = None,
                    long_read: bool = False) -> Iterator[Any]:
    """A records-API connection to the target; failures become messages and exit codes.
    ``long_read``: a sandbox file is served by a worker process, so that its answers are made
    on one core while this process reads and writes them on the other (export)."""
    from qbconnector.api import connect
    from qbconnector.targets import kind_of

    text, options = target.connect_string()
    if long_read:
        with failures_as_exit_codes():
            if kind_of(text) == "sandbox":
                options["worker"] = True
    if target.version:
        options["version"] = target.version
    if page_size:
        options["page_size"] = page_size
    with failures_as_exit_codes():
        qb = connect(text, **options)     # remote sessions persist: iterators need them
        try:
            yield qb
        finally:
            qb.close()


@contextmanager
def open_session(target: Target) -> Iterator[Any]:
    """A raw Session on the target, opened, for ``request``: one request per exchange (a
    remote connector is not asked to keep QuickBooks open)."""
    from qbconnector import targets

    text, options = target.connect_string()
    with failures_as_exit_codes():
        real, saved = targets.resolve(text)
        merged = {k: v for k, v in saved.items() if k not in targets.CONNECTION_OPTIONS}
        merged.update(options)
        if real.lower().startswith(("http://", "https://")):
            merged.setdefault("persistent", False)
        session = targets.open_session(real, **merged)
        try:
            yield session
        finally:
            session.close()


def _conflict_text(exc: errors.ConflictError) -> str:
    current = exc.current_edit_sequence
    return (f"conflict: the record was changed since it was read (EditSequence sent "
            f"{exc.sent_edit_sequence}, current {current or 'unknown'}); nothing was changed. "
            "Read it again and repeat the change.")
