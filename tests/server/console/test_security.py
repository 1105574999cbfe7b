"""The console's guard: signed-out requests, CSRF, the data port, addresses, hosts, sessions."""

from __future__ import annotations

import httpx
import pytest

from qbconnector.server.console.guard import Sessions, SignIn, csrf_ok, host_allowed, is_os_admin
from qbconnector.server.passwords import hash_password
from qbconnector.server.settings import Settings, read_raw
from tests.server.console.conftest import ADMIN_PASSWORD, Admin, console_routes

PUBLIC = {("GET", "/signin"), ("POST", "/signin")}


def test_every_console_url_refuses_a_signed_out_request(console_server):
    routes = console_routes(console_server)
    with httpx.Client(base_url=console_server.console_url) as client:
        for method, path in routes:
            if (method, path) in PUBLIC:
                continue
            answer = client.request(method, path, json={})
            if path.startswith("/api/"):
                assert answer.status_code == 401, (method, path)
            elif answer.status_code == 303:
                assert answer.headers["location"] == "/signin", (method, path)
            else:
                assert answer.status_code == 401, (method, path)
            assert "alice" not in answer.text and "csrf" not in answer.text.lower()
        page = client.get("/signin")
        assert page.status_code == 200 and 'type="password"' in page.text
    # the only public page carries the same protections
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_a_change_without_the_csrf_token_is_refused(console_server, admin):
    before = read_raw(console_server.settings.path)
    routes = [(m, p) for m, p in console_routes(console_server)
              if m != "GET" and p.startswith("/api/")]
    for method, path in routes:
        bare = admin.client.request(method, path, json={"values": {"LogLevel": 1},
                                                        "name": "mallory", "password": "x",
                                                        "password2": "x"})
        assert bare.status_code == 403, (method, path)
        forged = admin.client.request(method, path, json={}, headers={"X-CSRF-Token": "nope"})
        assert forged.status_code == 403, (method, path)
    assert read_raw(console_server.settings.path) == before
    # sign-out is a change too: a cross-site form cannot sign the admin out
    assert admin.client.post("/signout", data={"csrf": "nope"}).status_code == 403
    assert admin.get("/api/status").status_code == 200


def test_the_console_is_not_on_the_data_port(console_server):
    data = console_server.url.rstrip("/")
    for path in ("/admin", "/signin", "/api/status", "/console.js"):
        assert httpx.get(data + path).status_code == 404
    assert console_server.port != int(console_server.console_url.rsplit(":", 1)[1].strip("/"))


def test_a_client_not_in_AdminAllowedClients_is_refused(fresh_console):
    server = fresh_console(AdminAllowedClients="10.9.9.9, 192.168.*")
    for path in ("/signin", "/", "/api/status"):
        answer = httpx.get(server.console_url + path.lstrip("/"))
        assert answer.status_code == 403
        assert "may not use the console" in answer.text
    refused = httpx.post(server.console_url + "signin", data={"password": ADMIN_PASSWORD})
    assert refused.status_code == 403 and "set-cookie" not in refused.headers


def test_another_host_name_is_refused_before_sign_in(console_server):
    """A site whose name resolves to 127.0.0.1 (DNS rebinding) gets nothing."""
    answer = httpx.post(console_server.console_url + "signin",
                        data={"password": ADMIN_PASSWORD}, headers={"Host": "evil.example"})
    assert answer.status_code == 400 and "set-cookie" not in answer.headers
    settings = Settings()
    assert host_allowed("127.0.0.1:8168", settings) and host_allowed("[::1]:8168", settings)
    assert host_allowed("localhost:8168", settings)
    assert not host_allowed("evil.example:8168", settings) and not host_allowed("", settings)


