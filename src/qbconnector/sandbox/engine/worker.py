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

import collections
import contextlib
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

try:
    import fcntl
except ImportError:        # Windows: the pipe keeps the system's size
    fcntl = None  # type: ignore[assignment]

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


PIPE_BYTES = 1 << 20
"""How much of an answer the pipe from the worker holds (Linux; elsewhere the system's size)."""


def _widen(fd: int) -> None:
    """Let the pipe hold a whole page of answer (:data:`PIPE_BYTES`, up to the system's
    limit). With the default 64 KiB the worker stops at every 64 KiB until the reader takes
    them, and the reader's thread, for each piece, needs the interpreter lock that the
    parsing thread holds for up to 5 ms at a time: a 1 MB page then trickles over."""
    setting = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setting is None:
        return
    try:
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    except (OSError, ValueError):
        limit = PIPE_BYTES
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, setting, min(PIPE_BYTES, limit))


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
    if len(sys.argv) != 3 or not sys.argv[2].isascii():
        sys.exit("usage: python -m qbconnector.sandbox.engine.worker PATH TOKEN (a sandbox "
                 "session started with worker=True runs it; it is not for use by hand)")
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

def _answer_of(kind: bytes, answer: bytes) -> bytes:
    """The answer in a frame from the worker, or the error it stands for."""
    if kind == OK:
        return answer
    if kind == REFUSED:
        hresult, message = json.loads(answer)
        raise RequestProcessorError(hresult, message)
    raise RequestProcessorError(catalogue.HR_COULD_NOT_ACCESS,
                                f"the sandbox worker process failed: {answer.decode()}")


class WorkerSession(CompanyFileFacts):
    """A sandbox session whose company file is served by a child process."""

    def __init__(self, path: str | Path, options: SessionOptions | None = None) -> None:
        self.path = Path(path)
        self.options = options or SessionOptions(company_file=str(path))
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._lost = False              # the worker died: the next call starts a new one
        self._greeting = b""            # the token the new child's output starts with
        # Pipelines whose requests were sent and not answered yet, one entry per request in
        # the order sent (the worker answers in that order).
        self._ahead: collections.deque[WorkerPipeline] = collections.deque()

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
        assert self._process.stdout is not None
        _widen(self._process.stdout.fileno())
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
        self._running()
        text = request if isinstance(request, bytes) else request.encode("utf-8")
        return self._call(PROCESS, text).decode("utf-8")

    def pipeline(self) -> WorkerPipeline:
        """Requests sent ahead of their answers (a reader of an iterator: the worker answers
        the next page while this process parses the last). Other calls, from any thread, may
        come in between: the answers they find on their way are kept for the pipeline."""
        return WorkerPipeline(self, self._running())

    def _running(self) -> subprocess.Popen[bytes]:
        """The worker process, a new one if the last died (its death was reported once)."""
        if self._process is None and self._lost:
            self.open()
        if self._process is None:
            raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
        return self._process

    @property
    def pid(self) -> int | None:
        """The worker process's ID while it runs (for tests and diagnostics)."""
        return self._process.pid if self._process is not None else None

    # -- the pipe -----------------------------------------------------------------------------
    def _call(self, operation: bytes, payload: bytes) -> bytes:
        with self._lock:
            process = self._process
            if process is None:
                raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
            self._collect(process)       # answers sent ahead come first: kept for their own
            self._send_frame(process, operation, payload)
            kind, answer = self._receive_frame(process)
        return _answer_of(kind, answer)

    def _collect(self, process: subprocess.Popen[bytes],
                 until: WorkerPipeline | None = None) -> None:
        """(With the lock held.) Read the answers to requests sent ahead, each into its
        pipeline: all of them, or until ``until`` has one."""
        while self._ahead and (until is None or not until.answers):
            kind, answer = self._receive_frame(process)
            owner = self._ahead.popleft()
            if not owner.closed:
                owner.answers.append((kind, answer))

    def _send_frame(self, process: subprocess.Popen[bytes], operation: bytes,
                    payload: bytes) -> None:
        """(With the pipe held.) One frame to the worker."""
        if process is not self._process or process.stdin is None or process.stdout is None:
            raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
        try:
            if self._greeting:
                _skip_to(process.stdout, self._greeting)
                self._greeting = b""
            _send(process.stdin, operation, payload)
        except (EOFError, OSError) as exc:
            raise self._died(process) from exc

    def _receive_frame(self, process: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
        """(With the pipe held.) The worker's next answer frame."""
        if process is not self._process or process.stdout is None:
            raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
        try:
            return _receive(process.stdout)
        except (EOFError, OSError) as exc:
            raise self._died(process) from exc

    def _died(self, process: subprocess.Popen[bytes]) -> RequestProcessorError:
        """The worker is gone (with the lock held): forget it, and say so."""
        try:
            code = process.wait(1)
        except subprocess.TimeoutExpired:
            code = None
        self._stop()
        self._lost = True
        error = RequestProcessorError(
            catalogue.HR_COULD_NOT_ACCESS,
            f"the sandbox worker process for {self.path.name} ended unexpectedly "
            f"(exit code {code}); the next request starts a new one")
        for pipe in self._ahead:          # their answers will not come
            pipe.broken = error
        self._ahead.clear()
        return error

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


class WorkerPipeline:
    """Requests to a worker sent ahead of their answers, which come back in order
    (:meth:`WorkerSession.pipeline`). :meth:`close` drops the answers not taken."""

    def __init__(self, session: WorkerSession, process: subprocess.Popen[bytes]) -> None:
        self._session = session
        self._process = process
        self.answers: collections.deque[tuple[bytes, bytes]] = collections.deque()
        self.waiting = 0                   # requests sent whose answers are not taken yet
        self.broken: RequestProcessorError | None = None
        self.closed = False

    def send(self, request: str | bytes) -> None:
        """Send one more request (its answer comes after those of the requests before)."""
        if self.closed:
            raise RuntimeError("the pipeline is closed")
        if self.broken is not None:
            raise self.broken
        text = request if isinstance(request, bytes) else request.encode("utf-8")
        session = self._session
        with session._lock:
            session._send_frame(self._process, PROCESS, text)
            session._ahead.append(self)
        self.waiting += 1

    def receive(self) -> bytes:
        """The answer to the oldest request not answered yet, as UTF-8 bytes."""
        if not self.waiting:
            raise RuntimeError("no request is waiting for its answer")
        self.waiting -= 1
        session = self._session
        with session._lock:
            if not self.answers and self.broken is None:
                session._collect(self._process, until=self)
            if not self.answers:
                raise self.broken or RequestProcessorError(catalogue.HR_INVALID_TICKET)
            kind, answer = self.answers.popleft()
        return _answer_of(kind, answer)

    def close(self) -> None:
        """Drop the answers not taken (those still on their way are dropped as they come)."""
        self.closed = True
        self.waiting = 0
        self.answers.clear()

    def __enter__(self) -> WorkerPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    main()
