"""The ``qbconnector`` (alias ``qbc``) command line: a thin layer over the library."""

from __future__ import annotations

import click

from qbconnector._version import __version__
from qbconnector.cli import (
    api_commands,
    company_commands,
    qbo_commands,
    qbwc_commands,
    qbxml_commands,
    report_commands,
    server_commands,
)
from qbconnector.cli.help_examples import add_examples
from qbconnector.cli.reporting import DEBUG_ENV, ReportingGroup


@click.group(cls=ReportingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qbconnector")
@click.option("--debug", is_flag=True, envvar=DEBUG_ENV,
              help=f"Show the full traceback of an unexpected error [env: {DEBUG_ENV}].")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Move data into and out of QuickBooks: qbXML tools, sandbox company files, the remote
    connector server and the records API.

    An error prints one line and exits with a code: 1 QuickBooks refused, 2 usage, 3 conflict,
    4 not found, 5 no connection, 70 an unexpected error (a bug: the line says where its full
    report went; --debug shows it).
    """
    ctx.meta["qbconnector.debug"] = debug


for module in (qbxml_commands, company_commands, server_commands, api_commands,
               qbo_commands, qbwc_commands, report_commands):
    module.register(cli)
add_examples(cli)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="qbconnector")


if __name__ == "__main__":
    main()
