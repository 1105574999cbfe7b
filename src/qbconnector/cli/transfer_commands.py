"""``qbconnector export`` and ``qbconnector import``: thin wrappers over
:func:`qbconnector.api.export` and :func:`qbconnector.api.import_file` with a progress bar."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from qbconnector.cli.api_commands import collection_of
from qbconnector.cli.connecting import (
    EXIT_REFUSED,
    Failure,
    Target,
    connection_options,
    open_connection,
)
from qbconnector.cli.discovery import complete_type, complete_type_then_file


class BarProgress:
    """A rich progress bar on stderr: records done of the total, and the rate."""

    def __init__(self, verb: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
        self.verb = verb
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} records/s"), TimeElapsedColumn(),
            console=Console(stderr=True), transient=False)
        self.task: Any = None

    def __enter__(self) -> BarProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, type_name: str, total: int | None) -> None:
        self.task = self.progress.add_task(f"{self.verb} {type_name}", total=total, rate="-")

    def advance(self, count: int) -> None:
        self.progress.advance(self.task, count)
        task = self.progress.tasks[-1]
        if task.speed:
            self.progress.update(self.task, rate=f"{task.speed:,.0f}")

    def finish(self) -> None:
        task = self.progress.tasks[-1]
        elapsed = task.elapsed or 0
        rate = f"{task.completed / elapsed:,.0f}" if elapsed else "-"
        self.progress.update(self.task, total=task.completed, rate=rate)


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def parse_since(text: str, zone: str | None) -> datetime:
    """``--since``: ISO 8601 with an offset, or without one plus ``--timezone``."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date or date-time (ISO 8601)",
                                 param_hint="--since") from None
    if value.tzinfo is not None:
        return value
    if zone is None:
        raise click.BadParameter(
            f"{text!r} has no UTC offset: write one (2024-05-01T00:00:00-05:00) or name the "
            "zone with --timezone (America/New_York, UTC)", param_hint="--since")
    try:
        return value.replace(tzinfo=ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {zone!r}", param_hint="--timezone") \
            from None


def _write_summary(summary: dict[str, Any], target: str | None) -> None:
    if target is None:
        return
    text = json.dumps(summary, indent=2, default=_json_default) + "\n"
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@click.command("export")
@click.argument("types", nargs=-1, metavar="TYPE...", shell_complete=complete_type)
@click.option("--all", "everything", is_flag=True,
              help="Every type, in dependency order: the whole company (import --all reads "
                   "it back).")
@click.option("--to", "destination", required=True, metavar="DEST",
              help="A .jsonl, .csv or .parquet file, or a database URL (sqlite:///file.db).")
@click.option("--since", help="Only records modified at or after this time (ISO 8601).")
@click.option("--timezone", "zone", help="The zone of a --since without offset.")
@click.option("--state", type=click.Path(dir_okay=False),
              help="State file: remembers where this export stopped, for the next run.")
@click.option("--page-size", type=click.IntRange(1, 10000), help="Records per iterator page.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary line.")
@click.option("--summary-json", metavar="FILE", help="Write a JSON summary ('-' for stdout).")
@click.option("--replace", is_flag=True, help="In a database: drop tables of the export's "
              "names that it did not create (without it, such a table stops the export).")
@connection_options
def export_cmd(types: tuple[str, ...], everything: bool, destination: str, since: str | None,
               zone: str | None, state: str | None, page_size: int | None, quiet: bool,
               summary_json: str | None, replace: bool, target: Target) -> None:
    """Copy every record of the TYPEs (lines, linked transactions and inactive list records
    included) to DEST; with --since or --state, only what changed, plus deletions."""
    from qbconnector.api import DestinationError, StateError, export
    from qbconnector.api.transfer.whole import desktop_only, whole_company_types
    if everything == bool(types):
        raise click.UsageError("give the TYPEs to export, or --all (not both)")
    types = tuple(whole_company_types()) if everything else types
    moment = parse_since(since, zone) if since else None
    with open_connection(target, page_size, long_read=True) as qb:
        if everything:
            desktop_only(qb, "export")
        for name in types:
            collection_of(qb, name)
        bar = _NoProgress() if quiet else BarProgress("export")
        try:
            with bar:
                summary = export(qb, list(types), destination, since=moment, state=state,
                                 progress=None if quiet else bar,  # type: ignore[arg-type]
                                 replace=replace)
        except (DestinationError, StateError, ImportError) as exc:
            raise Failure(str(exc)) from None
    data = summary.to_dict()
    if not quiet:
        for note in data.get("notes", ()):
            click.echo(f"note: {note}", err=True)
        rate = summary.records / summary.seconds if summary.seconds else 0
        click.echo(f"exported {summary.records:,} records ({data['lines']:,} lines, "
                   f"{data['deleted']:,} deleted) to {summary.destination} in "
                   f"{summary.seconds:.1f} s ({rate:,.0f} records/s)", err=True)
    _write_summary(data, summary_json)


@click.command("import")
@click.argument("arguments", nargs=-1, metavar="TYPE FILE | --all FILE",
                shell_complete=complete_type_then_file)
@click.option("--all", "everything", is_flag=True,
              help="Import everything export --all wrote: lists in dependency order, then "
                   "transactions in the order they happened.")
@click.option("--map", "mapping", type=click.Path(exists=True, dir_okay=False),
              help="A mapping file (TOML): columns to fields, constants, types, lines.")
@click.option("--upsert-by", type=click.Choice(["Name", "RefNumber", "ID", "none"]),
              help="Find existing records by this key (default: Name for lists, RefNumber "
                   "for transactions); 'none' always adds.")
@click.option("--results", type=click.Path(dir_okay=False),
              help="Where to write one row per source record (.csv or .jsonl) "
                   "[default: FILE's name with .results.csv, beside it].")
@click.option("--stop-on-error", is_flag=True, help="Stop at the first failing record "
              "(default: continue and report every failure).")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=50, show_default=True,
              help="Records per message set.")
