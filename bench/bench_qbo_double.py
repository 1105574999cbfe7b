#!/usr/bin/env python3
"""Benchmark the QuickBooks Online double: requests per second and p99 latency for reads,
queries of 1,000 rows and creates, each against a bare Starlette handler on the same
uvicorn stack answering a constant body of the same size, measured in the same run.

    python bench/bench_qbo_double.py [--quick] [--json FILE]

The load generator is one keep-alive httpx client in this process (the server runs on a
background thread), so both sides share the machine's cores, as in the other benches.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from qbconnector.qbo_double import DoubleServer, create_company_file, open_double  # noqa: E402
from qbconnector.qbo_double.server import DoubleServer as _Server  # noqa: E402


class _Bare:
    """A stand-in with the attributes DoubleServer needs: a Starlette app with one route."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        async def answer(request):  # noqa: ANN001, ANN202
            return Response(bodies[request.path_params["kind"]],
                            media_type="application/json;charset=utf-8")

        self.app = Starlette(routes=[Route("/{kind}/{rest:path}", answer,
                                           methods=["GET", "POST"])])


def serve(path: Path, pipe) -> None:  # noqa: ANN001
    """In a child process: the double, then the bare handler once its bodies are known."""
    double = open_double(path, auto_consent=True)
    double.oauth.register_client("bench", "bench-secret")
    server = DoubleServer(double).start()
    pipe.send((server.base_url, None))
    bare = _Server(_Bare(pipe.recv())).start()  # type: ignore[arg-type]
    pipe.send(bare.base_url)
    pipe.recv()
    bare.stop()
    server.stop()
    double.close()


def measure(client: httpx.Client, count: int, request) -> tuple[float, float]:  # noqa: ANN001
    """(requests per second, p99 in ms) over ``count`` calls of ``request(client, i)``."""
    for i in range(min(20, count)):
        request(client, i)
    latencies = []
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        reply = request(client, i)
        latencies.append(time.perf_counter() - t0)
        if reply.status_code != 200:
            raise SystemExit(f"unexpected HTTP {reply.status_code}: {reply.text[:200]}")
    elapsed = time.perf_counter() - start
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return count / elapsed, p99 * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Fewer requests (a smoke run).")
    parser.add_argument("--json", type=Path, help="Write the figures to this file.")
    args = parser.parse_args()
    counts = {"read": 300, "query": 15, "create": 200} if args.quick else \
        {"read": 3000, "query": 100, "create": 1500}
    folder = Path(tempfile.mkdtemp(prefix="qbo-bench-"))
    print("creating the small sample…", flush=True)
    realm = create_company_file(folder / "bench.qbo", sample="small")
    parent, child = multiprocessing.Pipe()
    servers = multiprocessing.Process(target=serve, args=(folder / "bench.qbo", child),
                                      daemon=True)
    servers.start()
    base, bare_base_url = parent.recv()
    reply = httpx.get(f"{base}/connect/oauth2", params={
        "client_id": "bench", "response_type": "code", "redirect_uri": "http://localhost/cb",
        "scope": "com.intuit.quickbooks.accounting", "state": "s"})
    code = parse_qs(urlsplit(reply.headers["location"]).query)["code"][0]
    token = httpx.post(f"{base}/oauth2/v1/tokens/bearer", auth=("bench", "bench-secret"), data={
        "grant_type": "authorization_code", "code": code,
        "redirect_uri": "http://localhost/cb"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    api = f"{base}/v3/company/{realm}"
    query_text = "SELECT * FROM Invoice STARTPOSITION 1 MAXRESULTS 1000"
    with httpx.Client(headers=headers, timeout=60) as client:
        customer_id = client.get(f"{api}/query", params={
            "query": "SELECT * FROM Customer MAXRESULTS 1"}).json()["QueryResponse"][
            "Customer"][0]["Id"]
        bodies = {"customer": client.get(f"{api}/customer/{customer_id}").content,
                  "query": client.get(f"{api}/query", params={"query": query_text}).content}
        bodies["create"] = client.post(f"{api}/customer", json={
            "DisplayName": "Bench sizing"}).content
    rows = json.loads(bodies["query"])["QueryResponse"]["maxResults"]
    parent.send(bodies)
    bare_base = parent.recv()
    runs = {
        "read": (lambda c, i: c.get(f"{api}/customer/{customer_id}"),
                 lambda c, i: c.get(f"{bare_base}/customer/{customer_id}")),
        "query": (lambda c, i: c.get(f"{api}/query", params={"query": query_text}),
                  lambda c, i: c.get(f"{bare_base}/query/x", params={"query": query_text})),
        "create": (lambda c, i: c.post(f"{api}/customer",
                                       json={"DisplayName": f"Bench {time.perf_counter_ns()}"}),
                   lambda c, i: c.post(f"{bare_base}/create/x",
                                       json={"DisplayName": f"Bench {i}"})),
    }
    figures = []
    print(f"{'':28}{'double':>12}{'bare':>12}{'ratio':>8}{'p99 double':>12}{'p99 bare':>10}")
    with httpx.Client(headers=headers, timeout=60) as client:
        for name, (ours, baseline) in runs.items():
            rate, p99 = measure(client, counts[name], ours)
            base_rate, base_p99 = measure(client, counts[name], baseline)
            label = {"read": "read (GET customer)", "query": f"query of {rows} rows",
                     "create": "create (POST customer)"}[name]
            print(f"{label:28}{rate:>10.0f}/s{base_rate:>10.0f}/s{rate / base_rate:>7.2f}x"
                  f"{p99:>10.1f}ms{base_p99:>8.1f}ms", flush=True)
            figures.append({"name": f"{name} requests/s", "value": round(rate, 1),
                            "unit": "requests/s", "baseline": round(base_rate, 1),
                            "ratio": round(rate / base_rate, 3), "goal": None, "met": None})
            figures.append({"name": f"{name} p99", "value": round(p99, 2), "unit": "ms",
                            "baseline": round(base_p99, 2),
                            "ratio": round(p99 / base_p99, 3) if base_p99 else None,
                            "goal": None, "met": None})
    parent.send("stop")
    servers.join(timeout=20)
    if args.json:
        args.json.write_text(json.dumps({"cpus": os.cpu_count(), "figures": figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
