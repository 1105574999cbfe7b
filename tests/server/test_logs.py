"""Logging: file names per LogFormat, size rollover, what each request line says and hides."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import re
import threading
import time

import pytest

from qbconnector.server.console import LogFeed
from qbconnector.server.logport import LogBroadcast
from qbconnector.server.logs import (
    LOGGER_NAME,
    ConsoleLog,
    RequestLines,
    RotatingLogFile,
    SafeFormatter,
    configure_logging,
    line_writers,
    log_file_stem,
    newest_log_file,
    request_line,
    safe_text,
)
from tests.server.helpers import PASSWORDS, client, post


@pytest.mark.parametrize("log_format,expected", [(0, "2013_09_23"), (1, "2013_39"),
                                                 (2, "2013_09")])
def test_file_names_per_log_format(log_format, expected):
    assert log_file_stem(dt.datetime(2013, 9, 23, 10, 0), log_format) == expected


def test_week_names_use_the_iso_year():
    assert log_file_stem(dt.datetime(2021, 1, 2), 1) == "2020_53"
    assert log_file_stem(dt.datetime(2024, 12, 30), 1) == "2025_01"


def _logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger(f"test.rotation.{id(handler)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    return logger


def test_rotation_follows_the_clock(tmp_path):
    now = [dt.datetime(2024, 5, 31, 23, 59)]
    handler = RotatingLogFile(tmp_path, 0, now=lambda: now[0])
    log = _logger(handler)
    log.info("first")
    now[0] = dt.datetime(2024, 6, 1, 0, 1)
    log.info("second")
    handler.close()
    assert (tmp_path / "2024_05_31.txt").read_text() == "first\n"
    assert (tmp_path / "2024_06_01.txt").read_text() == "second\n"


def test_with_the_real_clock_a_line_goes_to_the_file_of_its_own_moment(tmp_path):
    """The file name is worked out once a second from the line's time: lines made on either
    side of midnight go to their own day's file."""
    handler = RotatingLogFile(tmp_path, 0)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for moment, text in ((dt.datetime(2024, 5, 31, 23, 59, 59, 500000), "before"),
                         (dt.datetime(2024, 5, 31, 23, 59, 59, 900000), "still before"),
                         (dt.datetime(2024, 6, 1, 0, 0, 0, 100000), "after")):
        record = logging.LogRecord("t", logging.INFO, "", 0, text, None, None)
        record.created = moment.timestamp()
        handler.emit(record)
    handler.close()
    assert (tmp_path / "2024_05_31.txt").read_text() == "before\nstill before\n"
    assert (tmp_path / "2024_06_01.txt").read_text() == "after\n"


@pytest.mark.parametrize("message", [
    request_line(client="127.0.0.1", user="alice", interaction=0, requests=("HostQueryRq",),
                 status=200, duration=0.00042, company="/srv/books/Main.qbdb"),
    request_line(client="10.0.0.9", user="evil\nINFO forged line", interaction=None,
                 requests=(), status=401, duration=0.0, detail="bad credentials"),
    "card 4111 1111 1111 1111 and password=hunter2 <SSN>123-45-6789</SSN> \u2028 \x1b[31m",
])
def test_a_line_written_without_a_record_is_the_line_a_record_gives(tmp_path, message):
    """The connector writes its request lines straight to its log files (no LogRecord): the
    bytes are those the logging path writes, secrets masked and control characters escaped."""
    created = 1717245296.25                      # a quarter past a second, exactly
    by_record = RotatingLogFile(tmp_path / "record")
    by_line = RotatingLogFile(tmp_path / "line")
    formatter = SafeFormatter("%(asctime)s %(levelname)s %(message)s")   # the connector's
    assert formatter.writes_lines
    for handler in (by_record, by_line):
        handler.setFormatter(formatter)
    record = logging.makeLogRecord({"msg": message, "levelname": "WARNING", "levelno": 30,
                                    "created": created, "msecs": 250.0})
    by_record.emit(record)
    by_line.write_line("WARNING", message, created)
    for handler in (by_record, by_line):
        handler.close()
    [written] = (tmp_path / "record").iterdir()
    [fast] = (tmp_path / "line").iterdir()
    assert fast.name == written.name
    assert fast.read_bytes() == written.read_bytes()
    assert fast.read_bytes().count(b"\n") == 1          # one line, whatever the message held
    if "hunter2" in message:
        assert b"hunter2" not in fast.read_bytes() and b"***" in fast.read_bytes()


