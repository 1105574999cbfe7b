"""Records commands: query, get, add, modify, delete, void, connections (and, from
:mod:`qbconnector.cli.transfer_commands`, export and import).

Every command reaches QuickBooks through ``--company FILE``, ``--url URL`` or ``--connection
NAME`` (see :mod:`qbconnector.cli.connecting`, which also lists the exit codes).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from qbconnector.api import Record, WhereError, errors, parse_where
from qbconnector.api.records.filters import ID_PATTERN
from qbconnector.cli.connecting import (
    EXIT_NOT_FOUND,
    Failure,
    Target,
    connection_options,
    open_connection,
)
from qbconnector.cli.discovery import complete_type
from qbconnector.errors import ValidationError


def collection_of(qb: Any, name: str) -> Any:
    try:
        return qb.collection(name)
    except AttributeError as exc:
        hint = re.search(r"\(did you mean [^)]*\)", str(exc))
        raise click.BadParameter(f"no record type {name!r} "
                                 + (hint.group(0) if hint else
                                    "(e.g. customers, invoices, sales_orders, or a type name "
                                    "such as Customer)"), param_hint="TYPE") from None


def resolve_id(collection: Any, ident: str) -> str:
    """An ID as given, or the ID of the list record with that FullName / the transaction
    with that RefNumber (QuickBooks Online's collections resolve their own)."""
    own = getattr(collection, "resolve_id", None)
    if own is not None:
        return own(ident)
    if ID_PATTERN.match(ident):
        return ident
    if collection.kind == "list":
        return collection.get_by_name(ident).id
    found = collection.query(ref_numbers=[ident], limit=2).all()
    if not found:
        raise errors.NotFoundError(500, "Warn", f"no {collection.type_name} with ID or "
                                   f"RefNumber {ident!r}", collection.query_request or "")
    if len(found) > 1:
        raise Failure(f"several {collection.type_name} records have RefNumber {ident!r}; "
                      "give the TxnID")
    return found[0].id


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def read_data(data: str | None, file: str | None) -> dict[str, Any]:
    """The JSON object of ``--data`` or ``--file`` (``-`` = stdin)."""
    if (data is None) == (file is None):
        raise click.UsageError("give the fields with --data JSON or --file FILE (one of them)")
    try:
        if data is not None:
            text = data
        elif file == "-":
            text = sys.stdin.read()
        else:
            text = Path(file).read_text(encoding="utf-8")  # type: ignore[arg-type]
    except OSError as exc:
        raise click.BadParameter(f"{file}: {exc.strerror}", param_hint="--file") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--data/--file") from None
    if not isinstance(value, dict):
        raise click.BadParameter("give a JSON object of fields", param_hint="--data/--file")
    return value


# -- query output ---------------------------------------------------------------------------------
def _tables(collection: Any) -> Any:
    """The flat tables of a collection's type (QuickBooks Online's collections have theirs)."""
    from qbconnector.api.transfer.tables import tables_for
    own = getattr(collection, "tables", None)
    return own() if own is not None else tables_for(collection.type_name)


def _field_names(collection: Any, fields: tuple[str, ...]) -> list[str]:
    from qbconnector.api.transfer.tables import ret_element
    from qbconnector.qbxml.build import normalize_key
    names = [n.strip() for item in fields for n in item.split(",") if n.strip()]
    own = getattr(collection, "field_names", None)
    if own is not None:
        try:
            return own(names)
        except ValidationError as exc:
            raise click.BadParameter(str(exc), param_hint="--fields") from None
    ret = ret_element(collection.type_name)
    known = {normalize_key(n): n for n in ret.child_names()}
    out = []
    for item in fields:
        for name in item.split(","):
            if not name.strip():
                continue
            found = known.get(normalize_key(name.strip()))
            if found is None:
                raise click.BadParameter(f"{collection.type_name} has no field {name!r}",
                                         param_hint="--fields")
            out.append(found)
    return out


def _columns(tables: Any, fields: list[str]) -> list[Any]:
    columns = list(tables.records.columns)
    if fields:
        wanted = set(fields)
        return [c for c in columns if c.path[0] in wanted]
    return columns


_TABLE_DEFAULTS = ("list_id", "txn_id", "full_name", "ref_number", "txn_date",
                   "customer_ref_full_name", "vendor_ref_full_name", "entity_ref_full_name",
                   "payee_entity_ref_full_name", "account_type", "is_active", "balance",
                   "total_balance", "total_amount", "subtotal", "amount", "balance_remaining",
                   # QuickBooks Online's columns
                   "id", "fully_qualified_name", "display_name", "doc_number",
                   "customer_ref_name", "vendor_ref_name", "active", "total_amt")


def write_records(records: Any, fmt: str, collection: Any, fields: list[str]) -> int:
    """Print records as table, json, jsonl (streamed) or csv (streamed); returns the count."""
    from qbconnector.api.transfer.sink_files import cell_text
    from qbconnector.api.transfer.tables import flatten
    count = 0
    out = sys.stdout
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt == "json":
        out.write("[")
        for record in records:
            out.write(("\n  " if count == 0 else ",\n  ")
                      + json.dumps(record.to_dict(), ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
        return count
    tables = _tables(collection)
    columns = _columns(tables, fields)
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow([c.name for c in columns])
        for record in records:
            row = flatten(record, tables)
            writer.writerow([cell_text(row.get(c.name)) for c in columns])
            count += 1
        return count
    rows = [flatten(record, tables) for record in records]
    if not rows:
        click.echo(f"no records ({collection.type_name})")
        return 0
    if not fields:
        columns = [c for c in columns if c.name in _TABLE_DEFAULTS]
    columns = [c for c in columns if any(row.get(c.name) is not None for row in rows)]
    from rich.console import Console
    from rich.table import Table
    table = Table(*[c.name for c in columns], title=f"{collection.type_name}: {len(rows)}")
    for row in rows:
        table.add_row(*[cell_text(row.get(c.name)) for c in columns])
    # On a terminal the table fits the window; piped, nothing is cut (IDs stay whole).
    Console(width=None if out.isatty() else 100_000).print(table)
    return len(rows)


# -- commands -------------------------------------------------------------------------------------
@click.command("query")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_type)
@click.option("--where", "-w", "where", multiple=True, metavar="KEY=VALUE",
              help="A filter, e.g. name_contains=Acme, txn_date=2024-01-01..2024-03-31, "
                   "paid=false, modified_since=2024-05-01T00:00:00-05:00 (repeatable).")
@click.option("--fields", "-f", multiple=True, help="Fields to return (comma-separated).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many records.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl", "csv"]),
              default="table", show_default=True)
