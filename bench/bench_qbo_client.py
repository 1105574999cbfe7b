#!/usr/bin/env python3
"""Benchmark the QuickBooks Online client against its baselines, measured in the same run:

- export of 50,000 customers to JSONL with ``qbconnector.api.export`` against the raw paged
  query loop (httpx, ``STARTPOSITION``/``MAXRESULTS`` pages of 1,000, ``json.loads``, one
  ``json.dumps`` line per record) — first against the QBO double, then against a bare server
  replaying the double's pages (so the client's own cost shows, not the double's);
- the client's overhead per request: ``qb.customers.get(id)`` against a bare httpx GET of the
  same URL with ``json.loads``, on the double and on the replaying server.

    python bench/bench_qbo_client.py [--quick] [--json FILE] [--records N]

The servers run in a child process; the client and the baselines share this one.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import qbconnector  # noqa: E402
from qbconnector.qbo.tokens import MemoryTokenStore, Tokens  # noqa: E402
from qbconnector.qbo_double import DoubleServer, create_company_file, open_double  # noqa: E402
from qbconnector.qbo_double.server import DoubleServer as _Server  # noqa: E402

PAGE = 1000
GOAL = 0.7


def seed(path: Path, count: int) -> str:
    """A company of ``count`` customers: one made by the double's rules, the rest its copies
    with other names, addresses, e-mails and balances (written straight to the store)."""
    realm = create_company_file(path, sample="none")
    double = open_double(path)
    company = double.company(realm)
    template = company.create("Customer", {
        "DisplayName": "Template", "CompanyName": "Template Co", "GivenName": "Ann",
        "FamilyName": "Lee", "BillAddr": {"Line1": "1 Main St", "City": "Springfield",
                                          "CountrySubDivisionCode": "IL",
                                          "PostalCode": "62701"},
        "PrimaryEmailAddr": {"Address": "ann@example.com"},
        "PrimaryPhone": {"FreeFormNumber": "(555) 010-0000"}, "Notes": "bench"}).body
    rng = random.Random(11)
    now = time.time()
    with double.store.transaction():
        for n in range(2, count + 1):
            body = json.loads(json.dumps(template, default=str))
            body.update(Id=str(n), DisplayName=f"Customer {n:06d}",
                        FullyQualifiedName=f"Customer {n:06d}",
                        PrintOnCheckName=f"Customer {n:06d}", CompanyName=f"Company {n}",
                        Balance=Decimal(rng.randint(0, 500_000)) / 100)
            body["BillAddr"] = {**body["BillAddr"], "Line1": f"{n} Main St",
                                "PostalCode": f"6{n % 10000:04d}"}
            body["PrimaryEmailAddr"] = {"Address": f"c{n}@example.com"}
            double.store.put(realm, "Customer", str(n), body, updated=now)
    double.close()
    return realm


class Replay:
    """A stand-in with what DoubleServer needs: a Starlette app answering the query pages
    and one customer as recorded from the double, without doing any work."""

    def __init__(self, pages: list[bytes], total: int, one: bytes) -> None:
        empty = b'{"QueryResponse":{},"time":"2026-01-01T00:00:00.000-08:00"}'
        count = json.dumps({"QueryResponse": {"totalCount": total},
                            "time": "2026-01-01T00:00:00.000-08:00"}).encode()

        async def query(request: Request) -> Response:
            text = (await request.body()).decode() if request.method == "POST" else \
                request.query_params.get("query", "")
            if "COUNT(*)" in text.upper():
                return Response(count, media_type="application/json;charset=utf-8")
            start = int(re.search(r"STARTPOSITION (\d+)", text).group(1))
            index = (start - 1) // PAGE
            body = pages[index] if index < len(pages) else empty
            return Response(body, media_type="application/json;charset=utf-8")

        async def customer(request: Request) -> Response:
            return Response(one, media_type="application/json;charset=utf-8")

        self.app = Starlette(routes=[
            Route("/v3/company/{realm}/query", query, methods=["GET", "POST"]),
            Route("/v3/company/{realm}/customer/{id}", customer, methods=["GET"])])


def serve(path: Path, pipe) -> None:  # noqa: ANN001
    """In a child process: the double, then the replaying server once it has the pages."""
    double = open_double(path, auto_consent=True)
    double.oauth.register_client("bench", "bench-secret")
    server = DoubleServer(double).start()
    pipe.send(server.base_url)
    pages, total, one = pipe.recv()
    replay = _Server(Replay(pages, total, one)).start()  # type: ignore[arg-type]
    pipe.send(replay.base_url)
    pipe.recv()
    replay.stop()
    server.stop()
    double.close()


def authorize(base: str) -> dict:
    reply = httpx.get(f"{base}/connect/oauth2", params={
        "client_id": "bench", "response_type": "code", "redirect_uri": "http://localhost/cb",
        "scope": "com.intuit.quickbooks.accounting", "state": "s"})
    code = parse_qs(urlsplit(reply.headers["location"]).query)["code"][0]
    return httpx.post(f"{base}/oauth2/v1/tokens/bearer", auth=("bench", "bench-secret"), data={
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": "http://localhost/cb"}).json()


def raw_loop(api: str, token: str, target: Path, keep: list[bytes] | None = None) -> int:
    """The baseline: page through every customer (inactive ones too, as a full export does)
    and write each as a JSON line."""
    count = 0
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
               "Content-Type": "application/text"}
    with httpx.Client(headers=headers, timeout=120) as client, \
            open(target, "w", encoding="utf-8") as out:
        start = 1
        while True:
            reply = client.post(f"{api}/query", params={"minorversion": "75"},
                                content=f"SELECT * FROM Customer WHERE Active IN (true, false) "
                                        f"STARTPOSITION {start} MAXRESULTS {PAGE}")
            reply.raise_for_status()
            if keep is not None:
                keep.append(reply.content)
            rows = json.loads(reply.content)["QueryResponse"].get("Customer") or []
            for row in rows:
                out.write(json.dumps(row) + "\n")
            count += len(rows)
            if len(rows) < PAGE:
                return count
            start += len(rows)


def connection(api_url: str, environment: str, realm: str, reply: dict):  # noqa: ANN201
    tokens = Tokens.from_reply(reply, realm_id=realm, client_id="bench",
                               client_secret="bench-secret")
    return qbconnector.connect(f"qbo://{realm}", environment=environment, api_url=api_url,
                               tokens=MemoryTokenStore(tokens), page_size=PAGE)


def best_of(rounds: int, first, second) -> tuple[float, float]:  # noqa: ANN001
    """The best wall times of ``first`` and ``second``, run alternately ``rounds`` times
    (a busy machine slows both alike, and the best of each is the least disturbed)."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for index, function in enumerate((first, second)):
            began = time.perf_counter()
            function()
            best[index] = min(best[index], time.perf_counter() - began)
    return best[0], best[1]


