"""Connector benchmark: the full connector against the same server stack answering a constant.

Both servers run in a child process on 127.0.0.1 with the same uvicorn setup and socket; the
load comes from a light asyncio HTTP/1.1 client over keep-alive connections in this process.
For HostQueryRq and a 100-record CustomerQueryRq, at 1, 10 and 50 concurrent clients, it
prints requests/s and p50/p99 latency of each, and the connector's share of the bare stack's
throughput (goal: >= 0.5 for HostQuery). ``--soak SECONDS`` also samples the connector's
resident memory under load (the issue asks for a flat line over 10 minutes: --soak 600).

The connector serves the sandbox company file when ``qbconnector.sandbox`` is available (100
customers are added through the session itself); otherwise a canned session that returns
prepared responses, which measures the connector's own overhead only (the output says which).

Run: ``python bench/bench_server.py [--seconds 3] [--soak 0] [--quick] [--json FILE]``
(``--quick``: 1 second per measurement; ``--json``: the figures for other tools, see
``bench/figures.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

from figures import Figures, add_common_options
from qbconnector.qbxml.session import SessionOptions

USER, PASSWORD = "bench", "bench-password"
GOAL_HOST_QUERY = 0.5      # the connector's share of the bare stack's HostQuery throughput,
#                            with per-request and with persistent sessions alike
HOST_QUERY = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
              'onError="stopOnError"><HostQueryRq requestID="1"/></QBXMLMsgsRq></QBXML>')
CUSTOMER_QUERY = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
                  'onError="stopOnError"><CustomerQueryRq requestID="1"><MaxReturned>100'
                  '</MaxReturned></CustomerQueryRq></QBXMLMsgsRq></QBXML>')
CUSTOMER_ADD = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
                'onError="stopOnError"><CustomerAddRq><CustomerAdd><Name>Customer {n:03d}</Name>'
                '<CompanyName>Company {n} LLC</CompanyName><FirstName>Pat</FirstName>'
                '<LastName>Smith{n}</LastName><BillAddress><Addr1>{n} Main St</Addr1>'
                '<City>Springfield</City><State>IL</State><PostalCode>62701</PostalCode>'
                '</BillAddress><Phone>555-010-{n:04d}</Phone><Email>c{n}@example.com</Email>'
                '</CustomerAdd></CustomerAddRq></QBXMLMsgsRq></QBXML>')


# -- sessions -----------------------------------------------------------------------------------
class CannedSession:
    """Answers with prepared responses: the connector's overhead without a company file."""

    RESPONSES: dict[str, str] = {}

    def __init__(self, options: SessionOptions) -> None:
        self.options = options

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def process(self, request: str) -> str:
        key = "customers" if "CustomerQueryRq" in request else "host"
        return self.RESPONSES[key]

    def versions(self) -> list[str]:
        return ["13.0"]

    def company_file(self) -> str:
        return "canned"

    def is_authorized(self) -> bool:
        return True

    def is_company_accessible(self) -> bool:
        return True


def canned_responses() -> dict[str, str]:
    customers = "".join(
        f"<CustomerRet><ListID>{n:X}-1700000000</ListID><TimeCreated>2024-01-15T10:30:00-05:00"
        f"</TimeCreated><TimeModified>2024-01-15T10:30:00-05:00</TimeModified><EditSequence>"
        f"1705332600</EditSequence><Name>Customer {n:03d}</Name><FullName>Customer {n:03d}"
        f"</FullName><IsActive>true</IsActive><Sublevel>0</Sublevel><CompanyName>Company {n} "
        f"LLC</CompanyName><FirstName>Pat</FirstName><LastName>Smith{n}</LastName><BillAddress>"
        f"<Addr1>{n} Main St</Addr1><City>Springfield</City><State>IL</State><PostalCode>62701"
        f"</PostalCode></BillAddress><Phone>555-010-{n:04d}</Phone><Email>c{n}@example.com"
        f"</Email><Balance>0.00</Balance><TotalBalance>0.00</TotalBalance><JobStatus>None"
        f"</JobStatus></CustomerRet>" for n in range(1, 101))
    wrap = ('<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n{}\n</QBXMLMsgsRs>\n</QBXML>\n')
    return {
        "host": wrap.format('<HostQueryRs requestID="1" statusCode="0" statusSeverity="Info" '
                            'statusMessage="Status OK"><HostRet><ProductName>QuickBooks '
                            'Enterprise Solutions 23.0</ProductName><MajorVersion>33'
                            '</MajorVersion><MinorVersion>0</MinorVersion><Country>US</Country>'
                            '<SupportedQBXMLVersion>13.0</SupportedQBXMLVersion></HostRet>'
                            '</HostQueryRs>'),
        "customers": wrap.format('<CustomerQueryRs requestID="1" statusCode="0" '
                                 'statusSeverity="Info" statusMessage="Status OK">'
                                 + customers + "</CustomerQueryRs>"),
    }


