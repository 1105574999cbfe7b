"""The connector's log: always the console, and with LogEnabled rotating files in LogDir.

File names follow LogFormat: daily ``yyyy_MM_dd.txt``, weekly ``yyyy_ww.txt`` (ISO week),
monthly ``yyyy_MM.txt``. When a file reaches MaxLogSize bytes the log continues in
``<name>_1.txt``, ``<name>_2.txt``… LogLevel 0 Off, 1 Error, 2 Warning, 3 Info, 4 Verbose.
Passwords are never logged; message bodies only at Verbose. Every line, wherever it goes,
passes :class:`SafeFormatter`: control and line-separator characters a client chose (a user
name, a path) are escaped, so no one can forge or hide lines, and card numbers, social
security numbers and passwords are masked at every level. Log files and their folder are
readable by their owner only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

LOGGER_NAME = "qbconnector.server"
LEVELS = {0: logging.CRITICAL + 10, 1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO,
          4: logging.DEBUG}
_FORMAT = "%(asctime)s %(levelname)s %(message)s"
_HANDLER_TAG = "_qbconnector_handler"


def log_file_stem(when: dt.datetime, log_format: int) -> str:
    """The file name (without index and extension) for a moment under a LogFormat."""
    if log_format == 1:
        year, week, _ = when.isocalendar()
        return f"{year:04d}_{week:02d}"
    if log_format == 2:
        return f"{when.year:04d}_{when.month:02d}"
    return f"{when.year:04d}_{when.month:02d}_{when.day:02d}"


class WritesLines:
    """A handler that can also write a line without a record (see :func:`line_writers`):
    formatted as its ``emit`` would, then handed to ``_put``."""

    formatter: logging.Formatter | None

    def takes_lines(self, user_known: bool) -> bool:
        """Whether :meth:`write_line` writes what ``emit`` would (the connector's own
        format; these handlers do not show the user apart, so ``user_known`` is not needed)."""
        formatter = self.formatter
        return isinstance(formatter, SafeFormatter) and formatter.writes_lines

    def write_line(self, levelname: str, message: str, created: float, *,
                   safe: bool = False, user: str | None = None) -> None:
        """Write what ``emit`` writes for a record of these fields with no exception
        attached, without making the record. ``safe``: the message has passed
        :func:`safe_text` already (:class:`RequestLines`). ``user``: the authenticated
        user a record would carry (``connector_user``); files and the console ignore it."""
        formatter = self.formatter
        assert isinstance(formatter, SafeFormatter)
        try:
            self._put(formatter.line(levelname, message, created, safe=safe), created)
        except Exception:
            self.handleError(logging.makeLogRecord(  # type: ignore[attr-defined]
                {"msg": message, "levelname": levelname, "created": created}))

    def _put(self, line: str, created: float) -> None:
        raise NotImplementedError


class RotatingLogFile(WritesLines, logging.Handler):
    """Writes to the file of the current day/week/month, rolling over at ``max_size`` bytes."""

    def __init__(self, directory: str | os.PathLike[str], log_format: int = 0,
                 max_size: int = 0, now: Callable[[], dt.datetime] | None = None) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.log_format = log_format
        self.max_size = max_size
        self._now = now      # None: the real clock
        self._stem = ""
        self._index = 0
        self._stream: BinaryIO | None = None
        self._size = 0
        self._file_lock = threading.Lock()
        self._stem_of_second: tuple[int, str] = (-1, "")   # with the real clock only

    @property
    def current_path(self) -> Path | None:
        return self._path(self._stem, self._index) if self._stem else None

    def _path(self, stem: str, index: int) -> Path:
        return self.directory / (f"{stem}.txt" if index == 0 else f"{stem}_{index}.txt")

    def _last_index(self, stem: str) -> int:
        pattern = re.compile(re.escape(stem) + r"(?:_(\d+))?\.txt")
        found = [int(m.group(1) or 0) for p in self.directory.iterdir()
                 if (m := pattern.fullmatch(p.name))]
        return max(found, default=0)

    def _open(self, stem: str, index: int) -> None:
        if self._stream is not None:
            self._stream.close()
        self._stem, self._index = stem, index
        fd = os.open(self._path(stem, index), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._stream = os.fdopen(fd, "ab")
        status = os.fstat(fd)
        if status.st_mode & 0o007 and hasattr(os, "fchmod"):   # an older file others could read
            with contextlib.suppress(OSError):
                os.fchmod(fd, status.st_mode & 0o770)
        self._size = status.st_size

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._write((self.format(record) + "\n").encode("utf-8"), record.created)
        except Exception:
            self.handleError(record)

    def _put(self, line: str, created: float) -> None:
        self._write((line + "\n").encode("utf-8"), created)

    def _write(self, line: bytes, created: float) -> None:
        with self._file_lock:
            stem = self._current_stem(created)
            if stem != self._stem or self._stream is None:
                self._open(stem, self._last_index(stem))
            if self.max_size and self._size > 0 and self._size + len(line) > self.max_size:
                self._open(stem, self._index + 1)
            assert self._stream is not None
            self._stream.write(line)
            self._stream.flush()
            self._size += len(line)

    def _current_stem(self, created: float) -> str:
        """The file name for now: worked out once a second with the real clock (a line per
        request would otherwise read the date and format it every time)."""
        if self._now is not None:
            return log_file_stem(self._now(), self.log_format)
        second = int(created)
        cached, stem = self._stem_of_second
        if cached != second:
            stem = log_file_stem(dt.datetime.fromtimestamp(second), self.log_format)
            self._stem_of_second = (second, stem)
        return stem

    def close(self) -> None:
        with self._file_lock:
            if self._stream is not None:
                self._stream.close()
                self._stream = None
        super().close()


# -- what a log line may show -----------------------------------------------------------------
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SECRET_ELEMENTS = re.compile(
    r"(<(CreditCardNumber|SSN|CardSecurityCode|Password)>)([^<]*)(</\2>)")
_CARD = re.compile(r"(?<![\w-])(?:\d{13,19}|\d{4}([ -])\d{4,6}\1\d{4,5}(?:\1\d{1,4})?)(?![\w-])")
_PASSWORD_FIELD = re.compile(r"(?i)\b(password|passwd|secret|LocalAuth)(\s*[=:]\s*)(\S+)")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100
                                  else f"\\u{ord(char):04x}")


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _keep_last4(text: str) -> str:
    digits = [c for c in text if c.isdigit()]
    return "*" * max(0, len(digits) - 4) + "".join(digits[-4:]) if len(digits) > 4 else \
        "*" * len(text)


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return _keep_last4(digits) if _luhn(digits) else match.group()


# Cheap tests that rule a pattern out before its (slower) regular expression runs: every card
# number has a run of four digits, every password field one of these words once case-folded
# (case folding maps every character the case-blind pattern takes for a letter of theirs).
_FOUR_DIGITS = re.compile(r"\d{4}")
_SECRET_WORDS = ("pass", "secret", "localauth")


def safe_text(text: str) -> str:
    """``text`` fit for one log line: secrets masked, control characters escaped."""
    if "<" in text:
        text = _SECRET_ELEMENTS.sub(lambda m: m.group(1) + _keep_last4(m.group(3)) + m.group(4),
                                    text)
    if _FOUR_DIGITS.search(text):
        text = _CARD.sub(_mask_card, text)
    if ("=" in text or ":" in text) and any(word in text.casefold() for word in _SECRET_WORDS):
        text = _PASSWORD_FIELD.sub(lambda m: m.group(1) + m.group(2) + "***", text)
    return _UNSAFE.sub(_escape, text)


class SafeFormatter(logging.Formatter):
    """A formatter whose messages pass :func:`safe_text` (tracebacks stay as they are).

    The date and time of a line are formatted once per second, not once per line: the
    connector writes a line per request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord,  # noqa: N802 (logging's name)
                   datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return self._time_text(record.created, record.msecs)

    def _time_text(self, created: float, msecs: float) -> str:
        second = int(created)
        cached, text = self._second
        if cached != second:
            text = time.strftime(self.default_time_format, self.converter(created))
            self._second = (second, text)
        if not self.default_msec_format:
            return text
        return self.default_msec_format % (text, msecs)

    @property
    def writes_lines(self) -> bool:
        """Whether :meth:`line` gives what :meth:`format` gives (the connector's own format)."""
        return self._fmt == _FORMAT and self.datefmt is None and \
            isinstance(self._style, logging.PercentStyle)

    def line(self, levelname: str, message: str, created: float, *,
             safe: bool = False) -> str:
        """What :meth:`format` makes of a record of these fields with no exception or stack
        attached, for a formatter that :attr:`writes_lines` (``safe``: the message has passed
        :func:`safe_text` already)."""
        msecs = int((created - int(created)) * 1000) + 0.0     # as LogRecord works it out
        if not safe:
            message = safe_text(message)
        if self.default_msec_format == "%s,%03d":      # logging's own: spelt out, cheaper
            if self._second[0] != int(created):
                self._time_text(created, msecs)      # the second's text, kept in _second
            return f"{self._second[1]},{int(msecs):03d} {levelname} {message}"
        return _FORMAT % {"asctime": self._time_text(created, msecs), "levelname": levelname,
                          "message": message}

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        original = record.message
        record.message = safe_text(original)
        try:
            return super().formatMessage(record)
        finally:
            record.message = original


