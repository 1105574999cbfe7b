"""One replay per real recording (fixture number -> function returning the differences)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from qbconnector.qbo_wire.values import loads
from tests.qbo_double.conformance.replay import Replayer, money_format_diff, shape_diff

Case = Callable[[Replayer, Any], list[str]]
CASES: dict[int, Case] = {}


def case(*numbers: int) -> Callable[[Case], Case]:
    def register(function: Case) -> Case:
        for number in numbers:
            CASES[number] = function
        return function
    return register


def interactions(fixture: Any) -> list[dict]:
    return fixture["interactions"]


def recorded_body(interaction: dict) -> Any:
    response = interaction["response"]
    return loads(response["body_text"]) if response.get("body_text") else response["body"]


def entity_of(body: dict) -> str:
    return next(k for k in body if k != "time")


def compare_entity(recorded: dict, reply: httpx.Response, recorded_text: str | None = None,
                   status: int = 200) -> list[str]:
    notes = []
    if reply.status_code != status:
        return [f"HTTP {reply.status_code}, recorded {status}: {reply.text[:200]}"]
    ours = loads(reply.text)
    if set(recorded) - {"time"} != set(ours) - {"time"}:
        notes.append(f"envelope keys {sorted(ours)} vs recorded {sorted(recorded)}")
    notes += shape_diff(recorded, ours)
    notes += money_format_diff(recorded_text, reply.text)
    return notes


# --- reads -----------------------------------------------------------------------------------

def _read(r: Replayer, recorded: dict, text: str | None = None) -> list[str]:
    name = entity_of(recorded)
    if name == "Preferences":
        return compare_entity(recorded, r.http.get("/preferences"), text)
    seeded = r.seed(name, recorded[name])
    return compare_entity(recorded, r.http.get(f"/{name.lower()}/{seeded['Id']}"), text)


@case(1)
def read_exchange(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    return _read(r, recorded_body(interaction), interaction["response"]["body_text"])


@case(2, 3, 4)
def read_response(r: Replayer, fixture: Any) -> list[str]:
    return _read(r, fixture)


@case(8)
def read_attachable(r: Replayer, fixture: Any) -> list[str]:
    recorded = recorded_body(interactions(fixture)[0])
    uploaded = _upload(r, "Invoice", r.first("Invoice")["Id"])
    attachable = loads(uploaded.text)["AttachableResponse"][0]["Attachable"]
    return compare_entity(recorded, r.http.get(f"/attachable/{attachable['Id']}"))


# --- queries ---------------------------------------------------------------------------------

def _ids_in(r: Replayer, entity: str, text: str) -> str:
    match = re.search(r"Id IN \(([^)]*)\)", text)
    if not match:
        return text
    count = len(match.group(1).split(","))
    rows = loads(r.http.get("/query", params={
        "query": f"SELECT * FROM {entity} MAXRESULTS {count}"}).text)["QueryResponse"][entity]
    ids = ", ".join(f"'{row['Id']}'" for row in rows)
    return text[:match.start(1)] + ids + text[match.end(1):]


def _query(r: Replayer, text: str, recorded: dict) -> list[str]:
    entity = re.search(r"FROM (\w+)", text, re.IGNORECASE).group(1)
    wanted = recorded["QueryResponse"].get("totalCount")
    if wanted and entity in ("Customer", "Vendor", "Employee"):
        have = loads(r.http.get("/query", params={"query": f"SELECT COUNT(*) FROM {entity}"})
                     .text)["QueryResponse"]["totalCount"]
        for _ in range(wanted - have):  # as many records as the recorded company had
            r.seed(entity, {"DisplayName": f"{entity} filler", "GivenName": "Filler"})
    reply = r.http.get("/query", params={"query": _ids_in(r, entity, text)})
    if reply.status_code != 200:
        return [f"HTTP {reply.status_code}: {reply.text[:200]}"]
    ours = loads(reply.text)["QueryResponse"]
    theirs = recorded["QueryResponse"]
    notes = []
    if not theirs:
        return [] if not ours else [f"recorded an empty page, got {sorted(ours)}"]
    if set(theirs) - {"totalCount"} != set(ours) - {"totalCount"}:
        notes.append(f"QueryResponse keys {sorted(ours)} vs recorded {sorted(theirs)}")
    if "totalCount" in theirs and "totalCount" not in ours:
        notes.append("totalCount missing")
    rows = theirs.get(entity)
    if rows and ours.get(entity):
        if ours["maxResults"] != len(ours[entity]):
            notes.append("maxResults is not the number of rows returned")
        # the row's shape: a record made with the recorded row's fields, read by a query
        seeded = r.seed(entity, rows[0])
        mine = loads(r.http.get("/query", params={
            "query": f"SELECT * FROM {entity} WHERE Id = '{seeded['Id']}' AND Active IN "
                     f"(true, false)" if entity in ("Customer", "Vendor", "Employee", "Item",
                                                    "Account")
            else f"SELECT * FROM {entity} WHERE Id = '{seeded['Id']}'"}).text)["QueryResponse"]
        notes += shape_diff(rows[0], mine[entity][0], f".{entity}[0]")
    return notes


@case(37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53)
def query_exchange(r: Replayer, fixture: Any) -> list[str]:
    notes = []
    for interaction in interactions(fixture):
        notes += _query(r, interaction["request"]["query"]["query"], recorded_body(interaction))
    return notes


@case(45)
def query_items(r: Replayer, fixture: Any) -> list[str]:
    return _query(r, "SELECT * FROM Item", fixture)


# --- creates and updates ---------------------------------------------------------------------

def _create(r: Replayer, entity: str, request_body: dict, recorded: dict,
            text: str | None) -> list[str]:
    reply = r.post(f"/{entity.lower()}", r.remap(entity, request_body))
    notes = compare_entity(recorded, reply, text)
    if reply.status_code == 200:
        ours, theirs = loads(reply.text)[entity], recorded[entity]
        if ours["SyncToken"] != "0":
            notes.append("SyncToken after create is not 0")
        if ("DocNumber" in theirs) != ("DocNumber" in ours):
            notes.append("DocNumber presence differs")
        if len(ours.get("Line", [])) != len(theirs.get("Line", [])):
            notes.append(f"{len(ours.get('Line', []))} lines, recorded "
                         f"{len(theirs.get('Line', []))}")
        if "TotalAmt" in theirs and entity != "JournalEntry" and \
                ours.get("TotalAmt") != theirs["TotalAmt"]:
            notes.append(f"TotalAmt {ours.get('TotalAmt')} vs recorded {theirs['TotalAmt']}")
    return notes


@case(63, 64, 69)
def create_exchange(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    request = loads(interaction["request"]["body_text"])
    recorded = recorded_body(interaction)
    entity = entity_of(recorded)
    for key in ("DisplayName",):
        if key in request:
            request[key] += f" {r._unique()}"
    return _create(r, entity, request, recorded, interaction["response"]["body_text"])


@case(71, 73)
def create_response(r: Replayer, fixture: Any) -> list[str]:
    entity = entity_of(fixture)
    seeded = r.seed(entity, fixture[entity])
    return compare_entity(fixture, r.http.get(f"/{entity.lower()}/{seeded['Id']}"))


def _update(r: Replayer, fixture: Any, expect_bump: bool) -> list[str]:
    read, write = interactions(fixture)[:2]
    before = recorded_body(read)
    entity = entity_of(before)
    seeded = r.seed(entity, before[entity], **({"Active": False}
                                              if before[entity].get("Active") is False else {}))
    request = loads(write["request"]["body_text"])
    request = r.remap(entity, request)
    request["Id"], request["SyncToken"] = seeded["Id"], seeded["SyncToken"]
    for key in ("DisplayName", "Name"):
        if key in request and key in seeded and "(deleted)" in request[key]:
            request[key] = seeded[key]
    after = recorded_body(write)
    reply = r.post(f"/{entity.lower()}", request)
    notes = compare_entity(after, reply, write["response"]["body_text"])
    if reply.status_code == 200:
        ours = loads(reply.text)[entity]
        bumped = ours["SyncToken"] != seeded["SyncToken"]
        if bumped != expect_bump:
            notes.append(f"SyncToken {'bumped' if bumped else 'kept'}; the recording "
                         f"{'bumped' if expect_bump else 'kept'} it")
        if entity == "SalesReceipt" and ours["Line"][0]["Id"] == seeded["Line"][0]["Id"]:
            notes.append("lines sent without Id were not replaced")
    return notes


@case(65, 66)
def update_full(r: Replayer, fixture: Any) -> list[str]:
    return _update(r, fixture, expect_bump=True)


@case(67, 68)
def update_noop(r: Replayer, fixture: Any) -> list[str]:
    return _update(r, fixture, expect_bump=False)


@case(70, 72)
def update_response(r: Replayer, fixture: Any) -> list[str]:
    recorded = recorded_body(interactions(fixture)[0]) if "interactions" in fixture else fixture
    entity = entity_of(recorded)
    seeded = r.seed(entity, recorded[entity])
    reply = r.post(f"/{entity.lower()}", {"Id": seeded["Id"], "SyncToken": seeded["SyncToken"],
                                          "sparse": True, "PrivateNote" if entity ==
                                          "JournalEntry" else "Description": "changed"})
    notes = compare_entity(recorded, reply)
    if reply.status_code == 200 and loads(reply.text)[entity]["SyncToken"] != "1":
        notes.append("SyncToken not bumped by an update")
    return notes


# --- uploads, deletes, voids -----------------------------------------------------------------

def _upload(r: Replayer, kind: str, value: str) -> httpx.Response:
    import json

    meta = json.dumps({"AttachableRef": [{"EntityRef": {"type": kind, "value": value}}],
                       "FileName": "no_detail.xml", "ContentType": "text/xml"})
    files = {"file_metadata_01": ("attachment.json", meta, "application/json"),
             "file_content_01": ("no_detail.xml", b"<xml/>", "text/xml")}
    return r.http.post("/upload", files=files)


@case(80, 81)
def upload(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    recorded = recorded_body(interaction)
    missing = "Fault" in recorded["AttachableResponse"][0]
    reply = _upload(r, "Estimate" if missing else "Invoice",
                    "99999" if missing else r.first("Invoice")["Id"])
    notes = compare_entity(recorded, reply)
    if missing and reply.status_code == 200:
        ours = loads(reply.text)["AttachableResponse"][0]["Fault"]["Error"][0]
        theirs = recorded["AttachableResponse"][0]["Fault"]["Error"][0]
        if (ours["code"], ours["Message"]) != (theirs["code"], theirs["Message"]):
            notes.append(f"fault {ours['code']} vs recorded {theirs['code']}")
    return notes


@case(83)
def delete_invoice(r: Replayer, fixture: Any) -> list[str]:
    read, write = interactions(fixture)
    seeded = r.seed("Invoice", recorded_body(read)["Invoice"])
    reply = r.post("/invoice", {"Id": seeded["Id"], "SyncToken": "0"}, operation="delete")
    notes = compare_entity(recorded_body(write), reply)
    if reply.status_code == 200 and set(loads(reply.text)["Invoice"]) != \
            set(recorded_body(write)["Invoice"]):
        notes.append("delete stub keys differ")
    return notes


@case(84)
def delete_attachable(r: Replayer, fixture: Any) -> list[str]:
    note = r.post("/attachable", {"Note": "a note", "AttachableRef": [
        {"EntityRef": {"type": "Invoice", "value": r.first("Invoice")["Id"]}}]})
    attachable = loads(note.text)["Attachable"]
    reply = r.post("/attachable", {"Id": attachable["Id"]}, operation="delete")
    return compare_entity(recorded_body(interactions(fixture)[0]), reply)


@case(85)
def void_invoice(r: Replayer, fixture: Any) -> list[str]:
    read, write = interactions(fixture)
    seeded = r.seed("Invoice", recorded_body(read)["Invoice"])
    reply = r.post("/invoice", {"Id": seeded["Id"], "SyncToken": "0"}, operation="void")
    notes = compare_entity(recorded_body(write), reply, write["response"]["body_text"])
    if reply.status_code == 200:
        ours = loads(reply.text)["Invoice"]
        if (ours["TotalAmt"], ours["Balance"], ours["PrivateNote"], ours["SyncToken"]) != \
                (0, 0, "Voided", "1"):
            notes.append("void did not zero the amounts, note Voided and bump SyncToken")
    return notes


@case(86)
def void_salesreceipt(r: Replayer, fixture: Any) -> list[str]:
    body = dict(fixture["SalesReceipt"])
    seeded = r.seed("SalesReceipt", body, Line=[{
        "Amount": 10, "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": r.first("Item")["Id"]}, "Qty": 1,
                                "UnitPrice": 10}}])
    reply = r.post("/salesreceipt", {"Id": seeded["Id"], "SyncToken": "0", "sparse": True},
                   operation="update", include="void")
    return compare_entity(fixture, reply)


# --- batch, CDC, reports, discovery ----------------------------------------------------------

@case(96)
def batch(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    receipt = r.first("SalesReceipt")
    items = [{"bId": "bid1", "operation": "create",
              "Vendor": {"DisplayName": f"Boraski Family Store {r._unique()}"}},
             {"bId": "bid2", "operation": "delete", "Invoice": {"Id": "999999",
                                                                "SyncToken": "0"}},
             {"bId": "bid3", "operation": "update", "SalesReceipt": {
                 "domain": "QBO", "sparse": True, "Id": receipt["Id"],
                 "SyncToken": str(int(receipt["SyncToken"]) + 7), "PrivateNote": "x"}},
             {"bId": "bid4", "Query": "select * from SalesReceipt where TotalAmt > '300.00'"}]
    reply = r.post("/batch", {"BatchItemRequest": items})
    recorded = recorded_body(interaction)
    notes = compare_entity(recorded, reply)
    if reply.status_code == 200:
        ours = loads(reply.text)["BatchItemResponse"]
        for mine, theirs in zip(ours, recorded["BatchItemResponse"], strict=True):
            if set(mine) != set(theirs):
                notes.append(f"{theirs['bId']}: keys {sorted(mine)} vs {sorted(theirs)}")
            elif "Fault" in theirs and mine["Fault"]["Error"][0]["code"] != \
                    theirs["Fault"]["Error"][0]["code"]:
                notes.append(f"{theirs['bId']}: fault code differs")
    return notes


@case(98)
def cdc(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    reply = r.http.get("/cdc", params=interaction["request"]["query"])
    return compare_entity(recorded_body(interaction), reply)


@case(101, 102)
def report(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    name = interaction["request"]["path"].rsplit("/", 1)[1]
    params = dict(interaction["request"]["query"])
    if "customer" in params:
        params["customer"] = r.first("Customer")["Id"]
    reply = r.http.get(f"/reports/{name}", params=params)
    recorded = recorded_body(interaction)
    notes = compare_entity(recorded, reply) if reply.status_code != 200 else []
    if reply.status_code == 200:
        ours = loads(reply.text)
        notes += [n for n in shape_diff(recorded["Header"], ours["Header"], ".Header")]
        types = [c["ColType"] for c in ours["Columns"]["Column"]]
        if types != [c["ColType"] for c in recorded["Columns"]["Column"]]:
            notes.append(f"column types {types}")
        if name == "ProfitAndLoss":
            groups = [row.get("group") for row in ours["Rows"]["Row"]]
            if groups != [row.get("group") for row in recorded["Rows"]["Row"]]:
                notes.append(f"row groups {groups}")
        else:
            notes += shape_diff(recorded["Rows"]["Row"][0], ours["Rows"]["Row"][0], ".Rows")
        if "time" in ours:
            notes.append("reports carry no time envelope")
    return notes


@case(131)
def discovery(r: Replayer, fixture: Any) -> list[str]:
    ours = httpx.get(r.running.base + "/.well-known/openid_configuration").json()
    missing = sorted(set(fixture) - set(ours))
    return [f"discovery lacks {missing}"] if missing else []


# --- faults ----------------------------------------------------------------------------------

def compare_fault(recorded: dict, reply: httpx.Response, status: int = 400,
                  exact_detail: bool = False) -> list[str]:
    if reply.status_code != status:
        return [f"HTTP {reply.status_code}, recorded {status}"]
    ours = loads(reply.text)["Fault"]
    theirs = recorded["Fault"]
    notes = []
    mine, want = ours["Error"][0], theirs["Error"][0]
    for key in ("code", "Message"):
        if mine.get(key) != want.get(key):
            notes.append(f"{key} {mine.get(key)!r} vs recorded {want.get(key)!r}")
    if ("element" in mine) != ("element" in want) or mine.get("element") != want.get("element"):
        notes.append(f"element {mine.get('element', '<absent>')!r} vs recorded "
                     f"{want.get('element', '<absent>')!r}")
    if exact_detail and mine.get("Detail") != want.get("Detail"):
        notes.append(f"Detail {mine.get('Detail')!r}")
    if ours.get("type") != theirs.get("type"):
        notes.append(f"type {ours.get('type')}")
    return notes


@case(110)
def duplicate_name(r: Replayer, fixture: Any) -> list[str]:
    name = f"Weiskopf Consulting {r._unique()}"
    r.post("/customer", {"DisplayName": name})
    interaction = interactions(fixture)[0]
    return compare_fault(recorded_body(interaction), r.post("/customer", {"DisplayName": name}))


@case(111)
def invalid_property(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    reply = r.post("/invoice", {"BadJson": True})
    notes = compare_fault(recorded_body(interaction), reply)
    if 'Unrecognized field \\"BadJson\\"' not in reply.text:
        notes.append("Detail does not name the field the way QBO does")
    return notes


@case(112)
def invalid_entity(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    reply = r.http.get("/query", params=interaction["request"]["query"])
    return compare_fault(recorded_body(interaction), reply, exact_detail=True)


@case(113)
def bad_paths(r: Replayer, fixture: Any) -> list[str]:
    first, second = interactions(fixture)
    notes = compare_fault(recorded_body(first), r.http.get("/customer/1/5"))
    notes += compare_fault(recorded_body(second), r.http.get("/customer/1.5"), exact_detail=True)
    return notes


@case(114)
def expired_token(r: Replayer, fixture: Any) -> list[str]:
    interaction = interactions(fixture)[0]
    tokens = r.running.authorize()
    r.running.clock.advance(3700)
    try:
        reply = httpx.get(f"{r.running.api}/customer/1",
                          headers={"Authorization": f"Bearer {tokens['access_token']}"})
    finally:
        r.running.clock.advance(-3700)
    recorded = recorded_body(interaction)
    notes = [] if reply.status_code == 401 else [f"HTTP {reply.status_code}"]
    ours = reply.json()
    if set(ours) != set(recorded):
        notes.append(f"gateway keys {sorted(set(ours) ^ set(recorded))} differ")
    mine, want = ours["fault"]["error"][0], recorded["fault"]["error"][0]
    if (mine["message"], mine["code"], ours["fault"]["type"]) != \
            (want["message"], want["code"], recorded["fault"]["type"]):
        notes.append("gateway error differs")
    if not mine["detail"].startswith("Token expired"):
        notes.append("detail does not say the token expired")
    header = interaction["response"]["headers"].get("Www-Authenticate") or \
        interaction["response"]["headers"].get("WWW-Authenticate")
    if header and reply.headers.get("www-authenticate") != header:
        notes.append("WWW-Authenticate differs")
    return notes


@case(115, 116)
def not_found(r: Replayer, fixture: Any) -> list[str]:
    return compare_fault(fixture, r.http.get("/item/987654"), exact_detail=True)


@case(117)
def stale_item(r: Replayer, fixture: Any) -> list[str]:
    item = r.first("Item")
    reply = r.post("/item", {**item, "SyncToken": str(int(item["SyncToken"]) + 3)})
    return compare_fault(fixture, reply)


@case(118)
def stale_void(r: Replayer, fixture: Any) -> list[str]:
    receipt = r.first("SalesReceipt")
    reply = r.post("/salesreceipt", {"Id": receipt["Id"], "SyncToken": "99", "sparse": True},
                   operation="update", include="void")
    return compare_fault(fixture, reply)


@case(119)
def required_name(r: Replayer, fixture: Any) -> list[str]:
    return compare_fault(fixture, r.post("/item", {"Type": "Service"}), exact_detail=True)


@case(120)
def required_detail_type(r: Replayer, fixture: Any) -> list[str]:
    reply = r.post("/salesreceipt", {"Line": [{"Amount": 10}]})
    return compare_fault(fixture, reply, exact_detail=True)


@case(121)
def parse_error(r: Replayer, fixture: Any) -> list[str]:
    reply = r.http.get("/query", params={"query": "select * from NULL"})
    return compare_fault(fixture, reply, exact_detail=True)