def sandbox_company(folder: Path) -> tuple[str, str] | None:
    """A sandbox company with 100 customers, added through the session; None without one."""
    try:
        from qbconnector import sandbox
        session_class = sandbox.SandboxSession
    except (ImportError, AttributeError):
        return None
    path = folder / "bench.qbdb"
    creator = getattr(sandbox, "create_sample_company", None) or getattr(
        sandbox, "create_company", None)
    if creator is not None:
        creator(path)
    session = session_class(str(path), SessionOptions())
    session.open()
    try:
        for n in range(1, 101):
            session.process(CUSTOMER_ADD.format(n=n))
        answer = session.process(CUSTOMER_QUERY)
    finally:
        session.close()
    if answer.count("<CustomerRet>") < 100:
        raise SystemExit("the sandbox did not return 100 customers; cannot benchmark")
    return "sandbox", str(path)


# -- the server process -------------------------------------------------------------------------
def _serve(kind: str, backend: str, company: str, log_dir: str, log_level: int, conn,
           persistent: bool = False) -> None:
    from qbconnector.server import passwords
    from qbconnector.server.listen import UvicornConfig, bind_socket
    from qbconnector.server.runner import ConnectorServer
    from qbconnector.server.settings import settings_from_dict

    if kind == "connector":
        settings = settings_from_dict({
            "Port": 0, "LogEnabled": True, "LogDir": log_dir, "LogLevel": log_level,
            "PersistentEnabled": persistent,
            "Users": {USER: {"Password": passwords.hash_password(PASSWORD)}}})
        if backend == "sandbox":
            from qbconnector import sandbox

            # What ``qbconnector serve`` uses (sessions hand their connection on).
            factory = sandbox.SandboxSessions(company)
        else:
            CannedSession.RESPONSES = canned_responses()
            factory = CannedSession
        server = ConnectorServer(settings, factory, default_company=company, console_log=False)
        sock = server.bind()
        conn.send(sock.getsockname()[1])
        server.serve_forever()
        return
    import uvicorn

    async def constant(scope, receive, send):
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                while (await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        answer = responses["customers" if b"CustomerQueryRq" in body else "host"]
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/xml; charset=utf-8"),
            (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})

    sock = bind_socket("127.0.0.1", 0)
    conn.send(sock.getsockname()[1])
    responses = {key: value.encode() for key, value in conn.recv().items()}
    config = UvicornConfig(constant, lifespan="on", log_config=None, access_log=False,
                     server_header=False, timeout_keep_alive=15)
    uvicorn.Server(config).run(sockets=[sock])


class ServerProcess:
    def __init__(self, kind: str, backend: str, company: str, log_dir: str, log_level: int,
                 responses: dict[str, str] | None = None, persistent: bool = False) -> None:
        context = mp.get_context("spawn")
        parent, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(kind, backend, company, log_dir,
                                                            log_level, child, persistent),
                                       daemon=True)
        self.process.start()
        if not parent.poll(60):
            self.process.kill()
            raise SystemExit(f"the {kind} server did not start (exit code "
                             f"{self.process.exitcode})")
        self.port = parent.recv()
        if responses is not None:
            parent.send(responses)
        time.sleep(0.5)   # let uvicorn reach its accept loop

    def rss_kb(self) -> int:
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


