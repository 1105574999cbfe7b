"""Passwords, the verification cache, re-hashing legacy forms, system logins and backoff."""

from __future__ import annotations

import hashlib

import pytest

from qbconnector.server import passwords
from qbconnector.server.auth import (
    Authenticator,
    LoginBackoff,
    SystemAuthUnavailable,
    VerificationCache,
)
from qbconnector.server.passwords import hash_password, is_legacy, kind_of, verify_password
from qbconnector.server.settings import load_settings, read_raw, update_settings_file
from qbconnector.server.users import UserStore
from tests.server.helpers import client, post


def test_real_default_scrypt_cost(monkeypatch):
    monkeypatch.setattr(passwords, "MIN_LOG_N", 15)
    stored = hash_password("s3cret")
    assert stored.startswith("$scrypt$ln=15,r=8,p=1$")
    assert verify_password("s3cret", stored) and not verify_password("s3creT", stored)
    assert not is_legacy(stored)
    assert hash_password("s3cret") != stored          # salted


def test_legacy_forms_verify_and_are_marked_legacy():
    sha = hashlib.sha256(b"pw").hexdigest()
    assert kind_of(sha) == "sha256" and verify_password("pw", sha)
    assert verify_password("pw", sha.upper())
    assert kind_of("pw") == "plaintext" and verify_password("pw", "pw")
    assert not verify_password("px", "pw") and not verify_password("pw", "")
    assert is_legacy(sha) and is_legacy("pw")
    assert not verify_password("pw", "$scrypt$ln=99,r=8,p=1$AAAA$AAAA")


def test_cache_entries_expire_and_follow_the_stored_hash():
    now = [0.0]
    cache = VerificationCache(ttl=10, clock=lambda: now[0])
    cache.remember("ann", "pw", "stored-1")
    assert cache.hit("ann", "pw", "stored-1")
    assert not cache.hit("ann", "other", "stored-1")
    assert not cache.hit("ann", "pw", "stored-2")       # password changed: invalid
    assert not cache.hit("ann", "pw", "stored-1")       # ...and the entry is gone
    cache.remember("ann", "pw", "stored-1")
    now[0] = 11
    assert not cache.hit("ann", "pw", "stored-1")


def test_cache_never_holds_the_password():
    cache = VerificationCache()
    cache.remember("ann", "very-secret-pw", "stored")
    dump = repr(cache._entries).encode() + b"".join(k + v[0] for k, v in cache._entries.items())
    assert b"very-secret-pw" not in dump and b"ann" not in dump


def test_cache_is_bounded():
    cache = VerificationCache(max_entries=3)
    for i in range(5):
        cache.remember(f"u{i}", "pw", "s")
    assert len(cache._entries) == 3 and not cache.hit("u0", "pw", "s")


def test_backoff_grows_after_free_attempts_and_resets():
    now = [0.0]
    backoff = LoginBackoff(free_attempts=2, base=1, cap=5, forget_after=60,
                           clock=lambda: now[0])
    waits = []
    for _ in range(7):
        turn = backoff.turn("alice", "a")
        waits.append(turn.wait)
        now[0] += turn.wait
        backoff.failed(turn)
    assert waits == [0, 0, 0, 1, 2, 4, 5]              # checked only after the wait
    other = backoff.turn("bob", "b")                    # another account, another address
    assert other.wait == 0
    backoff.failed(other)
    turn = backoff.turn("alice", "a")
    now[0] += turn.wait
    backoff.succeeded(turn)
    assert backoff.turn("alice", "a").wait == 0
    now[0] += 1000
    assert backoff.failures("b") == 0                  # forgotten after a while


def _store(tmp_path, users):
    path = tmp_path / "c.toml"
    update_settings_file(path, lambda raw: raw.update(Users=users))
    return path, UserStore(load_settings(path), recheck=0)


@pytest.mark.parametrize("legacy", ["plain-pw", hashlib.sha256(b"plain-pw").hexdigest()])
def test_legacy_password_is_rehashed_on_first_success(tmp_path, legacy):
    path, store = _store(tmp_path, {"ann": {"Password": legacy, "ReadOnly": True}})
    auth = Authenticator(store)
    assert auth.verify("ann", "wrong") is None
    assert read_raw(path)["Users"]["ann"]["Password"] == legacy
    user = auth.verify("ann", "plain-pw")
    assert user is not None and user.ReadOnly
    stored = read_raw(path)["Users"]["ann"]
    assert stored["Password"].startswith("$scrypt$") and stored["ReadOnly"] is True
    assert verify_password("plain-pw", stored["Password"])
    assert auth.cached("ann", "plain-pw") is not None


def test_changed_password_invalidates_the_cache(tmp_path):
    path, store = _store(tmp_path, {"ann": {"Password": hash_password("one")}})
    auth = Authenticator(store)
    assert auth.verify("ann", "one") is not None and auth.cached("ann", "one")
    update_settings_file(path, lambda raw: raw["Users"]["ann"].update(
        Password=hash_password("two")))
    assert auth.cached("ann", "one") is None
    assert auth.verify("ann", "one") is None and auth.verify("ann", "two") is not None


