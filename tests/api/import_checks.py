"""Checks both editions' imports share (issue 13's guarantees): the results file read back,
and a progress display that interrupts the run as a user pressing Ctrl+C would."""

from __future__ import annotations

import csv
from pathlib import Path


def results_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Interrupted:
    """A progress display whose user presses Ctrl+C when ``after`` records are done."""

    def __init__(self, after: int = 5) -> None:
        self.after = after
        self.done = 0

    def start(self, type_name: str, total: int | None) -> None:
        self.done = 0

    def advance(self, count: int) -> None:
        self.done += count
        if self.done == self.after:
            raise KeyboardInterrupt

    def finish(self) -> None:
        pass


def assert_every_row_is_there(results: Path, rows: int, done: int) -> None:
    """The results file of an interrupted run: a row per source record, the first ``done``
    imported, the ones after the interruption marked not sent."""
    found = results_of(results)
    assert [r["source_row"] for r in found] == [str(n) for n in range(1, rows + 1)]
    assert [r["operation"] for r in found[:done]] == ["add"] * done
    assert all(r["operation"] == "error" and "not sent: the import stopped" in r["message"]
               for r in found[done + 1:])
