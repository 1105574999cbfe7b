"""``request`` and the record commands take the same target options and environment variables,
and fail with the same exit codes for the same failures — one line each, never a traceback."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from qbconnector.cli.main import cli
from qbconnector.profiles import save_profile

from .conftest import PASSWORD, USER

HOST_QUERY = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
              'onError="stopOnError"><HostQueryRq requestID="1"/></QBXMLMsgsRq></QBXML>')
COMMANDS = {
    "request": (["request", "-"], HOST_QUERY, "HostQueryRs"),
    "query": (["query", "customers", "--format", "json"], None, "["),
    "get": (["get", "accounts", "Accounts Receivable"], None, '"FullName": "Accounts Receivable"'),
}


@pytest.fixture(scope="module")
def dead_url() -> str:
    with socket.socket() as sock:           # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


@pytest.fixture
def company(blank_company):
    return blank_company("targets")


@pytest.fixture
def url(serve, company):
    return serve(company).replace("://", f"://{USER}@")


def invoke(command: str, *extra: str, env: dict[str, str] | None = None):
    args, stdin, _ = COMMANDS[command]
    return CliRunner().invoke(cli, [*args, *extra], input=stdin, env=env or {})


def one_line_failure(result, code: int, text: str) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and text in result.output, result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_target_option_works(command, company, url, monkeypatch):
    expected = COMMANDS[command][2]
    assert expected in invoke(command, "--company", str(company)).output
    monkeypatch.setenv("QBCONNECTOR_PASSWORD", PASSWORD)
    assert expected in invoke(command, "--url", url).output
    save_profile("office", url, password_env="QBC_TEST_OFFICE")
    monkeypatch.setenv("QBC_TEST_OFFICE", PASSWORD)
    assert expected in invoke(command, "--connection", "office").output


@pytest.mark.parametrize("command", COMMANDS)
def test_the_same_environment_variables(command, company, url, monkeypatch):
    expected = COMMANDS[command][2]
    assert expected in invoke(command, env={"QBCONNECTOR_COMPANY": str(company)}).output
    result = invoke(command, env={"QBCONNECTOR_URL": url, "QBCONNECTOR_PASSWORD": PASSWORD})
    assert expected in result.output, result.output
    save_profile("books", str(company))
    assert expected in invoke(command, env={"QBCONNECTOR_CONNECTION": "books"}).output
    # an option on the command line wins over the environment
    result = invoke(command, "--company", str(company),
                    env={"QBCONNECTOR_URL": "http://127.0.0.1:9/"})
    assert expected in result.output, result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_the_same_exit_codes_for_the_same_failures(command, tmp_path, url, dead_url):
    one_line_failure(invoke(command, "--company", str(tmp_path / "missing.qbdb")), 5,
                     "no sandbox company file at")
    one_line_failure(invoke(command, "--url", dead_url), 5,
                     f"cannot reach the connector at {dead_url}")
    one_line_failure(invoke(command, "--url", url, env={"QBCONNECTOR_PASSWORD": "wrong"}), 5,
                     f"refused user '{USER}'")
    one_line_failure(invoke(command, "--url", "com://"), 5,
                     "com:// reaches QuickBooks on Windows")
    one_line_failure(invoke(command, "--connection", "nowhere"), 5,
                     "'nowhere' is neither an existing sandbox company file, a URL nor a saved "
                     "connection")
    one_line_failure(invoke(command, "--url", "ftp://host/"), 5,
                     "unknown connect string scheme 'ftp'")
    one_line_failure(invoke(command), 2, "give one of --company FILE, --url URL, --connection")
    one_line_failure(invoke(command, "--company", "a.qbdb", "--url", url), 2,
                     "give one target, not several")
    one_line_failure(invoke(command, env={"QBCONNECTOR_COMPANY": "a.qbdb",
                                          "QBCONNECTOR_URL": url}), 2,
                     "QBCONNECTOR_COMPANY, QBCONNECTOR_URL are all set")
    one_line_failure(invoke(command, "--company", "a.qbdb", "--user", "alice"), 2,
                     "go with --url")
