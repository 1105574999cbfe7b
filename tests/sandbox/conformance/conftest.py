"""Prints the conformance summary after the run and keeps a copy in pytest's temp folder."""

from __future__ import annotations

from .report import OUTCOMES, WHERE, summary


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not OUTCOMES:
        return
    text = summary()
    terminalreporter.write_sep("=", "sandbox conformance")
    terminalreporter.write_line(text.splitlines()[2])
    if WHERE:
        WHERE[0].write_text(text, encoding="utf-8")
        terminalreporter.write_line(f"full report: {WHERE[0]}")