@pytest.mark.parametrize("message", [
    "client=127.0.0.1 user=alice type=0 requests=HostQueryRq status=200 ms=0.4",
    "user=\"bad\rname\" password=hunter2 card 4111-1111-1111-1111",
])
def test_the_console_writes_the_line_a_record_gives(message):
    created = 1717245296.5
    by_record, by_line = io.StringIO(), io.StringIO()
    formatter = SafeFormatter("%(asctime)s %(levelname)s %(message)s")
    handlers = [ConsoleLog(by_record), ConsoleLog(by_line)]
    for handler in handlers:
        handler.setFormatter(formatter)
    handlers[0].emit(logging.makeLogRecord({"msg": message, "levelname": "INFO", "levelno": 20,
                                            "created": created, "msecs": 500.0}))
    handlers[1].write_line("INFO", message, created)
    assert by_line.getvalue() == by_record.getvalue()
    assert by_line.getvalue().count("\n") == 1 and "hunter2" not in by_line.getvalue()


FEED_LINES = [
    ("alice", "client=127.0.0.1 user=alice type=0 requests=HostQueryRq status=200 ms=0.4"),
    ("bad\rname", 'client=10.0.0.9 user="bad\\rname" type=0 requests=- status=200 ms=1.0'),
    ("-", "client=::1 user=- type=0 requests=HostQueryRq status=500 ms=2.5"),
    ("carol", "password=hunter2 card 4111-1111-1111-1111 <SSN>123-45-6789</SSN> \x1b[31m"),
]


@pytest.mark.parametrize("user,message", FEED_LINES)
@pytest.mark.parametrize("safe", [False, True])
def test_the_admin_console_feed_keeps_the_entry_a_record_gives(user, message, safe):
    """A request line kept without a record (the request's user known) is the entry the
    record carrying that user as ``connector_user`` makes: time, level, user and message,
    secrets masked and control characters escaped."""
    created = 1717245296.2504
    by_record, by_line = LogFeed(), LogFeed()
    record = logging.makeLogRecord({"msg": message, "levelname": "WARNING", "levelno": 30,
                                    "created": created, "msecs": 250.0,
                                    "connector_user": user})
    by_record.handle(record)
    by_line.write_line("WARNING", safe_text(message) if safe else message, created,
                       safe=safe, user=user)
    assert by_line.after(0) == by_record.after(0)
    [entry] = by_line.after(0)
    assert entry["user"] == ("" if user == "-" else safe_text(user))
    assert "hunter2" not in entry["message"] and "\r" not in entry["user"]


def test_the_admin_console_feed_takes_lines_only_when_their_user_is_known():
    feed = LogFeed()
    assert feed.takes_lines(user_known=True)
    assert not feed.takes_lines(user_known=False)     # the record path reads it back
    feed.setFormatter(SafeFormatter("%(levelname)s %(message)s"))
    assert not feed.takes_lines(user_known=True)      # another format: records make it


def test_the_log_port_sends_the_line_a_record_gives():
    async def both() -> tuple[list[str], list[str]]:
        loop = asyncio.get_running_loop()
        sent = []
        for by_line in (False, True):
            handler = LogBroadcast(loop)
            handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(message)s"))
            assert handler.takes_lines(user_known=False)
            handler.write_line("INFO", "nobody listens", 1.0)   # no client: nothing sent
            queue: asyncio.Queue[str] = asyncio.Queue()
            handler.queues.add(queue)
            for user, message in FEED_LINES:
                created = 1717245296.5
                if by_line:
                    handler.write_line("INFO", message, created, user=user)
                else:
                    handler.handle(logging.makeLogRecord(
                        {"msg": message, "levelname": "INFO", "levelno": 20,
                         "created": created, "msecs": 500.0}))
            await asyncio.sleep(0)
            sent.append([queue.get_nowait() for _ in FEED_LINES])
            assert queue.empty()
        return sent[0], sent[1]

    by_record, by_line = asyncio.run(both())
    assert by_line == by_record
    assert not any("hunter2" in line for line in by_line)


