"""``qbconnector request --url``: raw qbXML through a real remote connector."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import PASSWORD, USER

HOST_QUERY = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
              'onError="stopOnError"><HostQueryRq requestID="7"/></QBXMLMsgsRq></QBXML>')


def run(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qbconnector.cli.main", "request", *args],
                          input=stdin.encode(), capture_output=True, check=False,
                          env={**os.environ, **(env or {})})


def test_request_through_a_remote_connector(serve, blank_company, tmp_path):
    url = serve(blank_company("remote")).replace("://", f"://{USER}@")
    ok = run("--url", url, "-", stdin=HOST_QUERY, env={"QBCONNECTOR_PASSWORD": PASSWORD})
    assert ok.returncode == 0, ok.stderr
    assert b'<HostQueryRs requestID="7" statusCode="0"' in ok.stdout
    request = tmp_path / "request.xml"
    request.write_text(HOST_QUERY.replace("<HostQueryRq", "<HostQueryRq bogus='1'"))
    refused = run("--url", url, "--password-stdin", str(request), stdin=PASSWORD + "\n")
    assert refused.returncode == 1
    assert refused.stderr.decode().startswith(
        "0x80040400 QuickBooks found an error when parsing the provided XML text stream.")
    wrong = run("--url", url, "-", stdin=HOST_QUERY, env={"QBCONNECTOR_PASSWORD": "nope"})
    assert wrong.returncode != 0 and b"nope" not in wrong.stderr
