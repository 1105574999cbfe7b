"""The client's pure parts on their own: faults in every shape QBO answers with, mapped to
the public errors; environments; the token store and its lock; bodies from user input."""

from __future__ import annotations

import json
import stat
import threading
import time
from decimal import Decimal

import pytest

import qbconnector
from qbconnector.qbo.environments import PRODUCTION, SANDBOX, environment
from qbconnector.qbo.faults import error_for, read_fault
from qbconnector.qbo.fields import BodyBuilder, FieldError
from qbconnector.qbo.locks import file_lock
from qbconnector.qbo.tokens import FileTokenStore, Tokens, token_store, tokens_dir
from qbconnector.qbo_wire.faults import fault, gateway_body, throttle_xml


def test_faults_in_every_shape():
    stale = json.dumps({"Fault": fault("5010", user="Bob").as_json()}).encode()
    assert read_fault(stale)[0].code == "5010"
    gateway = json.dumps(gateway_body("3200", "Token expired: x", 0)).encode()
    assert read_fault(gateway)[0].code == "3200"
    throttled = read_fault(throttle_xml("2026-01-01T00:00:00.000-08:00").encode())
    assert throttled[0].code == "3001" and "Try again later" in throttled[0].detail
    assert read_fault(b"<html>413</html>") == [] and read_fault(b"") == []
    hostile = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Fault><Error ' \
              b'code="1"><Message>&e;</Message></Error></Fault>'
    assert "root:" not in str(read_fault(hostile))


@pytest.mark.parametrize("code, operation, cls", [
    ("5010", "update", qbconnector.ConflictError),
    ("6240", "create", qbconnector.DuplicateNameError),
    ("610", "read", qbconnector.NotFoundError),
    ("610", "create", qbconnector.InvalidReferenceError),
    ("2500", "create", qbconnector.InvalidReferenceError),
    ("2050", "create", qbconnector.ValueTooLongError),
    ("3200", "read", qbconnector.AuthenticationError),
    ("3100", "read", qbconnector.PermissionDeniedError),
    ("6000", "create", qbconnector.QBError),
])
def test_faults_become_the_public_errors(code, operation, cls):
    one = fault(code, user="Bob", name="Acme", value="x", token="t")
    error = error_for(read_fault(json.dumps({"Fault": one.as_json()}).encode()),
                      status=one.status, operation=operation, entity="Customer")
    assert type(error) is cls or (cls is qbconnector.QBError and isinstance(error, cls))
    if isinstance(error, qbconnector.QBError):
        assert error.status_code == int(code) and error.request == f"Customer {operation}"


def test_environments():
    assert environment("production") is PRODUCTION and environment("Sandbox") is SANDBOX
    double = environment("http://127.0.0.1:8180/.well-known/openid_sandbox_configuration")
    assert double.api_url == "http://127.0.0.1:8180"
    assert environment("http://localhost:9/").discovery_url == \
        "http://localhost:9/.well-known/openid_configuration"
    with pytest.raises(qbconnector.TargetError, match="plain http is only for this machine"):
        environment("http://qbo.example.com")
    with pytest.raises(qbconnector.TargetError, match="production, sandbox or a URL"):
        environment("staging")


def test_the_token_file_is_private_and_replaced_whole():
    store = token_store("parts-file", "file")
    tokens = Tokens("1", "client", "the-secret", "refresh-1", "access-1", time.time() + 3600)
    store.save(tokens)
    assert stat.S_IMODE(FileTokenStore("parts-file").path.stat().st_mode) == 0o600
    assert stat.S_IMODE(tokens_dir().stat().st_mode) == 0o700
    assert store.load() == tokens and "the-secret" not in repr(tokens)
    assert not [p for p in tokens_dir().iterdir() if p.name.startswith(".tokens-")]
    assert store.delete() and store.load() is None and not store.delete()
    with pytest.raises(qbconnector.TargetError, match="choose keyring or file"):
        token_store("x", "vault")


def test_the_lock_makes_threads_and_processes_take_turns(tmp_path):
    held = []

    def hold(name: str) -> None:
        with file_lock(tmp_path / "turns.lock"):
            held.append(("in", name))
            time.sleep(0.05)
            held.append(("out", name))

    threads = [threading.Thread(target=hold, args=(str(n),)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [kind for kind, _ in held] == ["in", "out"] * 3


class Names:
    def ref_id(self, entity: str, text: str) -> str:
        return {("Customer", "Acme"): "7", ("Item", "Design"): "3",
                ("Account", "Bank"): "35"}[(entity, text)]

    def unit_price(self, item_id: str) -> Decimal:
        return Decimal("75")


def test_bodies_from_snake_case_references_and_short_lines():
    invoice = BodyBuilder("Invoice", Names()).build({
        "customer_ref": "Acme", "txn_date": "2026-03-01", "memo": "note",
        "lines": [{"item_ref": "Design", "quantity": 2.5}, {"desc": "Thanks"}]})
    assert invoice == {
        "CustomerRef": {"value": "7"}, "TxnDate": "2026-03-01", "PrivateNote": "note",
        "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal("187.50"),
                  "SalesItemLineDetail": {"ItemRef": {"value": "3"}, "Qty": Decimal("2.5"),
                                          "UnitPrice": Decimal("75")}},
                 {"Description": "Thanks", "DetailType": "DescriptionOnly"}]}
    journal = BodyBuilder("JournalEntry", Names()).build({"lines": [
        {"posting_type": "Debit", "account_ref": "Bank", "amount": "10"}]})
    assert journal["Line"][0]["JournalEntryLineDetail"] == {
        "PostingType": "Debit", "AccountRef": {"value": "35"}}
    with pytest.raises(FieldError, match="not one of Credit, Debit"):
        BodyBuilder("JournalEntry", Names()).build({"lines": [
            {"posting_type": "Up", "account_ref": "Bank", "amount": "10"}]})
    with pytest.raises(FieldError, match="did you mean DisplayName"):
        BodyBuilder("Customer", Names()).build({"display_nam": "x"})
    with pytest.raises(FieldError, match="is not a decimal"):
        BodyBuilder("Customer", Names()).build({"credit_limit": "lots"})