@click.option("--page-size", type=click.IntRange(1, 10000), help="Records per iterator page.")
@connection_options
def query_cmd(type_name: str, where: tuple[str, ...], fields: tuple[str, ...],
              limit: int | None, fmt: str, page_size: int | None, target: Target) -> None:
    """Records of TYPE (customers, invoices, sales_orders, ...) matching the filters."""
    try:
        filters = parse_where(where)
    except WhereError as exc:
        raise click.BadParameter(str(exc), param_hint="--where") from None
    with open_connection(target, page_size) as qb:
        collection = collection_of(qb, type_name)
        chosen = _field_names(collection, fields)
        if chosen:
            filters["fields"] = chosen
        records = collection.query(limit=limit, **filters)
        write_records(records, fmt, collection, chosen)
        for warning in records.warnings:
            click.echo(f"warning: {warning}", err=True)


@click.command("get")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_type)
@click.argument("ident", metavar="ID")
@connection_options
def get_cmd(type_name: str, ident: str, target: Target) -> None:
    """One record as JSON, by ListID/TxnID (or FullName for lists, RefNumber for
    transactions)."""
    with open_connection(target) as qb:
        collection = collection_of(qb, type_name)
        record_id = resolve_id(collection, ident)
        if collection.kind == "txn":
            found = collection.query(ids=[record_id], include_line_items=True,
                                     include_linked_txns=True).first()
            if found is None:
                raise errors.NotFoundError(500, "Warn", f"no {collection.type_name} with "
                                           f"TxnID {record_id}")
            record: Record = found
        else:
            record = collection.get(record_id)
        echo_json(record.to_dict())


@click.command("add")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_type)
@click.option("--data", help="The fields as a JSON object (qbXML or snake_case names).")
@click.option("--file", "file", help="A file with the JSON object ('-' for stdin).")
@connection_options
def add_cmd(type_name: str, data: str | None, file: str | None, target: Target) -> None:
    """Add a record; prints it as QuickBooks stored it (IDs, EditSequence, totals)."""
    fields = read_data(data, file)
    with open_connection(target) as qb:
        collection = collection_of(qb, type_name)
        echo_json(_write(lambda: collection.add(fields)).to_dict())


def _write(operation: Callable[[], Record]) -> Record:
    """Run a change; data QuickBooks would refuse is a usage error (exit 2) naming the field,
    the value and what is allowed (through the one error path)."""
    try:
        return operation()
    except NotImplementedError as exc:
        raise Failure(str(exc)) from None


@click.command("modify")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_type)
@click.argument("ident", metavar="ID")
@click.option("--data", help="The changed fields as a JSON object.")
@click.option("--file", "file", help="A file with the JSON object ('-' for stdin).")
@click.option("--edit-sequence", help="Change only if the record still has this "
              "EditSequence (else exit 3); default: the current one.")
@connection_options
def modify_cmd(type_name: str, ident: str, data: str | None, file: str | None,
               edit_sequence: str | None, target: Target) -> None:
    """Change fields of a record (only the fields given are sent)."""
    fields = read_data(data, file)
    with open_connection(target) as qb:
        collection = collection_of(qb, type_name)
        record_id = resolve_id(collection, ident)
        where: Any = {collection.id_field: record_id, "EditSequence": edit_sequence} \
            if edit_sequence else record_id
        echo_json(_write(lambda: collection.modify(where, fields)).to_dict())