# -- the load -----------------------------------------------------------------------------------
def request_bytes(body: str) -> bytes:
    data = body.encode()
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    return (f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data


async def _one_client(port: int, request: bytes, until: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"unexpected answer: {head[:80]!r}")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def _load(port: int, request: bytes, clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    warm_until = time.perf_counter() + min(0.5, seconds / 4)
    await asyncio.gather(*(_one_client(port, request, warm_until, []) for _ in range(clients)))
    until = time.perf_counter() + seconds
    await asyncio.gather(*(_one_client(port, request, until, latencies)
                           for _ in range(clients)))
    return latencies


def measure(port: int, body: str, clients: int, seconds: float) -> dict[str, float]:
    latencies = asyncio.run(_load(port, request_bytes(body), clients, seconds))
    latencies.sort()
    return {"rps": len(latencies) / seconds,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000}


def fetch(port: int, body: str) -> str:
    async def go() -> str:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request_bytes(body))
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        data = await reader.readexactly(length)
        writer.close()
        return data.decode()
    return asyncio.run(go())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--log-level", type=int, default=3, help="connector LogLevel (files)")
    parser.add_argument("--soak", type=float, default=0.0,
                        help="also run HostQuery at 10 clients this long, sampling memory")
    add_common_options(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = min(args.seconds, 1.0)
    figures = Figures()
    concurrency = [int(c) for c in args.clients.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        found = sandbox_company(folder)
        backend, company = found if found else ("canned", "")
        print(f"connector session: {backend}"
              + ("" if found else " (qbconnector.sandbox not available: prepared responses)"))
        connector = ServerProcess("connector", backend, company, str(folder / "logs"),
                                  args.log_level)
        persistent = ServerProcess("connector", backend, company, str(folder / "logs-p"),
                                   args.log_level, persistent=True)
        try:
            responses = {"host": fetch(connector.port, HOST_QUERY),
                         "customers": fetch(connector.port, CUSTOMER_QUERY)}
            if responses["customers"].count("<CustomerRet>") < 100:
                raise SystemExit("CustomerQuery did not return 100 customers")
            bare = ServerProcess("constant", backend, company, "", 0, responses)
            try:
                print("rps = requests/s; ratio = connector rps / bare rps; latency p50/p99 ms\n"
                      "per-request: each request opens and closes the company file (the "
                      "default); persistent: PersistentEnabled")
                print(f"{'request':<14}{'clients':>8}{'bare rps':>10}{'per-req':>9}"
                      f"{'ratio':>7}{'persist':>9}{'ratio':>7}   {'bare p50/p99':>13}"
                      f"{'per-req p50/p99':>17}{'persist p50/p99':>17}")
                for name, body in (("HostQuery", HOST_QUERY), ("CustomerQuery", CUSTOMER_QUERY)):
                    for clients in concurrency:
                        b = measure(bare.port, body, clients, args.seconds)
                        c = measure(connector.port, body, clients, args.seconds)
                        p = measure(persistent.port, body, clients, args.seconds)
                        print(f"{name:<14}{clients:>8}{b['rps']:>10.0f}{c['rps']:>9.0f}"
                              f"{c['rps'] / b['rps']:>7.2f}{p['rps']:>9.0f}"
                              f"{p['rps'] / b['rps']:>7.2f}   {_lat(b):>13}{_lat(c):>17}"
                              f"{_lat(p):>17}")
                        goal = GOAL_HOST_QUERY if name == "HostQuery" else None
                        figures.add(f"connector {name}, {clients} clients, per-request "
                                    "sessions vs the bare stack", c["rps"], "requests/s",
                                    baseline=b["rps"], goal=goal)
                        figures.add(f"connector {name}, {clients} clients, persistent "
                                    "sessions vs the bare stack", p["rps"], "requests/s",
                                    baseline=b["rps"], goal=goal)
            finally:
                bare.stop()
            if args.soak:
                start, end = soak(connector, args.soak)
                figures.add(f"connector memory after a {args.soak:g} s soak vs after warm-up",
                            end, "kB", baseline=start, goal=FLAT, at_most=True)
        finally:
            connector.stop()
            persistent.stop()
    figures.write(args.json)
    return 0


FLAT = 1.25
"""Memory is flat when the last sample is at most this times the first (after warm-up)."""


def _lat(m: dict[str, float]) -> str:
    return f"{m['p50']:.2f}/{m['p99']:.2f}"


def soak(server: ServerProcess, seconds: float) -> tuple[int, int]:
    """HostQuery at 10 clients for ``seconds``, printing the connector's RSS as it goes;
    returns the RSS after warm-up and at the end (kB)."""
    samples = [server.rss_kb()]
    step = max(5.0, seconds / 20)
    elapsed = 0.0
    while elapsed < seconds:
        measure(server.port, HOST_QUERY, 10, min(step, seconds - elapsed))
        elapsed += step
        samples.append(server.rss_kb())
    print(f"soak {seconds:g} s: RSS start {samples[0]} kB, after warm-up {samples[1]} kB, "
          f"end {samples[-1]} kB, max {max(samples)} kB "
          f"(end/after-warm-up {samples[-1] / samples[1]:.2f})")
    return samples[1], samples[-1]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
