"""Servers for the attack tests: in-process (``start_server``) or in a process of their own,
whose memory can be measured and whose open-file limit can be lowered."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qbconnector.sandbox import SandboxSession, create_company
from qbconnector.server.settings import dump_toml, write_atomic
from tests.server.serving import Served, serving

# Lowers the open-file limit (soft and hard: the server cannot raise it back), then runs the
# command line as ``qbconnector`` does.
_LAUNCH = """
import resource, sys
limit = int(sys.argv[1])
if limit:
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
from qbconnector.cli.main import main
sys.argv = ["qbconnector", *sys.argv[2:]]
main()
"""

CUSTOMERS = 100


def message_set(body: str, attrs: str = "") -> str:
    return ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
            f'onError="continueOnError"{attrs}>{body}</QBXMLMsgsRq></QBXML>')


@pytest.fixture(scope="module")
def busy_company(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A company file with 100 customers (each answer of a CustomerQueryRq is ~150 KB)."""
    path = create_company(tmp_path_factory.mktemp("busy") / "busy.qbdb")
    adds = "".join(
        f"<CustomerAddRq><CustomerAdd><Name>Customer {n:03d}</Name><CompanyName>Company {n}"
        f"</CompanyName><BillAddress><Addr1>{n} Main St</Addr1><City>Springfield</City>"
        f"</BillAddress><Notes>{'n' * 400}</Notes></CustomerAdd></CustomerAddRq>"
        for n in range(CUSTOMERS))
    with SandboxSession(path) as session:
        answer = session.process(message_set(adds))
    assert answer.count('statusCode="0"') == CUSTOMERS
    return str(path)


@contextlib.contextmanager
def own_process(folder: Path, hashed: dict[str, str], company: str, *, open_files: int = 0,
                **settings: Any) -> Iterator[Served]:
    """``qbconnector serve`` in a process of its own, with these settings (Port 0, the test
    users alice and reader) and at most ``open_files`` open files (0 = unchanged)."""
    raw: dict[str, Any] = {"Port": 0, "LogLevel": 3, **settings, "Users": {
        "alice": {"Password": hashed["alice"]},
        "reader": {"Password": hashed["reader"], "ReadOnly": True}}}
    path = folder / "connector.toml"
    write_atomic(path, dump_toml(raw))
    args = [sys.executable, "-c", _LAUNCH, str(open_files), "serve", "--config", str(path),
            "--backend", "sandbox", "--company", company]
    with serving(args) as served:
        yield served


def memory_kb(pid: int, field: str = "VmRSS") -> int:
    """A memory figure of a process from /proc (VmRSS now, VmHWM the peak so far)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for process {pid}")


def open_files(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def log_text(folder: Path) -> str:
    """Everything the connector wrote to the log files in ``folder``."""
    return "".join(path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt")))


def log_lines(folder: Path, containing: str, count: int, timeout: float = 5) -> list[str]:
    """The ``count`` log lines holding ``containing``, waiting for them to be written (a
    request's line is written just after its answer is sent)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = [line for line in log_text(folder).splitlines() if containing in line]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, found
            return found
        time.sleep(0.02)