class ConsoleLog(WritesLines, logging.StreamHandler):  # type: ignore[type-arg]
    """The console's share of the log (standard error), which can also write a line without
    a record (``write_line``, as :class:`RotatingLogFile` does)."""

    def _put(self, line: str, created: float) -> None:
        with self.lock or contextlib.nullcontext():
            self.stream.write(line + self.terminator)
            self.flush()


_LINE_HANDLERS: set[type[logging.Handler]] = {RotatingLogFile, ConsoleLog}


def takes_lines(cls: type[logging.Handler]) -> type[logging.Handler]:
    """Register a handler class whose instances write a line without a record: it has
    ``takes_lines(user_known)`` and ``write_line(levelname, message, created, *, safe, user)``
    doing what its ``emit`` does. Only that very class counts (a subclass may emit otherwise)."""
    _LINE_HANDLERS.add(cls)
    return cls


def line_writers(logger: logging.Logger, level: int, *, user_known: bool = False
                 ) -> list[Any] | None:
    """The handlers a line of ``level`` goes to when every one of them can write it without
    a record (``write_line``: the connector writes a line per request, and the record, its
    handling and formatting cost more than the line): log files, the console, the admin
    console's feed when the line's user is known (``user_known``); None when a record is
    needed (another kind of handler, filters, propagation)."""
    if logger.propagate or logger.filters or not logger.handlers:
        return None
    found: list[Any] = []
    for handler in logger.handlers:
        if type(handler) not in _LINE_HANDLERS or handler.filters or level < handler.level:
            return None
        if not handler.takes_lines(user_known):  # type: ignore[attr-defined]
            return None
        found.append(handler)
    return found