def test_a_cross_site_sign_in_is_refused(console_server):
    answer = httpx.post(console_server.console_url + "signin", data={"password": ADMIN_PASSWORD},
                        headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_failed_sign_ins_are_logged_and_slowed(console_server, caplog):
    app = console_server.console.app
    app.backoff.succeeded("127.0.0.1")
    with httpx.Client(base_url=console_server.console_url) as client:
        for _ in range(5):
            answer = client.post("/signin", data={"password": "wrong"})
            assert answer.status_code == 401 and "Wrong password" in answer.text
            assert "set-cookie" not in answer.headers
    assert app.backoff.failures("127.0.0.1") == 5
    assert app.backoff.failed("127.0.0.1") > 0        # the next one would wait
    lines = [line["message"] for line in console_server.log_feed.after(0)]
    assert sum("console: failed sign-in from 127.0.0.1" in line for line in lines) >= 5
    assert not any("wrong" in line for line in lines)  # the password tried is never logged
    Admin(console_server).close()                      # the right password still works...
    assert app.backoff.failures("127.0.0.1") == 0      # ...and resets the count


def test_session_cookie_is_httponly_samesite_strict(console_server):
    answer = httpx.post(console_server.console_url + "signin", data={"password": ADMIN_PASSWORD})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert ADMIN_PASSWORD not in cookie


def test_sign_out_ends_the_session(console_server):
    admin = Admin(console_server)
    out = admin.client.post("/signout", data={"csrf": admin.csrf})
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert admin.get("/api/status").status_code == 401
    admin.close()


def test_sessions_expire_when_idle_and_after_their_maximum_age():
    now = [0.0]
    sessions = Sessions(clock=lambda: now[0], idle=60, max_age=300)
    token = sessions.create("admin")
    now[0] = 59
    assert sessions.get(token) is not None          # touching it keeps it alive
    now[0] = 118
    assert sessions.get(token) is not None
    now[0] = 179
    assert sessions.get(token) is None              # 61 s unused
    token = sessions.create("admin")
    for step in range(1, 8):
        now[0] = 179 + step * 50
        alive = sessions.get(token)
    assert alive is None                            # 300 s old however busy
    assert sessions.get("made-up") is None and sessions.get(None) is None


def test_csrf_tokens_compare_exactly():
    session = Sessions().get(Sessions().create("x")) or None
    assert session is None   # a token from another store means nothing here
    store = Sessions()
    session = store.get(store.create("admin"))
    assert session is not None
    assert csrf_ok(session, session.csrf)
    assert not csrf_ok(session, session.csrf[:-1]) and not csrf_ok(session, None)
    assert not csrf_ok(session, "")


def test_admin_password_and_system_login_rules():
    settings = Settings(AdminPassword=hash_password("pw-123456", log_n=10))
    calls = []

    def system_check(name, password, *, interactive=False):
        calls.append((name, interactive))
        return password == "os-password"

    sign_in = SignIn(system_check=system_check, is_admin=lambda name: name == "boss")
    assert sign_in.check(settings, "", "pw-123456") == "admin"
    assert sign_in.check(settings, "admin", "pw-123456") == "admin"
    assert sign_in.check(settings, "", "wrong") is None
    assert sign_in.check(settings, "", "") is None
    # system accounts only when AdminSystemLogin is on, and only administrators
    assert sign_in.check(settings, "boss", "os-password") is None and not calls
    on = Settings(AdminSystemLogin=True, UseInteractiveLogon=True)
    assert sign_in.check(on, "boss", "os-password") == "boss"
    assert sign_in.check(on, "clerk", "os-password") is None
    assert sign_in.check(on, "boss", "nope") is None
    assert calls[0] == ("boss", True)
    assert sign_in.check(on, "", "anything") is None       # no console password set


def test_is_os_admin_reads_this_machines_accounts():
    assert is_os_admin("root")
    assert not is_os_admin("no-such-account-qbc")


@pytest.mark.parametrize("path", ["/api/users", "/api/settings", "/api/status"])
def test_api_answers_are_never_cached_or_framed(admin, path):
    answer = admin.get(path)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
