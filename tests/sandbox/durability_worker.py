"""A separate process working on a company file, for the durability and concurrency tests.

    python durability_worker.py add FILE PREFIX COUNT
        adds COUNT customers, one message set each; after each answer prints
        "<statusCode> <ListID>" and flushes (an acknowledged write), then "done"
    python durability_worker.py hold FILE NAME
        adds customer NAME inside a write transaction, prints "holding", keeps the
        transaction open until a line arrives on stdin, then commits and prints "committed"
"""

from __future__ import annotations

import sys

from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.sandbox.company.samples.writer import SampleWriter
from qbconnector.sandbox.engine.session import SandboxSession


def add(path: str, prefix: str, count: int) -> None:
    with SandboxSession(path) as session:
        print("ready", flush=True)
        for index in range(count):
            request = build([Message("CustomerAdd", {"Name": f"{prefix} {index:05d}"})],
                            version="13.0")
            response = parse_response(session.process(request))[0]
            list_id = response.records[0]["ListID"] if response.records else "-"
            print(f"{response.status_code} {list_id}", flush=True)
    print("done", flush=True)


def hold(path: str, name: str) -> None:
    with SandboxSession(path) as session:
        writer = SampleWriter(session)
        with writer.batch():
            writer.add("Customer", {"Name": name})
            print("holding", flush=True)
            sys.stdin.readline()
    print("committed", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "add":
        add(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "hold":
        hold(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"unknown mode {sys.argv[1]!r}")
