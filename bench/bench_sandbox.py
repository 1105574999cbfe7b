"""Sandbox benchmark: InvoiceAdd throughput and CustomerQuery full scans on a sample company.

Every figure is compared with a floor measured in the same run:
- InvoiceAdd with 5 lines, one request per message set (as a client sends them), in
  invoices/s, against inserting the same rows (the invoice's record, postings, links) with
  raw SQLite, one transaction per invoice, into a file of the same schema;
- CustomerQuery full scans with iterator pages of 500 (Start, Continue...), in records/s, cold
  (first rendering) and warm (renderings cached), and warm with the client parsing each page,
  against selecting the same rows with raw SQLite in pages of 500;
- memory while iterating: the peak RSS of a child process after the first page and after the
  whole scan (flat means the ratio stays near 1).

- creating the sample itself, in transactions/s (without ``--company``).

Goals: >= 1,000 invoices/s and >= 50,000 records/s on scans of the ``large`` sample (issue 3);
the large sample (200,000 transactions) created in under 60 s, i.e. >= 3,334 transactions/s
(issue 15). Run: ``python bench/bench_sandbox.py [--company large.qbdb] [--sample large]
[--invoices 2000] [--repeat N] [--profile] [--quick] [--json FILE]``; without ``--company``
the sample is created first (timed; about a minute for the large one) in ``--work``, where a
later run can name it with ``--company``. ``--quick`` works on the small sample with 300
invoices. ``--repeat N`` adds invoices N times, each time on a fresh copy, and counts the
median (runs on a shared machine differ by about 10%).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from figures import Figures, add_common_options, own_peak_mb
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.sandbox import SandboxSession, create_company, read_report
from qbconnector.sandbox.storage.store import SCHEMA

VERSION = "13.0"
PAGE = 500
GOAL_INVOICES = 1_000
GOAL_SCAN = 50_000
GOAL_CREATE = 200_000 / 60          # the large sample in under a minute, as a rate
FLAT = 1.25
"""Memory is flat when the peak after all pages is at most this times the first page's."""


