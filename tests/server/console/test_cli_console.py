"""The console from the command line: admin set-password, serve --admin-port, serve --demo."""

from __future__ import annotations

import re
import socket

import httpx
import pytest
from click.testing import CliRunner

from qbconnector.cli import server_commands
from qbconnector.cli.main import cli
from qbconnector.server.passwords import verify_password
from qbconnector.server.settings import read_raw


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture
def background_run(monkeypatch, session_factory, cheap_scrypt):
    """`serve` starts in the background (on the test sessions) instead of forever."""
    started = []
    monkeypatch.setattr(server_commands, "_backend", {})
    server_commands.use_backend(lambda company: session_factory)
    monkeypatch.setattr(server_commands, "_run", lambda server: started.append(server.start()))
    yield started
    for server in started:
        server.stop()


def test_admin_set_password_reads_stdin_and_stores_a_hash(tmp_path, cheap_scrypt):
    config = tmp_path / "connector.toml"
    result = run("admin", "set-password", "--config", config, input="console-pw-1\n")
    assert result.exit_code == 0, result.output
    stored = read_raw(config)["AdminPassword"]
    assert stored.startswith("$scrypt$") and verify_password("console-pw-1", stored)
    assert "console-pw-1" not in config.read_text() and "console-pw-1" not in result.output
    empty = run("admin", "set-password", "--config", config, input="\n")
    assert empty.exit_code != 0 and "no password" in empty.output
    clear = run("config", "set", "AdminPassword", "plain", "--config", config)
    assert clear.exit_code != 0 and "admin set-password" in clear.output
    shown = run("config", "show", "--config", config).output
    assert "$scrypt$" not in shown and 'AdminPassword = "********"' in shown


def test_serve_admin_port_turns_the_console_on_and_zero_off(tmp_path, background_run):
    config = tmp_path / "connector.toml"
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    run("admin", "set-password", "--config", config, input="console-pw-1\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert run("serve", "--config", config, "--port", "0", "--admin-port", port).exit_code == 0
    server = background_run[-1]
    assert server.console_url == f"http://127.0.0.1:{port}/"
    signed = httpx.post(server.console_url + "signin", data={"password": "console-pw-1"})
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    run("config", "set", "AdminPort", str(port), "--config", config)
    server.stop()
    assert run("serve", "--config", config, "--port", "0", "--admin-port", "0").exit_code == 0
    assert background_run[-1].console_url == ""
    clash = run("serve", "--config", config, "--port", port, "--admin-port", port)
    assert clash.exit_code != 0 and "own" in clash.output


def test_demo_turns_the_console_on_and_prints_its_url(tmp_path, background_run):
    out = run("serve", "--demo", "--dir", tmp_path / "demo", "--port", "0").output
    server = background_run[-1]
    url = re.search(r"Admin console: (\S+)", out).group(1)
    password = re.search(r"console password: (\S+)", out).group(1)
    assert url == server.console_url and url.startswith("http://127.0.0.1:")
    assert httpx.post(url + "signin", data={"password": password}).status_code == 303
    assert password not in (tmp_path / "demo" / "connector.toml").read_text()
    out = run("serve", "--demo", "--dir", tmp_path / "demo", "--port", "0", "--admin-port",
              "0").output
    assert "Admin console" not in out and background_run[-1].console_url == ""
