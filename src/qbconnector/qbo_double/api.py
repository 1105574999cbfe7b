"""The Accounting API under ``/v3/company/{realmId}/``: one function per kind of call.

Every handler takes the company and the request's parts and returns the JSON-shaped reply
(dicts, with stored entity text as RawJSON) or raises a QBOFault; ``app.py`` turns either into
HTTP with QBO's headers, status, casing and format.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from qbconnector.qbo_double import queries
from qbconnector.qbo_double.company import Company
from qbconnector.qbo_double.reports import run_report
from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire.faults import QBOFault, business_error, fault
from qbconnector.qbo_wire.query import parse
from qbconnector.qbo_wire.values import RawJSON, parse_datetime

BATCH_LIMIT = 30
CDC_LIMIT = 1000
CDC_DAYS = 30
CDC_UNSUPPORTED = ("TimeActivity", "TaxCode", "TaxRate", "JournalCode", "TaxAgency")


def not_found_path(path: str, url: str) -> QBOFault:
    return fault("500", f"Operation Could not find resource for relative : {path} of full "
                        f"path: {url} is not supported.")


def entity_or_fault(segment: str, path: str, url: str) -> spec.EntitySpec:
    target = spec.entity_by_resource(segment)
    if target is None:
        raise not_found_path(path, url)
    return target


def read(company: Company, target: spec.EntitySpec, id_: str) -> dict:
    if target.name not in ("TaxCode",) and not re.fullmatch(r"\d{1,20}", id_):
        raise fault("2030", element="Id", value=id_)
    row = company.read(target.name, id_)
    return {target.name: RawJSON(row.text)}


def write(company: Company, target: spec.EntitySpec, body: Any, params: dict) -> dict:
    """POST /{entity}: create, full or sparse update, delete or void, by body and operation."""
    operation = (params.get("operation") or "").lower()
    include = {v.strip().lower() for v in (params.get("include") or "").split(",") if v}
    allow_dup = "allowduplicatedocnum" in include
    if not isinstance(body, dict):
        raise fault("2010", f"Property Name:{target.name} must be a JSON object specified is "
                            f"unsupported or invalid")
    if operation == "delete":
        return {target.name: company.delete(target.name, body)}
    if operation == "void" or (operation == "update" and "void" in include):
        row = company.void(target.name, body)
        return {target.name: RawJSON(row.text)}
    if operation not in ("", "create", "update"):
        raise fault("500", f"Operation {operation} is not supported.")
    if body.get("Id") not in (None, ""):
        row = company.update(target.name, body, sparse=_truthy(body.get("sparse")),
                             allow_duplicate_docnum=allow_dup)
    else:
        row = company.create(target.name, body, allow_duplicate_docnum=allow_dup)
    return {target.name: RawJSON(row.text)}


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def query(company: Company, text: str) -> dict:
    return {"QueryResponse": queries.run(company, parse(text))}


def batch(company: Company, body: Any) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("BatchItemRequest"), list):
        raise fault("2020", element="BatchItemRequest", name="BatchItemRequest")
    items = body["BatchItemRequest"]
    if len(items) > BATCH_LIMIT:
        raise fault("1040", f"Batch size exceeds allowed limit: {len(items)} items, at most "
                            f"{BATCH_LIMIT}")
    out = []
    for item in items:
        bid = item.get("bId") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise fault("2020", element="BatchItemRequest", name="BatchItemRequest")
            result = _batch_item(company, item)
        except QBOFault as exc:
            result = {"Fault": exc.as_json()}
        result["bId"] = bid
        out.append(result)
    return {"BatchItemResponse": out}


def _batch_item(company: Company, item: dict) -> dict:
    if "Query" in item:
        return query(company, item["Query"])
    names = [k for k in item if k in spec.API_ENTITIES]
    if len(names) != 1:
        raise fault("2020", element="BatchItemRequest", name="an entity")
    operation = (item.get("operation") or "create").lower()
    options = (item.get("optionsData") or "").lower()
    params = {"operation": operation}
    if "void" in options:
        params["include"] = "void"
        params["operation"] = "update" if operation == "update" else operation
    if "allowduplicatedocnum" in options:
        params["include"] = (params.get("include", "") + ",allowduplicatedocnum").strip(",")
    if operation not in ("create", "update", "delete"):
        raise fault("500", f"Operation {operation} is not supported.")
    body = item[names[0]]
    if operation == "create" and isinstance(body, dict) and body.get("Id"):
        raise business_error("A create operation cannot carry an Id")
    return write(company, spec.entity(names[0]), body, params)


def cdc(company: Company, params: dict) -> dict:
    names = [n.strip() for n in (params.get("entities") or "").split(",") if n.strip()]
    if not names:
        raise fault("2020", element="entities", name="entities")
    since_text = params.get("changedSince") or params.get("changedsince")
    if not since_text:
        raise fault("2020", element="changedSince", name="changedSince")
    try:
        since = parse_datetime(since_text, company.zone)
    except ValueError:
        raise fault("2020", f"Invalid changedSince: {since_text}", element="changedSince") \
            from None
    if since < company.now() - timedelta(days=CDC_DAYS):
        raise business_error(f"changedSince {since_text} is more than {CDC_DAYS} days ago; "
                             f"change data capture looks back at most {CDC_DAYS} days")
    targets = []
    for name in names:
        target = spec.entity_named(name)
        if target is None or target.name in CDC_UNSUPPORTED:
            raise fault("4001", f"QueryValidationError: entity {name} is not supported by "
                                f"change data capture")
        targets.append(target.name)
    rows = company.store.changed_since(company.realm, targets, since.timestamp())[:CDC_LIMIT]
    responses = []
    for name in targets:
        mine = [RawJSON(r.text) for r in rows if r.type == name]
        if mine:
            responses.append({name: mine, "startPosition": 1, "maxResults": len(mine),
                              "totalCount": len(mine)})
    return {"CDCResponse": [{"QueryResponse": responses}]}


def report(company: Company, name: str, params: dict) -> dict:
    return run_report(company, name, params)
