"""A sandbox session in a worker process: the company file's Python work on another core.

A long read of a sandbox file (an export) spends most of its time in two places that share
one interpreter lock when they run in one process: the company file answering (rendering
records) and the caller parsing and writing the answers. :class:`WorkerSession` runs the
:class:`~qbconnector.sandbox.engine.session.SandboxSession` in a child process and passes
message sets as text through a pipe, so both run at once — as they do behind a remote
connector. It is the same Session contract (iterators live in the child); ``connect(path,
worker=True)`` asks for it and ``qbconnector export`` uses it for sandbox files.

The child is started with the ``spawn`` method (as on Windows, and safe beside threads); it
ends when the session closes, and by itself when its parent dies (its pipe closes). If the
child dies, the call fails with a :class:`RequestProcessorError` saying so (its iterators are
gone with it), and the next call starts a new one.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from qbconnector.qbxml import status as catalogue
from qbconnector.qbxml.session import RequestProcessorError, SessionOptions
from qbconnector.sandbox.engine.session import CompanyFileFacts, SandboxSession

_STOP_SECONDS = 10


def _serve(path: str, options: SessionOptions, pipe: Pipe) -> None:
    """The child's loop: open the session, answer calls until told to close or the parent's
    end of the pipe closes."""
    session = SandboxSession(path, options)
    try:
        while True:
            try:
                operation, argument = pipe.recv()
            except (EOFError, OSError):
                return                       # the parent is gone
            try:
                if operation == "open":
                    session.open()
                    answer: Any = None
                elif operation == "process":
                    answer = session.process(argument)
                elif operation == "close":
                    session.close()
                    pipe.send(("ok", None))
                    return
                else:
                    raise ValueError(f"unknown worker operation {operation!r}")
                pipe.send(("ok", answer))
            except RequestProcessorError as exc:
                pipe.send(("refused", (exc.hresult, exc.message)))
            except Exception as exc:           # noqa: BLE001 - reported to the parent, kept alive
                pipe.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        session.close()
        pipe.close()


class WorkerSession(CompanyFileFacts):
    """A sandbox session whose company file is served by a child process."""

    def __init__(self, path: str | Path, options: SessionOptions | None = None) -> None:
        self.path = Path(path)
        self.options = options or SessionOptions(company_file=str(path))
        self._process: Any = None
        self._pipe: Pipe | None = None
        self._lock = threading.Lock()
        self._lost = False              # the worker died: the next call starts a new one

    # -- the Session protocol -----------------------------------------------------------------
    def open(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._stop()
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(str(self.path), self.options, child),
                                  name=f"qbconnector sandbox {self.path.name}", daemon=True)
        process.start()
        child.close()
        self._process, self._pipe, self._lost = process, parent, False
        try:
            self._call("open", None)
        except RequestProcessorError:
            self._stop()
            raise

    def close(self) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            try:
                self._call("close", None)
            except RequestProcessorError:
                pass                         # it died meanwhile: nothing left to close
        self._stop()

    def process(self, request: str | bytes) -> str:
        if self._process is None and self._lost:
            self.open()                  # the death was reported once; go on with a new worker
        if self._process is None:
            raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
        if isinstance(request, bytes):
            request = request.decode("utf-8")
        return self._call("process", request)

    @property
    def pid(self) -> int | None:
        """The worker process's ID while it runs (for tests and diagnostics)."""
        return self._process.pid if self._process is not None else None

    # -- the pipe -----------------------------------------------------------------------------
    def _call(self, operation: str, argument: Any) -> Any:
        with self._lock:
            pipe = self._pipe
            if pipe is None:
                raise RequestProcessorError(catalogue.HR_INVALID_TICKET)
            try:
                pipe.send((operation, argument))
                kind, value = pipe.recv()
            except (EOFError, OSError) as exc:
                if self._process is not None:
                    self._process.join(1)
                code = self._process.exitcode if self._process is not None else None
                self._stop()
                self._lost = True
                raise RequestProcessorError(
                    catalogue.HR_COULD_NOT_ACCESS,
                    f"the sandbox worker process for {self.path.name} ended unexpectedly "
                    f"(exit code {code}); the next request starts a new one") from exc
        if kind == "ok":
            return value
        if kind == "refused":
            hresult, message = value
            raise RequestProcessorError(hresult, message)
        raise RequestProcessorError(catalogue.HR_COULD_NOT_ACCESS,
                                    f"the sandbox worker process failed: {value}")

    def _stop(self) -> None:
        process, pipe = self._process, self._pipe
        self._process = self._pipe = None
        if pipe is not None:
            pipe.close()
        if process is not None:
            process.join(_STOP_SECONDS)
            if process.is_alive():
                process.terminate()
                process.join(_STOP_SECONDS)

    def __enter__(self) -> WorkerSession:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
