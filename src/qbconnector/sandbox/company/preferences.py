"""Switching company preferences of a sandbox file (what QuickBooks' Preferences window does).

qbXML cannot change preferences, so this is a sandbox-only API (also used by ``company
create`` and the samples): sales tax (a tax agency, a tax item, default tax codes),
account numbers, class tracking. Every change is validated against the PreferencesRet spec,
so PreferencesQuery keeps answering what QuickBooks could answer.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from qbconnector.errors import QBConnectorError
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.build import Message, Pairs, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.qbxml.validate import validate
from qbconnector.sandbox.core.context import Context, Request
from qbconnector.sandbox.core.objects import registry
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.records.hooks import rules_for
from qbconnector.sandbox.storage.store import loads


class PreferenceError(QBConnectorError, ValueError):
    """A preference change QuickBooks would not allow."""


def _merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif value is None:
            target.pop(key, None)
        else:
            target[key] = value


def _check(doc: dict[str, Any]) -> None:
    """Refuse a preferences document QuickBooks could not return."""
    rs = Message("PreferencesQueryRs", Pairs([("PreferencesRet", _pairs(doc))]),
                 statusCode="0", statusSeverity="Info")
    text = build(rs, check=False)
    problems = validate(text)
    if problems:
        raise PreferenceError("; ".join(str(p) for p in problems))


def _pairs(value: Any) -> Any:
    if isinstance(value, dict):
        return Pairs((k, _pairs(v)) for k, v in value.items())
    return value


def set_preferences(session: SandboxSession, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` (PreferencesRet-shaped, text values; None removes) and store them."""
    store = session.store
    with store.transaction(write=True):
        doc = json.loads(store.meta("preferences", "{}") or "{}")
        _merge(doc, changes)
        _check(doc)
        store.set_meta("preferences", json.dumps(doc))
        store.db.execute("UPDATE records SET xml=NULL")   # defaults shown may change
    return doc


def _ask(session: SandboxSession, *messages: Message) -> list[Any]:
    responses = parse_response(session.process(build(list(messages), version="13.0")))
    for response in responses:
        if response.status_severity == "Error":
            raise PreferenceError(f"{response.name}: {response.status_message}")
    return [r.records[0] for r in responses]


def enable_sales_tax(session: SandboxSession, *, item: str = "State Tax",
                     rate: Decimal = Decimal("7.25"),
                     agency: str = "State Board of Equalization",
                     pay: str = "Monthly") -> str:
    """Turn sales tax on: a tax agency vendor, a sales tax item and the default codes
    (Tax / Non). Returns the tax item's ListID. Existing agency and item are reused."""
    if pay not in ("Monthly", "Quarterly", "Annually"):
        raise PreferenceError("pay must be Monthly, Quarterly or Annually")
    found = parse_response(session.process(build([
        Message("VendorQuery", {"FullName": [agency]}),
        Message("ItemSalesTaxQuery", {"FullName": [item]}),
        Message("SalesTaxCodeQuery", {"FullName": ["Tax", "Non"]})], version="13.0")))
    if not found[0].records:
        _ask(session, Message("VendorAdd", {"Name": agency}))
    if found[1].records:
        tax_item = found[1].records[0]
    else:
        tax_item = _ask(session, Message("ItemSalesTaxAdd", {
            "Name": item, "TaxRate": rate, "TaxVendorRef": {"FullName": agency}}))[0]
    codes = {r["Name"]: r for r in found[2].records}
    if set(codes) != {"Tax", "Non"}:
        raise PreferenceError("the company has no sales tax codes Tax and Non")
    set_preferences(session, {"SalesTaxPreferences": {
        "DefaultItemSalesTaxRef": {"ListID": tax_item["ListID"],
                                   "FullName": tax_item["Name"]},
        "PaySalesTax": pay,
        "DefaultTaxableSalesTaxCodeRef": {"ListID": codes["Tax"]["ListID"], "FullName": "Tax"},
        "DefaultNonTaxableSalesTaxCodeRef": {"ListID": codes["Non"]["ListID"],
                                             "FullName": "Non"}}})
    return tax_item["ListID"]


def disable_sales_tax(session: SandboxSession) -> None:
    set_preferences(session, {"SalesTaxPreferences": None})


def use_account_numbers(session: SandboxSession, on: bool = True) -> None:
    """Show and sort accounts by number (Accounting preferences)."""
    set_preferences(session, {"AccountingPreferences": {
        "IsUsingAccountNumbers": "true" if on else "false"}})
    with session.store.transaction(write=True):
        _resort_accounts(session)


def use_class_tracking(session: SandboxSession, on: bool = True) -> None:
    set_preferences(session, {"AccountingPreferences": {
        "IsUsingClassTracking": "true" if on else "false"}})


def _resort_accounts(session: SandboxSession) -> None:
    """Accounts sort by number once numbers are on (by name otherwise)."""
    sp = specmod.load()
    request = Request("AccountQueryRq", {}, None, sp.message("AccountQueryRq"), {}, "13.0",
                      (13, 0))  # type: ignore[arg-type]
    ctx = Context(session.store, request, session)
    otype = registry()["Account"]
    rules = rules_for("Account")
    rows = session.store.db.execute("SELECT * FROM records WHERE type='Account' ORDER BY "
                                    "length(full_name) - length(replace(full_name, ':', ''))"
                                    ).fetchall()
    for row in rows:      # parents first, so children extend their parent's new key
        doc = loads(row["doc"])
        session.store.update(row["id"], {"sort_key": rules.columns(ctx, otype, doc)[
            "sort_key"]})
