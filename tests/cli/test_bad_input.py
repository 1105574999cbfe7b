"""No input makes any command show a traceback: every command of the click tree (walked, so
commands added later are covered too) is fed a matrix of bad input — an unknown option,
missing arguments, and for each parameter in turn values it cannot take (an empty string, a
path that does not exist, a folder, a file that is not what it should be, text where a number
or a choice belongs) while the other arguments are sensible. Each run must end with exit 0
(the input was acceptable) or one line saying what is wrong and an exit code of the
documented table — never a traceback, never the "unexpected error" of a bug.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from qbconnector.cli.help_examples import leaf_commands
from qbconnector.cli.main import cli
from qbconnector.cli.reporting import EXIT_INTERNAL

DOCUMENTED_EXITS = {0, 1, 2, 3, 4, 5}
SECONDS_PER_RUN = 10


class Blocked(BaseException):
    """A command ran on past its deadline."""


class Served(BaseException):
    """A command accepted its input and was about to serve (or follow a log) until stopped:
    an acceptable outcome, not run here (it would not end)."""


def _serves(*args: object, **kwargs: object) -> None:
    raise Served


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise Blocked

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Inputs:
    """Sensible values for arguments that are not under test, and bad ones for those that
    are, in a folder of their own."""

    def __init__(self, folder: Path, company: Path) -> None:
        self.folder = folder
        self.company = company
        self.junk = folder / "junk.qbdb"
        self.empty = folder / "empty.csv"
        self.empty.write_text("")
        self.request = folder / "request.xml"
        self.request.write_text('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>'
                                '<QBXMLMsgsRq onError="stopOnError"><CustomerQueryRq>'
                                '<MaxReturned>1</MaxReturned></CustomerQueryRq>'
                                '</QBXMLMsgsRq></QBXML>')
        self.records = folder / "customers.jsonl"
        self.records.write_text('{"Name": "Matrix Customer"}\n')
        self.cases = 0
        self.folder_path = folder / "a-folder"
        self.folder_path.mkdir()

    def sensible(self, command: tuple[str, ...], param: click.Parameter) -> str | None:
        """A value that makes sense for ``param`` of ``command`` (None: leave it out)."""
        name = param.name or ""
        if name in ("type_name", "types"):
            return "customers"
        if name == "ident":
            return "Nobody Here"
        if name in ("company",) and command[0] != "qbo":
            return str(self.company)
        if name == "destination":
            return str(self.folder / "out.jsonl")
        if name == "source":
            if command[0] == "import":
                return str(self.records)
            return str(self.request)
        if name == "path":
            return str(self.company) if command[-1] == "info" else \
                str(self.folder / "new.qbdb")
        if name in ("name", "key", "value", "target_text", "action"):
            return {"name": "matrix", "key": "Port", "value": "8167",
                    "target_text": str(self.company), "action": "status"}[name]
        return None

    @property
    def missing(self) -> Path:
        """A path in a folder that does not exist (a new one each time: a command may
        rightly create it)."""
        self.cases += 1
        return self.folder / f"no-such-folder-{self.cases}" / "nothing.qbdb"

    def bad(self, param: click.Parameter) -> list[str]:
        """Values ``param`` cannot take."""
        kind = param.type
        if isinstance(kind, click.Choice):
            return ["no-such-choice"]
        if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
            return ["not-a-number"]
        if isinstance(kind, click.DateTime):
            return ["not-a-date"]
        if isinstance(kind, click.Path):
            return [str(self.missing), str(self.junk), str(self.folder_path)]
        return ["", str(self.missing), str(self.junk), str(self.folder_path)]


def argv(param: click.Parameter, value: str) -> list[str]:
    if isinstance(param, click.Option):
        return [param.opts[0], value]
    return [value]


def cases(inputs: Inputs) -> Iterator[tuple[str, list[str]]]:
    for path, command in leaf_commands(cli):
        yield " ".join(path), [*path, "--no-such-option"]
        params = [p for p in command.params if p.name != "help"]
        if any(p.required for p in params):
            yield " ".join(path), list(path)
        for under_test in params:
            if isinstance(under_test, click.Option) and (under_test.is_flag or
                                                         under_test.count):
                continue
            for value in inputs.bad(under_test):
                args = list(path)
                for other in params:
                    if other is under_test:
                        args += argv(other, value)
                        continue
                    sensible = inputs.sensible(path, other)
                    if sensible is not None and (other.required or other.name == "company"):
                        args += argv(other, sensible)
                yield " ".join(path), args


def error_lines(output: str) -> list[str]:
    """What a failing command said, without click's usage hint around a usage error (a
    command whose output is a list of problems, like ``qbxml validate``, says no "Error:")."""
    return [line for line in output.splitlines()
            if line.strip() and not line.startswith(("Usage:", "Try '"))]


@pytest.fixture
def inputs(tmp_path: Path, blank_company, monkeypatch: pytest.MonkeyPatch) -> Inputs:
    from qbconnector.qbo_double.server import DoubleServer
    from qbconnector.server import logs
    from qbconnector.server.runner import ConnectorServer

    monkeypatch.setattr(ConnectorServer, "serve_forever", _serves)
    monkeypatch.setattr(DoubleServer, "run", _serves)
    monkeypatch.setattr(logs, "follow", _serves)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QBCONNECTOR_CONFIG", str(tmp_path / "connector.toml"))
    monkeypatch.setenv("QBCONNECTOR_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "connector.toml").write_text("Port = 0\nAdminPort = 0\n")
    return Inputs(tmp_path, blank_company("matrix"))


def test_every_command_answers_bad_input_with_one_line(inputs: Inputs, tmp_path: Path):
    runner = CliRunner()
    failures = []
    seen_commands = set()
    for command, args in cases(inputs):
        seen_commands.add(command)
        inputs.junk.write_text("this is not a company file\n")   # a command may write it
        try:
            with deadline(SECONDS_PER_RUN):
                result = runner.invoke(cli, args, input="", catch_exceptions=True)
        except Served:
            continue
        except Blocked:
            failures.append(f"{args}: still running after {SECONDS_PER_RUN} s")
            continue
        output = result.output
        problem = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            problem = f"raised {type(result.exception).__name__}: {result.exception}"
        elif "Traceback" in output:
            problem = "printed a traceback"
        elif result.exit_code == EXIT_INTERNAL:
            problem = f"an unexpected error: {output.strip()}"
        elif result.exit_code not in DOCUMENTED_EXITS:
            problem = f"exit {result.exit_code}"
        elif result.exit_code != 0:
            said = error_lines(output)
            errors = [line for line in said if line.startswith("Error:")]
            if len(errors) > 1 or not said:
                problem = f"said {output!r}"
        if problem:
            failures.append(f"{args}: {problem}")
    assert len(seen_commands) >= 30
    assert not failures, "\n".join(failures)
