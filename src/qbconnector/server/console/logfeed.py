"""The recent activity log as the console shows it: a ring of the last lines, each numbered.

A logging handler on the connector's logger keeps the newest records (at the LogLevel in force,
since the logger filters first). The page asks for the lines after the last number it has, so
it sees new lines without reloading; clearing empties the view, never the log files.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import re
import threading
from typing import Any

from qbconnector.server.logs import SafeFormatter, safe_text, takes_lines

MAX_LINES = 2000
_USER_FIELD = re.compile(r'\buser=("(?:[^"\\]|\\.)*"|\S+)')
LEVEL_NAMES = {"DEBUG": "verbose", "INFO": "info", "WARNING": "warning", "ERROR": "error",
               "CRITICAL": "error"}


_MESSAGE_ONLY = "%(message)s"


@takes_lines
class LogFeed(logging.Handler):
    """Keeps the last ``size`` log records as numbered, JSON-ready lines.

    The connector's request lines come without a record (:meth:`write_line`, when the
    request's user is known), the other lines as records (:meth:`emit`): the same entries."""

    def __init__(self, size: int = MAX_LINES) -> None:
        super().__init__()
        self._lines: collections.deque[dict[str, Any]] = collections.deque(maxlen=size)
        self._next = 1
        self._lock_lines = threading.Lock()
        self.setFormatter(SafeFormatter(_MESSAGE_ONLY))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
        except Exception:
            self.handleError(record)
            return
        user = getattr(record, "connector_user", None)
        if user is None:
            found = _USER_FIELD.search(record.getMessage())
            user = _unquote(found.group(1)) if found else ""
        self._keep(record.created, record.levelname, user, message)

    def takes_lines(self, user_known: bool) -> bool:
        """Whether :meth:`write_line` keeps what :meth:`emit` would: the line's user must be
        known (a record without one has it read back from the message) and the formatter
        must be the feed's own."""
        formatter = self.formatter
        return user_known and isinstance(formatter, SafeFormatter) and \
            formatter._fmt == _MESSAGE_ONLY and \
            isinstance(formatter._style, logging.PercentStyle)

    def write_line(self, levelname: str, message: str, created: float, *,
                   safe: bool = False, user: str | None = None) -> None:
        """Keep what :meth:`emit` keeps for a record of these fields carrying ``user`` (its
        ``connector_user``), with no exception attached; ``safe``: the message has passed
        :func:`safe_text` already."""
        try:
            self._keep(created, levelname, user or "",
                       message if safe else safe_text(message))
        except Exception:
            self.handleError(logging.makeLogRecord(
                {"msg": message, "levelname": levelname, "created": created}))

    def _keep(self, created: float, levelname: str, user: str, message: str) -> None:
        line = {
            "time": dt.datetime.fromtimestamp(created).astimezone()
            .isoformat(timespec="milliseconds"),
            "level": LEVEL_NAMES.get(levelname, levelname.lower()),
            "user": "" if user == "-" else safe_text(user),
            "message": message,
        }
        with self._lock_lines:
            line["id"] = self._next
            self._next += 1
            self._lines.append(line)

    def after(self, last_id: int = 0, limit: int = 500) -> list[dict[str, Any]]:
        """Lines numbered above ``last_id`` (the newest ``limit`` of them)."""
        with self._lock_lines:
            fresh = [line for line in self._lines if line["id"] > last_id]
        return fresh[-limit:]

    def clear(self) -> int:
        """Forget the lines kept so far; returns the number the next line will have."""
        with self._lock_lines:
            self._lines.clear()
            return self._next


def as_text(lines: list[dict[str, Any]]) -> str:
    """Lines as a downloadable text file, one per line, like the log files."""
    return "".join(f"{line['time']} {line['level'].upper()} {line['message']}\n"
                   for line in lines)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)),
                      value[1:-1])
    return value