@click.option("--dry-run", is_flag=True, help="Decide add / modify / skip, send nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, no summary line.")
@click.option("--summary-json", metavar="FILE", help="Write a JSON summary ('-' for stdout).")
@connection_options
def import_cmd(arguments: tuple[str, ...], everything: bool, mapping: str | None,
               upsert_by: str | None, results: str | None, stop_on_error: bool,
               batch_size: int, dry_run: bool, quiet: bool, summary_json: str | None,
               target: Target) -> None:
    """Add the records of FILE (CSV or JSONL) as TYPE, or modify those that exist; records
    that are already as the file says are skipped; a record that fails is a row of the
    results file and the others go on. Exit 1 if any record failed."""
    from qbconnector.api import MappingError, SourceError, import_file
    from qbconnector.errors import ValidationError
    if everything:
        if len(arguments) != 1 or mapping or upsert_by:
            raise click.UsageError("import --all takes one FILE (what export --all wrote), "
                                   "and no --map or --upsert-by")
        _import_all(Path(arguments[0]), results, stop_on_error, batch_size, dry_run, quiet,
                    summary_json, target)
        return
    if len(arguments) != 2:
        raise click.UsageError("give TYPE and FILE (or --all FILE)")
    type_name, source = arguments
    if not Path(source).is_file():
        raise click.BadParameter(f"no such file: {source}", param_hint="FILE")
    results = results or str(Path(source).with_name(Path(source).stem + ".results.csv"))
    with open_connection(target) as qb:
        collection_of(qb, type_name)
        bar = _NoProgress() if quiet else BarProgress("import")
        try:
            with bar:
                summary = import_file(
                    qb, type_name, source, mapping=mapping, upsert_by=upsert_by,
                    on_error="stopOnError" if stop_on_error else "continueOnError",
                    batch_size=batch_size, results=results, dry_run=dry_run,
                    progress=None if quiet else bar)  # type: ignore[arg-type]
        except ValidationError:
            raise
        except (MappingError, SourceError, ValueError) as exc:
            raise Failure(str(exc)) from None
    if not summary.rows:
        click.echo(f"warning: {source} has no {summary.type_name} records"
                   + (f" ({summary.other_types:,} records of other types, skipped)"
                      if summary.other_types else ""), err=True)
    if summary.created and not quiet:
        shown = ", ".join(summary.created[:8]) + (", ..." if len(summary.created) > 8 else "")
        click.echo(f"{'would create' if dry_run else 'created'} {len(summary.created):,} list "
                   f"record(s) the records refer to: {shown}", err=True)
    if not quiet:
        click.echo(f"{summary.type_name}: {summary.rows:,} records — {summary.added:,} added, "
                   f"{summary.modified:,} modified, {summary.skipped:,} unchanged, "
                   f"{summary.errors:,} failed ({summary.seconds:.1f} s); results in {results}"
                   + (" [dry run]" if dry_run else ""), err=True)
    if summary.custom_fields_not_imported and not quiet:
        click.echo(f"warning: the custom fields of {summary.custom_fields_not_imported:,} "
                   "record(s) could not be written (see the results)", err=True)
    _write_summary(summary.to_dict(), summary_json)
    if summary.errors:
        raise Failure(f"{summary.errors} record(s) failed; see {results}", EXIT_REFUSED)


def _import_all(source: Path, results: str | None, stop_on_error: bool, batch_size: int,
                dry_run: bool, quiet: bool, summary_json: str | None, target: Target) -> None:
    from qbconnector.api import SourceError
    from qbconnector.api.transfer.whole import import_all
    results = results or str(source.with_name(source.stem + ".results.csv"))
    with open_connection(target) as qb:
        bar = _NoProgress() if quiet else BarProgress("import")
        try:
            with bar:
                summaries = import_all(
                    qb, source, results=results, dry_run=dry_run, batch_size=batch_size,
                    on_error="stopOnError" if stop_on_error else "continueOnError",
                    progress=None if quiet else bar)  # type: ignore[arg-type]
        except SourceError as exc:
            raise Failure(str(exc)) from None
    failed = sum(s.errors for s in summaries)
    if not quiet:
        for s in summaries:
            click.echo(f"{s.type_name}: {s.rows:,} records — {s.added:,} added, "
                       f"{s.modified:,} modified, {s.skipped:,} unchanged, {s.errors:,} "
                       "failed", err=True)
        click.echo(f"{sum(s.rows for s in summaries):,} records of {len(summaries)} types; "
                   f"results in {results}" + (" [dry run]" if dry_run else ""), err=True)
    _write_summary({"types": [s.to_dict() for s in summaries], "results_file": results},
                   summary_json)
    if failed:
        raise Failure(f"{failed} record(s) failed; see {results}", EXIT_REFUSED)


def register(cli: click.Group) -> None:
    """Add export and import to the top-level group."""
    cli.add_command(export_cmd)
    cli.add_command(import_cmd)