def test_system_users_use_the_os_check(tmp_path):
    calls = []

    def os_check(user, password, interactive):
        calls.append((user, password, interactive))
        return password == "os-pw"

    _, store = _store(tmp_path, {"ann": {"AuthMode": 1}})
    auth = Authenticator(store, system_check=os_check, interactive_logon=True)
    assert auth.verify("ann", "nope") is None
    assert auth.verify("ann", "os-pw") is not None
    assert calls == [("ann", "nope", True), ("ann", "os-pw", True)]
    assert auth.cached("ann", "os-pw") is not None


def test_system_auth_unavailable_denies(tmp_path, caplog):
    def unavailable(user, password, interactive):
        raise SystemAuthUnavailable("needs PAM: pip install 'qbconnector[pam]'")

    _, store = _store(tmp_path, {"ann": {"AuthMode": 1}})
    assert Authenticator(store, system_check=unavailable).verify("ann", "x") is None
    assert "needs PAM" in caplog.text


def test_system_login_without_pam_says_how_to_get_it(monkeypatch):
    import builtins
    import os

    from qbconnector.server import auth

    if os.name == "nt":
        pytest.skip("PAM is for POSIX systems")
    real_import = builtins.__import__

    def no_pam(name, *args, **kwargs):
        if name == "pam":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pam)
    with pytest.raises(SystemAuthUnavailable, match=r"qbconnector\[pam\]"):
        auth.system_login("ann", "pw")


def test_running_server_picks_up_new_users_and_rehashes(start_server, tmp_path, hashed):
    server = start_server(users={"alice": {"Password": hashed["alice"]},
                                 "carol": {"Password": "carol-plain"}})
    path = server.settings.path
    with client(server, "dave", "dave-pw") as c:
        assert post(c).status_code == 401
    update_settings_file(path, lambda raw: raw["Users"].update(dave={"Password": "dave-pw"}))
    server.app.users._next_check = 0       # do not wait for the once-a-second recheck
    with client(server, "dave", "dave-pw") as c:
        assert post(c).status_code == 200
    with client(server, "carol", "carol-plain") as c:
        assert post(c).status_code == 200
    users = read_raw(path)["Users"]
    assert users["carol"]["Password"].startswith("$scrypt$")
    assert users["dave"]["Password"].startswith("$scrypt$")


def test_repeated_failures_are_logged_as_warnings(start_server, caplog):
    server = start_server()
    with client(server, "alice", "bad") as c:
        for _ in range(5):
            assert post(c).status_code == 401
    warnings = [r for r in caplog.records if "failed login" in r.getMessage()
                and r.levelname == "WARNING"]
    assert len(warnings) == 2 and "5 in a row" in warnings[-1].getMessage()
    assert server.app.backoff.failures("127.0.0.1") == 5
    with client(server) as c:
        assert post(c).status_code == 200
    assert server.app.backoff.failures("127.0.0.1") == 0


def test_concurrent_requests_with_new_credentials_share_one_check(start_server, monkeypatch):
    """After a restart or a cache expiry, clients that arrive together cost one scrypt."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    server = start_server()
    auth = server.app.auth
    real_verify = auth.verify
    checks: list[str] = []
    release = threading.Event()

    def held_verify(name: str, password: str):
        checks.append(name)
        release.wait(10)
        return real_verify(name, password)

    monkeypatch.setattr(auth, "verify", held_verify)

    def one(password: str) -> int:
        with client(server, password=password) as c:
            return post(c).status_code

    def waiting() -> int:
        return sum(v.waiters for v in list(server.app._verifying.values()))

    with ThreadPoolExecutor(6) as pool:
        good = [pool.submit(one, "alice-secret") for _ in range(5)]
        bad = pool.submit(one, "not-her-password")
        deadline = time.monotonic() + 10
        while waiting() < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        release.set()
        statuses = [f.result() for f in good]
        refused = bad.result()
    assert statuses == [200] * 5 and refused == 401
    assert sorted(checks) == ["alice", "alice"]      # one per distinct password, not six
    assert server.app._verifying == {}


def test_a_user_saved_by_the_console_signs_in_at_once(tmp_path):
    """Users are re-read once a second on their own; a reload (the console saved the file)
    re-reads them now, so the user just added is not refused with 401 meanwhile."""
    path = tmp_path / "c.toml"
    update_settings_file(path, lambda raw: raw.update(
        Users={"ann": {"Password": hash_password("one")}}))
    store = UserStore(load_settings(path), recheck=3600)
    update_settings_file(path, lambda raw: raw["Users"].update(
        bob={"Password": hash_password("two")}))
    assert store.get("bob") is None                    # the periodic check is an hour away
    store.refresh()
    assert store.get("bob") is not None
    assert Authenticator(store).verify("bob", "two") is not None
    assert set(store.users()) == {"ann", "bob"}


def test_cache_keys_are_keyed_blake2b_of_the_credentials():
    """key() copies a hash with the cache's secret mixed in: the same MAC as hashing with
    that key each time, and another cache (another secret) gives another key."""
    import hashlib

    cache, other = VerificationCache(), VerificationCache()
    for user, password in (("alice", "s3cret"), ("bob", ""), ("é", "pässword")):
        expected = hashlib.blake2b(user.encode() + b"\x00" + password.encode(),
                                   key=cache._secret, digest_size=32).digest()
        assert cache.key(user, password) == expected == cache.key(user, password)
        assert other.key(user, password) != expected
