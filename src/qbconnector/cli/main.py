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
    server_commands,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qbconnector")
def cli() -> None:
    """Move data into and out of QuickBooks: qbXML tools, sandbox company files, the remote
    connector server and the records API."""


for module in (qbxml_commands, company_commands, server_commands, api_commands,
               qbo_commands, qbwc_commands):
    module.register(cli)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="qbconnector")


if __name__ == "__main__":
    main()
