"""The connector's commands: users, config, cert, test-connection, service, log, serve."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from qbconnector.cli.main import cli
from qbconnector.server import service as service_mod
from qbconnector.server.admin import DEMO_REQUEST
from qbconnector.server.logs import log_file_stem
from qbconnector.server.passwords import verify_password
from qbconnector.server.settings import load_settings, read_raw
from qbconnector.server.tls import certificate_fingerprint
from tests.remote.helpers import server_log
from tests.server.helpers import PASSWORDS
from tests.server.serving import command, serving


@pytest.fixture
def config(tmp_path):
    return tmp_path / "connector.toml"


def run(*args, input=None, ok=True):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input,
                                catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_users_add_list_edit_remove(config):
    run("users", "add", "ann", "--config", config, "--password-stdin", "--read-only",
        "--company-file", "C:/Books/a.qbw", "--app-name", "Sync", "--connection-mode", "multi",
        input="ann-pw\n")
    stored = read_raw(config)["Users"]["ann"]
    assert stored["Password"].startswith("$scrypt$") and verify_password("ann-pw",
                                                                          stored["Password"])
    assert (stored["ReadOnly"], stored["CompanyFile"], stored["AppName"],
            stored["ConnectionMode"]) == (True, "C:/Books/a.qbw", "Sync", "Multi")
    out = run("users", "list", "--config", config, "--json").output
    assert '"user": "ann"' in out and "ann-pw" not in out and "$scrypt$" not in out
    assert "ann" in run("users", "list", "--config", config).output

    dup = run("users", "add", "ann", "--config", config, "--password-stdin", input="x\n",
              ok=False)
    assert dup.exit_code != 0 and "users edit ann" in dup.output

    run("users", "edit", "ann", "--config", config, "--read-write", "--password-stdin",
        "--authorized", input="new-pw\n")
    ann = load_settings(config).Users["ann"]
    assert not ann.ReadOnly and ann.Authorized and verify_password("new-pw", ann.Password)
    assert ann.AppName == "Sync"                      # untouched options stay

    run("users", "add", "sys", "--config", config, "--auth", "system")
    assert load_settings(config).Users["sys"].system_auth
    run("users", "remove", "ann", "--config", config)
    assert set(load_settings(config).Users) == {"sys"}
    assert run("users", "remove", "ann", "--config", config, ok=False).exit_code != 0


def test_users_add_generated_password_is_printed_once(config):
    out = run("users", "add", "gen", "--config", config, "--generate-password").output
    password = re.search(r"password: (\S+)", out).group(1)
    assert verify_password(password, load_settings(config).Users["gen"].Password)


def test_users_add_prompts_for_a_password(config):
    run("users", "add", "ann", "--config", config, input="pw1\npw1\n")
    assert verify_password("pw1", load_settings(config).Users["ann"].Password)


def test_config_set_show_unset_check(config):
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    run("config", "set", "Port", "9001", "--config", config)
    run("config", "set", "AuthFlags", "6", "--config", config)
    run("config", "set", "LocalAuth", "admin-secret", "--config", config)
    bad = run("config", "set", "LogLevel", "9", "--config", config, ok=False)
    assert bad.exit_code != 0 and "LogLevel" in bad.output
    unknown = run("config", "set", "Colour", "red", "--config", config, ok=False)
    assert "unknown setting" in unknown.output
    shown = run("config", "show", "--config", config).output
    assert "Port = 9001" in shown and 'AuthFlags = "0x6"' in shown
    assert "admin-secret" not in shown and 'LocalAuth = "********"' in shown
    assert "<scrypt hash>" in shown and "LogLevel = 3" in shown
    assert "OK (1 users)" in run("config", "check", "--config", config).output
    run("config", "unset", "Port", "--config", config)
    assert load_settings(config).Port == 8167


def test_config_show_says_which_backend_is_served(config, company_path):
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    shown = run("config", "show", "--config", config).output
    assert "# Backend: sandbox (the default on this machine)" in shown
    assert 'Backend = "sandbox"' in shown
    run("config", "set", "Backend", company_path, "--config", config)
    shown = json.loads(run("config", "show", "--config", config, "--json").output)
    assert shown["Backend"] == company_path and shown["BackendSource"].startswith("Backend in")
    assert run("config", "check", "--config", config).exit_code == 0
    relay = "https://relay:s3cret@127.0.0.1:8167/"
    run("config", "set", "Backend", relay, "--config", config)
    shown = run("config", "show", "--config", config).output
    assert "s3cret" not in shown and 'Backend = "https://relay:***@127.0.0.1:8167/"' in shown
    checked = run("config", "check", "--config", config)
    assert "Backend: holds a password in plain text" in checked.output   # a warning
    assert checked.exit_code == 0 and "s3cret" not in checked.output


def test_config_check_fails_on_a_bad_file(config):
    config.write_text("Port = 99999\n")
    result = run("config", "check", "--config", config, ok=False)
    assert result.exit_code == 1
    assert str(config) in result.output and "Port" in result.output


def test_config_check_fails_without_users(config):
    config.write_text("Port = 9000\n")
    result = run("config", "check", "--config", config, ok=False)
    assert result.exit_code == 1 and "no users" in result.output


def test_cert_generate_and_enable(config, tmp_path):
    out = run("cert", "generate", "--config", config, "--cn", "books.example",
              "--host", "10.0.0.5", "--enable", "--pfx", tmp_path / "s.pfx",
              "--pfx-password-stdin", input="pfxpw\n").output
    pem = config.with_name("server.pem")
    fingerprint = re.search(r"SHA-256 fingerprint: ([0-9A-F:]+)", out).group(1)
    assert fingerprint == certificate_fingerprint(pem.with_suffix(".crt"))
    assert fingerprint == certificate_fingerprint(tmp_path / "s.pfx", "pfxpw")
    assert (pem.stat().st_mode & 0o777) == 0o600
    settings = load_settings(config)
    assert settings.SSLEnabled and settings.SSLCertStore == str(pem)
    from qbconnector.server.tls import server_context

    server_context(settings.SSLCertStore, settings.SSLCertType)   # loads


def test_test_connection_reports_and_records_authorization(config, company_path):
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    out = run("test-connection", "--config", config, "--user", "ann",
              "--company", company_path).output
    assert "backend: sandbox company files" in out
    assert f"OK: company file {Path(company_path).resolve()}" in out
    assert "application authorized: yes" in out
    assert load_settings(config).Users["ann"].Authorized


def test_test_connection_uses_the_configured_backend(config, company_path):
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    run("config", "set", "Backend", company_path, "--config", config)
    out = run("test-connection", "--config", config).output
    assert f"backend: the sandbox company file {company_path}" in out
    assert f"OK: company file {Path(company_path).resolve()}" in out


def test_test_connection_failure_exits_1(config, tmp_path):
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    result = run("test-connection", "--config", config, "--company",
                 tmp_path / "missing.qbdb", ok=False)
    assert result.exit_code == 1
    assert "FAILED: 0x80040403" in result.output


def test_test_connection_with_a_backend_that_cannot_be_served(config):
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    result = run("test-connection", "--config", config, "--backend", "com://", ok=False)
    assert result.exit_code == 5
    assert "cannot serve com://: com:// reaches QuickBooks on Windows" in result.output


def test_the_service_serves_the_configured_backend(write_settings, other_company_path):
    """The service's entry point — the unit's ExecStart, the command the Windows service
    starts — run as it is, serves the backend its settings name."""
    config = write_settings(Backend=other_company_path)
    unit = service_mod.SystemdUnit("qbconnector", config, python=sys.executable)
    exec_start = next(line for line in unit.text().splitlines()
                      if line.startswith("ExecStart="))
    args = shlex.split(exec_start.removeprefix("ExecStart="))
    assert args == service_mod.serve_command_line(config)
    with serving(args) as served:
        assert served.backend == f"the sandbox company file {other_company_path}"
        r = httpx.post(served.url, content=b"", auth=("alice", PASSWORDS["alice"]),
                       headers={"X-AcctSyncInteractionType": "1"})
    assert r.text == f"{Path(other_company_path).resolve()}\r\n"


def test_systemd_unit_text(config):
    unit = service_mod.SystemdUnit("qbconnector", config, python="/opt/py/bin/python")
    text = unit.text()
    assert f"ExecStart=/opt/py/bin/python -m qbconnector.cli.main serve --config {config}" in text
    assert "WantedBy=default.target" in text and "Restart=on-failure" in text
    system = service_mod.SystemdUnit("qbc", config, system=True)
    assert system.path() == service_mod.Path("/etc/systemd/system/qbc.service")
    assert "WantedBy=multi-user.target" in system.text()


def test_systemd_actions_map_to_systemctl(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    calls = []

    def runner(args):
        calls.append(list(args[1:]))
        return subprocess.CompletedProcess(args, 0, "active\n", "")

    svc = service_mod.SystemdService(
        service_mod.SystemdUnit("qbc", tmp_path / "c.toml"), runner=runner,
        systemctl="/bin/systemctl")
    svc.action("install")
    assert (tmp_path / "xdg/systemd/user/qbc.service").exists()
    for action in ("start", "stop", "auto", "manual", "disabled"):
        svc.action(action)
    assert svc.action("state") == "active"
    svc.action("delete")
    assert not (tmp_path / "xdg/systemd/user/qbc.service").exists()
    assert calls == [
        ["--user", "daemon-reload"], ["--user", "start", "qbc.service"],
        ["--user", "stop", "qbc.service"], ["--user", "unmask", "qbc.service"],
        ["--user", "enable", "qbc.service"], ["--user", "disable", "qbc.service"],
        ["--user", "disable", "qbc.service"], ["--user", "mask", "qbc.service"],
        ["--user", "is-active", "qbc.service"], ["--user", "disable", "--now", "qbc.service"],
        ["--user", "daemon-reload"]]


def test_service_install_without_systemctl(config, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(service_mod.shutil, "which", lambda name: None)
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    out = run("service", "install", "--config", config).output
    unit = tmp_path / "xdg/systemd/user/qbconnector.service"
    assert f"wrote {unit}" in out and unit.exists()
    assert load_settings(config).RunAsService
    result = run("service", "start", "--config", config, ok=False)
    assert result.exit_code != 0 and "systemctl is not available" in result.output


def test_windows_service_without_pywin32_says_so(tmp_path):
    try:
        import win32serviceutil  # noqa: F401
        pytest.skip("pywin32 is installed")
    except ImportError:
        pass
    with pytest.raises(service_mod.ServiceError, match=r"qbconnector\[windows\]"):
        service_mod.WindowsService("qbconnector", tmp_path / "c.toml")


def test_log_tail(config, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / (log_file_stem(dt.datetime(2024, 1, 2), 0) + ".txt")).write_text("old\n")
    newest = logs / (log_file_stem(dt.datetime(2024, 1, 3), 0) + ".txt")
    newest.write_text("".join(f"line {i}\n" for i in range(30)))
    run("config", "set", "LogDir", logs, "--config", config)
    out = run("log", "tail", "--config", config, "-n", "3", "--no-follow").output
    assert out == "line 27\nline 28\nline 29\n"
    empty = tmp_path / "empty"
    empty.mkdir()
    run("config", "set", "LogDir", empty, "--config", config)
    result = run("log", "tail", "--config", config, "--no-follow", ok=False)
    assert "no log files" in result.output and "LogEnabled" in result.output


def test_log_follow_moves_to_newer_files(tmp_path):
    from qbconnector.server.logs import follow

    first = tmp_path / "2024_01_01.txt"
    first.write_text("before\n")
    lines = follow(tmp_path, poll=0.01)
    with first.open("a") as f:
        f.write("one\n")
    assert next(lines) == "one"
    with first.open("a") as f:
        f.write("two\n")
    (tmp_path / "2024_01_02.txt").write_text("three\n")
    assert [next(lines), next(lines)] == ["two", "three"]


def test_serve_uses_config_port_and_company(config, other_company_path):
    run("users", "add", "ann", "--config", config, "--password-stdin", input="pw\n")
    run("config", "set", "Port", "1", "--config", config)
    with serving(command("serve", "--config", str(config), "--port", "0", "--company",
                         other_company_path)) as served:
        assert served.url.startswith("http://127.0.0.1:") and ":1/" not in served.url
        assert served.backend.startswith("sandbox company files")   # the default here
        r = httpx.post(served.url, content=b"", auth=("ann", "pw"),
                       headers={"X-AcctSyncInteractionType": "1"})
    assert r.text == f"{Path(other_company_path).resolve()}\r\n"
    assert served.process.returncode == 0
    # the log's start line says what was served
    assert any(f"serving {served.backend} on {served.url}" in line and " INFO " in line
               for line in served.lines), served.output()


def test_a_restart_serves_a_changed_backend(write_settings, company_path, other_company_path):
    """The settings file's Backend changes while the connector runs (the console edits it):
    a restart serves the new one; one that cannot be served leaves the old one in force."""
    from qbconnector.cli import backend as backends
    from qbconnector.server.settings import load_settings, update_settings_file

    path = write_settings(Backend=company_path)
    settings = load_settings(path)
    server = backends.build_server(settings, backends.open_backend(
        backends.choose(settings, None)), console_log=False).start()

    def company_file() -> str:
        return httpx.post(server.url, content=b"", auth=("alice", PASSWORDS["alice"]),
                          headers={"X-AcctSyncInteractionType": "1"}).text.strip()

    def restart_with(target: str) -> None:
        update_settings_file(path, lambda raw: raw.__setitem__("Backend", target))
        server.request_restart()

    try:
        assert company_file() == str(Path(company_path).resolve())
        restart_with(other_company_path)
        wait_until(lambda: server.backend == f"the sandbox company file {other_company_path}")
        wait_until(lambda: company_file() == str(Path(other_company_path).resolve()))
        with server_log() as records:
            restart_with("com://")                   # not here: the old backend stays
            wait_until(lambda: any("restarted: serving" in r.getMessage() for r in records))
        assert any("still serving the sandbox company file" in r.getMessage() and
                   "com:// reaches QuickBooks on Windows" in r.getMessage() for r in records)
        assert company_file() == str(Path(other_company_path).resolve())
        assert server.backend == f"the sandbox company file {other_company_path}"
    finally:
        server.stop()


def wait_until(check, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass                                   # between two runs of the server
        assert time.monotonic() < deadline, "the restart did not happen"
        time.sleep(0.05)


def test_serve_refuses_without_users(config):
    result = run("serve", "--config", config, ok=False)
    assert result.exit_code != 0 and "no users" in result.output


def test_serve_refuses_an_invalid_file(config):
    config.write_text("Port = -1\n")
    result = run("serve", "--config", config, ok=False)
    assert result.exit_code != 0 and "Port" in result.output and str(config) in result.output


def test_demo_creates_company_and_user_and_prints_curl(tmp_path):
    demo = tmp_path / "demo"
    with serving(command("serve", "--demo", "--dir", str(demo), "--port", "0")) as served:
        out = served.output()
        password = re.search(r"password: (\S+)", out).group(1)
        curl = re.search(r"^  (curl .*)$", out, re.M).group(1)
        assert served.url in curl and f"demo:{password}" in curl
        r = httpx.post(served.url, content=DEMO_REQUEST, auth=("demo", password))
        assert r.status_code == 200 and "HostQueryRs" in r.text
        assert f"the sandbox company file {demo / 'sample.qbdb'}" in served.backend
    assert "creating the sample company" in out
    stored = read_raw(demo / "connector.toml")
    assert password not in (demo / "connector.toml").read_text()
    assert stored["Users"]["demo"]["CompanyFile"] == str(demo / "sample.qbdb")
    created = (demo / "sample.qbdb").stat().st_mtime_ns
    # a second run keeps the company and issues a new password
    with serving(command("serve", "--demo", "--dir", str(demo), "--port", "0")) as again:
        assert re.search(r"password: (\S+)", again.output()).group(1) != password
        assert "creating the sample company" not in again.output()
    assert (demo / "sample.qbdb").stat().st_mtime_ns == created


def test_admin_functions_refuse_what_they_cannot_do(config):
    from qbconnector.server import admin

    admin.add_user(config, "ann", password="pw", connection_mode="single")
    assert load_settings(config).Users["ann"].ConnectionMode == "Single"
    before = config.read_text()
    with pytest.raises(admin.AdminError, match="exists"):
        admin.add_user(config, "ann", password="pw")
    with pytest.raises(admin.AdminError, match="no user bob"):
        admin.edit_user(config, "bob", read_only=True)
    with pytest.raises(admin.AdminError, match="connection mode"):
        admin.edit_user(config, "ann", connection_mode="sometimes")
    with pytest.raises(admin.AdminError, match="no user bob"):
        admin.remove_user(config, "bob")
    assert config.read_text() == before
    admin.edit_user(config, "ann", auth="system")
    assert "Password" not in read_raw(config)["Users"]["ann"]