def default_log_dir() -> str:
    import platformdirs

    return platformdirs.user_log_dir("qbconnector", appauthor=False)


def configure_logging(*, level: int = 3, enabled: bool = False, directory: str = "",
                      log_format: int = 0, max_size: int = 0, console: bool = True,
                      extra_handlers: tuple[logging.Handler, ...] = ()) -> logging.Logger:
    """Set up the connector's logger (replacing handlers an earlier call installed)."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if getattr(handler, _HANDLER_TAG, False):
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(LEVELS.get(level, logging.INFO))
    logger.propagate = False
    formatter = SafeFormatter(_FORMAT)
    handlers: list[logging.Handler] = []
    if console:
        handlers.append(ConsoleLog(sys.stderr))
    if enabled:
        handlers.append(RotatingLogFile(directory or default_log_dir(), log_format, max_size))
    handlers.extend(extra_handlers)
    if not handlers:
        handlers.append(logging.NullHandler())   # silence, not Python's last-resort printer
    for handler in handlers:
        handler.setFormatter(formatter)
        setattr(handler, _HANDLER_TAG, True)
        logger.addHandler(handler)
    # uvicorn's own complaints (bad HTTP, failed TLS handshakes) go to the same places
    server_errors = logging.getLogger("uvicorn.error")
    for handler in list(server_errors.handlers):
        if getattr(handler, _HANDLER_TAG, False):
            server_errors.removeHandler(handler)
    for handler in handlers:
        server_errors.addHandler(handler)
    server_errors.setLevel(max(logging.WARNING, logger.level))
    server_errors.propagate = False
    return logger


def newest_log_file(directory: str | os.PathLike[str]) -> Path | None:
    """The most recently written log file in ``directory``."""
    folder = Path(directory)
    if not folder.is_dir():
        return None
    files = [p for p in folder.iterdir()
             if p.is_file() and re.fullmatch(r"\d{4}_\d{2}(_\d{2})?(_\d+)?\.txt", p.name)]
    return max(files, key=lambda p: (p.stat().st_mtime_ns, p.name), default=None)


_NEEDS_QUOTES = re.compile(r"[\s\"=]")


def _clean(value: object) -> str:
    text = str(value)
    return text if text and not _NEEDS_QUOTES.search(text) else '"' + text.replace(
        "\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def request_line(*, client: str, user: str | None, interaction: int | None,
                 requests: tuple[str, ...], status: int, duration: float,
                 company: str | None = None, detail: str = "") -> str:
    """One request's log line: client, user, interaction type, request names, status, time."""
    parts = [f"client={_clean(client)}", f"user={_clean(user or '-')}",
             f"type={interaction if interaction is not None else '-'}",
             f"requests={_clean(','.join(requests) or '-')}", f"status={status}",
             f"ms={duration * 1000:.1f}"]
    if company:
        parts.append(f"company={_clean(company)}")
    if detail:
        parts.append(f"detail={_clean(detail)}")
    return " ".join(parts)


