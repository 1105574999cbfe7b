"""``qbconnector serve`` as a user runs it: its own process, stopped with Ctrl+C at the end."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

SERVING = re.compile(r"qbconnector serving (?P<backend>.+) on (?P<url>https?://\S+) ")


@dataclass
class Served:
    """A running ``serve``: its URL, what it says it serves, and everything it printed."""

    process: subprocess.Popen
    url: str = ""
    backend: str = ""
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 10) -> re.Match[str]:
        """The first printed line matching ``pattern`` (waiting for it to be printed)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in list(self.lines):
                match = re.search(pattern, line)
                if match:
                    return match
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing printed matches {pattern!r}:\n{self.output()}")
            time.sleep(0.02)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "qbconnector.cli.main", *args]


@contextlib.contextmanager
def serving(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 30
            ) -> Iterator[Served]:
    """Run ``args`` (a whole command line, e.g. ``command("serve", ...)``) until it says where
    it serves; yield that, then interrupt it and wait for it to end."""
    process = subprocess.Popen(list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, **(env or {})})
    served = Served(process)
    started = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            served.lines.append(line.rstrip("\n"))
            match = SERVING.search(line)
            if match and not started.is_set():
                served.url, served.backend = match["url"], match["backend"]
                started.set()
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout
        while not started.wait(0.05):
            if time.monotonic() > deadline:
                raise AssertionError(f"serve did not start:\n{served.output()}")
        if not served.url:
            raise AssertionError(f"serve ended (status {process.wait(5)}):\n{served.output()}")
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        reader.join(5)
