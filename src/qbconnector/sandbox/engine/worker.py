"""A sandbox session in a worker process: the company file's Python work on another core.

A long read of a sandbox file (an export) spends most of its time in two places that share
one interpreter lock when they run in one process: the company file answering (rendering
records) and the caller parsing and writing the answers. :class:`WorkerSession` runs the
:class:`~qbconnector.sandbox.engine.session.SandboxSession` in a child process
(``python -m qbconnector.sandbox.engine.worker``) and passes message sets as text through its
standard input and output, so both run at once — as they do behind a remote connector. It is
the same Session contract (iterators live in the child); ``connect(path, worker=True)`` asks
for it and ``qbconnector export`` uses it for sandbox files.

The child is a fresh interpreter, not a fork and not multiprocessing's spawn: it does not
re-run the caller's script, so a script without ``if __name__ == "__main__"`` works, on Windows
too. It ends when the session closes, and by itself when its parent dies (its input closes).
If it dies, the call fails with a :class:`RequestProcessorError` saying so (its iterators are
gone with it), and the next call starts a new one.

The frames: one byte (the operation, or the answer's kind), eight bytes of length, the
payload (UTF-8 text; JSON for the session options). The child's output begins with a token the
parent chose, so what the interpreter prints while it starts (a ``sitecustomize``) is skipped.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.sandbox.engine.session import CompanyFileFacts, SandboxSession

_STOP_SECONDS = 10
_LENGTH = struct.Struct(">Q")
_CHUNK = 1 << 20
_GREETING_LIMIT = 1 << 20       # what the child may print before its first frame
OPEN, PROCESS, CLOSE = b"o", b"p", b"c"
OK, REFUSED, FAILED = b"k", b"r", b"f"


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = stream.read(min(size, _CHUNK))
        if not chunk:
            raise EOFError("the pipe closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _send(stream: IO[bytes], kind: bytes, payload: bytes) -> None:
    stream.write(kind + _LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> tuple[bytes, bytes]:
    head = _read_exactly(stream, 1 + _LENGTH.size)
    return head[:1], _read_exactly(stream, _LENGTH.unpack(head[1:])[0])


# -- the child ------------------------------------------------------------------------------------

def serve(frames_in: IO[bytes], frames_out: IO[bytes], path: str) -> None:
    """The child's loop: answer frames until told to close or the parent's end closes."""
    session: SandboxSession | None = None
    try:
        while True:
            try:
                operation, payload = _receive(frames_in)
            except EOFError:
                return                                   # the parent is gone
            try:
                if operation == OPEN:
                    options = SessionOptions(**json.loads(payload))
                    session = SandboxSession(path, options)
                    session.open()
                    answer = b""
                elif operation == PROCESS and session is not None:
                    answer = session.process(payload.decode("utf-8")).encode("utf-8")
                elif operation == CLOSE:
                    _send(frames_out, OK, b"")
                    return
                else:
                    raise ValueError(f"unexpected worker operation {operation!r}")
                _send(frames_out, OK, answer)
            except RequestProcessorError as exc:
                _send(frames_out, REFUSED, json.dumps([exc.hresult, exc.message]).encode())
            except Exception as exc:   # noqa: BLE001 - reported to the parent, which goes on
                _send(frames_out, FAILED, f"{type(exc).__name__}: {exc}".encode())
    finally:
        if session is not None:
            session.close()


def main() -> None:
    """``python -m qbconnector.sandbox.engine.worker PATH TOKEN``: frames on standard input
    and output, the output's first begun by TOKEN (what the interpreter's start-up may print
    comes before it and is skipped); anything the process prints later goes to standard
    error."""
    sys.stdout.flush()
    frames_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())    # stray prints cannot break a frame
    frames_out.write(sys.argv[2].encode("ascii"))
    serve(sys.stdin.buffer, frames_out, sys.argv[1])


def _skip_to(stream: IO[bytes], token: bytes) -> None:
    """Read up to and including ``token`` (the child's greeting)."""
    seen, count = b"", 0
    while not seen.endswith(token):
        byte = stream.read(1)
        count += 1
        if not byte or count > _GREETING_LIMIT:
            raise EOFError("the worker did not start")
        seen = seen[-len(token):] + byte


# -- the parent -----------------------------------------------------------------------------------

class WorkerSession(CompanyFileFacts):
    """A sandbox session whose company file is served by a child process."""

    def __init__(self, path: str | Path, options: SessionOptions | None = None) -> None:
        self.path = Path(path)
        self.options = options or SessionOptions(company_file=str(path))
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._lost = False              # the worker died: the next call starts a new one
        self._greeting = b""            # the token the new child's output starts with

    # -- the Session protocol -----------------------------------------------------------------
    def open(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._stop()
        package_home = str(Path(__file__).resolve().parents[3])   # where qbconnector is
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_home, env.get("PYTHONPATH", "")) if p)
        token = secrets.token_hex(16)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "qbconnector.sandbox.engine.worker", str(self.path), token],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0)
        self._lost = False
        self._greeting = token.encode("ascii")
        try:
            self._call(OPEN, json.dumps(dataclasses.asdict(self.options)).encode())
        except RequestProcessorError:
            self._stop()
            raise

    def close(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            try:
                self._call(CLOSE, b"")
            except RequestProcessorError:
                pass                          # it died meanwhile: nothing left to close
        self._stop()

    def process(self, request: str | bytes) -> str:
        return self.process_bytes(request).decode("utf-8")

    def process_bytes(self, request: str | bytes) -> bytes:
        """:meth:`process` with the answer as the worker sent it, UTF-8 bytes: a reader that
        parses them (an export's pages) skips decoding them only to encode them again."""
        if self._process is None and self._lost:
            self.open()                 # the death was reported once; go on with a new worker
        if self._process is None:
            raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
        text = request if isinstance(request, bytes) else request.encode("utf-8")
        return self._call(PROCESS, text)

    @property
    def pid(self) -> int | None:
        """The worker process's ID while it runs (for tests and diagnostics)."""
        return self._process.pid if self._process is not None else None

    # -- the pipe -----------------------------------------------------------------------------
    def _call(self, operation: bytes, payload: bytes) -> bytes:
        with self._lock:
            process = self._process
            if process is None or process.stdin is None or process.stdout is None:
                raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
            try:
                if self._greeting:
                    _skip_to(process.stdout, self._greeting)
                    self._greeting = b""
                _send(process.stdin, operation, payload)
                kind, answer = _receive(process.stdout)
            except (EOFError, OSError) as exc:
                try:
                    code = process.wait(1)
                except subprocess.TimeoutExpired:
                    code = None
                self._stop()
                self._lost = True
                raise RequestProcessorError(
                    catalogue.HR_COULD_NOT_ACCESS,
                    f"the sandbox worker process for {self.path.name} ended unexpectedly "
                    f"(exit code {code}); the next request starts a new one") from exc
        if kind == OK:
            return answer
        if kind == REFUSED:
            hresult, message = json.loads(answer)
            raise RequestProcessorError(hresult, message)
        raise RequestProcessorError(catalogue.HR_COULD_NOT_ACCESS,
                                    f"the sandbox worker process failed: {answer.decode()}")

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()                 # the child sees the end of its input
        try:
            process.wait(_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(_STOP_SECONDS)

    def __enter__(self) -> WorkerSession:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    main()
