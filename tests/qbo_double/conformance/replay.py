"""Replaying the reference's real QBO recordings against the double and comparing shapes.

A recorded request names records of Intuit's sandbox company; the double has its own. So each
replay first makes what the recording presupposes (a record with the recorded fields, created
through the API with its references pointed at records of the double's sample company), sends
the recorded request with ids mapped, and compares: HTTP status; fault code, message and
element; envelope keys; every key the recorded entity has (recursively) with its JSON type;
number formatting where the recording kept the wire text; and the computed fields each kind of
call is about (SyncToken, DocNumber, lines, totals, balances, paging counters).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.values import dumps, loads

#: Keys whose presence depends on the company's data or on features the double leaves out
#: (2025: Lat/Long no longer returned; Ex blobs are Java-serialisation leaks).
IGNORED = {"Lat", "Long", "LineEx", "PurchaseEx", "InvoiceEx", "CustomerEx", "DefinitionId",
           "CustomField", "time", "Id"}
SERVER_KEYS = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status")


@dataclass
class Outcome:
    fixture: str
    matched: bool
    notes: list[str] = field(default_factory=list)


def jtype(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "null"


def shape_diff(recorded: Any, ours: Any, path: str = "") -> list[str]:
    """What the recorded value has that ours lacks or types differently."""
    if jtype(recorded) != jtype(ours):
        return [f"{path or '.'}: {jtype(recorded)} recorded, {jtype(ours)} here"]
    out = []
    if isinstance(recorded, dict):
        for key, value in recorded.items():
            if key in IGNORED:
                continue
            if key not in ours:
                out.append(f"{path}.{key}: missing")
            else:
                out.extend(shape_diff(value, ours[key], f"{path}.{key}"))
    elif isinstance(recorded, list) and recorded and ours:
        out.extend(shape_diff(recorded[0], ours[0], f"{path}[0]"))
    return out


def money_format_diff(recorded_text: str | None, ours_text: str) -> list[str]:
    """Money written with two decimals (and 0 as 0) where the recording kept the wire text."""
    if not recorded_text:
        return []
    pattern = r'"(Amount|TotalAmt|Balance|UnappliedAmt)":(-?\d+(?:\.\d+)?)'
    recorded = {k for k, v in re.findall(pattern, recorded_text) if "." in v}
    ours = {k for k, v in re.findall(pattern, ours_text) if v != "0" and "." not in v}
    return [f"{k}: written without decimals" for k in sorted(recorded & ours)]


class Replayer:
    """Talks to one running double with one token."""

    def __init__(self, running: Any) -> None:
        self.running = running
        self.http = running.client()

    def post(self, path: str, body: Any, **params: str) -> httpx.Response:
        return self.http.post(path, content=dumps(body), params=params,
                              headers={"Content-Type": "application/json"})

    def first(self, entity: str, where: str = "") -> dict:
        text = f"SELECT * FROM {entity} {where} MAXRESULTS 1"
        rows = loads(self.http.get("/query", params={"query": text}).text)["QueryResponse"]
        return rows[entity][0]

    def remap(self, entity: str, body: Any, path: str = "") -> Any:
        """The recorded body with every reference pointed at a record of the double."""
        if isinstance(body, list):
            return [self.remap(entity, item, path) for item in body]
        if not isinstance(body, dict):
            return body
        out = {}
        for key, value in body.items():
            target = spec.ref_target(key) if key.endswith("Ref") else None
            if key == "TxnTaxDetail" or (key == "ParentRef" and entity != "Customer"):
                continue
            if key == "ParentRef":
                out[key] = {"value": self.first("Customer")["Id"]}
                continue
            if key == "EntityRef" and isinstance(value, dict):
                kind = body.get("Type") or value.get("type") or "Vendor"
                out[key] = {"value": self.first(kind)["Id"], "type": kind}
                continue
            if key == "ItemRef" and isinstance(value, dict):
                out[key] = {"value": self.first("Item", "WHERE Type = 'Service'")["Id"]}
            elif key == "TaxCodeRef" and isinstance(value, dict):
                out[key] = {"value": "NON"}
            elif target and isinstance(value, dict):
                where = {"Account": self._account_filter(key)}.get(target, "")
                out[key] = {"value": self.first(target, where)["Id"]}
            elif key == "CurrencyRef":
                out[key] = value
            else:
                out[key] = self.remap(entity, value, f"{path}.{key}")
        return out

    @staticmethod
    def _account_filter(key: str) -> str:
        return {"DepositToAccountRef": "WHERE AccountType = 'Bank'",
                "APAccountRef": "WHERE AccountType = 'Accounts Payable'",
                "ARAccountRef": "WHERE AccountType = 'Accounts Receivable'",
                "IncomeAccountRef": "WHERE AccountType = 'Income'",
                "ExpenseAccountRef": "WHERE AccountType = 'Cost of Goods Sold'",
                "AssetAccountRef": "WHERE AccountSubType = 'Inventory'",
                "BankAccountRef": "WHERE AccountType = 'Bank'",
                "CCAccountRef": "WHERE AccountType = 'Credit Card'"}.get(key, "")

    def seed(self, entity: str, recorded: dict, **changes: Any) -> dict:
        """Create a record with the recorded writable fields (names made unique)."""
        body = {k: v for k, v in recorded.items() if k not in SERVER_KEYS and
                k not in spec.entity(entity).server_filled and k not in IGNORED}
        body = self.remap(entity, body)
        for key in ("DisplayName", "Name"):
            if key in body:
                body[key] = body[key].replace(" (deleted)", "") + f" {self._unique()}"
        body.pop("FullyQualifiedName", None)
        if entity in ("Invoice", "SalesReceipt", "Estimate", "CreditMemo", "RefundReceipt"):
            body.pop("DocNumber", None)  # the recorded number may be taken here
        if entity in ("Customer", "Vendor", "Employee"):
            body.pop("PrintOnCheckName", None)
        body.update(changes)
        if entity == "Payment":  # the recorded invoices are the recorded company's: make ours
            item = self.first("Item", "WHERE Type = 'Service'")["Id"]
            for line in body.get("Line", []):
                for link in line.get("LinkedTxn", []):
                    invoice = self.post("/invoice", {
                        "CustomerRef": body["CustomerRef"], "Line": [{
                            "Amount": line["Amount"], "DetailType": "SalesItemLineDetail",
                            "SalesItemLineDetail": {"ItemRef": {"value": item}}}]})
                    link.update(TxnId=loads(invoice.text)["Invoice"]["Id"], TxnType="Invoice")
        reply = self.post(f"/{entity.lower()}", body)
        assert reply.status_code == 200, f"seeding {entity}: {reply.text[:400]}"
        return loads(reply.text)[entity]

    _counter = 0

    def _unique(self) -> str:
        Replayer._counter += 1
        return f"r{Replayer._counter}"


def load_fixture(folder: Path, name: str) -> Any:
    text = (folder / name).read_text()
    return json.loads(text) if name.endswith(".json") else text
