"""What is written where: log lines no client can forge, secrets masked in every log, files
only their owner can read, company paths taken literally, certificates past their dates."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import warnings

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from qbconnector.cli.main import cli
from qbconnector.remote import RemoteSession
from qbconnector.remote.tls import CertificateExpiredWarning
from qbconnector.sandbox import SandboxSession, create_company
from qbconnector.server.settings import dump_toml, write_atomic
from tests.server.helpers import client, post
from tests.server.security.conftest import log_lines, log_text, message_set

CARD = "4111111111111111"
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR|DEBUG) ")


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- log lines ------------------------------------------------------------------------------------
FORGERIES = {
    "newline": "x\n2024-01-01 00:00:00,000 INFO client=10.0.0.1 user=admin status=200",
    "line separator": "x\u20282024-01-01 00:00:00,000 INFO forged",
    "escape sequence": "x\x1b[2K\x1b[1Ainvisible",
    "nul": "x\x00y",
    "carriage return": "x\rINFO overwritten",
}


def test_client_chosen_text_cannot_forge_or_hide_log_lines(start_server, tmp_path):
    logs = tmp_path / "logs"
    server = start_server(LogEnabled=True, LogDir=str(logs))
    for name in FORGERIES.values():
        with client(server, name, "guess") as c:
            assert post(c).status_code == 401
    written = log_lines(logs, "status=401", len(FORGERIES))
    for line in written:
        assert not re.search("[\x00-\x1f\x7f\u2028\u2029]", line), repr(line)
    text = log_text(logs)
    assert all(STAMP.match(line) for line in text.splitlines())    # one record, one line
    assert "\\x1b[2K" in text and "\\u2028" in text and "\\x00" in text
    settings = tmp_path / "tail.toml"
    write_atomic(settings, dump_toml({"LogDir": str(logs)}))
    shown = CliRunner().invoke(cli, ["log", "tail", "-n", "100", "--no-follow", "--config",
                                     str(settings)])
    assert shown.exit_code == 0
    assert all(STAMP.match(line) for line in shown.output.splitlines())


def test_card_numbers_are_masked_in_every_log_at_every_level(start_server, tmp_path):
    logs = tmp_path / "logs"
    server = start_server(LogEnabled=True, LogDir=str(logs), LogLevel=4)
    add = message_set(
        "<CustomerAddRq><CustomerAdd><Name>Card Holder</Name><CreditCardInfo>"
        f"<CreditCardNumber>{CARD}</CreditCardNumber><ExpirationMonth>12</ExpirationMonth>"
        "<ExpirationYear>2030</ExpirationYear><NameOnCard>C Holder</NameOnCard>"
        "</CreditCardInfo><Notes>call back on 4111 1111 1111 1111</Notes></CustomerAdd>"
        "</CustomerAddRq>")
    with client(server) as c:
        answer = post(c, add)
        assert CARD in answer.text                          # the client gets its data...
    with client(server, f"user {CARD}", "guess") as c:     # ...and a card in a user name
        post(c)
    log_lines(logs, "status=401", 1)
    text = log_text(logs)
    assert "request body from" in text and "response body to" in text
    assert CARD not in text and "4111 1111 1111 1111" not in text     # ...the log does not
    assert "************1111" in text


# -- files ----------------------------------------------------------------------------------------
def test_company_and_log_files_are_the_owners_only(start_server, tmp_path):
    old = os.umask(0o022)
    try:
        company = create_company(tmp_path / "books.qbdb")
        with SandboxSession(company) as session:
            session.process(message_set("<HostQueryRq/>"))
            for extra in ("-wal", "-shm"):
                if os.path.exists(f"{company}{extra}"):
                    assert mode_of(f"{company}{extra}") == 0o600
        assert mode_of(company) == 0o600
        logs = tmp_path / "logs"
        logs.mkdir(mode=0o755)
        older = logs / "2020_01_01.txt"
        older.write_text("an older file\n")
        os.chmod(older, 0o644)
        server = start_server(LogEnabled=True, LogDir=str(logs / "new"))
        with client(server) as c:
            post(c)
        log_lines(logs / "new", "status=200", 1)
        assert mode_of(logs / "new") == 0o700
        assert all(mode_of(p) == 0o600 for p in (logs / "new").glob("*.txt"))
        from qbconnector.server.logs import RotatingLogFile

        handler = RotatingLogFile(logs)
        handler._open("2020_01_01", 0)           # an older file others could read is closed
        handler.close()
        assert mode_of(older) & 0o007 == 0
    finally:
        os.umask(old)


def test_a_settings_file_others_can_read_is_reported(tmp_path, hashed):
    path = tmp_path / "connector.toml"
    write_atomic(path, dump_toml({"Port": 0, "Users": {"alice": {"Password": hashed["alice"]}}}))
    os.chmod(path, 0o644)
    checked = CliRunner().invoke(cli, ["config", "check", "--config", str(path)])
    assert "other users of this machine can read it (mode 0644)" in checked.output
    assert f"chmod 600 {path}" in checked.output
    os.chmod(path, 0o600)
    checked = CliRunner().invoke(cli, ["config", "check", "--config", str(path)])
    assert "other users" not in checked.output and checked.exit_code == 0


# -- company paths --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a%62.qbdb", "books?mode=ro.qbdb", "books#2.qbdb",
                                  "a b%20c.qbdb"])
def test_company_paths_are_taken_literally(tmp_path, name):
    literal = tmp_path / name
    decoded = tmp_path / re.sub("%62", "b", re.sub("%20", " ", name.split("?")[0]
                                                   .split("#")[0]))
    if decoded != literal:
        create_company(decoded, name="The Other One")
    with pytest.raises(Exception, match="no company file"):
        SandboxSession(literal).open()                # never the file the URI would name
    create_company(literal, name="This One")
    with SandboxSession(literal) as session:
        company = session.process(message_set("<CompanyQueryRq/>"))
    assert "<CompanyName>This One</CompanyName>" in company


# -- certificates ---------------------------------------------------------------------------------
def _certificate(folder, not_before: dt.datetime, not_after: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    pem = folder / "server.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
                    + cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(pem, 0o600)
    return pem, ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


@pytest.mark.parametrize("when", ["expired", "not yet valid"])
def test_a_certificate_outside_its_dates_is_reported_everywhere(start_server, tmp_path, hashed,
                                                                when):
    now = dt.datetime.now(dt.UTC)
    dates = ((now - dt.timedelta(days=400), now - dt.timedelta(days=35)) if when == "expired"
             else (now + dt.timedelta(days=2), now + dt.timedelta(days=400)))
    pem, pin = _certificate(tmp_path, *dates)
    said = "expired on" if when == "expired" else "not valid before"
    path = tmp_path / "connector.toml"
    write_atomic(path, dump_toml({"Port": 0, "SSLEnabled": True, "SSLCertStore": str(pem),
                                  "Users": {"alice": {"Password": hashed["alice"]}}}))
    checked = CliRunner().invoke(cli, ["config", "check", "--config", str(path)])
    assert said in checked.output
    logs = tmp_path / "logs"
    server = start_server(SSLEnabled=True, SSLCertStore=str(pem), LogEnabled=True,
                          LogDir=str(logs))
    log_lines(logs, said, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with RemoteSession(server.url, user="alice", password="alice-secret",
                           fingerprint=pin) as session:
            assert "<HostRet>" in session.process(message_set("<HostQueryRq/>"))
    assert any(issubclass(w.category, CertificateExpiredWarning) and said in str(w.message)
               for w in caught)