@click.command("delete")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_type)
@click.argument("ident", metavar="ID")
@connection_options
def delete_cmd(type_name: str, ident: str, target: Target) -> None:
    """Delete a record (lists: only when nothing uses it)."""
    with open_connection(target) as qb:
        collection = collection_of(qb, type_name)
        record_id = resolve_id(collection, ident)
        echo_json(_write(lambda: collection.delete(record_id)).to_dict())


@click.command("void")
@click.argument("type_name", metavar="TYPE", shell_complete=complete_type)
@click.argument("ident", metavar="ID")
@connection_options
def void_cmd(type_name: str, ident: str, target: Target) -> None:
    """Void a transaction: its amounts become zero, the record stays."""
    with open_connection(target) as qb:
        collection = collection_of(qb, type_name)
        record_id = resolve_id(collection, ident)
        echo_json(_write(lambda: collection.void(record_id)).to_dict())


# -- connection profiles --------------------------------------------------------------------------
@click.group("connections")
def connections_group() -> None:
    """Saved connections (profiles) for --connection NAME and connect("NAME")."""


@connections_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def connections_list(fmt: str) -> None:
    """The saved connections (no secrets are stored or shown)."""
    from qbconnector.profiles import ProfileError, load_profiles
    try:
        profiles = load_profiles()
    except ProfileError as exc:
        raise Failure(str(exc)) from None
    if fmt == "json":
        echo_json(profiles)
        return
    if not profiles:
        click.echo("no saved connections (add one: qbconnector connections add NAME TARGET)",
                   err=True)
        return
    from rich.console import Console
    from rich.table import Table
    table = Table("name", "target", "options")
    for name, profile in sorted(profiles.items()):
        options = ", ".join(f"{k}={v}" for k, v in profile.items() if k != "target")
        table.add_row(name, str(profile.get("target", "")), options)
    Console().print(table)


@connections_group.command("add")
@click.argument("name")
@click.argument("target_text", metavar="TARGET")
@click.option("--user", help="User name at the remote connector.")
@click.option("--password-env", metavar="VAR", help="Take the password from this variable.")
@click.option("--keyring", "use_keyring", is_flag=True,
              help="Keep the password in the OS keyring (read from stdin now).")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False))
@click.option("--fingerprint")
@click.option("--qbxml-version")
@click.option("--page-size", type=click.IntRange(1, 10000))
def connections_add(name: str, target_text: str, user: str | None, password_env: str | None,
                    use_keyring: bool, ca_file: str | None, fingerprint: str | None,
                    qbxml_version: str | None, page_size: int | None) -> None:
    """Save TARGET (a company file, https://host:port, com://) as NAME; a company file is
    saved as an absolute path, a fingerprint is checked (SHA-256, as ``cert generate``
    prints it)."""
    from qbconnector.profiles import KEYRING_SERVICE, ProfileError, checked_name, save_profile
    if "@" in target_text and ":" in target_text.split("@", 1)[0].split("://")[-1]:
        raise click.BadParameter("profiles never store passwords: drop user:password@ "
                                 "and use --password-env or --keyring", param_hint="TARGET")
    if password_env and use_keyring:
        raise click.UsageError("give --password-env or --keyring, not both")
    try:
        checked_name(name)
    except ProfileError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    if fingerprint is not None:
        from qbconnector.remote.tls import normalize_fingerprint
        try:
            normalize_fingerprint(fingerprint)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--fingerprint") from None
    if use_keyring:
        try:
            import keyring
        except ImportError:
            raise Failure("--keyring needs the keyring package: pip install "
                          "'qbconnector[keyring]'") from None
        from keyring.errors import KeyringError
        try:
            keyring.set_password(KEYRING_SERVICE, name, sys.stdin.readline().rstrip("\r\n"))
        except KeyringError as exc:     # installed, but no backend on this machine
            raise Failure(f"--keyring: the OS keyring cannot be used here "
                          f"({type(exc).__name__}); use --password-env") from None
    try:
        path = save_profile(name, target_text, user=user, password_env=password_env,
                            password_keyring=True if use_keyring else None, ca_file=ca_file,
                            fingerprint=fingerprint, version=qbxml_version, page_size=page_size)
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"saved {name!r} in {path}", err=True)


@connections_group.command("remove")
@click.argument("name")
def connections_remove(name: str) -> None:
    """Forget a saved connection."""
    from qbconnector.profiles import remove_profile
    if not remove_profile(name):
        raise Failure(f"no saved connection {name!r}", EXIT_NOT_FOUND)
    click.echo(f"removed {name!r}", err=True)


@connections_group.command("path")
def connections_path() -> None:
    """Where the connections file is (QBCONNECTOR_CONFIG_DIR overrides the folder)."""
    from qbconnector.profiles import profiles_path
    click.echo(str(profiles_path()))


def register(cli: click.Group) -> None:
    """Add the records commands to the top-level group."""
    from qbconnector.cli import transfer_commands
    from qbconnector.cli.discovery import types_cmd
    for command in (query_cmd, get_cmd, add_cmd, modify_cmd, delete_cmd, void_cmd,
                    connections_group, types_cmd):
        cli.add_command(command)
    transfer_commands.register(cli)