SAFE_PARTS_KEPT = 256
"""Distinct (client, user, requests, company, detail) whose safe line parts are kept."""


class RequestLines:
    """Request lines already passed through :func:`safe_text`, made the cheap way.

    A line is its fixed parts (client, user, type and requests; company and detail) around
    the status and time, and a connector writes the same fixed parts over and over. Those
    parts are made safe once and kept. Making each part safe on its own gives the line
    :func:`safe_text` gives the whole: the status and time between them are digits behind
    letters (``status=``, ``ms=``), which no pattern can join to a neighbour, except a
    masked XML element, whose tags may sit in two parts; a part holding ``<`` is therefore
    never kept, and its line is made safe whole."""

    def __init__(self, limit: int = SAFE_PARTS_KEPT) -> None:
        self.limit = limit
        self._parts: dict[tuple[Any, ...], tuple[str, str] | None] = {}

    def line(self, *, client: str, user: str | None, interaction: int | None,
             requests: tuple[str, ...], status: int, duration: float,
             company: str | None = None, detail: str = "") -> str:
        """:func:`safe_text` of :func:`request_line` of the same arguments."""
        key = (client, user, interaction, requests, company, detail)
        parts = self._parts.get(key, False)
        if parts is False:
            parts = self._safe_parts(key)
        if parts is None:
            return safe_text(request_line(
                client=client, user=user, interaction=interaction, requests=requests,
                status=status, duration=duration, company=company, detail=detail))
        return f"{parts[0]} status={status} ms={duration * 1000:.1f}{parts[1]}"

    def _safe_parts(self, key: tuple[Any, ...]) -> tuple[str, str] | None:
        client, user, interaction, requests, company, detail = key
        head = (f"client={_clean(client)} user={_clean(user or '-')} "
                f"type={interaction if interaction is not None else '-'} "
                f"requests={_clean(','.join(requests) or '-')}")
        tail = (f" company={_clean(company)}" if company else "") + (
            f" detail={_clean(detail)}" if detail else "")
        parts = None if "<" in head or "<" in tail else (safe_text(head), safe_text(tail))
        if len(self._parts) >= self.limit:
            self._parts.clear()
        self._parts[key] = parts
        return parts


def last_lines(path: str | os.PathLike[str], count: int) -> list[str]:
    """The last ``count`` lines of a text file (reads from the end; files may be large)."""
    if count <= 0:
        return []
    with open(path, "rb") as f:
        position = f.seek(0, os.SEEK_END)
        data = b""
        while position > 0 and data.count(b"\n") <= count:
            step = min(65536, position)
            position -= step
            f.seek(position)
            data = f.read(step) + data
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[-count:]


def follow(directory: str | os.PathLike[str], *, start_at_end: bool = True,
           poll: float = 0.5, stop: Callable[[], bool] = lambda: False) -> Iterator[str]:
    """Yield log lines written from now on, moving on to newer files when logs rotate."""
    current = newest_log_file(directory)
    offset = current.stat().st_size if (current and start_at_end) else 0

    def lines() -> Iterator[str]:
        nonlocal current, offset
        pending = b""
        while not stop():
            newest = newest_log_file(directory)
            if newest is not None and newest != current:
                if current is not None and current.exists():
                    with open(current, "rb") as f:       # finish the old file first
                        f.seek(offset)
                        pending += f.read()
                current, offset = newest, 0
            if current is not None and current.exists():
                with open(current, "rb") as f:
                    f.seek(offset)
                    chunk = f.read()
                offset += len(chunk)
                pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield line.decode("utf-8", "replace")
            if not complete:
                time.sleep(poll)

    return lines()