def export_figures(label: str, api_host: str, environment: str, realm: str, reply: dict,
                   folder: Path, rounds: int, keep: list[bytes] | None = None) -> dict:
    api = f"{api_host}/v3/company/{realm}"
    counts: dict[str, int] = {}
    if keep is not None:
        raw_loop(api, reply["access_token"], folder / "raw.jsonl", keep)

    def baseline() -> None:
        counts["raw"] = raw_loop(api, reply["access_token"], folder / "raw.jsonl")

    def ours() -> None:
        (folder / "ours.jsonl").unlink(missing_ok=True)    # a new export, as the raw loop's
        with connection(api_host, environment, realm, reply) as qb:
            counts["ours"] = qbconnector.api.export(qb, ["customers"],
                                                    str(folder / "ours.jsonl")).records

    base_time, our_time = best_of(rounds, baseline, ours)
    assert counts["ours"] == counts["raw"], counts
    rate, base_rate = counts["ours"] / our_time, counts["raw"] / base_time
    ratio = rate / base_rate
    print(f"{label:48}{rate:>10,.0f}/s{base_rate:>10,.0f}/s{ratio:>7.2f}x  "
          f"goal {GOAL}x {'met' if ratio >= GOAL else 'MISSED'}", flush=True)
    return {"name": f"export {counts['ours']:,} customers to JSONL ({label})",
            "value": round(rate, 1), "unit": "records/s", "baseline": round(base_rate, 1),
            "ratio": round(ratio, 3), "goal": GOAL, "met": ratio >= GOAL}


