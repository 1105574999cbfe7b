"""The one error path of every command: qbconnector's own errors become one line and an exit
code (chosen by class in :func:`qbconnector.cli.connecting.failure_for`); a file or OS error
becomes one line naming the file; anything else is a bug, reported in one line that says
where the full report (the traceback) went. ``qbconnector --debug`` (or
``QBCONNECTOR_DEBUG=1``) lets the traceback through instead.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import click

from qbconnector._version import __version__
from qbconnector.cli.connecting import EXIT_REFUSED, Failure, failure_for
from qbconnector.errors import QBConnectorError

EXIT_INTERNAL = 70          # sysexits' EX_SOFTWARE: an error of qbconnector itself
DEBUG_ENV = "QBCONNECTOR_DEBUG"
REPORT_DIR_ENV = "QBCONNECTOR_REPORT_DIR"
_URL_SECRET = re.compile(r"(://[^/\s:@]*:)[^@\s/]*@")


def debugging(ctx: click.Context | None = None) -> bool:
    """Whether tracebacks should be shown (``--debug`` or ``$QBCONNECTOR_DEBUG``)."""
    root = ctx.find_root() if ctx is not None else None
    if root is not None and root.meta.get("qbconnector.debug"):
        return True
    return os.environ.get(DEBUG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def report_dir() -> Path:
    """Where reports of unexpected errors go (``$QBCONNECTOR_REPORT_DIR`` overrides)."""
    override = os.environ.get(REPORT_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_log_dir("qbconnector", appauthor=False)) / "reports"


def write_report(exc: BaseException, argv: list[str]) -> Path | None:
    """The traceback and what was run, in a new file; None when no file can be written."""
    folder = report_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = "\n".join([
        f"qbconnector {__version__}, Python {platform.python_version()} on {platform.platform()}",
        "command: " + " ".join(_URL_SECRET.sub(r"\1***@", a) for a in argv),
        "",
        "".join(traceback.format_exception(exc)),
    ])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"error-{stamp}-{os.getpid()}.txt"
        path.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return path


def os_failure(exc: OSError) -> Failure:
    """A file or system error as one line: the file, and what the system said."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    names = [n for n in (exc.filename, exc.filename2) if n]
    where = " -> ".join(str(n) for n in names)
    return Failure(f"{where}: {reason}" if where else reason, EXIT_REFUSED)


def one_line_failure(exc: BaseException, ctx: click.Context | None) -> click.ClickException:
    """The command-line failure for any exception a command let out."""
    if isinstance(exc, QBConnectorError):
        return failure_for(exc) or Failure(str(exc) or type(exc).__name__)
    if isinstance(exc, OSError):
        return os_failure(exc)
    path = write_report(exc, sys.argv)
    where = f"the full report is in {path}" if path else "no report could be written"
    summary = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    return Failure(f"unexpected error ({summary}); this is a bug of qbconnector: {where} "
                   "(run again with --debug to see it here)", EXIT_INTERNAL)


class ReportingGroup(click.Group):
    """The root command group: runs every command through the one error path."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit,
                KeyboardInterrupt, GeneratorExit):
            raise
        except BrokenPipeError:
            # The reader went away (``| head``): stop quietly, as command-line tools do.
            _silence_stdout()
            raise SystemExit(EXIT_REFUSED) from None
        except Exception as exc:
            if debugging(ctx):
                raise
            raise one_line_failure(exc, ctx) from None


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
