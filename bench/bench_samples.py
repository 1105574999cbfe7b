"""Sample-creation benchmark: creating a sample company, against raw SQLite writing its rows.

The sample is created as ``qbconnector company create --sample large`` does it (every record
through the sandbox's rules, written in bulk). The floor, measured in the same run, is raw
SQLite writing the very rows that file holds (every table, ``executemany`` in one
transaction) into an empty file of the same schema: what any writer of that file pays at
least. The ratio is the sample's time over the floor's.

Goal (issue 15): the large sample (200,000 transactions) in under 60 s. ``--quick`` creates a
tenth of it (the large sample's shape: 20,000 transactions, 1,000 customers...) and compares
it with the goal scaled to its size (6 s), which its name says.

Run: ``python bench/bench_samples.py [--quick] [--json FILE] [--work DIR]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from figures import Figures, add_common_options
from qbconnector.sandbox import SandboxSession
from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.company.samples import SampleSize, populate
from qbconnector.sandbox.company.samples.business import BUSINESS
from qbconnector.sandbox.storage.store import SCHEMA

GOAL_SECONDS = 60.0
GOAL_TRANSACTIONS = 200_000
# The large sample's shape at a tenth of its size.
QUICK = SampleSize(customers=1_000, vendors=30, employees=6, inventory_variants=12,
                   transactions=20_000, deposits=150)


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def create(path: Path, quick: bool) -> tuple[float, float]:
    """Seconds (wall, CPU) to create the sample at ``path``, as ``company create`` does."""
    started, cpu = time.perf_counter(), time.process_time()
    if quick:
        create_company(path, sample="none", name=BUSINESS)
        with SandboxSession(path) as session:
            populate(session, "large", size=QUICK)
    else:
        create_company(path, sample="large")
    return time.perf_counter() - started, time.process_time() - cpu


def raw_copy(source: Path, target: Path) -> float:
    """Seconds raw SQLite takes to write every row of ``source`` into an empty file."""
    rows = {}
    db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        rows[table] = db.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
    db.close()
    raw = sqlite3.connect(target, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.executescript(SCHEMA)
    started = time.perf_counter()
    raw.execute("BEGIN IMMEDIATE")
    for table, content in rows.items():
        if content:
            marks = ", ".join("?" for _ in content[0])
            raw.executemany(f"INSERT INTO {table} VALUES ({marks})", content)  # noqa: S608
    raw.execute("COMMIT")
    elapsed = time.perf_counter() - started
    raw.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()),
                        help="where the files are written (and removed)")
    add_common_options(parser)      # --quick: a tenth of the large sample
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    transactions = QUICK.transactions if args.quick else GOAL_TRANSACTIONS
    goal = GOAL_SECONDS * transactions / GOAL_TRANSACTIONS
    sample = fresh(args.work / "bench-sample.qbdb")
    floor_file = fresh(args.work / "bench-sample-raw.qbdb")
    try:
        seconds, cpu = create(sample, args.quick)
        floor = raw_copy(sample, floor_file)
    finally:
        fresh(floor_file)
    fresh(sample)
    print(f"creating a sample of {transactions:,} transactions: {seconds:6.1f} s ({cpu:.1f} s "
          f"of CPU)   raw SQLite writing its rows {floor:5.1f} s   ratio {seconds / floor:.1f}"
          f"   goal {goal:.0f} s: {'met' if seconds < goal else 'MISSED'}")
    name = ("creating the large sample (200,000 transactions)" if not args.quick else
            "creating a tenth of the large sample (20,000 transactions; --quick, goal scaled)")
    figures = Figures()
    figures.add(name, seconds, "s", baseline=floor, goal=goal, goal_on="value", at_most=True)
    figures.write(args.json)


if __name__ == "__main__":
    main()
