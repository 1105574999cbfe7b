"""Guards that could be walked around: proxy headers, exotic encodings, parallel and
interleaved password guessing, stored passwords that are not well-formed hashes."""

from __future__ import annotations

import codecs
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from qbconnector.server import logport, passwords
from qbconnector.server.backoff import LoginBackoff
from qbconnector.server.settings import SettingsError, dump_toml, load_settings, write_atomic
from tests.server.helpers import PASSWORDS, Journal, client, post, recording
from tests.server.security.conftest import log_lines, message_set

HOST = ('<?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError"><HostQueryRq/>'
        '</QBXMLMsgsRq></QBXML>')


# -- proxy headers ---------------------------------------------------------------------------------
def test_forwarded_for_counts_only_from_a_trusted_proxy(start_server, tmp_path):
    server = start_server(AllowedClients="10.9.9.9")
    with client(server) as c:
        spoofed = post(c, X_Forwarded_For="10.9.9.9")
        assert spoofed.status_code == 403 and "127.0.0.1" in spoofed.text
    open_server = start_server(LogEnabled=True, LogDir=str(tmp_path / "logs"))
    with client(open_server, "alice", "wrong") as c:
        for n in range(4):
            assert post(c, X_Forwarded_For=f"10.0.0.{n}").status_code == 401
    assert open_server.app.backoff.failures(address="127.0.0.1") == 4
    logged = log_lines(tmp_path / "logs", "status=401", 4)
    assert all("client=127.0.0.1 " in line for line in logged)
    behind_proxy = start_server(AllowedClients="10.9.9.9", TrustedProxies="127.0.0.1")
    with client(behind_proxy) as c:
        assert post(c, X_Forwarded_For="10.9.9.9").status_code == 200


# -- encodings -------------------------------------------------------------------------------------
def _utf7_doctype(path: str) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE QBXML SYSTEM "'
            + path.encode() + b'"+AD4-' + HOST.encode())


REFUSED = {
    "utf-7 doctype, a file that exists": _utf7_doctype("/etc/hostname"),
    "utf-7 doctype, no such file": _utf7_doctype("/nonexistent/qbconnector"),
    "utf-7 doctype, standard input": _utf7_doctype("/proc/self/fd/0"),
    "ebcdic": ('<?xml version="1.0" encoding="IBM037"?>' + HOST).encode("cp037"),
    "utf-32": ('<?xml version="1.0" encoding="UTF-32"?>' + HOST).encode("utf-32"),
    "iso-2022-jp": ('<?xml version="1.0" encoding="ISO-2022-JP"?>' + HOST).encode("iso2022_jp"),
    "shift_jis": ('<?xml version="1.0" encoding="Shift_JIS"?>' + HOST).encode("shift_jis"),
}
ACCEPTED = {
    "utf-8": ('<?xml version="1.0" encoding="utf-8"?>' + HOST).encode(),
    "utf-16": ('<?xml version="1.0" encoding="utf-16"?>' + HOST).encode("utf-16"),
    "utf-8 with a BOM": codecs.BOM_UTF8 + HOST.encode(),
    "iso-8859-1": ('<?xml version="1.0" encoding="ISO-8859-1"?>' + HOST).encode("latin-1"),
    "windows-1252": ('<?xml version="1.0" encoding="windows-1252"?>' + HOST).encode("cp1252"),
}


def test_only_encodings_quickbooks_reads_reach_a_parser(start_server, session_factory):
    journal = Journal()
    server = start_server(recording(session_factory, journal))
    with client(server, "reader") as c:
        answers = {name: post(c, body) for name, body in REFUSED.items()}
        for name, answer in answers.items():
            assert answer.status_code == 517, name
            assert answer.text.startswith("0x80040400 ") and "encoding" in answer.text, name
        # no oracle: a file that exists and one that does not get the same answer
        assert answers["utf-7 doctype, a file that exists"].text == \
            answers["utf-7 doctype, no such file"].text
        assert journal.count("enter") == 0
        for name, body in ACCEPTED.items():
            answer = post(c, body)
            assert answer.status_code == 200 and "<HostRet>" in answer.text, name
    assert journal.count("enter") == len(ACCEPTED)


# -- guessing passwords ----------------------------------------------------------------------------
def _counting_checks(server, monkeypatch) -> list[str]:
    checks: list[str] = []
    real = server.app.auth.verify

    def counted(name: str, password: str):
        checks.append(name)
        return real(name, password)

    monkeypatch.setattr(server.app.auth, "verify", counted)
    return checks


def _guess(url: str, password: str, source: str = "127.0.0.1") -> int:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=url, auth=("alice", password), transport=transport,
                      timeout=10) as c:
        return c.post("/", content=message_set("<HostQueryRq/>")).status_code


