"""Every runnable block of the README and of each ``docs/*.md`` page runs as written, in
order, in a folder of its own (pages added later are picked up by themselves).

Per page: ``python`` blocks run in one namespace; each ``sh`` / ``console`` command runs with
bash, and must exit 0 — or the code a ``# exits N`` comment on it names; a ``console``
command's shown output must appear in what it printed (see ``tests/docs_blocks.py``). A
command that serves (``qbconnector serve``, ``qbo serve``) runs in the background until the
block ends (the page ends, for a block marked ``keep-serving``), then gets SIGTERM. A command
that opens a browser (``qbo login``) gets a headless one (``$BROWSER``) that follows the URL's
redirects, as a browser does. A plain ``qbconnector`` command (no pipe, redirection or
other shell feature) runs in this process through the script's own entry point, which saves
starting Python each time; the others run with bash. A sample company is built once per
session and copied for later pages (``SampleCompanies``). Tests run side by side, so the ports
the pages name (8167, 8168, 8180) become free ports of each page's run. Blocks marked
``<!-- no-run: REASON -->`` do not run (docs/writing-docs.md).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from qbconnector.cli.main import cli
from tests.docs_blocks import (
    Block,
    Command,
    blocks,
    console_commands,
    output_matches,
    pages,
    shell_commands,
)

PORTS = ("8167", "8168", "8180")
COMMAND_SECONDS = 180
HEADLESS_BROWSER = """#!{python}
# What $BROWSER opens: fetches the URL and follows its redirects, as a browser would (with the
# QBO double's --auto-consent, that is a whole login).
import sys

import httpx

