"""Every bench in one run, and the README's performance table rewritten from its figures.

Runs each bench of ``bench/`` with ``--json`` (and ``--quick`` when asked) one after the
other, shows their output as they go and keeps it in ``--work``, then rewrites the part of
the README between the two ``bench-report`` markers: every figure of the run with its
baseline, ratio, the issue's goal and whether this run meets it. Without ``--work`` the
samples the benches made (about 800 MB each) are deleted at the end; the figures and logs
stay. A bench that fails is a row
saying so, and the run exits 1. ``--from DIR`` rebuilds the table from the JSON files of an
earlier run without measuring again; ``--no-readme`` only prints it.

Run: ``python bench/report.py [--quick] [--only sandbox,export] [--work DIR] [--from DIR]
[--no-readme]`` (on a 2-core machine a full run took 8-12 minutes, ``--quick`` about two,
each bench under two).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
START = "<!-- bench-report:start -->"
END = "<!-- bench-report:end -->"
BENCHES = ("codec", "sandbox", "samples", "export", "server", "load", "qbo_double",
           "qbo_client")
"""In the order they run: the sandbox bench makes the large sample the export bench reads."""


@dataclass
class Outcome:
    """What one bench gave: its figures, or why it gave none."""

    bench: str
    figures: list[dict] = field(default_factory=list)
    failure: str = ""
    seconds: float = 0.0
    load: float | None = None       # the 1-minute load average when it started


def bench_command(bench: str, quick: bool, work: Path, json_file: Path) -> list[str]:
    """The command line of one bench, as a user would type it."""
    command = [sys.executable, str(HERE / f"bench_{bench}.py"), "--json", str(json_file)]
    if quick:
        command.append("--quick")
    if bench == "sandbox":
        command += ["--work", str(work)] + ([] if quick else ["--repeat", "3"])
    elif bench == "samples":
        command += ["--work", str(work / "samples")]
    elif bench == "export" and not quick and (work / "bench-large.qbdb").exists():
        command += ["--company", str(work / "bench-large.qbdb")]
    return command


def run_bench(bench: str, quick: bool, work: Path) -> Outcome:
    """Run one bench, its output shown and kept in ``work/<bench>.log``."""
    json_file = work / f"{bench}.json"
    json_file.unlink(missing_ok=True)
    command = bench_command(bench, quick, work, json_file)
    print(f"\n=== {bench}: {' '.join(command[1:])}", flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    started = time.perf_counter()
    with open(work / f"{bench}.log", "wb") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   cwd=HERE.parent)
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.buffer.write(line)
            sys.stdout.flush()
            log.write(line)
        code = process.wait()
    outcome = read_outcome(bench, json_file)
    outcome.seconds, outcome.load = time.perf_counter() - started, load
    if code != 0:
        outcome.failure = f"exited with {code} (see {work / f'{bench}.log'})"
    return outcome


def forget_samples(work: Path) -> None:
    """Delete the company files and databases the benches left in a folder of our own (a
    large sample is about 800 MB); the figures and logs stay."""
    for path in sorted(work.rglob("*"), reverse=True):
        if path.is_file() and path.suffix not in (".json", ".log"):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


@dataclass
class Run:
    """What the table says about the run: when, at which scale, on how many CPUs, how long
    it took and how loaded the machine was (kept in ``run.json`` beside the figures, so a
    table rebuilt with ``--from`` says the same)."""

    date: str
    quick: bool
    cpus: int | None
    seconds: float = 0.0
    loads: list[float] = field(default_factory=list)

    def write(self, work: Path) -> None:
        (work / "run.json").write_text(json.dumps(self.__dict__, indent=1) + "\n",
                                       encoding="utf-8")

    @classmethod
    def read(cls, work: Path, quick: bool) -> Run:
        """The run recorded in ``work``; without a record, today's date and ``quick``."""
        try:
            data = json.loads((work / "run.json").read_text(encoding="utf-8"))
            return cls(str(data["date"]), bool(data["quick"]), data.get("cpus"),
                       float(data.get("seconds", 0)), list(data.get("loads", [])))
        except (OSError, ValueError, KeyError, TypeError):
            return cls(datetime.date.today().isoformat(), quick, os.cpu_count())


def read_outcome(bench: str, json_file: Path) -> Outcome:
    """The figures a bench wrote, or a failure saying why there are none."""
    if not json_file.exists():
        return Outcome(bench, failure=f"wrote no figures ({json_file} is missing)")
    try:
        figures = json.loads(json_file.read_text(encoding="utf-8"))["figures"]
    except (ValueError, KeyError, TypeError) as exc:
        return Outcome(bench, failure=f"{json_file} is not a figures file ({exc})")
    return Outcome(bench, figures=list(figures))