def request_figures(label: str, api_host: str, environment: str, realm: str, reply: dict,
                    count: int, rounds: int) -> list[dict]:
    api = f"{api_host}/v3/company/{realm}"
    headers = {"Authorization": f"Bearer {reply['access_token']}",
               "Accept": "application/json"}
    ids = [str(2 + n % 1000) for n in range(count)]
    with httpx.Client(headers=headers, timeout=60) as client, \
            connection(api_host, environment, realm, reply) as qb:
        def bare() -> None:
            for record_id in ids:
                answer = client.get(f"{api}/customer/{record_id}",
                                    params={"minorversion": "75"})
                answer.raise_for_status()
                json.loads(answer.content)

        def ours() -> None:
            for record_id in ids:
                qb.customers.get(record_id)

        bare_time, our_time = best_of(rounds, bare, ours)
    rate, base_rate = count / our_time, count / bare_time
    overhead = (our_time - bare_time) / count * 1e6
    print(f"{'GET one customer (' + label + ')':48}{rate:>10,.0f}/s{base_rate:>10,.0f}/s"
          f"{rate / base_rate:>7.2f}x  overhead {overhead:,.0f} µs/request", flush=True)
    return [{"name": f"GET one customer per request ({label})", "value": round(rate, 1),
             "unit": "requests/s", "baseline": round(base_rate, 1),
             "ratio": round(rate / base_rate, 3), "goal": None, "met": None},
            {"name": f"client overhead per request ({label})", "value": round(overhead, 1),
             "unit": "µs/request", "baseline": round(bare_time / count * 1e6, 1),
             "ratio": round(our_time / bare_time, 3), "goal": None, "met": None}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 records (a smoke run).")
    parser.add_argument("--records", type=int, help="How many customers (default 50,000).")
    parser.add_argument("--json", type=Path, help="Write the figures to this file.")
    args = parser.parse_args()
    count = args.records or (5_000 if args.quick else 50_000)
    rounds = 2 if args.quick else 3
    requests = 200 if args.quick else 500
    request_rounds = 3 if args.quick else 7         # short runs, many: the best of each
    folder = Path(tempfile.mkdtemp(prefix="qbo-client-bench-"))
    print(f"creating {count:,} customers…", flush=True)
    realm = seed(folder / "bench.qbo", count)
    parent, child = multiprocessing.Pipe()
    servers = multiprocessing.Process(target=serve, args=(folder / "bench.qbo", child),
                                      daemon=True)
    servers.start()
    base = parent.recv()
    reply = authorize(base)
    print(f"{'':48}{'client':>12}{'baseline':>12}{'ratio':>8}")
    pages: list[bytes] = []
    figures = [export_figures("the QBO double", base, base, realm, reply, folder, rounds,
                              pages)]
    one = httpx.get(f"{base}/v3/company/{realm}/customer/2", headers={
        "Authorization": f"Bearer {reply['access_token']}",
        "Accept": "application/json"}).content
    figures += request_figures("the QBO double", base, base, realm, reply, requests,
                               request_rounds)
    parent.send((pages, count, one))
    replay = parent.recv()
    figures.append(export_figures("replayed pages", replay, base, realm, reply, folder,
                                  rounds))
    figures += request_figures("replayed answer", replay, base, realm, reply, requests,
                               request_rounds)
    parent.send("stop")
    servers.join(timeout=30)
    if args.json:
        args.json.write_text(json.dumps({"cpus": os.cpu_count(), "figures": figures},
                                        indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
