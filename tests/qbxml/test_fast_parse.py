"""The optional C accelerator of ``parse_response`` answers exactly as the pure-Python path:
same responses, records, typed values and errors, for ordinary and unusual documents (those it
leaves to lxml included). Where it is not built, the pure-Python path is the parse, and the
tests of ``test_parse.py`` are its tests."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parse import RESPONSE, RETS, SP, _data

from qbconnector.qbxml import parse
from qbconnector.qbxml.build import Message, Pairs, build

ACCELERATOR = parse._fastparse


def _both(data: bytes | str, monkeypatch: pytest.MonkeyPatch, values: str = "typed"
          ) -> tuple[object, object]:
    """What each path makes of ``data``: a comparable picture, or the error it raised."""
    outcomes = []
    for reader in (ACCELERATOR, None):
        monkeypatch.setattr(parse, "_fastparse", reader)
        try:
            outcomes.append(_picture(parse.parse_response(data, values=values)))
        except Exception as exc:  # noqa: BLE001 - the error is what is compared
            outcomes.append((type(exc).__name__, str(exc)))
    return outcomes[0], outcomes[1]


def _picture(result: parse.ResponseSet) -> object:
    """Everything a caller can see, types of values included (Decimal('1') == 1)."""
    def typed(value: object) -> object:
        if isinstance(value, dict):
            return (type(value).__name__, getattr(value, "tag", None),
                    [(k, typed(v)) for k, v in value.items()])
        if isinstance(value, list):
            return [typed(v) for v in value]
        return (type(value).__name__, value)
    return (result.family, result.attrs, [
        (r.name, r.status_code, r.status_severity, r.status_message, r.request_id,
         r.iterator_id, r.iterator_remaining_count, r.attrs, typed(r.fields),
         [typed(record) for record in r.records]) for r in result])


@pytest.fixture
def accelerator() -> object:
    if ACCELERATOR is None:
        pytest.skip("the C accelerator is not in use here (not built for want of a compiler, "
                    "or QBCONNECTOR_PURE_PYTHON=1): the pure-Python path is the parse")
    return ACCELERATOR


def _rs(body: str, head: str = '<?xml version="1.0"?>', rs: str = "CustomerQueryRs") -> str:
    return (f'{head}<QBXML><QBXMLMsgsRs><{rs} requestID="1" statusCode="0" '
            f'statusSeverity="Info" statusMessage="Status OK">{body}</{rs}>'
            "</QBXMLMsgsRs></QBXML>")


CUSTOMER = ("<CustomerRet><ListID>1-2</ListID><TimeCreated>2024-01-15T10:30:00-05:00"
            "</TimeCreated><Name>A &amp; B &#233;</Name><IsActive>true</IsActive>"
            "<Sublevel>0</Sublevel><Balance>12.50</Balance>{extra}</CustomerRet>")

CASES = {
    "the parse tests' response": RESPONSE.decode(),
    "entities, char refs, CDATA": _rs(CUSTOMER.format(
        extra="<Notes><![CDATA[<b>&</b>]]> and text</Notes>")),
    "values that do not parse stay text": _rs(CUSTOMER.format(extra="").replace(
        "12.50", "twelve").replace(">true<", ">yes<").replace(">0<", "> 7 <")),
    "unpadded date-time, dates, empty values": _rs(CUSTOMER.format(
        extra="<TimeModified>2024-1-5T9:3:0+1:00</TimeModified><Email/><Phone></Phone>"
              "<JobStartDate>2024-02-30</JobStartDate>")),
    "whitespace-only and multi-line text": _rs(CUSTOMER.format(
        extra="<Notes>  </Notes><Fax>\n line\r\n two </Fax>")),
    "unknown elements, leaves and aggregates, with attributes": _rs(CUSTOMER.format(
        extra='<Future a="1">x</Future><Later><Deep b="2"/><Deep>t</Deep></Later>'
              '<Empty c="3"/>')),
    "a value element with children and attributes": _rs(CUSTOMER.format(
        extra='<Name2 x="1">lead<Odd>inner</Odd>tail</Name2>').replace(
        "<Name>A &amp; B &#233;</Name>", '<Name q="1">lead<Odd>in</Odd>tail</Name>')),
    "a repeated element that the spec does not repeat": _rs(CUSTOMER.format(
        extra="<Phone>1</Phone><Phone>2</Phone><Phone>3</Phone>")),
    "values directly in a response, unknown leaf with attributes": _rs(
        '<ListID>8-1</ListID><TimeDeleted>2024-03-01T10:00:00-05:00</TimeDeleted>'
        '<Odd a="1"/><Another>t</Another>', rs="ListDelRs"),
    "several responses and message sets, a POS root": (
        '<QBPOSXML><QBPOSXMLMsgsRs a="1"><CustomerQueryRs statusCode="1" '
        'statusSeverity="Info" statusMessage="none"/></QBPOSXMLMsgsRs>'
        '<QBPOSXMLMsgsRs b="2"><ItemInventoryQueryRs statusCode="0" iteratorRemainingCount="x"'
        ' statusSeverity="Info" statusMessage="OK"><ItemInventoryRet><ListID>1</ListID>'
        '</ItemInventoryRet></ItemInventoryQueryRs></QBPOSXMLMsgsRs></QBPOSXML>'),
    "an unknown response": _rs("<ThingRet><A>1</A></ThingRet>", rs="ThingQueryRs"),
    "no message set": "<QBXML/>",
    "latin-1": _rs(CUSTOMER.format(extra="<Notes>caf\u00e9</Notes>"),
                   head='<?xml version="1.0" encoding="ISO-8859-1"?>'),
    "windows-1252 (left to lxml)": _rs(CUSTOMER.format(extra=""),
                                       head='<?xml version="1.0" encoding="windows-1252"?>'),
    "a comment inside (left to lxml)": _rs(CUSTOMER.format(extra="<Notes>a<!-- c -->b</Notes>")),
    "a comment and a PI outside": "<!-- before -->" + _rs(CUSTOMER.format(extra="")).replace(
        '<?xml version="1.0"?>', '<?xml version="1.0"?><?qbxml version="13.0"?>'),
    "a PI inside (left to lxml)": _rs(CUSTOMER.format(extra="<Notes>a<?pi x?>b</Notes>")),
    "a namespace (left to lxml)": _rs(CUSTOMER.format(extra="")).replace(
        "<QBXML>", '<QBXML xmlns="urn:x">'),
    "a prefixed element (left to lxml)": _rs(CUSTOMER.format(extra="<x:A>1</x:A>")),
    "malformed": _rs(CUSTOMER.format(extra="<Notes>")),
    "undefined entity": _rs(CUSTOMER.format(extra="<Notes>&nbsp;</Notes>")),
    "a DTD": '<!DOCTYPE QBXML [<!ENTITY a "b">]>' + _rs(""),
    "not a response": "<Other><A/></Other>",
    "not a message set": "<QBXML><Other/></QBXML>",
    "empty": "   ",
    "deeper than libxml2 allows": _rs(CUSTOMER.format(extra="<A>" * 300 + "</A>" * 300)),
    "a byte-order mark": "\ufeff" + _rs(CUSTOMER.format(extra="")),
}


@pytest.mark.parametrize("values", ["typed", "json"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_accelerator_answers_as_the_python_path(
        name: str, values: str, accelerator: object, monkeypatch: pytest.MonkeyPatch) -> None:
    text = CASES[name]
    for data in (text, text.encode("utf-8") if "ISO-8859-1" not in text else
                 text.encode("latin-1")):
        fast, pure = _both(data, monkeypatch, values)
        assert fast == pure, name


JSON_CASES = {
    "canonical text kept": ("<Balance>12.50</Balance><TimeCreated>2024-01-15T10:30:00-05:00"
                            "</TimeCreated><JobStartDate>2024-02-29</JobStartDate>",
                            {"Balance": "12.50", "TimeCreated": "2024-01-15T10:30:00-05:00",
                             "JobStartDate": "2024-02-29"}),
    "other forms written as the typed value writes them": (
        "<Balance>007.50</Balance><TotalBalance>5.</TotalBalance><CreditLimit>-0.00"
        "</CreditLimit><TimeModified>2024-1-5T9:3:0-00:00</TimeModified>",
        {"Balance": "7.50", "TotalBalance": "5", "CreditLimit": "-0.00",
         "TimeModified": "2024-01-05T09:03:00+00:00"}),
    "values that do not parse stay text; booleans and integers typed": (
        "<Balance>lots</Balance><JobStartDate>2024-02-30</JobStartDate><IsActive>1</IsActive>"
        "<Sublevel>3</Sublevel>",
        {"Balance": "lots", "JobStartDate": "2024-02-30", "IsActive": True, "Sublevel": 3}),
}


@pytest.mark.parametrize("name", sorted(JSON_CASES))
def test_json_values_are_what_jsonable_makes_of_typed_ones(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On both paths (this one runs where the accelerator is not built too)."""
    body, expected = JSON_CASES[name]
    text = _rs(f"<CustomerRet>{body}</CustomerRet>")
    for reader in {ACCELERATOR, None}:
        monkeypatch.setattr(parse, "_fastparse", reader)
        [response] = parse.parse_response(text, values="json").responses
        assert dict(response.records[0]) == expected
        typed = parse.parse_response(text).responses[0].records[0]
        assert parse.jsonable(dict(typed)) == expected


