"""The sandbox served by a worker process (``connect(path, worker=True)``, what
``qbconnector export`` uses for sandbox files): the same answers as in-process, iterators
across calls, a clear error when the worker dies and a new worker after it, no child left
behind when the session closes or when its parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import qbconnector
from qbconnector.cli.main import cli
from qbconnector.sandbox import Clock, SandboxSession
from qbconnector.sandbox.engine.worker import WorkerSession
from qbconnector.targets import kind_of, make_session

QUERY = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError='
         '"stopOnError"><CustomerQueryRq iterator="{it}" {extra}><MaxReturned>2</MaxReturned>'
         '</CustomerQueryRq></QBXMLMsgsRq></QBXML>')
ADD = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError='
       '"stopOnError"><CustomerAddRq><CustomerAdd><Name>{name}</Name></CustomerAdd>'
       '</CustomerAddRq></QBXMLMsgsRq></QBXML>')


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:                                    # a zombie child of another process counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def _wait_gone(pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


def _strip_times(text: str) -> str:
    import re
    return re.sub(r"<(TimeCreated|TimeModified|ListID|EditSequence)>[^<]*<", "<\\1>X<", text)


def test_the_worker_answers_as_the_session_in_process(blank_company):
    ours, theirs = blank_company("worker"), blank_company("in-process")
    with WorkerSession(ours) as worker:
        local = SandboxSession(theirs, clock=Clock())
        local.open()
        try:
            for name in ("Acme", "Bolt", "Acme", "Cog", "Dyna"):   # the second Acme: 3100
                assert _strip_times(worker.process(ADD.format(name=name))) == \
                    _strip_times(local.process(ADD.format(name=name)))
            assert worker.versions() == local.versions()
            assert worker.company_file() == str(ours.resolve())
            assert worker.is_company_accessible() and worker.is_authorized()
        finally:
            local.close()
        first = worker.process(QUERY.format(it="Start", extra=""))
        assert 'iteratorRemainingCount="2"' in first
        iterator = first.split('iteratorID="')[1].split('"')[0]
        rest = worker.process(QUERY.format(it="Continue", extra=f'iteratorID="{iterator}"'))
        assert 'iteratorRemainingCount="0"' in rest and "<Name>Dyna</Name>" in rest


def test_malformed_requests_are_refused_as_in_process(blank_company):
    with WorkerSession(blank_company()) as worker:
        with pytest.raises(qbconnector.RequestProcessorError) as refused:
            worker.process("<QBXML><not closed")
        local = SandboxSession(blank_company("other"))
        local.open()
        try:
            with pytest.raises(qbconnector.RequestProcessorError) as expected:
                local.process("<QBXML><not closed")
        finally:
            local.close()
    assert refused.value.hresult == expected.value.hresult
    assert refused.value.message == expected.value.message


def test_a_dead_worker_is_a_clear_error_then_replaced(blank_company):
    with qbconnector.connect(blank_company(), worker=True) as qb:
        assert isinstance(qb.session, WorkerSession)
        qb.customers.add(name="Before")
        first = qb.session.pid
        assert first != os.getpid()
        os.kill(first, signal.SIGKILL)
        with pytest.raises(qbconnector.SessionError, match="worker process .* ended "
                                                           "unexpectedly"):
            qb.customers.count()
        assert qb.customers.count() == 1            # a new worker, the same file
        assert qb.session.pid not in (None, first)
    assert _wait_gone(first)


def test_closing_leaves_no_child(blank_company):
    session = make_session(str(blank_company()), worker=True)
    session.open()
    pid = session.pid
    assert pid is not None and not _gone(pid)
    session.close()
    assert _gone(pid)
    session.close()                                 # twice is safe


def test_the_worker_ends_when_its_parent_is_killed(blank_company, tmp_path: Path):
    script = (
        "import sys, time\n"
        "from qbconnector.sandbox.engine.worker import WorkerSession\n"
        f"session = WorkerSession({str(blank_company())!r})\n"
        "session.open()\n"
        "print(session.pid, flush=True)\n"
        "time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              text=True)
    try:
        child = int(parent.stdout.readline())
        assert not _gone(child)
        parent.kill()
        parent.wait()
        assert _wait_gone(child)
    finally:
        parent.kill()
        parent.stdout.close()


def test_worker_is_an_option_of_sandbox_targets_only(blank_company):
    path = str(blank_company())
    assert kind_of(path) == "sandbox"
    assert isinstance(make_session(path), SandboxSession)
    assert isinstance(make_session(path, worker="true"), WorkerSession)
    with pytest.raises(qbconnector.TargetError, match="take no option worker"):
        make_session("http://127.0.0.1:9", worker=True)
    with pytest.raises(qbconnector.TargetError, match="worker"):
        make_session(path, worker="maybe")


def test_cli_export_through_the_worker_writes_what_the_api_writes(blank_company,
                                                                  tmp_path: Path):
    company = blank_company()
    with qbconnector.connect(company) as qb:
        for n in range(7):
            qb.customers.add(name=f"Customer {n}")
        qbconnector.api.export(qb, ["customers"], str(tmp_path / "api.jsonl"))
    result = CliRunner().invoke(cli, ["export", "customers", "--to", str(tmp_path / "cli.jsonl"),
                                      "--company", str(company), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.jsonl").read_text() == (tmp_path / "api.jsonl").read_text()


def test_a_script_without_a_main_guard_can_use_the_worker(blank_company, tmp_path: Path):
    """The worker is a fresh interpreter: the caller's script is not run again in it (as
    multiprocessing's spawn would, failing or recursing without ``if __name__ == ...``)."""
    script = tmp_path / "plain_script.py"
    script.write_text("import qbconnector\n"
                      f"with qbconnector.connect({str(blank_company())!r}, worker=True) as qb:\n"
                      "    qb.customers.add(name='From a script')\n"
                      "    print('customers:', qb.customers.count())\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "customers: 1\n"


def test_prints_in_the_worker_do_not_break_its_answers(blank_company, monkeypatch):
    """The child's standard output carries the frames; a print there goes to standard error."""
    sitecustomize = Path(blank_company()).parent / "noisy"
    sitecustomize.mkdir()
    (sitecustomize / "sitecustomize.py").write_text("print('hello from site')\n")
    monkeypatch.setenv("PYTHONPATH", str(sitecustomize))
    with WorkerSession(blank_company("quiet")) as worker:
        answer = worker.process(QUERY.format(it="Start", extra=""))
    assert answer.startswith("<?xml") and "CustomerQueryRs" in answer


# -- requests sent ahead of their answers (what an export's read-ahead uses) ------------------
LISTING = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError='
           '"stopOnError"><CustomerQueryRq {extra}><MaxReturned>3</MaxReturned>'
           '</CustomerQueryRq></QBXMLMsgsRq></QBXML>')