# -- the table ----------------------------------------------------------------------------------
def number(value: float) -> str:
    """A figure as the table shows it: whole numbers from 100 up, else three digits."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def goal_rule(figure: dict) -> tuple[str, str] | None:
    """How the figure's goal is read — ("ratio" or "value", ">=" or "<=") — as the bench
    says (``goal_on``, ``at_most``), else worked out from which comparison gives the ``met``
    it wrote; None without a goal."""
    goal, met = figure.get("goal"), figure.get("met")
    if goal is None or met is None:
        return None
    if figure.get("goal_on") in ("ratio", "value"):
        return figure["goal_on"], "<=" if figure.get("at_most") else ">="
    candidates = [("ratio", ">="), ("value", ">="), ("ratio", "<="), ("value", "<=")]
    if figure.get("ratio") is None:
        candidates = [c for c in candidates if c[0] == "value"]
    for on, op in candidates:
        measured = figure[on]
        if (measured >= goal if op == ">=" else measured <= goal) == met:
            return on, op
    return candidates[0]


def row(bench: str, figure: dict) -> str:
    unit = figure.get("unit", "")
    measured = f"{number(figure['value'])} {unit}".strip()
    baseline = figure.get("baseline")
    ratio = figure.get("ratio")
    rule = goal_rule(figure)
    if rule is None:
        goal, verdict = "—", "—"
    else:
        on, op = rule
        sign = "≥" if op == ">=" else "≤"
        goal = f"{sign} {number(figure['goal'])}{'×' if on == 'ratio' else ' ' + unit}"
        verdict = "met" if figure["met"] else "**missed**"
    cells = [bench, figure["name"].replace("|", "/"), measured,
             "—" if baseline is None else f"{number(baseline)} {unit}".strip(),
             "—" if ratio is None else f"{number(ratio)}×", goal, verdict]
    return "| " + " | ".join(cells) + " |"


def table(outcomes: list[Outcome], run: Run) -> str:
    """The Markdown that goes between the markers."""
    kind = "`--quick` run (smaller data, the same ratios)" if run.quick else "full run"
    goals = [f for o in outcomes for f in o.figures if f.get("met") is not None]
    met = sum(1 for f in goals if f["met"])
    took = f", {run.seconds / 60:.0f} min" if run.seconds else ""
    loads = (f"; 1-minute load average {min(run.loads):.1f}–{max(run.loads):.1f} as the "
             "benches started") if run.loads else ""
    lines = [START,
             f"Generated by `python bench/report.py{' --quick' if run.quick else ''}` on "
             f"{run.date} ({kind}, {run.cpus or '?'} CPUs{took}{loads}; one run — runs on a "
             f"shared machine differ by about 10%): **{met} of {len(goals)} goals met**.",
             "",
             "| bench | figure | measured | baseline | ratio | goal | this run |",
             "|---|---|---|---|---|---|---|"]
    for outcome in outcomes:
        lines += [row(outcome.bench, figure) for figure in outcome.figures]
        if outcome.failure:
            lines.append(f"| {outcome.bench} | the bench {outcome.failure} | — | — | — | — | "
                         "**failed** |")
    lines.append(END)
    return "\n".join(lines)


def splice(text: str, generated: str) -> str:
    """``text`` with the part between the markers replaced by ``generated``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"the README has no {START} ... {END} section to rewrite")
    return text[:start] + generated + text[end + len(END):]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every bench with --quick")
    parser.add_argument("--only", help="comma-separated benches to run (default: all of "
                                       + ", ".join(BENCHES) + ")")
    parser.add_argument("--work", type=Path, help="where the JSON, logs and samples go "
                                                  "(default: a new temporary folder)")
    parser.add_argument("--from", dest="source", type=Path, metavar="DIR",
                        help="build the table from the JSON files of an earlier run")
    parser.add_argument("--readme", type=Path, default=README, help=argparse.SUPPRESS)
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(BENCHES)
    unknown = [b for b in chosen if b not in BENCHES]
    if unknown:
        parser.error(f"no bench named {', '.join(unknown)} (there are {', '.join(BENCHES)})")
    if args.source is not None:
        if not args.source.is_dir():
            parser.error(f"--from {args.source}: no such folder")
        outcomes = [read_outcome(b, args.source / f"{b}.json") for b in chosen]
        run = Run.read(args.source, args.quick)
    else:
        work = args.work or Path(tempfile.mkdtemp(prefix="qbc-bench-"))
        work.mkdir(parents=True, exist_ok=True)
        outcomes = [run_bench(b, args.quick, work) for b in chosen]
        run = Run(datetime.date.today().isoformat(), args.quick, os.cpu_count(),
                  sum(o.seconds for o in outcomes),
                  [o.load for o in outcomes if o.load is not None])
        run.write(work)
        if args.work is None:
            forget_samples(work)
        print(f"\nfigures and logs kept in {work}")
    generated = table(outcomes, run)
    print("\n" + generated)
    if not args.no_readme:
        args.readme.write_text(splice(args.readme.read_text(encoding="utf-8"), generated),
                               encoding="utf-8")
        print(f"\n{args.readme} rewritten")
    failed = [o for o in outcomes if o.failure]
    for outcome in failed:
        print(f"{outcome.bench}: {outcome.failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
