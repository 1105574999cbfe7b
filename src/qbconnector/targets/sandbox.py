"""Sandbox targets: ``shop.qbdb``, ``/path/to/file``, ``file:///path`` and the word ``sandbox``.

As a connector's backend a sandbox file is the company file of users without their own
``CompanyFile`` (a user's CompanyFile names another sandbox file); ``sandbox`` alone serves
each user's CompanyFile, else ``serve --company``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from qbconnector.errors import TargetError
from qbconnector.qbxml.session import Session, SessionOptions
from qbconnector.targets.kinds import Backend, TargetKind
from qbconnector.targets.options import COMMON, for_server, gather

SANDBOX_SUFFIX = ".qbdb"
SQLITE_HEADER = b"SQLite format 3\x00"    # a sandbox company file is an SQLite database
WORD = "sandbox"


def file_url_path(text: str) -> Path:
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost"):
        raise TargetError(f"file URLs name local files only: {text!r}")
    path = unquote(parts.path)
    if re.match(r"^/[A-Za-z]:[/\\]", path):   # file:///C:/... on Windows
        path = path[1:]
    return Path(path)


def _path(text: str) -> Path:
    if text.lower().startswith("file:"):
        return file_url_path(text)
    return Path(text).expanduser()


def _checked(path: Path) -> Path:
    if path.suffix.lower() == ".qbw":
        raise TargetError(f"{path} is a QuickBooks Desktop company file: reach it through "
                          f"QuickBooks with com://?company={path} (on Windows)")
    if not path.exists():
        if path.suffix.lower() == SANDBOX_SUFFIX:
            raise TargetError(f"no sandbox company file at {path} (create one: qbconnector "
                              f"company create {path})")
        raise TargetError(f"{path} is neither an existing sandbox company file nor a URL: use "
                          "shop.qbdb, https://user@host:8167 or com://")
    if not path.is_file():
        raise TargetError(f"{path} is not a file: a sandbox company file is one .qbdb file")
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise TargetError(f"cannot read {path}: {exc.strerror}") from None
    if head != SQLITE_HEADER:
        raise TargetError(f"{path} is not a sandbox company file ("
                          + ("it is empty" if not head else "not an SQLite database") + ")")
    return path


def _options(keywords: Mapping[str, Any]) -> tuple[SessionOptions, dict[str, Any]]:
    return gather("sandbox file", COMMON | {"worker"}, {}, keywords)


def session(text: str, keywords: Mapping[str, Any]) -> Session:
    """A session on the file; ``worker=True`` serves it from a child process (long reads)."""
    options, extra = _options(keywords)
    if text.lower() == WORD:
        raise TargetError("the sandbox needs a company file: give its path (shop.qbdb)")
    path = _checked(_path(text))
    options = dataclasses.replace(options, company_file=str(path))
    if extra.get("worker"):
        from qbconnector.sandbox.engine.worker import WorkerSession

        return WorkerSession(path, options)
    from qbconnector.sandbox import SandboxSession

    return SandboxSession(path, options)


def backend(text: str, keywords: Mapping[str, Any]) -> Backend:
    target, _ = _options(keywords)
    from qbconnector.sandbox import SandboxSessions

    if text.lower() == WORD:
        pool = SandboxSessions("")
        description = "sandbox company files (each user's CompanyFile, else serve --company)"
        default = ""
    else:
        path = _checked(_path(text))
        pool = SandboxSessions(path)
        default = str(path)
        description = f"the sandbox company file {path}"
    target = dataclasses.replace(target, company_file=default)
    return Backend(lambda options: pool(for_server(options, target)), kind="sandbox",
                   target=text, description=description + (" (read-only)" if target.read_only
                                                           else ""),
                   default_company=default, close=pool.close)


KIND = TargetKind("sandbox", session, backend, schemes=("file",), words=(WORD,), paths=True,
                  example="shop.qbdb")
