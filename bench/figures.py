"""What every bench reports, in a shape other tools can read (``--json FILE``):

    {"cpus": N, "figures": [{"name", "value", "unit", "baseline", "ratio", "goal", "met"}]}

``ratio`` is ``value / baseline`` where there is a baseline (else null); ``goal`` is the
issue's goal for the figure or null, compared with the ratio for ratio goals and with the
value otherwise (``at_most`` for goals that are ceilings, such as memory growth); ``met``
says whether the goal holds in this run (null without a goal). Two more keys say how the goal
is read, for tools that show it (``bench/report.py``): ``goal_on`` ("ratio" or "value") and
``at_most`` (true for a ceiling).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None
    ratio: float | None
    goal: float | None
    met: bool | None
    goal_on: str = "ratio"
    at_most: bool = False


class Figures:
    """The figures of one bench run, in the order they were measured."""

    def __init__(self) -> None:
        self.items: list[Figure] = []

    def add(self, name: str, value: float, unit: str, *, baseline: float | None = None,
            goal: float | None = None, goal_on: str = "ratio", at_most: bool = False,
            ) -> Figure:
        """Record a figure; ``goal_on`` is "ratio" or "value" (what the goal is compared with)."""
        ratio = value / baseline if baseline else None
        met = None
        if goal is not None:
            if goal_on not in ("ratio", "value"):
                raise ValueError(f"goal_on is 'ratio' or 'value', not {goal_on!r}")
            measured = ratio if goal_on == "ratio" else value
            if measured is None:
                raise ValueError(f"{name}: a ratio goal needs a baseline")
            met = measured <= goal if at_most else measured >= goal
        figure = Figure(name, value, unit, baseline, ratio, goal, met, goal_on, at_most)
        self.items.append(figure)
        return figure

    def as_dict(self) -> dict:
        return {"cpus": os.cpu_count(), "figures": [asdict(f) for f in self.items]}

    def write(self, path: Path | None) -> None:
        """Write the JSON (nothing without a path) and say which goals hold."""
        for figure in self.items:
            if figure.goal is not None:
                print(f"goal {'met' if figure.met else 'MISSED'}: {figure.name} "
                      f"({_show(figure)} vs goal {figure.goal:g})")
        if path is not None:
            path.write_text(json.dumps(self.as_dict(), indent=1) + "\n")
            print(f"figures written to {path}")


def _show(figure: Figure) -> str:
    if figure.ratio is not None:
        return f"{figure.ratio:.2f}x ({figure.value:,.1f} {figure.unit})"
    return f"{figure.value:,.1f} {figure.unit}"


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """``--json FILE`` and ``--quick`` (the same ratios at a scale that finishes in under two
    minutes on a 2-core machine)."""
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the figures as JSON to FILE")
    parser.add_argument("--quick", action="store_true",
                        help="the same ratios on smaller data (each bench under two minutes)")


def own_peak_mb() -> float:
    """This process's own peak resident memory in MB: VmHWM where /proc has it.
    ``ru_maxrss`` carries the parent's peak across fork and exec, so a child started by a
    large parent would report the parent's size (the fallback where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # kB on Linux
