"""An example at the end of every command's ``--help``, kept in one place so they read alike
and a command without one is noticed (a test walks the command tree)."""

from __future__ import annotations

import click

EXAMPLES: dict[str, tuple[str, ...]] = {
    "query": ("qbconnector query customers --company shop.qbdb --where name_contains=Acme",
              "qbconnector query invoices --company shop.qbdb -w paid=false --format csv"),
    "get": ('qbconnector get customers "Acme:Job 1" --company shop.qbdb',),
    "add": ("qbconnector add customers --company shop.qbdb --data '{\"name\": \"Acme\"}'",),
    "modify": ("qbconnector modify customers Acme --company shop.qbdb "
               "--data '{\"phone\": \"555-0100\"}'",),
    "delete": ('qbconnector delete customers "Old Customer" --company shop.qbdb',),
    "void": ("qbconnector void invoices INV-1007 --company shop.qbdb",),
    "report": ("qbconnector report ProfitAndLoss --company shop.qbdb --from 2024-01-01 "
               "--to 2024-12-31",
               "qbconnector report AgedReceivables --connection books --format csv"),
    "types": ("qbconnector types", "qbconnector types sales --format json"),
    "export": ("qbconnector export customers invoices --to backup.jsonl --company shop.qbdb",
               "qbconnector export invoices --to sqlite:///shop.db --company shop.qbdb "
               "--state shop.state.json",
               "qbconnector export --all --to shop.jsonl --company shop.qbdb"),
    "import": ("qbconnector import customers customers.csv --company shop.qbdb --dry-run",
               "qbconnector import --all shop.jsonl --company copy.qbdb"),
    "request": ("qbconnector qbxml example CustomerQuery | qbconnector request "
                "--company shop.qbdb --check",),
    "company create": ("qbconnector company create shop.qbdb --sample small",),
    "company info": ("qbconnector company info shop.qbdb --json",),
    "connections add": ("qbconnector connections add shop ./shop.qbdb",
                        "qbconnector connections add office https://qb-office:8167 --user "
                        "sync --password-env QB_OFFICE_PASSWORD"),
    "connections list": ("qbconnector connections list --format json",),
    "connections path": ("qbconnector connections path",),
    "connections remove": ("qbconnector connections remove office",),
    "qbxml example": ("qbconnector qbxml example InvoiceAdd --qbxml-version 13.0",
                      "qbconnector qbxml example --all --minimal --out examples/"),
    "qbxml messages": ("qbconnector qbxml messages --qbxml-version 2.0",),
    "qbxml validate": ("qbconnector qbxml validate my-request.xml",),
    "qbxml parse": ("qbconnector request --company shop.qbdb q.xml | qbconnector qbxml "
                    "parse - --format json",),
    "serve": ("qbconnector serve --demo", "qbconnector serve --company shop.qbdb --port 8167"),
    "test-connection": ("qbconnector test-connection --user alice",),
    "service": ("qbconnector service install", "qbconnector service state"),
    "users add": ("qbconnector users add alice --password-stdin < password.txt",
                  "qbconnector users add reports --read-only --generate-password"),
    "users edit": ("qbconnector users edit alice --read-only",),
    "users list": ("qbconnector users list --json",),
    "users remove": ("qbconnector users remove alice",),
    "config show": ("qbconnector config show",),
    "config set": ("qbconnector config set Port 8168",),
    "config unset": ("qbconnector config unset Port",),
    "config check": ("qbconnector config check",),
    "config path": ("qbconnector config path",),
    "cert generate": ("qbconnector cert generate --host qb-office.example.com --enable",),
    "admin set-password": ("qbconnector admin set-password < console-password.txt",),
    "log tail": ("qbconnector log tail -n 50 --no-follow",),
    "qbo login": ("qbconnector qbo login books --client-id ABc123 --environment sandbox "
                  "< client-secret.txt",
                  "QBCONNECTOR_QBO_CLIENT_SECRET=... qbconnector qbo login books --client-id "
                  "ABc123 --no-browser"),
    "qbo logout": ("qbconnector qbo logout books",),
    "qbo serve": ("qbconnector qbo serve --company demo.qbo --sample small --port 0",),
    "qbwc status": ("qbconnector qbwc status --json",),
    "qbwc users add": ("qbconnector qbwc users add shop --password-stdin < shop-password.txt",),
    "qbwc users edit": ("qbconnector qbwc users edit shop --company-file ''",),
    "qbwc users list": ("qbconnector qbwc users list",),
    "qbwc users remove": ("qbconnector qbwc users remove shop",),
}


def leaf_commands(group: click.Group, path: tuple[str, ...] = ()
                  ) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command of the tree under ``group`` with its path, groups left out."""
    out = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += leaf_commands(command, (*path, name))
        else:
            out.append(((*path, name), command))
    return out


def add_examples(root: click.Group) -> None:
    """Append each command's examples to its help (an epilog, kept as written)."""
    for path, command in leaf_commands(root):
        lines = EXAMPLES.get(" ".join(path))
        if lines and not command.epilog:
            shown = "\n".join(f"  {line}" for line in lines)
            word = "Example" if len(lines) == 1 else "Examples"
            command.epilog = f"\b\n{word}:\n{shown}"