def test_serve_s_console_and_files_take_lines_without_records(tmp_path, monkeypatch):
    logger = configure_logging(enabled=True, directory=str(tmp_path), console=True)
    try:
        mine = [h for h in logger.handlers if isinstance(h, (ConsoleLog, RotatingLogFile))]
        assert [type(h) for h in mine] == [ConsoleLog, RotatingLogFile]
        # only what configure_logging installed (pytest joins its capture handlers to
        # loggers that do not propagate)
        monkeypatch.setattr(logger, "handlers", list(mine))
        assert line_writers(logger, logging.INFO) == mine
        feed = LogFeed()                             # the admin console's feed
        logger.handlers.append(feed)
        assert line_writers(logger, logging.INFO, user_known=True) == [*mine, feed]
        assert line_writers(logger, logging.INFO) is None   # no user: records, to read it
        logger.handlers.append(logging.Handler())    # any other handler needs records
        assert line_writers(logger, logging.INFO, user_known=True) is None
    finally:
        monkeypatch.undo()
        configure_logging(enabled=False, console=False)


def test_lines_go_without_records_only_where_every_handler_is_a_log_file(tmp_path):
    logger = logging.getLogger(f"test.line_writers.{id(tmp_path)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    log_file = RotatingLogFile(tmp_path)
    log_file.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(log_file)
    try:
        assert line_writers(logger, logging.INFO) == [log_file]
        other = logging.Handler()               # the console's feed, the LogPort, stderr...
        logger.addHandler(other)
        assert line_writers(logger, logging.INFO) is None
        logger.removeHandler(other)
        plain = logging.Formatter("%(message)s")
        log_file.setFormatter(plain)            # another format: the record makes it
        assert line_writers(logger, logging.INFO) is None
        log_file.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addFilter(lambda record: True)
        assert line_writers(logger, logging.INFO) is None
        logger.filters.clear()
        logger.propagate = True                 # the root's handlers need the record
        assert line_writers(logger, logging.INFO) is None
    finally:
        log_file.close()


def test_size_rollover_and_continuation(tmp_path):
    now = lambda: dt.datetime(2024, 6, 1, 12, 0)  # noqa: E731
    handler = RotatingLogFile(tmp_path, 2, max_size=50, now=now)
    log = _logger(handler)
    for i in range(10):
        log.info("line %02d of the log", i)    # 19 bytes each -> two per file
    handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["2024_06.txt", "2024_06_1.txt", "2024_06_2.txt", "2024_06_3.txt",
                     "2024_06_4.txt"]
    for name in names:
        assert (tmp_path / name).stat().st_size <= 50
    # a restarted server continues in the newest file, not the first
    handler = RotatingLogFile(tmp_path, 2, max_size=50, now=now)
    log = _logger(handler)
    log.info("after restart")
    handler.close()
    assert (tmp_path / "2024_06_5.txt").read_text() == "after restart\n"
    assert newest_log_file(tmp_path).name == "2024_06_5.txt"


def test_request_line_quotes_what_needs_it():
    line = request_line(client="127.0.0.1", user="a b", interaction=0,
                        requests=("CustomerAddRq", "HostQueryRq"), status=200, duration=0.0123,
                        company='C:\\Books\\x "y".qbw')
    assert line.startswith('client=127.0.0.1 user="a b" type=0 '
                           "requests=CustomerAddRq,HostQueryRq status=200 ms=12.3 ")
    assert 'company="C:\\\\Books\\\\x \\"y\\".qbw"' in line


def test_server_log_lines_name_everything_but_secrets(start_server, tmp_path, monkeypatch):
    log_dir = tmp_path / "logs"
    lines_without_records: list[str] = []
    write_line = RotatingLogFile.write_line

    def counted(self, levelname, message, created, **options):
        lines_without_records.append(message)
        write_line(self, levelname, message, created, **options)

    monkeypatch.setattr(RotatingLogFile, "write_line", counted)
    server = start_server(LogEnabled=True, LogDir=str(log_dir), LogLevel=3)
    logger = logging.getLogger(LOGGER_NAME)     # only the file listens (pytest's capture
    monkeypatch.setattr(logger, "handlers",     # handlers join non-propagating loggers)
                        [h for h in logger.handlers if isinstance(h, RotatingLogFile)])
    with client(server) as c:
        post(c)
        post(c, "<QBXML>")
    with client(server, password="not-the-password") as c:
        post(c)
    server.stop()
    files = list(log_dir.iterdir())
    assert [f.name for f in files] == [log_file_stem(dt.datetime.now(), 0) + ".txt"]
    text = files[0].read_text()
    # the request lines went straight to the file (only a file listens), in the same format
    assert len(lines_without_records) == 3 and lines_without_records[0].startswith("client=")
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO client=127\.0\.0\.1 ", text,
                     re.MULTILINE)
    assert "client=127.0.0.1 user=alice type=0 requests=HostQueryRq status=200" in text
    assert "status=517" in text and "status=401" in text
    assert "failed login for user 'alice' from 127.0.0.1" in text
    for secret in (*PASSWORDS.values(), "not-the-password"):
        assert secret not in text
    assert "<HostQueryRq" not in text             # bodies only at Verbose


