"""What the command line can tell about itself: ``qbconnector types`` (every record type and
what QuickBooks lets you do with it) and shell completion of TYPE arguments."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import click
from click.shell_completion import CompletionItem


@cache
def record_types() -> list[dict[str, Any]]:
    """Each type: collection name, type name, list or transaction, operations."""
    from qbconnector.api.records.collections import Collection
    from qbconnector.api.records.connection import _collection_index

    out = []
    for name, (type_name, kind) in sorted(_collection_index().items()):
        operations = Collection(None, type_name, kind).operations()  # type: ignore[arg-type]
        out.append({"name": name, "type": type_name,
                    "kind": "list" if kind == "list" else "transaction",
                    "operations": operations})
    return out


def complete_type(ctx: click.Context, param: click.Parameter,
                  incomplete: str) -> list[CompletionItem]:
    """Shell completion of TYPE: the collection names (customers, sales_orders...)."""
    return [CompletionItem(t["name"], help=", ".join(t["operations"]))
            for t in record_types() if t["name"].startswith(incomplete.lower())]


def complete_type_then_file(ctx: click.Context, param: click.Parameter,
                            incomplete: str) -> list[CompletionItem]:
    """``import TYPE FILE``: a type first (unless --all), then a file."""
    given = ctx.params.get(param.name or "") or ()
    if given or ctx.params.get("everything"):
        return [CompletionItem(incomplete, type="file")]
    return complete_type(ctx, param, incomplete)


@click.command("types")
@click.argument("match", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def types_cmd(match: str | None, fmt: str) -> None:
    """Every record type (or those whose name contains MATCH) and its operations: what
    TYPE takes in query, get, add, modify, delete, void, export and import."""
    wanted = [t for t in record_types() if match is None or
              match.lower().replace("_", "") in (t["name"] + t["type"]).lower().replace("_", "")]
    if fmt == "json":
        click.echo(json.dumps(wanted, indent=2))
        return
    if not wanted:
        click.echo(f"no record type matches {match!r}")
        return
    width = max(len(t["name"]) for t in wanted)
    type_width = max(len(t["type"]) for t in wanted)
    for t in wanted:
        click.echo(f"{t['name']:<{width}}  {t['type']:<{type_width}}  {t['kind']:<11}  "
                   f"{' '.join(t['operations'])}")