def test_values_must_be_typed_or_json() -> None:
    with pytest.raises(ValueError, match="typed, json"):
        parse.parse_response(RESPONSE, values="text")


def test_utf16_documents_parse_the_same(accelerator: object,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data = _rs(CUSTOMER.format(extra=""), head='<?xml version="1.0" encoding="UTF-16"?>')
    fast, pure = _both(data.encode("utf-16"), monkeypatch)
    assert fast == pure
    assert fast[2][0][-1][0][1] == "CustomerRet"           # it parsed, both ways


def test_the_accelerator_reads_ordinary_responses_itself(accelerator: object) -> None:
    """Not everything falls back to lxml: an ordinary response is the C reader's."""
    assert parse._fastparse is not None
    read = accelerator.parse  # type: ignore[attr-defined]
    assert read(RESPONSE, parse._response_cplan, parse.Record, parse._FAST_PARSERS,
                False) is not None
    assert read(CASES["a comment inside (left to lxml)"].encode(), parse._response_cplan,
                parse.Record, parse._FAST_PARSERS, False) is None


@settings(max_examples=20, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=st.sampled_from(sorted(RETS)).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(_data(SP.message(n).child(RETS[n]).children),
                                             min_size=1, max_size=2))))
def test_generated_records_parse_the_same_both_ways(case, accelerator: object,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    name, records = case
    text = build(Message(name, Pairs((RETS[name], r) for r in records), statusCode="0",
                         statusSeverity="Info"), version="13.0", check=False)
    for values in ("typed", "json"):
        fast, pure = _both(text, monkeypatch, values)
        assert fast == pure


def test_an_accelerator_built_from_another_source_is_not_used(tmp_path: Path) -> None:
    """The build stamps the source's digest into the extension; a changed source without a
    new build must not answer (it could answer differently)."""
    source = Path(parse.__file__).with_name("_fastparse.c")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if ACCELERATOR is not None:
        assert digest == ACCELERATOR.SOURCE_SHA
    code = ("import hashlib, pathlib\n"
            "orig = hashlib.sha256\n"
            "class Other:\n"
            "    def __init__(self, data): pass\n"
            "    def hexdigest(self): return 'another source'\n"
            "hashlib.sha256 = Other\n"
            "from qbconnector.qbxml import parse\n"
            "print(parse.ACCELERATED)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_the_pure_python_path_can_be_chosen() -> None:
    env = {**os.environ, "QBCONNECTOR_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", "from qbconnector.qbxml import parse\n"
                          "print(parse.ACCELERATED, len(parse.parse_response("
                          f"{RESPONSE!r}).responses))"],
                         capture_output=True, text=True, check=True, env=env).stdout.split()
    assert out == ["False", "2"]


def test_every_real_quickbooks_response_parses_the_same_both_ways(
        transcripts: Path, accelerator: object, monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(transcripts.glob("*.response.xml"))
    assert len(files) > 70
    for path in files:
        for values in ("typed", "json"):
            fast, pure = _both(path.read_bytes(), monkeypatch, values)
            assert fast == pure, path.name


def test_sandbox_answers_parse_the_same_both_ways(monkeypatch: pytest.MonkeyPatch,
                                                  accelerator: object, tmp_path: Path) -> None:
    """Every query of a small company's lists and transactions, as the sandbox answers."""
    from qbconnector.sandbox import SandboxSession, create_company

    path = tmp_path / "c.qbdb"
    create_company(path, sample="none")
    with SandboxSession(path) as session:
        for name in ("Account", "Customer", "Item", "SalesTaxCode", "Template", "Company",
                     "Preferences", "Host"):
            answer = session.process(build(Message(f"{name}Query"), version="13.0"))
            fast, pure = _both(answer, monkeypatch)
            assert fast == pure, name