def test_verbose_logs_bodies_but_not_passwords(start_server, tmp_path):
    log_dir = tmp_path / "logs"
    server = start_server(LogEnabled=True, LogDir=str(log_dir), LogLevel=4)
    with client(server) as c:
        post(c)
    server.stop()
    text = next(log_dir.iterdir()).read_text()
    assert '<HostQueryRq requestID="1"/>' in text and "<HostRet>" in text
    assert PASSWORDS["alice"] not in text


def test_level_off_writes_nothing(start_server, tmp_path):
    log_dir = tmp_path / "logs"
    server = start_server(LogEnabled=True, LogDir=str(log_dir), LogLevel=0)
    with client(server) as c:
        post(c, "<QBXML>")
    server.stop()
    assert all(p.stat().st_size == 0 for p in log_dir.iterdir())


def test_configure_logging_replaces_its_handlers(tmp_path):
    logger = configure_logging(level=2, enabled=True, directory=str(tmp_path), console=False)
    files = [h for h in logger.handlers if isinstance(h, RotatingLogFile)]
    assert len(files) == 1
    logger = configure_logging(level=2, enabled=False, console=False)
    assert not any(isinstance(h, RotatingLogFile) for h in logger.handlers)
    assert files[0]._stream is None      # closed
    assert logger.level == logging.WARNING


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_log_port_streams_lines_to_authenticated_clients(start_server):
    from qbconnector.server.logport import LogBroadcast, read_live

    port = _free_port()
    server = start_server(LogPort=port, LocalAuth="admin-secret")
    with pytest.raises(PermissionError):
        next(read_live(port, "wrong", timeout=5))
    lines = read_live(port, "admin-secret", timeout=5)
    got = []
    reader = threading.Thread(target=lambda: got.append(next(lines)))
    reader.start()          # connects, authenticates, then waits for a line
    broadcast = next(h for h in server.app.log.handlers if isinstance(h, LogBroadcast))
    deadline = time.monotonic() + 5
    while not broadcast.queues:
        assert time.monotonic() < deadline, "the client never subscribed"
        time.sleep(0.01)
    with client(server) as c:
        post(c)
    reader.join(5)
    assert got and "user=alice type=0 requests=HostQueryRq status=200" in got[0]


def test_log_port_needs_local_auth(start_server, caplog):
    import socket

    port = _free_port()
    start_server(LogPort=port)
    assert f"LogPort {port} is not opened" in caplog.text
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def _request_facts() -> list[dict]:
    """Fixed parts a client chooses, nasty ones included, around varying status and time."""
    import itertools

    users = ["alice", "a b", "evil\nINFO forged", "password:", "x password=hunter2",
             "4111 1111 1111 1111", "4111111111111111", "<SSN>123-45", "\u2028", None]
    companies = [None, "/srv/books/Main.qbdb", "C:\\Books\\x \"y\".qbw", "1234-5678 9012",
                 "45-6789</SSN>", "secret: s3"]
    details = ["", "bad credentials", "read-only user: refused CustomerAddRq",
               "LocalAuth=abc", "tab\there"]
    found = []
    for n, (user, company, detail) in enumerate(itertools.product(users, companies, details)):
        found.append({"client": "10.0.0.9" if n % 2 else "::1", "user": user,
                      "interaction": None if n % 7 == 0 else n % 3,
                      "requests": (("HostQueryRq", "CustomerAddRq"), (), ("password",))[n % 3],
                      "status": (200, 401, 517)[n % 3], "duration": n * 0.0173,
                      "company": company, "detail": detail})
    return found


def test_request_lines_made_safe_in_parts_are_the_lines_made_safe_whole():
    lines = RequestLines(limit=10_000)
    for facts in _request_facts() * 2:       # the second time from the parts kept
        assert lines.line(**facts) == safe_text(request_line(**facts)), facts
    kept = [parts for parts in lines._parts.values() if parts is not None]
    plain = [f for f in _request_facts() if "<" not in f"{f['user']}{f['company']}"]
    assert len(lines._parts) == 300 and len(kept) == len(plain) == 225   # "<": made whole
