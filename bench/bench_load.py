"""Connector load: 1,000 client connections at once, each sending HostQueryRq on keep-alive.

The connector (sandbox company, default settings: MaxConnections 1000, the time limits and
the connection cap of issue 14 in force) and the bare server stack answering a constant run in
child processes; the same load is sent to both. It reports errors (the goal is none: every
request answered 200), requests/s and p99 latency against the bare stack measured in the same
run, and the connector's peak memory and open files.

Run: ``python bench/bench_load.py [--connections 1000] [--requests 5] [--quick] [--json FILE]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench_server import HOST_QUERY, ServerProcess, fetch, request_bytes, sandbox_company


def _raise_open_files() -> None:
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _connection(port: int, request: bytes, count: int, start: asyncio.Event,
                      latencies: list[float], errors: list[str]) -> None:
    await start.wait()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 60)
    except (OSError, TimeoutError) as exc:
        errors.append(f"connect: {exc!r}")
        return
    try:
        for _ in range(count):
            began = time.perf_counter()
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n")[0].decode("latin-1"))
                return
            latencies.append(time.perf_counter() - began)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


async def _load(port: int, connections: int, requests: int) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    start = asyncio.Event()
    tasks = [asyncio.create_task(_connection(port, request_bytes(HOST_QUERY), requests, start,
                                             latencies, errors))
             for _ in range(connections)]
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    if errors:
        print(f"  {len(errors)} errors, e.g. {errors[0]}", flush=True)
    return {"errors": len(errors), "rps": len(latencies) / elapsed, "p99": p99 * 1000,
            "answered": len(latencies)}


def _status(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=5, help="per connection")
    parser.add_argument("--quick", action="store_true", help="200 connections, 2 requests each")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    connections, requests = ((200, 2) if args.quick else (args.connections, args.requests))
    _raise_open_files()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        found = sandbox_company(folder)
        backend, company = found if found else ("canned", "")
        connector = ServerProcess("connector", backend, company, str(folder / "logs"), 3)
        try:
            answer = fetch(connector.port, HOST_QUERY)
            bare = ServerProcess("constant", backend, company, "", 0,
                                 {"host": answer, "customers": answer})
            try:
                time.sleep(0.2)
                print(f"{connections} connections x {requests} HostQueryRq, at once",
                      flush=True)
                base = asyncio.run(_load(bare.port, connections, requests))
                ours = asyncio.run(_load(connector.port, connections, requests))
            finally:
                bare.stop()
            peak_mb = _status(connector.process.pid, "VmHWM") / 1024
            files = len(os.listdir(f"/proc/{connector.process.pid}/fd"))
        finally:
            connector.stop()
    print(f"{'':24}{'connector':>12}{'bare':>12}{'ratio':>8}")
    print(f"{'errors':24}{ours['errors']:>12}{base['errors']:>12}")
    print(f"{'requests/s':24}{ours['rps']:>12.0f}{base['rps']:>12.0f}"
          f"{ours['rps'] / base['rps']:>8.2f}")
    print(f"{'p99 latency (ms)':24}{ours['p99']:>12.1f}{base['p99']:>12.1f}"
          f"{ours['p99'] / base['p99'] if base['p99'] else 0:>8.2f}")
    print(f"connector peak memory {peak_mb:.0f} MB, {files} open files after the load")
    figures = [
        {"name": f"errors at {connections} connections", "value": ours["errors"],
         "unit": "requests", "baseline": base["errors"], "ratio": None, "goal": 0,
         "met": ours["errors"] == 0, "goal_on": "value", "at_most": True},
        {"name": f"HostQuery requests/s at {connections} connections",
         "value": round(ours["rps"], 1), "unit": "requests/s", "baseline": round(base["rps"], 1),
         "ratio": round(ours["rps"] / base["rps"], 3), "goal": None, "met": None},
        {"name": f"HostQuery p99 at {connections} connections", "value": round(ours["p99"], 2),
         "unit": "ms", "baseline": round(base["p99"], 2),
         "ratio": round(ours["p99"] / base["p99"], 3) if base["p99"] else None,
         "goal": None, "met": None},
        {"name": "connector peak memory", "value": round(peak_mb, 1), "unit": "MB",
         "baseline": None, "ratio": None, "goal": None, "met": None},
    ]
    if args.json:
        args.json.write_text(json.dumps({"cpus": os.cpu_count(), "figures": figures}, indent=2))
    return 0 if ours["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
