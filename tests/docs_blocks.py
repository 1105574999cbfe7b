"""The runnable blocks of the README and every ``docs/*.md`` page, read the way
``tests/test_docs.py`` runs them (see ``docs/writing-docs.md`` for the rules a page follows).

- A fenced block tagged ``python``, ``sh`` or ``console`` runs; any other tag (``toml``,
  ``csv``, ``json``, ``text``, none) is data.
- ``<!-- no-run: REASON -->`` on the line right above a fence keeps a runnable block from
  running; the reason is required (what cannot run here: Windows-only COM, a real Intuit login,
  a remote office's connector...).
- ``<!-- file: NAME -->`` above a block (data or not) writes its text to NAME in the page's
  folder when the run reaches it: the files a page tells its reader to save.
- ``<!-- keep-serving: REASON -->`` above a block keeps the servers it starts running until
  the page ends (the rest of the page talks to them), instead of until the block ends.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import REPO

RUNNABLE = ("python", "sh", "console")
FENCE = re.compile(r"^```([\w-]*)\s*$")
MARKER = re.compile(r"^<!--\s*(no-run|file|keep-serving)\s*:(.*?)-->\s*$")
EXITS = re.compile(r"#.*\bexits? (\d+)\b")
SERVES = re.compile(r"(^|\s)serve(\s|$)")
PROGRESS = "━"


def pages() -> list[Path]:
    """The README and every page under docs/, in a stable order."""
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@dataclass
class Block:
    """One fenced block of a page."""

    page: Path
    line: int                    # of the opening fence, 1-based
    language: str
    text: str
    no_run: str | None = None    # the reason, when marked no-run
    file: str | None = None      # where the block is saved, when marked file
    keep_serving: str | None = None  # why its servers outlive it, when marked keep-serving

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language in RUNNABLE and self.no_run is None


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page`` with the marker above it, if any."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    index = 0
    while index < len(lines):
        opened = FENCE.match(lines[index])
        if not opened:
            index += 1
            continue
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and lines[index].rstrip() != "```":
            body.append(lines[index])
            index += 1
        block = Block(page, start + 1, opened.group(1), "\n".join(body) + "\n")
        marker = MARKER.match(lines[start - 1]) if start else None
        if marker:
            kind, value = marker.group(1), marker.group(2).strip()
            if kind == "no-run":
                block.no_run = value
            elif kind == "keep-serving":
                block.keep_serving = value
            else:
                block.file = value
        out.append(block)
        index += 1
    return out


@dataclass
class Command:
    """One command of a shell or console block, with what the page shows it prints."""

    text: str
    expected_exit: int = 0
    shown: list[str] = field(default_factory=list)

    @property
    def serves(self) -> bool:
        """A server runs until stopped: started in the background for the rest of the block."""
        words = self.text.split("#", 1)[0]
        return bool(SERVES.search(words)) and "--help" not in words


def _logical(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Commands (``\\``-continued lines joined, heredocs kept whole) and the lines after each
    that are not commands (a console block's output)."""
    out: list[tuple[str, list[str]]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        command = line
        while command.rstrip().endswith("\\") and index < len(lines):
            command = command.rstrip()[:-1] + " " + lines[index].strip()
            index += 1
        heredoc = re.search(r"<<-?\s*'?\"?(\w+)'?\"?\s*$", command.split("#", 1)[0])
        if heredoc and "<<<" not in command:
            body = []
            while index < len(lines) and lines[index].strip() != heredoc.group(1):
                body.append(lines[index])
                index += 1
            index += 1
            command = "\n".join([command, *body, heredoc.group(1)])
        out.append((command, []))
    return out


def shell_commands(block: Block) -> list[Command]:
    """The commands of an ``sh`` block (blank and comment lines skipped)."""
    lines = [x for x in block.text.splitlines() if x.strip() and not x.lstrip().startswith("#")]
    return [_command(text) for text, _ in _logical(lines)]


def console_commands(block: Block) -> list[Command]:
    """The ``$ ``-commands of a ``console`` block, each with the output shown after it."""
    commands: list[Command] = []
    lines = block.text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.startswith("$ "):
            if commands and line.strip():
                commands[-1].shown.append(line)
            continue
        text = line[2:]
        while text.rstrip().endswith("\\") and index < len(lines):
            text = text.rstrip()[:-1] + " " + lines[index].strip()
            index += 1
        commands.append(_command(text))
    return commands


def _command(text: str) -> Command:
    found = EXITS.search(text)
    return Command(text, int(found.group(1)) if found else 0)


def output_matches(shown: list[str], actual: str) -> str | None:
    """None when every line the page shows is in the output, in order (``...`` stands for
    anything, a number for any number, progress bars are left out); else what is missing."""
    wanted = [x for x in shown if x.strip() and x.strip() != "..." and PROGRESS not in x]
    got = [x.strip() for x in actual.splitlines()]
    position = 0
    for line in wanted:
        pattern = _pattern(line.strip())
        while position < len(got) and not pattern.fullmatch(got[position]):
            position += 1
        if position == len(got):
            return line
        position += 1
    return None


def _pattern(line: str) -> re.Pattern[str]:
    parts = re.split(r"(\.\.\.|\d[\d,]*(?:\.\d+)?)", line)
    regex = ""
    for part in parts:
        if part == "...":
            regex += ".*"
        elif part and part[0].isdigit():
            regex += r"\d[\d,]*(?:\.\d+)?"
        else:
            regex += re.escape(part)
    return re.compile(regex)


def words(command: Command) -> list[str]:
    return shlex.split(command.text.split(" #", 1)[0])