@pytest.mark.parametrize("sources", [1, 30], ids=["one address", "rotating addresses"])
def test_parallel_guesses_are_no_faster_than_one_after_another(start_server, monkeypatch,
                                                               sources):
    # 3 free attempts, then 0.1 s doubling; nobody waits more than 0.5 s for a turn
    server = start_server(server_kwargs={"backoff": LoginBackoff(base=0.1, cap=0.5)})
    checks = _counting_checks(server, monkeypatch)
    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda n: _guess(server.url, f"guess-{n}",
                                                  f"127.0.0.{2 + n % sources}"), range(30)))
    assert statuses == [401] * 30
    # one after another, 30 guesses take 3 free checks then waits of 0.1, 0.2, 0.4, 0.5...: in
    # the second or so these took, 6 to 8 checks fit; the others were refused unchecked
    assert 4 <= len(checks) <= 15, len(checks)


def test_another_users_login_does_not_reset_the_count(start_server, hashed):
    users = {"alice": {"Password": hashed["alice"]}, "bob": {"Password": hashed["bob"]}}
    server = start_server(users=users)
    backoff = server.app.backoff
    with client(server, "alice", "wrong-1") as c:
        for _ in range(3):
            assert post(c).status_code == 401
    with client(server, "bob") as c:
        assert post(c).status_code == 200          # a valid login between the guesses
    with client(server, "alice", "wrong-2") as c:
        for _ in range(3):
            assert post(c).status_code == 401
    assert backoff.failures(address="127.0.0.1") == 6
    assert backoff.failures(account="alice") == 6
    with client(server, "alice") as c:              # her own success starts her afresh
        assert post(c).status_code == 200
    assert backoff.failures(account="alice") == 0 and backoff.failures(address="127.0.0.1") == 0


def test_log_port_secret_guesses_wait_in_line_too(start_server, monkeypatch):
    checks: list[bytes] = []

    class CountingHmac:
        @staticmethod
        def compare_digest(a: bytes, b: bytes) -> bool:
            checks.append(a)
            return __import__("hmac").compare_digest(a, b)

    monkeypatch.setattr(logport, "hmac", CountingHmac)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start_server(LogPort=port, LocalAuth="the-secret",
                 server_kwargs={"backoff": LoginBackoff(base=0.1, cap=0.5)})

    def guess(n: int) -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"AUTH guess-{n}\n".encode())
            return sock.recv(100)

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(guess, range(30)))
    assert answers == [b"DENIED\n"] * 30
    assert 4 <= len(checks) <= 15, len(checks)
    deadline = time.monotonic() + 10                # locked out for a moment, never for good
    while True:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"AUTH the-secret\n")
            if sock.recv(100) == b"OK\n":
                break
        assert time.monotonic() < deadline
        time.sleep(0.1)


# -- stored passwords ------------------------------------------------------------------------------
MALFORMED = {
    "bcrypt": "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    "scrypt without its first $": "scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
    "scrypt that does not decode": "$scrypt$ln=15,r=8,p=1$A$AAAAA",
    "scrypt with a cost out of range": "$scrypt$ln=40,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
    "argon2": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA",
}


@pytest.mark.parametrize("stored", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_stored_hash_stops_the_server_and_never_verifies(tmp_path, stored):
    from click.testing import CliRunner

    from qbconnector.cli.main import cli

    assert not passwords.verify_password(stored, stored)    # never a password equal to itself
    assert passwords.kind_of(stored) == "malformed"
    path = tmp_path / "connector.toml"
    write_atomic(path, dump_toml({"Users": {"ann": {"Password": stored}}}))
    with pytest.raises(SettingsError, match="Users.ann.Password"):
        load_settings(path)
    checked = CliRunner().invoke(cli, ["config", "check", "--config", str(path)])
    assert checked.exit_code != 0 and "Users.ann.Password" in checked.output
    served = CliRunner().invoke(cli, ["serve", "--config", str(path), "--port", "0"])
    assert served.exit_code != 0 and "Users.ann.Password" in served.output


def test_plaintext_is_accepted_only_in_the_documented_form():
    assert passwords.kind_of("plain-pw") == "plaintext"
    assert passwords.verify_password("plain-pw", "plain-pw")
    assert passwords.kind_of("pa$$word") == "malformed"        # a '$' makes it a hash
    assert not passwords.verify_password("pa$$word", "pa$$word")


def test_every_login_of_a_user_with_an_unreadable_hash_is_a_401_not_a_500(start_server, hashed,
                                                                         tmp_path):
    from qbconnector.server.auth import Authenticator
    from qbconnector.server.users import UserStore

    store = UserStore(load_settings(_settings_with(tmp_path, hashed)), recheck=0)
    # the file was fine when loaded; then someone broke the hash by hand
    broken = dict(store.users())
    broken["alice"] = type(broken["alice"])(name="alice", Password=MALFORMED[
        "scrypt that does not decode"])
    store._users = broken
    assert Authenticator(store).verify("alice", PASSWORDS["alice"]) is None


def _settings_with(folder, hashed):
    path = folder / "c.toml"
    write_atomic(path, dump_toml({"Users": {"alice": {"Password": hashed["alice"]}}}))
    return path