def sample_file(work: Path, sample: str) -> tuple[Path, float]:
    """Create the sample in ``work``: its path and the seconds it took."""
    path = work / f"bench-{sample}.qbdb"
    print(f"creating the {sample} sample in {path} (timed; --company {path} reuses it)...",
          flush=True)
    partial = path.with_suffix(".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    create_company(partial, sample=sample)
    seconds = time.perf_counter() - started
    db = sqlite3.connect(partial)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    partial.rename(path)
    print(f"  created in {seconds:.1f}s", flush=True)
    return path, seconds


def working_copy(source: Path, work: Path) -> Path:
    """The benchmark adds invoices: work on a copy."""
    db = sqlite3.connect(source)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    copy = work / "bench-copy.qbdb"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    if hasattr(os, "sync"):
        # The copy's pages would otherwise be written out to disk while the timed part runs.
        os.sync()
    return copy


def _names(path: Path) -> tuple[list[str], list[str]]:
    db = sqlite3.connect(path)
    customers = [r[0] for r in db.execute("SELECT id FROM records WHERE type='Customer' AND "
                                          "is_active=1")]
    items = [r[0] for r in db.execute("SELECT id FROM records WHERE type IN ('ItemService', "
                                      "'ItemInventory', 'ItemNonInventory') AND is_active=1 "
                                      "AND id NOT IN (SELECT parent_id FROM records WHERE "
                                      "parent_id IS NOT NULL)")]
    db.close()
    return customers, items


def invoice_requests(path: Path, count: int) -> list[str]:
    rng = random.Random(7)
    customers, items = _names(path)
    out = []
    for n in range(count):
        lines = [{"ItemRef": {"ListID": item}, "Quantity": Decimal(rng.randint(1, 5))}
                 for item in rng.sample(items, 5)]
        out.append(build([Message("InvoiceAdd", {
            "CustomerRef": {"ListID": rng.choice(customers)}, "RefNumber": f"B{n:06d}",
            "InvoiceLineAdd": lines})], version=VERSION))
    return out


def bench_invoices(path: Path, requests: list[str], profile: bool) -> tuple[float, list[str]]:
    """Invoices/s through the session; returns the rate and the new invoices' TxnIDs."""
    ids = []
    profiler = cProfile.Profile() if profile else None
    with SandboxSession(path) as session:
        session.process(requests[0])                      # warm caches (spec, rules)
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        for text in requests[1:]:
            response = session.process(text)
            ids.append(response)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
    txn_ids = []
    for response in ids:
        rs = parse_response(response)[0]
        if rs.status_code != 0:
            raise SystemExit(f"InvoiceAdd failed: {rs.status_code} {rs.status_message}")
        txn_ids.append(rs.records[0]["TxnID"])
    if profiler:
        print("\nprofile of the InvoiceAdd loop (top 25 by own time):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return (len(requests) - 1) / elapsed, txn_ids


def bench_raw_inserts(source: Path, txn_ids: list[str], work: Path) -> float:
    """Insert the same rows the sandbox wrote for those invoices, one transaction each."""
    db = sqlite3.connect(source)
    records = {r[0]: r for r in db.execute(
        f"SELECT * FROM records WHERE id IN ({','.join('?' * len(txn_ids))})", txn_ids)}
    postings = db.execute(f"SELECT * FROM postings WHERE txn_id IN "  # noqa: S608
                          f"({','.join('?' * len(txn_ids))})", txn_ids).fetchall()
    columns = [d[1] for d in db.execute("PRAGMA table_info(records)")]
    db.close()
    by_txn: dict[str, list[tuple]] = {}
    for posting in postings:
        by_txn.setdefault(posting[0], []).append(posting)
    floor = work / "bench-raw.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{floor}{suffix}").unlink(missing_ok=True)
    raw = sqlite3.connect(floor, isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.executescript(SCHEMA)
    insert = f"INSERT INTO records ({', '.join(columns)}) VALUES " \
             f"({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    for txn_id in txn_ids:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute(insert, records[txn_id])
        raw.executemany("INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)",
                        by_txn.get(txn_id, []))
        raw.execute("COMMIT")
    elapsed = time.perf_counter() - started
    raw.close()
    return len(txn_ids) / elapsed


_HEAD = re.compile(r'<CustomerQueryRs ([^>]*)>')
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def _page_facts(response: str) -> tuple[int, str, int]:
    """(records, iteratorID, iteratorRemainingCount) read off the response cheaply."""
    head = _HEAD.search(response)
    attrs = dict(_ATTR.findall(head.group(1))) if head else {}
    return (response.count("<CustomerRet>"), attrs.get("iteratorID", ""),
            int(attrs.get("iteratorRemainingCount", "0")))


def scan(path: Path, parse: bool) -> tuple[int, float]:
    """A full CustomerQuery with iterator pages of 500: (records, seconds). ``parse`` also
    parses every page into typed records, as a client does."""
    with SandboxSession(path) as session:
        started = time.perf_counter()
        count = 0
        text = build([Message("CustomerQuery", {"ActiveStatus": "All", "MaxReturned": PAGE},
                              iterator="Start")], version=VERSION)
        while True:
            response = session.process(text)
            if parse:
                rs = parse_response(response)[0]
                records, iterator, remaining = (len(rs.records), rs.iterator_id,
                                                rs.iterator_remaining_count)
            else:
                records, iterator, remaining = _page_facts(response)
            count += records
            if not remaining:
                break
            text = build([Message("CustomerQuery", {"MaxReturned": PAGE},
                                  iterator="Continue", iterator_id=iterator)],
                         version=VERSION)
        return count, time.perf_counter() - started


def raw_scan(path: Path) -> tuple[int, float]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    started = time.perf_counter()
    cursor = db.execute("SELECT * FROM records WHERE type='Customer' ORDER BY sort_key, seq")
    count = 0
    while True:
        rows = cursor.fetchmany(PAGE)
        if not rows:
            break
        count += len(rows)
    elapsed = time.perf_counter() - started
    db.close()
    return count, elapsed


def child_scan(path: Path) -> None:
    """In a child process: peak RSS after the first page and after the whole scan.

    The child's own peak (:func:`figures.own_peak_mb`): a parent that had just created the
    large sample (283 MB) otherwise made the first page and the whole scan look the same."""
    with SandboxSession(path) as session:
        text = build([Message("CustomerQuery", {"ActiveStatus": "All", "MaxReturned": PAGE},
                              iterator="Start")], version=VERSION)
        rs = parse_response(session.process(text))[0]
        first = own_peak_mb()
        pages = 1
        while rs.iterator_remaining_count:
            text = build([Message("CustomerQuery", {"MaxReturned": PAGE},
                                  iterator="Continue", iterator_id=rs.iterator_id)],
                         version=VERSION)
            rs = parse_response(session.process(text))[0]
            pages += 1
        print(json.dumps({"first_page_mb": first, "all_pages_mb": own_peak_mb(), "pages": pages}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--company", type=Path, help="an existing sample company file")
    parser.add_argument("--sample", default="large", choices=("small", "large"))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()),
                        help="where the sample and copies are kept")
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="InvoiceAdd rounds, each on a fresh copy; the median counts "
                             "(runs on a shared machine differ by about 10%%)")
    parser.add_argument("--profile", action="store_true",
                        help="print where the InvoiceAdd time goes")
    parser.add_argument("--child-scan", type=Path, help=argparse.SUPPRESS)
    add_common_options(parser)
    args = parser.parse_args()
    if args.child_scan:
        child_scan(args.child_scan)
        return
    if args.quick:
        args.sample, args.invoices = "small", min(args.invoices, 300)
    args.work.mkdir(parents=True, exist_ok=True)
    figures = Figures()
    source = args.company
    if source is None:
        source, seconds = sample_file(args.work, args.sample)
        made = read_report(source).transactions
        figures.add(f"creating the {args.sample} sample ({made:,} transactions), "
                    "transactions/s (goal: 200,000 in < 60 s)", made / seconds,
                    "transactions/s", goal=GOAL_CREATE, goal_on="value")
    requests: list[str] = []
    rates: list[float] = []
    floors: list[float] = []
    for _ in range(max(1, args.repeat)):
        path = working_copy(source, args.work)
        requests = requests or invoice_requests(path, args.invoices + 1)
        rate, txn_ids = bench_invoices(path, requests, args.profile)
        floor = bench_raw_inserts(path, txn_ids, args.work)
        rates.append(rate)
        floors.append(floor)
        print(f"InvoiceAdd (5 lines, 1 per message set): {rate:8,.0f} invoices/s   raw "
              f"SQLite {floor:8,.0f}/s   ratio {rate / floor:.3f}")
    customers = sqlite3.connect(path).execute(
        "SELECT COUNT(*) FROM records WHERE type='Customer'").fetchone()[0]
    rate, floor = statistics.median(rates), statistics.median(floors)
    spread = f" (median of {len(rates)}: {min(rates):,.0f}-{max(rates):,.0f})" \
        if len(rates) > 1 else ""
    print(f"company: {source} ({customers:,} customers)\nInvoiceAdd: {rate:,.0f} "
          f"invoices/s{spread}, raw SQLite {floor:,.0f}/s, ratio {rate / floor:.3f}, goal "
          f"{GOAL_INVOICES:,}/s: {'met' if rate >= GOAL_INVOICES else 'MISSED'}\n")
    figures.add(f"sandbox InvoiceAdd, 5 lines, one per message set, {customers:,}-customer "
                "company, vs raw SQLite doing the same inserts", rate, "invoices/s",
                baseline=floor, goal=GOAL_INVOICES, goal_on="value")

    count, cold = scan(path, parse=False)
    count_warm, warm = scan(path, parse=False)
    count_parsed, parsed = scan(path, parse=True)
    raw_count, raw_time = raw_scan(path)
    assert count == count_warm == count_parsed == raw_count, (count, count_warm, raw_count)
    raw_rate = raw_count / raw_time
    for label, seconds in (("cold", cold), ("warm", warm),
                           ("warm, parsed by the client", parsed)):
        speed = count / seconds
        print(f"CustomerQuery scan, pages of {PAGE} ({label}): {speed:8,.0f} records/s   raw "
              f"SQLite {raw_rate:10,.0f}/s   ratio {speed / raw_rate:.3f}   goal "
              f"{GOAL_SCAN:,}/s: {'met' if speed >= GOAL_SCAN else 'MISSED'}")
        figures.add(f"sandbox CustomerQuery scan, pages of {PAGE}, {label}, vs raw SQLite",
                    speed, "records/s", baseline=raw_rate,
                    goal=GOAL_SCAN if label == "warm" else None, goal_on="value")

    child = subprocess.run([sys.executable, __file__, "--child-scan", str(path)],
                           capture_output=True, text=True, check=True)
    memory = json.loads(child.stdout)
    first, whole = memory["first_page_mb"], memory["all_pages_mb"]
    print(f"memory while iterating ({memory['pages']} pages): peak RSS {first:.0f} MB after "
          f"the first page, {whole:.0f} MB after all   ratio {whole / first:.2f}")
    figures.add(f"sandbox memory while iterating {memory['pages']} pages, after all vs after "
                "the first", whole, "MB", baseline=first, goal=FLAT, at_most=True)
    figures.write(args.json)


if __name__ == "__main__":
    main()
