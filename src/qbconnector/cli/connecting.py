"""Connecting from the command line: --company, --url (with --user, --password-stdin,
--ca-file, --fingerprint) or --connection, and the exit codes of the records commands.

Exit codes: 0 done; 1 QuickBooks refused (or, for import, some records failed); 2 usage;
3 conflict (the record changed since it was read); 4 not found; 5 no connection.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from qbconnector.api import FilterError, WhereError, errors

EXIT_REFUSED, EXIT_USAGE, EXIT_CONFLICT, EXIT_NOT_FOUND, EXIT_CONNECTION = 1, 2, 3, 4, 5
PASSWORD_ENV = "QBCONNECTOR_PASSWORD"   # noqa: S105 - the variable's name


class Failure(click.ClickException):
    """A failure with its own exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# -- connecting ---------------------------------------------------------------------------------
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
    page_size: int | None = None


_CONNECTION_OPTIONS = [
    click.option("--company", metavar="FILE", help="A sandbox company file (.qbdb)."),
    click.option("--url", metavar="URL", help="A remote connector, e.g. https://host:8167."),
    click.option("--connection", "connection_name", metavar="NAME",
                 envvar="QBCONNECTOR_CONNECTION", help="A saved connection profile."),
    click.option("--user", help="User name at the remote connector."),
    click.option("--password-stdin", is_flag=True,
                 help=f"Read the connector password from stdin (else ${PASSWORD_ENV})."),
    click.option("--ca-file", type=click.Path(exists=True, dir_okay=False),
                 help="Trust the connector certificate signed by this CA (PEM)."),
    click.option("--fingerprint", help="Pin the connector certificate's SHA-256 fingerprint."),
    click.option("--qbxml-version", help="qbXML version (default: the newest both know)."),
]


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the connection options; the command receives them as ``target``."""
    @functools.wraps(func)
    def wrapper(*args: Any, company: str | None, url: str | None, connection_name: str | None,
                user: str | None, password_stdin: bool, ca_file: str | None,
                fingerprint: str | None, qbxml_version: str | None, **kwargs: Any) -> Any:
        target = Target(company, url, connection_name, user, password_stdin, ca_file,
                        fingerprint, qbxml_version)
        return func(*args, target=target, **kwargs)
    for option in reversed(_CONNECTION_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


@contextmanager
def open_connection(target: Target, page_size: int | None = None) -> Iterator[Any]:
    """Connect as the options say; failures become messages with exit code 5."""
    from qbconnector.api import ProfileError, connect
    from qbconnector.api.records.profiles import resolve
    chosen = [x for x in (target.company, target.url, target.connection) if x]
    if len(chosen) != 1:
        raise click.UsageError("give one of --company FILE, --url URL or --connection NAME")
    options: dict[str, Any] = {}
    if target.version:
        options["version"] = target.version
    if page_size:
        options["page_size"] = page_size
    if target.company:
        if not Path(target.company).is_file():
            raise Failure(f"no company file {target.company}", EXIT_CONNECTION)
        where = str(target.company)
    elif target.url:
        where = target.url
        options["persistent"] = True       # iterators need one QuickBooks session
        for key in ("user", "ca_file", "fingerprint"):
            if getattr(target, key):
                options[key] = getattr(target, key)
        if target.password_stdin:
            options["password"] = sys.stdin.readline().rstrip("\r\n")
    else:
        assert target.connection is not None
        where = target.connection
        try:
            real, _ = resolve(where)
        except ProfileError as exc:
            raise Failure(str(exc), EXIT_CONNECTION) from None
        if real.startswith(("http://", "https://")):
            options["persistent"] = True
    try:
        qb = connect(where, **options)
    except (ProfileError, ValueError, errors.SessionError, OSError) as exc:
        raise Failure(f"cannot connect: {exc}", EXIT_CONNECTION) from None
    except Exception as exc:
        if type(exc).__module__.startswith("qbconnector.remote"):
            raise Failure(f"cannot connect: {exc}", EXIT_CONNECTION) from None
        raise
    try:
        yield qb
    except errors.ConflictError as exc:
        raise Failure(_conflict_text(exc), EXIT_CONFLICT) from None
    except errors.NotFoundError as exc:
        raise Failure(str(exc), EXIT_NOT_FOUND) from None
    except errors.QBError as exc:
        raise Failure(str(exc)) from None
    except errors.SessionError as exc:
        raise Failure(str(exc), EXIT_CONNECTION) from None
    except (FilterError, WhereError) as exc:
        raise click.UsageError(str(exc)) from None
    except Exception as exc:
        if type(exc).__module__.startswith("qbconnector.remote"):
            raise Failure(str(exc), EXIT_CONNECTION) from None
        raise
    finally:
        qb.close()


def _conflict_text(exc: errors.ConflictError) -> str:
    current = exc.current_edit_sequence
    return (f"conflict: the record was changed since it was read (EditSequence sent "
            f"{exc.sent_edit_sequence}, current {current or 'unknown'}); nothing was changed. "
            "Read it again and repeat the change.")
