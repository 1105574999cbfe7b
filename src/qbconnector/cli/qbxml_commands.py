"""``qbconnector qbxml ...``: list messages, print examples, validate and parse message sets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qbconnector.qbxml import example as examples
from qbconnector.qbxml import parse as parsing
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.jsonify import jsonable
from qbconnector.qbxml.validate import validate
from qbconnector.qbxml.xmlsafe import XMLError

FAMILY = click.option("--family", type=click.Choice(["qbxml", "qbposxml"]), default="qbxml",
                      show_default=True, help="QuickBooks Desktop (qbxml) or Point of Sale.")


def _version(family: str, version: str | None) -> str:
    sp = specmod.load(family)
    if version is None:
        return sp.latest
    try:
        return sp.check_version(version)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--qbxml-version") from None


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    if not path.is_file():
        raise click.BadParameter(f"no such file: {source}", param_hint="FILE")
    return path.read_bytes()


@click.group("qbxml")
def qbxml_group() -> None:
    """Work with qbXML message sets: list, example, validate, parse."""


@qbxml_group.command("messages")
@click.option("--qbxml-version", "--version", "-v", "version",
              help="qbXML version (default: the newest known).")
@click.option("--responses", is_flag=True, help="List response messages instead of requests.")
@FAMILY
def messages_cmd(version: str | None, responses: bool, family: str) -> None:
    """The message names QuickBooks Desktop accepts in a version, one per line."""
    sp = specmod.load(family)
    version = _version(family, version)
    names = sp.requests_for(version)
    if responses:
        names = [n[:-2] + "Rs" for n in names if n[:-2] + "Rs" in sp.messages]
    click.echo("\n".join(names))


@qbxml_group.command("example")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every request of the version.")
@click.option("--qbxml-version", "--version", "-v", "version",
              help="qbXML version (default: the newest known).")
@click.option("--minimal", is_flag=True, help="Only the required elements.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write one file per message, NAME.xml, into this folder.")
@FAMILY
def example_cmd(names: tuple[str, ...], all_: bool, version: str | None, minimal: bool,
                out: Path | None, family: str) -> None:
    """A complete, valid request message set for each NAME (e.g. CustomerAdd)."""
    sp = specmod.load(family)
    version = _version(family, version)
    if all_ == bool(names):
        raise click.UsageError("give message NAMEs or --all (not both)")
    wanted = sp.requests_for(version) if all_ else [n if n.endswith("Rq") else n + "Rq"
                                                    for n in names]
    for name in wanted:
        if name not in sp.messages:
            raise click.BadParameter(f"unknown request {name!r}; see 'qbconnector qbxml "
                                     "messages'", param_hint="NAMES")
    try:
        if out is None:
            click.echo(examples.example(wanted, version, minimal, family))
            return
        out.mkdir(parents=True, exist_ok=True)
        for name in wanted:
            text = examples.example([name], version, minimal, family)
            (out / f"{name}.xml").write_text(text + "\n", encoding="ascii")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {len(wanted)} file(s) to {out}", err=True)


@qbxml_group.command("validate")
@click.argument("source", metavar="FILE|-")
@click.option("--qbxml-version", "--version", "-v", "version",
              help="Validate as this version instead of the header's.")
def validate_cmd(source: str, version: str | None) -> None:
    """Exit 0 when the message set is valid, else 1 with one problem per line."""
    problems = validate(_read(source), version)
    if problems:
        for problem in problems:
            click.echo(str(problem))
        sys.exit(1)
    click.echo("valid", err=True)


@qbxml_group.command("parse")
@click.argument("source", metavar="FILE|-")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl",
              show_default=True, help="jsonl streams one record per line.")
def parse_cmd(source: str, fmt: str) -> None:
    """The records of a response message set, with typed values, as JSON."""
    data = _read(source)
    try:
        if fmt == "json":
            result = parsing.parse_response(data)
            payload = [{
                "response": r.name, "requestID": r.request_id, "statusCode": r.status_code,
                "statusSeverity": r.status_severity, "statusMessage": r.status_message,
                "retCount": r.ret_count, "iteratorID": r.iterator_id,
                "iteratorRemainingCount": r.iterator_remaining_count,
                "records": [{"type": rec.tag, **jsonable(rec)} for rec in r.records],
            } for r in result]
            click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        write = sys.stdout.write
        for response in parsing.stream_response(data):
            head = {"response": response.name, "requestID": response.request_id,
                    "statusCode": response.status_code,
                    "statusSeverity": response.status_severity,
                    "statusMessage": response.status_message}
            for record in response.records():
                write(json.dumps({**head, "type": record.tag, "record": jsonable(record)},
                                 ensure_ascii=False) + "\n")
            if response.ret_count == 0:
                write(json.dumps({**head, "type": None, "record": None}) + "\n")
    except (parsing.ResponseError, XMLError) as exc:
        raise click.ClickException(str(exc)) from None


def register(cli: click.Group) -> None:
    """Add ``qbxml`` to the top-level group."""
    cli.add_command(qbxml_group)
