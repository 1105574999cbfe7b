"""The console's API against a running connector: users, settings, certificate, status, log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
from click.testing import CliRunner

from qbconnector.cli.main import cli
from qbconnector.server.console import LogFeed
from qbconnector.server.console.catalog import BY_KEY, ENTRIES
from qbconnector.server.logs import LOGGER_NAME, ConsoleLog, RotatingLogFile
from qbconnector.server.passwords import verify_password
from qbconnector.server.settings import SETTING_KEYS, load_settings, read_raw
from qbconnector.server.tls import certificate_fingerprint
from tests.server.console.conftest import Admin
from tests.server.helpers import HOST_QUERY

T = TypeVar("T")


def bookkept(read: Callable[[], T], done: Callable[[T], object], within: float = 5.0) -> T:
    """What ``read()`` gives once ``done`` holds of it (or after ``within`` seconds): the
    connector counts and logs a request just after its answer has left, so that no client
    waits for that, and a look right after the answer may come a moment early."""
    deadline = time.monotonic() + within
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.01)


def test_every_setting_has_one_entry_on_the_advanced_tab():
    assert sorted(e.key for e in ENTRIES) == sorted(SETTING_KEYS)
    assert len(BY_KEY) == len(ENTRIES)


def test_add_edit_delete_a_user_through_the_same_file(console_server, admin):
    path = console_server.settings.path
    refused = admin.change("POST", "/api/users", {"name": "ann", "password": "one",
                                                  "password2": "two"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"password2": "The two passwords differ."}
    for body, field in (({"name": ""}, "name"), ({"name": "a:b"}, "name"),
                        ({"name": "alice", "password": "x", "password2": "x"}, "name"),
                        ({"name": "ann"}, "password"),
                        ({"name": "ann", "password": "x", "password2": "x",
                          "connection_mode": "Both"}, "connection_mode")):
        answer = admin.change("POST", "/api/users", body)
        assert answer.status_code == 400 and field in answer.json()["errors"], body
    assert "ann" not in read_raw(path)["Users"]

    added = admin.change("POST", "/api/users", {
        "name": "ann", "password": "ann-pw", "password2": "ann-pw", "read_only": True,
        "app_name": "Reports", "connection_mode": "Multi"})
    assert added.status_code == 200
    stored = read_raw(path)["Users"]["ann"]
    assert verify_password("ann-pw", stored["Password"])
    assert stored["ReadOnly"] is True and stored["AppName"] == "Reports"
    assert "CompanyFile" not in stored                   # only what differs from defaults
    listed = {u["user"]: u for u in admin.get("/api/users").json()["users"]}
    assert listed["ann"]["read_only"] and listed["ann"]["password"] == "scrypt"
    assert "ann-pw" not in admin.get("/api/users").text and "$scrypt$" not in \
        admin.get("/api/users").text

    # edit: an empty password keeps the old one; the authorization flag is editable
    edited = admin.change("PUT", "/api/users/ann", {"auth": "basic", "read_only": False,
                                                    "app_name": "", "authorized": True})
    assert edited.status_code == 200
    stored = read_raw(path)["Users"]["ann"]
    assert verify_password("ann-pw", stored["Password"]) and stored["ReadOnly"] is False
    assert "AppName" not in stored and stored["Authorized"] is True
    # switching to system authentication drops the stored password
    admin.change("PUT", "/api/users/ann", {"auth": "system"})
    assert "Password" not in read_raw(path)["Users"]["ann"]
    back = admin.change("PUT", "/api/users/ann", {"auth": "basic"})
    assert back.status_code == 400 and "password" in back.json()["errors"]

    assert admin.change("DELETE", "/api/users/ann").status_code == 200
    assert "ann" not in read_raw(path)["Users"]
    assert admin.change("DELETE", "/api/users/ann").status_code == 404
    assert admin.change("PUT", "/api/users/ann", {}).status_code == 404


def test_live_columns_follow_requests(console_server, admin):
    before = {u["user"]: u for u in admin.get("/api/users").json()["users"]}["reader"]
    for _ in range(3):
        answer = httpx.post(console_server.url, auth=("reader", "reader-secret"),
                            content=HOST_QUERY)
        assert answer.status_code == 200
    after = bookkept(lambda: {u["user"]: u for u in admin.get("/api/users").json()["users"]}[
        "reader"], lambda row: row["requests_today"] == before["requests_today"] + 3)
    assert after["requests_today"] == before["requests_today"] + 3
    assert after["connected"] and after["last_request"]
    # a persistent connection is counted for the user who opened it
    opened = httpx.post(console_server.url, auth=("reader", "reader-secret"), content=b"x",
                        headers={"X-AcctSyncInteractionType": "101"})
    assert opened.status_code == 200
    row = {u["user"]: u for u in admin.get("/api/users").json()["users"]}["reader"]
    assert row["persistent"] == 1
    assert admin.get("/api/status").json()["persistent_connections"] == 1
    httpx.post(console_server.url, auth=("reader", "reader-secret"), content=b"x",
               headers={"X-AcctSyncInteractionType": "102"})
    row = {u["user"]: u for u in admin.get("/api/users").json()["users"]}["reader"]
    assert row["persistent"] == 0


def test_status_counts_requests_errors_and_refusals(console_server, admin):
    before = admin.get("/api/status").json()
    httpx.post(console_server.url, auth=("alice", "wrong"), content=HOST_QUERY)
    httpx.post(console_server.url, auth=("alice", "alice-secret"), content=b"<not xml")
    after = bookkept(lambda: admin.get("/api/status").json(),
                     lambda status: status["requests"] == before["requests"] + 2)
    assert after["requests"] == before["requests"] + 2
    assert after["refused"] == before["refused"] + 1
    assert after["errors"] == before["errors"] + 1            # the 517
    assert after["listening"] == [console_server.url] and after["tls"] is None
    assert after["backend"] == "sandbox company file"
    assert after["uptime_seconds"] >= before["uptime_seconds"]
    assert after["queues"]["company files"]


def test_log_lines_carry_level_and_user_and_can_be_cleared(console_server, admin):
    httpx.post(console_server.url, auth=("alice", "alice-secret"), content=HOST_QUERY)

    def mine(lines):
        return [line for line in lines if line["user"] == "alice" and "HostQueryRq" in
                line["message"]]

    lines = bookkept(lambda: admin.get("/api/log").json()["lines"], mine)
    mine = mine(lines)
    assert mine and mine[-1]["level"] == "info"
    last = lines[-1]["id"]
    assert admin.get(f"/api/log?after={last}").json()["lines"] == []
    text = admin.get("/api/log.txt?user=alice").text
    assert "HostQueryRq" in text and "console: admin signed in" not in text
    assert admin.get("/api/log.txt?level=error").text.count("INFO") == 0
    admin.change("POST", "/api/log/clear")
    assert admin.get("/api/log").json()["lines"] == []


def test_request_lines_reach_the_log_page_without_records(console_server, admin,
                                                         monkeypatch):
    """With only the connector's own handlers listening (pytest adds its capture handlers
    to a logger that does not propagate), a signed-in request's line reaches the log page
    straight from the connector, with its user; a refused login's line still goes as a
    record, its user read back from the message."""
    logger = logging.getLogger(LOGGER_NAME)
    monkeypatch.setattr(logger, "handlers", [
        h for h in logger.handlers if type(h) in (LogFeed, RotatingLogFile, ConsoleLog)])
    assert console_server.log_feed in logger.handlers
    straight: list[str | None] = []
    write_line = LogFeed.write_line

    def counted(self, levelname, message, created, **options):
        straight.append(options.get("user"))
        write_line(self, levelname, message, created, **options)

    monkeypatch.setattr(LogFeed, "write_line", counted)
    admin.change("POST", "/api/log/clear")
    httpx.post(console_server.url, auth=("alice", "alice-secret"), content=HOST_QUERY)
    httpx.post(console_server.url, auth=("mallory", "wrong"), content=HOST_QUERY)

    def requests(lines):
        return [line for line in lines if line["message"].startswith("client=")]

    lines = requests(bookkept(lambda: admin.get("/api/log").json()["lines"],
                              lambda lines: len(requests(lines)) == 2))
    assert straight == ["alice"]
    assert [(line["user"], line["level"]) for line in lines] == [("alice", "info"),
                                                                  ("mallory", "info")]
    assert "requests=HostQueryRq status=200" in lines[0]["message"]
    assert "wrong" not in lines[1]["message"]


def test_settings_are_validated_and_a_cli_change_meanwhile_is_kept(console_server, admin):
    path = console_server.settings.path
    page = admin.get("/api/settings").json()
    shown = {s["key"]: s for g in page["groups"] for s in g["settings"]}
    assert set(shown) == set(SETTING_KEYS)
    assert shown["AdminPassword"]["value"] is True            # only whether it is set
    assert "$scrypt$" not in admin.get("/api/settings").text
    assert shown["Timeout"]["default"] == 60 and shown["Timeout"]["meaning"]

    bad = admin.change("PUT", "/api/settings", {"values": {"Port": "eighty", "LogLevel": 9,
                                                           "AdminPassword": "x",
                                                           "RunAsService": True}})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"Port", "LogLevel", "AdminPassword", "RunAsService"}
    no_cert = admin.change("PUT", "/api/settings", {"values": {"SSLEnabled": True,
                                                               "SSLCertStore": "/nope.pem"}})
    assert no_cert.status_code == 400 and "SSLCertStore" in no_cert.json()["errors"]
    assert "SSLEnabled" not in read_raw(path)

    # the command line changes Timeout while the page is open; the page changes AuthFlags
    result = CliRunner().invoke(cli, ["config", "set", "Timeout", "7", "--config", path])
    assert result.exit_code == 0
    saved = admin.change("PUT", "/api/settings", {"values": {"AuthFlags": 0x6}})
    assert saved.status_code == 200 and saved.json() == {"saved": ["AuthFlags"],
                                                         "restart_needed": []}
    raw = read_raw(path)
    assert raw["Timeout"] == 7 and raw["AuthFlags"] == "0x6"
    assert console_server.settings.AuthFlags == 0x6 and console_server.settings.Timeout == 7


def test_a_setting_that_needs_a_restart_says_so_and_restart_applies_it(fresh_console):
    server = fresh_console()
    admin = Admin(server)
    import socket

    with socket.socket() as probe:        # a free port to move to
        probe.bind(("127.0.0.1", 0))
        new_port = probe.getsockname()[1]
    saved = admin.change("PUT", "/api/settings", {"values": {"Port": new_port, "LogLevel": 2}})
    assert saved.json()["restart_needed"] == ["Port"]
    assert server.settings.LogLevel == 2                      # applied live
    assert admin.get("/api/status").json()["restart_needed"] == ["Port"]
    assert admin.change("POST", "/api/restart").json() == {"restarting": True}
    import time

    deadline = time.monotonic() + 10
    while server.port != new_port and time.monotonic() < deadline:
        time.sleep(0.05)
    while time.monotonic() < deadline:
        try:
            answer = httpx.post(f"http://127.0.0.1:{new_port}/", auth=("alice", "alice-secret"),
                                content=HOST_QUERY)
            break
        except httpx.ConnectError:
            time.sleep(0.05)
    assert answer.status_code == 200
    assert admin.get("/api/status").json()["restart_needed"] == []
    admin.close()


def test_generate_a_certificate_and_see_its_fingerprint(fresh_console):
    server = fresh_console()
    admin = Admin(server)
    assert admin.get("/api/certificate").json()["configured"] is False
    bad = admin.change("POST", "/api/certificate", {"days": 0})
    assert bad.status_code == 400 and "cert_days" in bad.json()["errors"]
    made = admin.change("POST", "/api/certificate", {"common_name": "books.example",
                                                     "hosts": "10.0.0.5, books", "days": 30,
                                                     "enable": True}).json()
    assert made["subject"] == "O=qbconnector,CN=books.example"
    assert made["fingerprint"] == certificate_fingerprint(made["file"])
    assert {"SSLEnabled", "SSLCertStore"} <= set(made["restart_needed"])
    settings = load_settings(server.settings.path)
    assert settings.SSLEnabled and settings.SSLCertStore == made["file"]
    shown = admin.get("/api/certificate").json()
    assert shown["fingerprint"] == made["fingerprint"] and shown["enabled"]
    admin.close()


def test_test_connection_as_a_user_and_its_failure(fresh_console, tmp_path):
    server = fresh_console()
    admin = Admin(server)
    ok = admin.change("POST", "/api/test-connection", {"user": "reader"}).json()
    assert ok["ok"] and ok["read_only"] and ok["company_name"]
    assert "13.0" in ok["versions"] and ok["authorized"]
    assert load_settings(server.settings.path).Users["reader"].Authorized   # recorded
    admin.change("PUT", "/api/users/alice", {"company_file": str(tmp_path / "gone.qbdb")})
    failed = admin.change("POST", "/api/test-connection", {"user": "alice"}).json()
    assert not failed["ok"] and failed["hresult"] == "0x80040403"
    assert "company file path" in failed["advice"]
    plain = admin.change("POST", "/api/test-connection", {}).json()
    assert plain["ok"] and plain["user"] is None
    assert admin.change("POST", "/api/test-connection", {"user": "nobody"}).status_code == 404
    admin.close()


def test_console_password_change_from_the_page(fresh_console):
    server = fresh_console()
    admin = Admin(server)
    short = admin.change("POST", "/api/admin-password", {"password": "short",
                                                         "password2": "short"})
    assert short.status_code == 400 and "admin_password" in short.json()["errors"]
    admin.change("POST", "/api/admin-password", {"password": "a-new-password",
                                                 "password2": "a-new-password"})
    assert verify_password("a-new-password", read_raw(server.settings.path)["AdminPassword"])
    signed = httpx.post(server.console_url + "signin", data={"password": "a-new-password"})
    assert signed.status_code == 303
    admin.close()


def test_service_state_is_reported_honestly(admin):
    state = admin.get("/api/service").json()
    assert state["state"]
    if not state["available"]:
        assert state["message"]
        refused = admin.change("POST", "/api/service", {"action": "start"})
        assert refused.status_code == 400
    assert admin.change("POST", "/api/service", {"action": "explode"}).status_code == 400