def _with_customers(blank_company, count: int = 5) -> Path:
    path = blank_company()
    with WorkerSession(path) as worker:
        for n in range(count):
            worker.process(ADD.format(name=f"Customer {n}"))
    return path


def test_a_pipeline_answers_in_order_what_single_requests_answer(blank_company):
    with WorkerSession(_with_customers(blank_company)) as worker:
        single = [_strip_times(worker.process(LISTING.format(extra=f'requestID="{n}"')))
                  for n in (1, 2)]
        with worker.pipeline() as pipe:
            pipe.send(LISTING.format(extra='requestID="1"'))
            pipe.send(LISTING.format(extra='requestID="2"').encode())
            assert pipe.waiting == 2
            answers = [_strip_times(pipe.receive().decode()) for _ in range(2)]
        assert answers == single
        assert 'requestID="1"' in answers[0] and 'requestID="2"' in answers[1]


def test_a_closed_pipeline_takes_the_answers_still_on_their_way(blank_company):
    with WorkerSession(_with_customers(blank_company)) as worker:
        pipe = worker.pipeline()
        pipe.send(LISTING.format(extra='requestID="early"'))
        pipe.send(LISTING.format(extra='requestID="late"'))
        assert 'requestID="early"' in pipe.receive().decode()
        pipe.close()                                 # "late" is read and dropped
        pipe.close()                                 # twice is safe
        assert pipe.waiting == 0
        after = worker.process(LISTING.format(extra='requestID="after"'))
        assert 'requestID="after"' in after and 'requestID="late"' not in after
        with pytest.raises(RuntimeError, match="closed"):
            pipe.send(LISTING.format(extra=""))


def test_calls_in_between_get_their_own_answers_and_the_pipeline_keeps_its(blank_company):
    """A reader may make other calls while its pages are on their way (a query inside the loop
    over another), from its own thread or another: the answers they find first are kept."""
    import threading

    with WorkerSession(_with_customers(blank_company)) as worker:
        pipe = worker.pipeline()
        inner = worker.pipeline()
        pipe.send(LISTING.format(extra='requestID="ahead-1"'))
        pipe.send(LISTING.format(extra='requestID="ahead-2"'))
        inner.send(LISTING.format(extra='requestID="inner"'))
        mine = worker.process(LISTING.format(extra='requestID="between"'))
        assert 'requestID="between"' in mine
        seen: list[str] = []
        other = threading.Thread(target=lambda: seen.append(
            worker.process(LISTING.format(extra='requestID="other"'))))
        other.start()
        other.join(10)
        assert 'requestID="other"' in seen[0]
        assert 'requestID="inner"' in inner.receive().decode()
        assert 'requestID="ahead-1"' in pipe.receive().decode()
        assert 'requestID="ahead-2"' in pipe.receive().decode()
        assert pipe.waiting == inner.waiting == 0


def test_a_worker_dying_under_a_pipeline_is_a_clear_error_then_replaced(blank_company):
    with WorkerSession(_with_customers(blank_company)) as worker:
        pipe = worker.pipeline()
        first = worker.pid
        pipe.send(LISTING.format(extra='requestID="1"'))
        pipe.send(LISTING.format(extra='requestID="2"'))
        assert 'requestID="1"' in pipe.receive().decode()
        os.kill(first, signal.SIGKILL)
        assert _wait_gone(first)
        with pytest.raises(qbconnector.RequestProcessorError,
                           match="ended unexpectedly"):
            while True:        # what the worker wrote before it died may still be read
                pipe.send(LISTING.format(extra='requestID="3"'))
                pipe.receive()
        pipe.close()
        assert "<CustomerRet>" in worker.process(LISTING.format(extra=""))
        assert worker.pid not in (None, first)


def test_the_worker_started_by_hand_says_how_it_is_used() -> None:
    run = subprocess.run([sys.executable, "-m", "qbconnector.sandbox.engine.worker"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "usage: python -m qbconnector.sandbox.engine.worker PATH TOKEN" in run.stderr
    assert "Traceback" not in run.stderr
