"""The state file of incremental exports: per type, the high-water marks of the last run.

    {"format": 1, "types": {"Invoice": {"modified": "2024-05-01T17:03:11-04:00",
                                        "deleted": "2024-05-01T16:58:40-04:00",
                                        "run": "2024-05-01T21:04:00+00:00"}}}

Marks are QuickBooks' own TimeModified / TimeDeleted texts, kept with the UTC offset
QuickBooks gave, so the next run asks from exactly that instant whatever time zone this
machine is in. The file is replaced atomically and only after the export has committed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qbconnector.errors import QBConnectorError
from qbconnector.qbxml.values import parse_datetime

FORMAT = 1


class StateError(QBConnectorError, ValueError):
    """A state file that cannot be read."""


def as_instant(text: str) -> datetime:
    """A mark as an aware datetime (marks always carry an offset)."""
    value = parse_datetime(text)
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise StateError(f"{text!r} is not a date-time with a UTC offset")
    return value


def later(first: str | None, second: str | None) -> str | None:
    """The later of two marks (compared as instants), keeping its own text."""
    if first is None:
        return second
    if second is None:
        return first
    return second if as_instant(second) > as_instant(first) else first


@dataclass
class ExportState:
    """Marks per type, read from and written to one JSON file."""

    path: Path | None = None
    types: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None) -> ExportState:
        if path is None:
            return cls()
        path = Path(path)
        if not path.exists():
            if not path.parent.is_dir():
                raise StateError(f"{path}: no folder {path.parent} for the state file")
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:        # not JSON, not UTF-8, a folder...
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise StateError(f"{path}: not a state file ({reason})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StateError(f"{path}: not a qbconnector export state file (format {FORMAT})")
        types = data.get("types") or {}
        if not isinstance(types, dict) or not all(isinstance(m, dict) for m in types.values()):
            raise StateError(f"{path}: not a qbconnector export state file (its types)")
        for name, marks in types.items():
            for key in ("modified", "deleted"):
                if marks.get(key) is not None:
                    as_instant(marks[key])
            types[name] = {k: v for k, v in marks.items() if v is not None}
        return cls(path, types)

    def modified(self, type_name: str) -> str | None:
        return self.types.get(type_name, {}).get("modified")

    def deleted(self, type_name: str) -> str | None:
        return self.types.get(type_name, {}).get("deleted")

    def update(self, type_name: str, modified: str | None, deleted: str | None) -> None:
        marks = self.types.setdefault(type_name, {})
        for key, value in (("modified", modified), ("deleted", deleted)):
            if value is not None:
                marks[key] = value
        marks["run"] = datetime.now(UTC).replace(microsecond=0).isoformat()

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "types": self.types}

    def save(self) -> None:
        if self.path is None:
            return
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(partial, self.path)
