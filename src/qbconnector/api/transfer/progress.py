"""What long runs (export, import) report while they work; the CLI draws a progress bar."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called as a run goes: ``start`` per type (``total`` when known), ``advance`` per record."""

    def start(self, type_name: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...

    def finish(self) -> None: ...
