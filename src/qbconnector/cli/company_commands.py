"""``qbconnector company ...`` (sandbox company files) and ``qbconnector request``.

``company create`` makes a company file, optionally with a sample company's year of data;
``company info`` summarises one; ``request`` sends a raw qbXML message set to a session and
prints the response, or the request processor's HRESULT when QuickBooks would give none.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from qbconnector.cli.connecting import (
    EXIT_REFUSED,
    Target,
    connection_options,
    failure_for,
    open_session,
)
from qbconnector.qbxml.session import RequestProcessorError


@click.group("company")
def company_group() -> None:
    """Sandbox company files: create (optionally with sample data) and inspect."""


@company_group.command("create")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sample", type=click.Choice(["none", "small", "large"]), default="none",
              show_default=True,
              help="none: a new company; small: ~100 customers and 2,000 transactions; "
                   "large: ~10,000 customers and 200,000 transactions.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Sample data are the same for the same seed.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Sample transactions fall in the year before this date "
                   "[default: 2025-01-01].")
@click.option("--name", help="Company name [default: the file name].")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
def create_cmd(path: Path, sample: str, seed: int, as_of: Any, name: str | None, force: bool,
               quiet: bool) -> None:
    """Create a sandbox company file (suggested extension .qbdb)."""
    from qbconnector.sandbox import create_company
    if path.exists():
        if not force:
            raise click.ClickException(f"{path} already exists (use --force to replace it)")
        _remove(path)
    # The summary below says what was not written; no need for the log's warnings too.
    logging.getLogger("qbconnector.sandbox.company.samples").addHandler(logging.NullHandler())
    started = time.perf_counter()
    try:
        with _progress(quiet or sample == "none") as progress:
            create_company(path, sample=sample, seed=seed, name=name, progress=progress,
                           as_of=as_of.date() if as_of else None)
    except BaseException:
        _remove(path)
        raise
    if quiet:
        return
    elapsed = time.perf_counter() - started
    from qbconnector.sandbox import read_report
    result = read_report(path)
    if result is None:
        click.echo(f"created {path} in {elapsed:.1f}s", err=True)
        return
    click.echo(f"created {path}: {result.lists:,} list records and {result.transactions:,} "
               f"transactions dated {result.year} in {elapsed:.1f}s", err=True)
    for kind, count in result.skipped.items():
        click.echo(f"  not written: {count:,} {kind} (the sandbox has no rules for it yet)",
                   err=True)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar (counts and rate) fed by ``progress(stage, done, total)``."""
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class Rate(TextColumn):
        def render(self, task: Any) -> Any:
            speed = task.finished_speed or task.speed
            self.text_format = f"{speed:,.0f}/s" if speed else ""
            return super().render(task)

    columns = (TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(),
               Rate(""), TimeElapsedColumn(), TimeRemainingColumn())
    tasks: dict[str, Any] = {}
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)
        yield update


@company_group.command("info")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True,
              help="As JSON: company, file, lists and transactions per type, checks.")
def info_cmd(path: str, as_json: bool) -> None:
    """Company name, records per type and whether the books balance (exit 1 if not)."""
    from qbconnector.sandbox import audit_summary as summary
    try:
        facts = summary(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    balanced = all(ok for ok, _ in facts["checks"].values())
    if as_json:
        click.echo(json.dumps({
            "company": facts["company"], "file": str(Path(path).resolve()),
            "lists": facts["lists"], "transactions": facts["transactions"],
            "checks": {name: {"ok": ok, "detail": detail}
                       for name, (ok, detail) in facts["checks"].items()},
            "balanced": balanced}, indent=2))
        if not balanced:
            sys.exit(1)
        return
    click.echo(f"{facts['company']}  ({path})")
    click.echo("lists:")
    for kind, count in facts["lists"].items():
        click.echo(f"  {kind:<28}{count:>10,}")
    click.echo("transactions:")
    for kind, count in facts["transactions"].items():
        click.echo(f"  {kind:<28}{count:>10,}")
    for check, (ok, detail) in facts["checks"].items():
        click.echo(f"{'ok  ' if ok else 'FAIL'} {check}: {detail}")
    if not balanced:
        sys.exit(1)


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    if not path.is_file():
        raise click.BadParameter(f"no such file: {source}", param_hint="FILE")
    return path.read_bytes()


@click.command("request")
@connection_options
@click.argument("source", metavar="[FILE|-]", default="-")
@click.option("--check", is_flag=True, help="Exit 1 when any response has an error status "
                                            "(the response is printed all the same).")
def request_cmd(target: Target, source: str, check: bool) -> None:
    """Send a qbXML request message set and print the response message set.

    The target is any of the record commands': a sandbox company file (--company), a remote
    connector or com:// (--url), or a saved connection (--connection). When QuickBooks would
    answer with an error of its request processor instead (a message it cannot parse, an
    unsupported version...), print its HRESULT and text on stderr and exit with status 1.
    --qbxml-version sets the request's <?qbxml version?> header.
    """
    if target.password_stdin and source == "-":
        raise click.UsageError("with --password-stdin, give the request as a FILE")
    data = _read(source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if target.version:
        text = with_version(text, target.version)
    with open_session(target) as session:
        try:
            response = session.process(text)
        except RequestProcessorError as exc:
            if failure_for(exc).exit_code != EXIT_REFUSED:   # the connection, not QuickBooks
                raise
            click.echo(str(exc), err=True)     # QuickBooks' own HRESULT and text, as they are
            sys.exit(EXIT_REFUSED)
    click.echo(response, nl=not response.endswith("\n"))
    if check:
        failed = _error_statuses(response)
        if failed:
            click.echo(f"{len(failed)} request(s) answered with an error: "
                       + "; ".join(failed[:3]) + ("; ..." if len(failed) > 3 else ""),
                       err=True)
            sys.exit(EXIT_REFUSED)


def with_version(text: str, version: str) -> str:
    """The request with its ``<?qbxml version?>`` header set to ``version``."""
    from qbconnector.qbxml.spec import load

    version = load().check_version(version)
    header = f'<?qbxml version="{version}"?>'
    if re.search(r"<\?qbxml\s", text):
        return re.sub(r"<\?qbxml\s[^?]*\?>", header, text, count=1)
    declaration = re.match(r"\s*<\?xml[^?]*\?>", text)
    at = declaration.end() if declaration else 0
    return text[:at] + header + text[at:]


def _error_statuses(response: str) -> list[str]:
    """``Name statusCode message`` of every response with an Error severity."""
    from qbconnector.qbxml.parse import ResponseError, parse_response

    try:
        answers = parse_response(response)
    except ResponseError as exc:
        return [f"the response could not be read: {exc}"]
    return [f"{a.name} {a.status_code} {a.status_message}" for a in answers
            if a.status_severity == "Error"]


def register(cli: click.Group) -> None:
    """Add ``company`` and ``request`` to the top-level group."""
    cli.add_command(company_group)
    cli.add_command(request_cmd)

