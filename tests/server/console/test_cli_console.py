"""The console from the command line: admin set-password, serve --admin-port, serve --demo."""

from __future__ import annotations

import socket

import httpx
from click.testing import CliRunner

from qbconnector.cli.main import cli
from qbconnector.server.passwords import verify_password
from qbconnector.server.settings import read_raw
from tests.server.serving import command, serving


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


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


def test_serve_admin_port_turns_the_console_on_and_zero_off(tmp_path, cheap_scrypt):
    config = tmp_path / "connector.toml"
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    run("admin", "set-password", "--config", config, input="console-pw-1\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with serving(command("serve", "--config", str(config), "--port", "0", "--admin-port",
                         str(port))) as served:
        console_url = served.wait_for(r"admin console: (\S+)").group(1)
        assert console_url == f"http://127.0.0.1:{port}/"
        signed = httpx.post(console_url + "signin", data={"password": "console-pw-1"})
        assert signed.status_code == 303 and signed.headers["location"] == "/"
    run("config", "set", "AdminPort", str(port), "--config", config)
    with serving(command("serve", "--config", str(config), "--port", "0", "--admin-port",
                         "0")) as served:
        assert "admin console" not in served.output()
    clash = run("serve", "--config", config, "--port", port, "--admin-port", port)
    assert clash.exit_code != 0 and "own" in clash.output


def test_demo_turns_the_console_on_and_prints_its_url(tmp_path, blank_company):
    demo = tmp_path / "demo"
    demo.mkdir()
    blank_company().rename(demo / "sample.qbdb")   # kept by the demo: no sample to create
    with serving(command("serve", "--demo", "--dir", str(demo), "--port", "0")) as served:
        url = served.wait_for(r"Admin console: (\S+)").group(1)
        password = served.wait_for(r"console password: (\S+)").group(1)
        assert url.startswith("http://127.0.0.1:")
        assert httpx.post(url + "signin", data={"password": password}).status_code == 303
    assert password not in (demo / "connector.toml").read_text()
    with serving(command("serve", "--demo", "--dir", str(demo), "--port", "0",
                         "--admin-port", "0")) as served:
        served.wait_for(r"Try it:")
        assert "Admin console" not in served.output()
