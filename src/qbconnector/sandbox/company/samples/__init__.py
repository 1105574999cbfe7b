"""Sample company data: a realistic, deterministic year of a small US business.

``populate(session, "small" | "large", seed)`` fills a new company file with the lists and
transactions of "Front Range Home Comfort" (see :mod:`.catalog`): the same seed gives the
same records (IDs and timestamps aside), another seed another company of the same shape.
Dates fall in the year before ``as_of`` (default 2025-01-01, so in 2024).

Records go through the engine's own Add path (:mod:`.writer`): every rule runs, so balances,
postings, stock and links are exactly what the same qbXML requests would give.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from qbconnector.collector import fewer_collections
from qbconnector.sandbox.company.samples.activity import Executor
from qbconnector.sandbox.company.samples.catalog import CatalogBuilder
from qbconnector.sandbox.company.samples.plan import PRIORITY, Planner
from qbconnector.sandbox.company.samples.writer import (
    RequestWriter,
    SampleError,
    SampleWriter,
    has_rules,
)
from qbconnector.sandbox.storage.store import connect, loads

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stage is "lists" or "transactions"."""

DEFAULT_AS_OF = date(2025, 1, 1)


@dataclass(frozen=True)
class SampleSize:
    """How big a sample is: Customer records (jobs included) and transactions."""

    customers: int
    vendors: int
    employees: int
    inventory_variants: int          # models of each stocked product
    transactions: int
    deposits: int


SIZES = {"small": SampleSize(customers=100, vendors=25, employees=8, inventory_variants=1,
                             transactions=2_000, deposits=52),
         "large": SampleSize(customers=10_000, vendors=300, employees=60,
                             inventory_variants=12, transactions=200_000, deposits=1_500)}

TRANSACTION_TYPES = tuple(PRIORITY)


@dataclass
class SampleReport:
    """What :func:`populate` wrote, per type, and what it could not write yet."""

    sample: str
    seed: int
    year: int
    created: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def transactions(self) -> int:
        return sum(n for t, n in self.created.items() if t in TRANSACTION_TYPES)

    @property
    def lists(self) -> int:
        return sum(n for t, n in self.created.items() if t not in TRANSACTION_TYPES)


def available_types() -> set[str]:
    """Transaction types whose accounting rules the sandbox has."""
    return {t for t in TRANSACTION_TYPES if has_rules(t)}


def populate(session: Any, sample: str, seed: int = 0, *, progress: Progress | None = None,
             as_of: date | None = None, size: SampleSize | None = None,
             check: bool = False, one_by_one: bool = False) -> SampleReport:
    """Fill an open sandbox session's (new) company file with sample data.

    ``size`` overrides the named sample's size. Transaction types the sandbox has no rules
    for yet are not written; their planned share goes to the other types and is reported in
    ``SampleReport.skipped`` (and logged), never dropped silently. ``check`` also builds
    each record's ``*AddRq`` with the codec, refusing data that is not valid qbXML (slow;
    for tests). ``one_by_one`` sends every record as its own qbXML request instead of
    writing in bulk (much slower; the same file, which the tests check).
    """
    if size is None:
        if sample not in SIZES:
            raise ValueError(f"unknown sample {sample!r}; choose one of {', '.join(SIZES)}")
        size = SIZES[sample]
    started = time.perf_counter()
    year = (as_of or DEFAULT_AS_OF).year - 1
    rng = random.Random(seed)
    writer = (RequestWriter if one_by_one else SampleWriter)(session, check=check)
    builder = CatalogBuilder(writer, rng, year, size.customers, size.vendors, size.employees,
                             size.inventory_variants, progress,
                             scale=max(Decimal(1), Decimal(size.transactions) / 2000))
    catalog = builder.build()
    planner = Planner(catalog, rng, year, size.transactions, size.deposits, available_types())
    plan = planner.plan()
    for kind, count in sorted(plan.skipped.items()):
        log.warning("sample %s: %d %s transactions not written: the sandbox has no rules "
                    "for %s yet", sample, count, kind, kind)
    with fewer_collections():
        Executor(writer, catalog).run(plan.events, progress)
    report = SampleReport(sample, seed, year, dict(sorted(writer.counts.items())),
                          plan.skipped, time.perf_counter() - started)
    with writer.batch():
        writer.store.set_meta("sample", json.dumps({
            "sample": sample, "seed": seed, "year": year, "created": report.created,
            "skipped": report.skipped}))
    for kind, count in report.created.items():
        log.info("sample %s: %d %s", sample, count, kind)
    return report


def read_report(path: str | Path) -> SampleReport | None:
    """What :func:`populate` wrote into a company file (None for a company without)."""
    db = connect(path, readonly=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE key='sample'").fetchone()
    finally:
        db.close()
    if row is None:
        return None
    facts = loads(row[0])
    return SampleReport(facts["sample"], facts["seed"], facts["year"], facts["created"],
                        facts["skipped"])


__all__ = ["SIZES", "Progress", "SampleError", "SampleReport", "SampleSize", "populate",
           "read_report"]
