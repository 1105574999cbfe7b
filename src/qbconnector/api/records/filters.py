"""Keyword filters of ``query()`` mapped onto qbXML query elements.

Every filter is checked against the spec of the query it goes into, so an unknown filter — or
one that query does not have — fails before anything is sent, naming the filters it does have.

==========================  ===========================================================
keyword                     qbXML
==========================  ===========================================================
ids=[...]                   ListID / TxnID (several)
full_names=[...]            FullName (several)
ref_numbers=[...]           RefNumber (several)
name_contains / _starts_    NameFilter (MatchCriterion + Name)
with / _ends_with
name_range=(from, to)       NameRangeFilter
active="all"|"active"|      ActiveStatus (QuickBooks' default is active only)
"inactive"
modified_since=datetime     FromModifiedDate (lists) / ModifiedDateRangeFilter (txns)
modified_until=datetime     ToModifiedDate / ModifiedDateRangeFilter
txn_date=(from, to) | date  TxnDateRangeFilter (FromTxnDate/ToTxnDate, or a DateMacro
| "ThisMonth"               such as "ThisMonth", "LastFiscalYear")
customer=/vendor=/entity=   EntityFilter (FullName, or ListID when it looks like one);
                            ``*_with_children=True`` includes jobs/sub-accounts
account=                    AccountFilter
ref_number_contains /       RefNumberFilter
_starts_with / _ends_with
ref_number_range=(a, b)     RefNumberRangeFilter
paid=True|False             PaidStatus PaidOnly / NotPaidOnly
balance_gt/_ge/_lt/_le/_eq  TotalBalanceFilter
account_type="Bank"         AccountType
include_line_items=True     IncludeLineItems
include_linked_txns=True    IncludeLinkedTxns
fields=[...]                IncludeRetElement (snake_case or qbXML names)
owner_ids=["0"]             OwnerID (custom fields come back as DataExtRet)
types=["Customer", ...]     ListDelType / TxnDelType of ListDeleted / TxnDeleted (required)
deleted_since / _until      DeletedDateRangeFilter (From/ToDeletedDate)
==========================  ===========================================================
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from qbconnector.errors import ValidationError
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.spec import Element

ID_PATTERN = re.compile(r"^[0-9A-F]+-[0-9]+$")
_ACTIVE = {"all": "All", "active": "ActiveOnly", "inactive": "InactiveOnly",
           "ActiveOnly": "ActiveOnly", "InactiveOnly": "InactiveOnly", "All": "All"}
_MATCH = {"contains": "Contains", "starts_with": "StartsWith", "ends_with": "EndsWith"}
_OPERATORS = {"gt": "GreaterThan", "ge": "GreaterThanEqual", "lt": "LessThan",
              "le": "LessThanEqual", "eq": "Equal"}
_ENTITY_KEYS = ("customer", "vendor", "entity", "employee")


class FilterError(ValidationError, TypeError):
    """A filter the query does not have or a value it cannot take."""


def _name_or_id(value: str) -> tuple[str, str]:
    return ("ListID", value) if ID_PATTERN.match(value) else ("FullName", value)


def _list_filter(value: Any, with_children: bool) -> dict[str, Any]:
    values = value if isinstance(value, list | tuple) else [value]
    keys = [_name_or_id(str(v)) for v in values]
    if with_children:
        if len(keys) != 1:
            raise FilterError("a filter with children takes one name")
        kind, text = keys[0]
        return {kind + "WithChildren": text}
    kind = keys[0][0]
    if any(k != kind for k, _ in keys):
        raise FilterError("give either names or IDs in one filter, not both")
    return {kind: [text for _, text in keys]}


def _dates(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"DateMacro": value}
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"FromTxnDate": value, "ToTxnDate": value}
    low, high = value
    out: dict[str, Any] = {}
    if low is not None:
        out["FromTxnDate"] = low
    if high is not None:
        out["ToTxnDate"] = high
    return out


def build_query(query_name: str, filters: dict[str, Any], kind: str) -> dict[str, Any]:
    """Query data for ``query_name`` (e.g. CustomerQueryRq) from keyword filters."""
    query = specmod.load().message(query_name)
    data: dict[str, Any] = {}
    with_children = {k for k in _ENTITY_KEYS + ("account",)
                     if filters.pop(f"{k}_with_children", False)}
    for key, value in filters.items():
        if value is None:
            continue
        if key == "ids":
            data["ListID" if kind == "list" else "TxnID"] = list(value)
        elif key == "full_names":
            data["FullName"] = list(value)
        elif key == "ref_numbers":
            data["RefNumber"] = list(value)
        elif key.startswith("name_") and key[5:] in _MATCH:
            data["NameFilter"] = {"MatchCriterion": _MATCH[key[5:]], "Name": value}
        elif key == "name_range":
            low, high = value
            data["NameRangeFilter"] = {k: v for k, v in (("FromName", low), ("ToName", high))
                                       if v is not None}
        elif key == "active":
            if value not in _ACTIVE:
                raise FilterError(f"active must be 'all', 'active' or 'inactive', not {value!r}")
            data["ActiveStatus"] = _ACTIVE[value]
        elif key in ("modified_since", "modified_until"):
            field = "FromModifiedDate" if key == "modified_since" else "ToModifiedDate"
            if kind == "list":
                data[field] = value
            else:
                data.setdefault("ModifiedDateRangeFilter", {})[field] = value
        elif key == "txn_date":
            data["TxnDateRangeFilter"] = _dates(value)
        elif key in _ENTITY_KEYS:
            data["EntityFilter"] = _list_filter(value, key in with_children)
        elif key == "account":
            data["AccountFilter"] = _list_filter(value, "account" in with_children)
        elif key.startswith("ref_number_") and key[11:] in _MATCH:
            data["RefNumberFilter"] = {"MatchCriterion": _MATCH[key[11:]], "RefNumber": value}
        elif key == "ref_number_range":
            low, high = value
            data["RefNumberRangeFilter"] = {k: v for k, v in (("FromRefNumber", low),
                                                              ("ToRefNumber", high)) if v}
        elif key == "paid":
            data["PaidStatus"] = "All" if value == "all" else (
                "PaidOnly" if value else "NotPaidOnly")
        elif key.startswith("balance_") and key[8:] in _OPERATORS:
            data["TotalBalanceFilter"] = {"Operator": _OPERATORS[key[8:]], "Amount": value}
        elif key == "account_type":
            data["AccountType"] = value if isinstance(value, list | tuple) else [value]
        elif key == "include_line_items":
            data["IncludeLineItems"] = bool(value)
        elif key == "include_linked_txns":
            data["IncludeLinkedTxns"] = bool(value)
        elif key == "fields":
            data["IncludeRetElement"] = [_pascal(f) for f in value]
        elif key == "owner_ids":
            data["OwnerID"] = list(value)
        elif key == "types":
            element = _deleted_type_element(query)
            data[element] = _deleted_types(query, element, value)
        elif key in ("deleted_since", "deleted_until"):
            field = "FromDeletedDate" if key == "deleted_since" else "ToDeletedDate"
            data.setdefault("DeletedDateRangeFilter", {})[field] = value
        else:
            raise FilterError(f"unknown filter {key!r} for {query_name[:-7]}; "
                              f"filters: {', '.join(available_filters(query_name, kind))}")
    for element in data:
        if query.child(element) is None:
            raise FilterError(f"{query_name[:-7]} queries have no {element} "
                              f"(filters: {', '.join(available_filters(query_name, kind))})")
    required = _deleted_type_element(query)
    if query.child(required) is not None and required not in data:
        raise FilterError(f"{query_name[:-7]} queries need types=[...], one or more of: "
                          f"{', '.join(query.child(required).enum or ())}")
    return data


def _deleted_type_element(query: Element) -> str:
    """ListDelType or TxnDelType: the type list a deleted-records query takes."""
    return "TxnDelType" if query.child("TxnDelType") is not None else "ListDelType"


def _deleted_types(query: Element, element: str, value: Any) -> list[str]:
    types = [value] if isinstance(value, str) else list(value)
    spec = query.child(element)
    allowed = spec.enum if spec is not None else None
    if spec is not None and not types:
        raise FilterError("types needs at least one type")
    unknown = [t for t in types if allowed and t not in allowed]
    if unknown:
        raise FilterError(f"{', '.join(map(repr, unknown))} cannot be asked for; "
                          f"types are: {', '.join(allowed or ())}")
    return types


def _pascal(name: str) -> str:
    if "_" not in name and name[:1].isupper():
        return name
    special = {"id": "ID", "list_id": "ListID", "txn_id": "TxnID"}
    if name in special:
        return special[name]
    return "".join(part.upper() if part == "id" else part.capitalize()
                   for part in name.split("_")).replace("Txnid", "TxnID")


def available_filters(query_name: str, kind: str) -> list[str]:
    """The keyword filters a query accepts, for error messages and docs."""
    query: Element = specmod.load().message(query_name)
    names = set(query.child_names())
    out = []
    table = [("ids", "ListID" if kind == "list" else "TxnID"), ("full_names", "FullName"),
             ("ref_numbers", "RefNumber"), ("name_contains", "NameFilter"),
             ("name_starts_with", "NameFilter"), ("name_ends_with", "NameFilter"),
             ("name_range", "NameRangeFilter"), ("active", "ActiveStatus"),
             ("modified_since", "FromModifiedDate" if kind == "list"
              else "ModifiedDateRangeFilter"),
             ("modified_until", "ToModifiedDate" if kind == "list"
              else "ModifiedDateRangeFilter"),
             ("txn_date", "TxnDateRangeFilter"), ("customer", "EntityFilter"),
             ("vendor", "EntityFilter"), ("entity", "EntityFilter"),
             ("account", "AccountFilter"), ("ref_number_contains", "RefNumberFilter"),
             ("ref_number_range", "RefNumberRangeFilter"), ("paid", "PaidStatus"),
             ("balance_gt", "TotalBalanceFilter"), ("account_type", "AccountType"),
             ("include_line_items", "IncludeLineItems"),
             ("include_linked_txns", "IncludeLinkedTxns"), ("fields", "IncludeRetElement"),
             ("owner_ids", "OwnerID"), ("types", "ListDelType"), ("types", "TxnDelType"),
             ("deleted_since", "DeletedDateRangeFilter"),
             ("deleted_until", "DeletedDateRangeFilter")]
    for keyword, element in table:
        if element in names:
            out.append(keyword)
    return out
