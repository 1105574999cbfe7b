"""Collects the outcome of every conformance case and renders the summary."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .runner import Outcome

OUTCOMES: list[Outcome] = []
WHERE: list[Path] = []       # where to keep the full report (pytest's temporary folder)


def summary() -> str:
    """A short report: counts, the share that matches, and every non-passing case."""
    counts = Counter(o.status for o in OUTCOMES)
    replayed = counts["pass"] + counts["fail"] + counts["xfail"]
    share = counts["pass"] / replayed if replayed else 0.0
    lines = [
        "# Sandbox conformance with real QuickBooks exchanges",
        "",
        f"{counts['pass']} of {replayed} replayable transcripts match ({share:.0%}); "
        f"{counts['fail']} fail, {counts['xfail']} differ for a documented reason, "
        f"{counts['skip']} cannot be replayed ({len(OUTCOMES)} run).",
        "",
    ]
    for status in ("fail", "xfail", "skip"):
        chosen = [o for o in sorted(OUTCOMES, key=lambda o: o.label) if o.status == status]
        if chosen:
            lines.append(f"## {status} ({len(chosen)})")
            lines.extend(o.describe(limit=12) for o in chosen)
            lines.append("")
    return "\n".join(lines)