sys.exit(0 if httpx.get(sys.argv[1], follow_redirects=True, timeout=60).is_success else 1)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PageRun:
    """One page run in its own folder, with its own home, settings and ports."""

    def __init__(self, page: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.page = page
        self.folder = folder
        self.ports = {p: str(free_port()) for p in PORTS}
        self.namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
        self.background: list[tuple[Command, subprocess.Popen[str]]] = []
        self.kept: list[tuple[Command, subprocess.Popen[str]]] = []   # until the page ends
        home = folder.parent / f"{folder.name}-home"
        home.mkdir()
        browser = home / "headless-browser"
        browser.write_text(HEADLESS_BROWSER.format(python=sys.executable), encoding="utf-8")
        browser.chmod(0o755)
        env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
               "XDG_DATA_HOME": str(home / ".local" / "share"),
               "XDG_STATE_HOME": str(home / ".local" / "state"),
               "QBCONNECTOR_CONFIG_DIR": str(home / "qbconnector"),
               "QBCONNECTOR_CONFIG": str(home / "qbconnector" / "connector.toml"),
               "QBCONNECTOR_REPORT_DIR": str(home / "reports"),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               "PYTHONUNBUFFERED": "1", "COLUMNS": "120", "BROWSER": str(browser)}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        for name in ("QBCONNECTOR_COMPANY", "QBCONNECTOR_URL", "QBCONNECTOR_CONNECTION",
                     "QBCONNECTOR_PASSWORD", "QBCONNECTOR_DEBUG"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.chdir(folder)

    def text(self, block: Block) -> str:
        text = block.text
        for named, free in self.ports.items():
            text = text.replace(named, free)
        return text

    # -- blocks -------------------------------------------------------------------------
    def run(self, block: Block) -> None:
        text = self.text(block)
        if block.file:
            (self.folder / block.file).write_text(text, encoding="utf-8")
        if not block.runs:
            return
        if block.language == "python":
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                exec(compile(text, block.where, "exec"), self.namespace)  # noqa: S102
            return
        shown = Block(block.page, block.line, block.language, text)
        commands = shell_commands(shown) if block.language == "sh" else console_commands(shown)
        try:
            for command in commands:
                self.command(block, command)
        finally:
            if block.keep_serving:
                self.kept += self.background
                self.background = []
            self.stop_background()

    def command(self, block: Block, command: Command) -> None:
        where = f"{block.where}: {command.text.strip()}"
        if command.serves:
            self.start(command, where)
            return
        argv = plain_qbconnector(command)
        if argv is not None:          # the console script's own entry point, in this process
            code, said = SAMPLES.run(argv)
        else:
            # stderr into stdout, in the order a terminal shows them (as in-process runs do)
            done = subprocess.run(["bash", "-c", command.text], cwd=self.folder, text=True,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=COMMAND_SECONDS)
            code, said = done.returncode, done.stdout
        assert code == command.expected_exit, \
            f"{where}\nexited {code}, the page expects {command.expected_exit}:\n{said}"
        missing = output_matches(command.shown, said)
        assert missing is None, f"{where}\nthe page shows {missing!r}; it printed:\n{said}"

    def start(self, command: Command, where: str) -> None:
        """Start a server; wait until its port answers (or it ends, as a refusal does)."""
        process = subprocess.Popen(["bash", "-c", f"exec {command.text}"], cwd=self.folder,
                                   text=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        said: list[str] = []
        reader = threading.Thread(target=lambda: said.extend(process.stdout or ()),
                                  daemon=True)
        reader.start()
        port = next((int(p) for p in self.ports.values() if p in command.text), None)
        deadline = time.monotonic() + COMMAND_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                reader.join(timeout=5)
                assert process.returncode == command.expected_exit, \
                    f"{where}\nended with {process.returncode}:\n{''.join(said)}"
                return
            printed = re.search(r"https?://[\w.]+:(\d+)", "".join(said))
            ready = port if port is not None else int(printed.group(1)) if printed else None
            if ready is not None and _answers(ready):
                break
            time.sleep(0.1)
        else:
            process.kill()
            pytest.fail(f"{where}\nnot serving after {COMMAND_SECONDS} s")
        assert command.expected_exit == 0, f"{where}\nserves, the page expects it to fail"
        self.background.append((command, process))

    def stop_background(self, everything: bool = False) -> None:
        """Stop the servers of the block (and those kept for the page, when ``everything``)."""
        stopping = self.background + (self.kept if everything else [])
        for _, process in stopping:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.background = []
        if everything:
            self.kept = []


def invoke(argv: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, argv, prog_name="qbconnector", input="")
    return result.exit_code, result.output


class SampleCompanies:
    """``company create FILE --sample small`` makes the same company every time (same seed):
    pages run it one after the other, so it runs once per test session and later pages get a
    copy of that file and the output it printed (with their file's name)."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, ...], tuple[Path, str, str]] = {}

    def run(self, argv: list[str]) -> tuple[int, str]:
        if argv[:2] != ["company", "create"] or len(argv) < 3 or "--sample" not in argv \
                or "--force" in argv or Path(argv[2]).exists():
            return invoke(argv)
        target = Path(argv[2])
        key = tuple(argv[3:])
        if key in self.made:
            made, name, said = self.made[key]
            shutil.copyfile(made, target)
            return 0, said.replace(name, argv[2])
        code, said = invoke(argv)
        if code == 0:
            keep = Path(tempfile.mkdtemp(prefix="docs-sample-")) / target.name
            shutil.copyfile(target, keep)
            self.made[key] = (keep, argv[2], said)
        return code, said


SAMPLES = SampleCompanies()


def plain_qbconnector(command: Command) -> list[str] | None:
    """The arguments of a ``qbconnector`` command that uses no shell feature (no pipe,
    redirection, variable, ``~``, ``&&``...): such a command runs in this process, through
    the same entry point as the installed script, which saves starting Python for each."""
    lexer = shlex.shlex(command.text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:
        return None
    if not tokens or tokens[0] not in ("qbconnector", "qbc"):
        return None
    if any(set(t) <= set("|&;<>()") or "$" in t or "`" in t or t.startswith("~")
           for t in tokens):
        return None
    return tokens[1:]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_runnable_block_runs_as_written(page: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "page"
    folder.mkdir()
    run = PageRun(page, folder, monkeypatch)
    try:
        for block in blocks(page):
            run.run(block)
    finally:
        run.stop_background(everything=True)


def test_a_block_kept_from_running_says_why_and_every_page_has_its_marks_right() -> None:
    for page in pages():
        for block in blocks(page):
            if block.no_run is not None:
                assert len(block.no_run) >= 12, f"{block.where}: no-run needs a reason"
                assert block.language in ("python", "sh", "console"), \
                    f"{block.where}: no-run on a block that would not run anyway"
            if block.file is not None:
                assert block.file and "/" not in block.file, f"{block.where}: file: NAME"
            if block.keep_serving is not None:
                shown = shell_commands(block) if block.language == "sh" else \
                    console_commands(block)
                assert block.runs and any(c.serves for c in shown), \
                    f"{block.where}: keep-serving on a block that starts no server"


def test_the_harness_checks_what_it_claims_to(tmp_path: Path) -> None:
    """The reader of pages: markers, exits, shown output, servers."""
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- no-run: needs QuickBooks on Windows -->\n```python\nimport win32\n```\n\n"
        "<!-- file: orders.toml -->\n```toml\nx = 1\n```\n\n"
        "<!-- keep-serving: later blocks use it -->\n```sh\nqbconnector qbo serve\n```\n\n"
        "```console\n$ qbconnector serve --backend com://   # exits 5\n"
        "Error: cannot serve ...\n$ echo 12 records\n3 records\n```\n")
    found = blocks(page)
    assert [b.no_run for b in found] == ["needs QuickBooks on Windows", None, None, None]
    assert [b.runs for b in found] == [False, False, True, True]
    assert found[1].file == "orders.toml"
    assert [b.keep_serving for b in found] == [None, None, "later blocks use it", None]
    first, second = console_commands(found[3])
    assert first.expected_exit == 5 and first.serves and first.shown == [
        "Error: cannot serve ..."]
    assert output_matches(second.shown, "12 records\n") is None        # numbers are any
    assert output_matches(["4 files"], "12 records\n") == "4 files"
    assert output_matches(["Error: cannot serve ..."], "Error: cannot serve com://\n") is None


def test_every_image_and_page_a_page_links_to_exists() -> None:
    for page in pages():
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name} links to {target}"
