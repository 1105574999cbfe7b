"""The optional C accelerator of ``parse_response`` answers exactly as the pure-Python path:
same responses, records, typed values and errors, for ordinary and unusual documents (those it
leaves to lxml included). Where it is not built, the pure-Python path is the parse, and the
tests of ``test_parse.py`` are its tests."""

from __future__ import annotations

import gc
import hashlib
import os
import subprocess
import sys
import weakref
from decimal import Decimal
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


# The reader's own edges: documents it must read itself (True) and ones it must leave to lxml
# (False), each answered as the pure-Python path answers it (data or error).
_C = CUSTOMER.format(extra="")
EDGES: dict[str, tuple[str | bytes, bool]] = {
    "no declaration": (_rs(_C, head=""), True),
    "declaration in single quotes, spaced": (_rs(_C, head="<?xml version = '1.0' ?>"), True),
    "encoding and standalone declared": (
        _rs(_C, head='<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'), True),
    "encoding in lower case": (_rs(_C, head='<?xml version="1.0" encoding="utf-8"?>'), True),
    "version 1.1": (_rs(_C, head='<?xml version="1.1"?>'), False),
    "declaration out of order": (_rs(_C, head='<?xml encoding="UTF-8" version="1.0"?>'), False),
    "declaration not at the start": (_rs(_C, head=' <?xml version="1.0"?>'), False),
    "unknown pseudo-attribute": (_rs(_C, head='<?xml version="1.0" other="x"?>'), False),
    "CR LF and lone CR in text": (_rs(_C.replace("<Name>A &amp; B &#233;</Name>",
                                                 "<Name>a\r\nb\rc</Name>")), True),
    "CR LF, tab and LF in an attribute": (_rs(_C.replace(
        "<CustomerRet>", '<CustomerRet><Future x="a\r\nb\tc\nd" y=\'q"\'/>')), True),
    "character references": (_rs(_C.replace("&#233;", "&#xe9;&#10;&#x1F600;&#13;&apos;&quot;"
                                             "&gt;&lt;")), True),
    "a character reference to a control character": (_rs(_C.replace("&#233;", "&#1;")), False),
    "a character reference to a surrogate": (_rs(_C.replace("&#233;", "&#xD800;")), False),
    "a character reference past Unicode": (_rs(_C.replace("&#233;", "&#x110000;")), False),
    "an upper-case X in a reference": (_rs(_C.replace("&#233;", "&#XE9;")), False),
    "an empty reference": (_rs(_C.replace("&#233;", "&#;")), False),
    "a bare ampersand": (_rs(_C.replace("&amp;", "&")), False),
    "CDATA with a CR LF": (_rs(_C.replace("<Name>A &amp; B &#233;</Name>",
                                          "<Name><![CDATA[a\r\n<b>]]]></Name>")), True),
    "]]> in text": (_rs(_C.replace("A &amp; B", "A ]]> B")), False),
    "] and ]] in text": (_rs(_C.replace("A &amp; B", "A ] B ]] C ]>")), True),
    "> in text and in an attribute": (_rs(_C.replace("A &amp; B", "A > B").replace(
        "<CustomerRet>", '<CustomerRet><Future a=">"/>')), True),
    "< in an attribute": (_rs(_C.replace("<CustomerRet>", '<CustomerRet><Future a="<"/>')),
                          False),
    "a repeated attribute": (_rs(_C.replace("<CustomerRet>",
                                            '<CustomerRet><Future a="1" a="2"/>')), False),
    "attributes without space between": (_rs(_C.replace(
        "<CustomerRet>", '<CustomerRet><Future a="1"b="2"/>')), False),
    "an attribute without a value": (_rs(_C.replace("<CustomerRet>",
                                                    "<CustomerRet><Future a/>")), False),
    "spaces in tags": (_rs(_C.replace("<Sublevel>0</Sublevel>",
                                      "<Sublevel >0</Sublevel\n>")), True),
    "a mismatched end tag": (_rs(_C.replace("</Sublevel>", "</SubLevel>")), False),
    "an end tag without its start": (_rs(_C + "</Extra>"), False),
    "an unclosed document": (_rs(_C)[:-10], False),
    "text after the root": (_rs(_C) + "x", False),
    "a second root": (_rs(_C) + "<QBXML/>", False),
    "comments and PIs around the root": (
        "<!-- a -->" + _rs(_C, head="") + "<?pi x?>\n<!---->\n", True),
    "a PI named xml after the start": ("<?xml-model x?>" + _rs(_C, head=""), True),
    "a PI target of xml": (_rs(_C, head="<?XML version='1.0'?>"), False),
    "a comment with a double hyphen": ("<!-- a -- b -->" + _rs(_C, head=""), False),
    "a comment ending in -- without >": ("<!-- a --" + _rs(_C, head=""), False),
    "a name beyond ASCII": (_rs(_C.replace("<CustomerRet>",
                                           "<CustomerRet><Futuré>1</Futuré>")), False),
    "a name starting with a digit": (_rs(_C.replace("<CustomerRet>",
                                                    "<CustomerRet><1A>1</1A>")), False),
    "a control character": (_rs(_C.replace("A &amp; B", "A \x0c B")), False),
    "a NUL at the end": (_rs(_C) + "\x00", False),
    "invalid UTF-8": (_rs(_C).encode().replace(b"A &amp; B", b"A \xff B"), False),
    "an overlong UTF-8 sequence": (_rs(_C).encode().replace(b"A &amp; B", b"A \xc0\xaf B"),
                                   False),
    "an overlong three-byte sequence": (
        _rs(_C).encode().replace(b"A &amp; B", b"A \xe0\x80\xaf B"), False),
    "an overlong four-byte sequence": (
        _rs(_C).encode().replace(b"A &amp; B", b"A \xf0\x80\x80\xaf B"), False),
    "past U+10FFFF in UTF-8": (
        _rs(_C).encode().replace(b"A &amp; B", b"A \xf4\x90\x80\x80 B"), False),
    "a sequence cut short": (_rs(_C).encode().replace(b"A &amp; B", b"A \xe2\x82 B"), False),
    "a surrogate in UTF-8": (_rs(_C).encode().replace(b"A &amp; B", b"A \xed\xa0\x80 B"),
                             False),
    "U+FFFE": (_rs(_C).encode().replace(b"A &amp; B", b"A \xef\xbf\xbe B"), False),
    "four-byte UTF-8": (_rs(_C).encode().replace(b"A &amp; B", "A \U0001f600 B".encode()),
                        True),
    "the same text read two ways": (_rs(_C.replace("<Name>A &amp; B &#233;</Name>",
                                                   "<Name>0</Name>") + _C), True),
    "an empty document": ("", False),
    "only a declaration": ('<?xml version="1.0"?>', False),
}


@pytest.mark.parametrize("values", ["typed", "json"])
@pytest.mark.parametrize("name", sorted(EDGES))
def test_the_reader_at_the_edges_of_xml(name: str, values: str, accelerator: object,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    text, its_own = EDGES[name]
    data = text.encode("utf-8") if isinstance(text, str) else text
    fast, pure = _both(data, monkeypatch, values)
    assert fast == pure, name
    read = accelerator.parse(data, parse._response_cplan, parse.Record,  # type: ignore[attr-defined]
                             parse._FAST_PARSERS, values == "json")
    assert (read is not None) == its_own, name


_PIECES = ["<", ">", "&", ";", "/", "\r", "\n", "\t", " ", '"', "'", "=", "]]>", "<!--", "-->",
           "<?", "?>", "<![CDATA[", "&#", "&#x", "&amp;", "\x00", "\x0b", "é", "\ud7ff", "\ufffe",
           ":", "xmlns", "<A>", "</A>", "<A/>", "0", "1", "x"]


@settings(max_examples=300, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3),
                                st.sampled_from(_PIECES)), min_size=1, max_size=4))
def test_mangled_responses_parse_the_same_both_ways(edits, accelerator: object,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes inserted, replaced or removed anywhere in a response: the reader answers what
    lxml's path answers, data or error (or leaves the document to it)."""
    text = _rs(CUSTOMER.format(extra='<Future a="1" b=\'2\'>t</Future><Phone>1</Phone>'),
               head='<?xml version="1.0" encoding="UTF-8"?>')
    for at, how, piece in edits:
        at %= len(text) + 1
        if how == 0:
            text = text[:at] + piece + text[at:]
        elif how == 1:
            text = text[:at] + piece + text[at + len(piece):]
        elif how == 2:
            text = text[:at] + text[at + len(piece):]
        else:
            text = text[:at] + text[at:].replace("<", piece, 1)
    data = text.encode("utf-8", "surrogatepass")
    for values in ("typed", "json"):
        fast, pure = _both(data, monkeypatch, values)
        assert fast == pure, data


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


def test_the_reader_reads_real_quickbooks_responses_itself(
        transcripts: Path, accelerator: object) -> None:
    """Only what the reader must leave to lxml goes there: a comment or a processing
    instruction inside the document."""
    left = []
    for path in sorted(transcripts.glob("*.response.xml")):
        data = parse.xmlsafe.checked_bytes(path.read_bytes())
        root = data[data.index(b"<QBXML"):]
        if accelerator.parse(data, parse._response_cplan, parse.Record,  # type: ignore[attr-defined]
                             parse._FAST_PARSERS, False) is None:
            left.append(path.name)
            assert b"<!--" in root or b"<?" in root, path.name
    assert len(left) <= 2, left


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


def test_repeated_values_are_shared_only_when_no_one_can_change_them(accelerator: object
                                                                      ) -> None:
    """The reader makes a value once per parse for a text read the same way again, and
    shares it between records only when it is immutable (a parser that made lists would get
    a list of its own for each record). Each parse has one kept field, so no other text can
    take its slot of the memo (direct-mapped: two texts may share a slot)."""
    def records_of(field: str, code: int, parser: object, text: str) -> list:
        plan = {"CustomerRet": ({field: (None, code, parser, False, False)},
                                0, None, False, False)}
        data = _rs(f"<CustomerRet><{field}>{text}</{field}></CustomerRet>" * 3).encode()
        found = accelerator.parse(data, lambda root, rs: plan,  # type: ignore[attr-defined]
                                  parse.Record, parse._FAST_PARSERS, False)
        return [record[field] for record in found[1][0][1][0][3]]

    balances = records_of("Balance", parse._P_DECIMAL, Decimal, "1.50")
    assert balances == [Decimal("1.50")] * 3
    assert balances[0] is balances[2]
    names = records_of("Name", parse._P_TEXT, None, "Ann")
    assert names[0] is names[1]
    tags = records_of("Tags", parse._P_CALL, lambda text: [text], "x")
    assert tags == [["x"]] * 3
    assert tags[0] is not tags[1]
    tags[0].append("changed")
    assert tags[1] == ["x"]


def test_records_of_plain_values_are_left_to_reference_counting(accelerator: object) -> None:
    """A record (or nested dict) holding only text, numbers, dates and dicts of them is not
    tracked by the cycle collector, as Python does for its own dicts, so collections after a
    large parse skip it; one holding a list stays tracked. Storing a container into a record
    tracks it again, so a cycle made through it later is still collected."""
    data = _rs("<CustomerRet><ListID>1</ListID><Name>Ann</Name>"
               "<BillAddress><City>Oslo</City></BillAddress>"
               "<ParentRef><ListID>2</ListID></ParentRef></CustomerRet>").encode()
    record = parse.parse_response(data)[0].records[0]
    assert record["BillAddress"] == {"City": "Oslo"}
    assert not gc.is_tracked(record) and not gc.is_tracked(record["BillAddress"])

    line = "<InvoiceLineRet><TxnLineID>{}</TxnLineID><ItemRef><ListID>3</ListID></ItemRef>" \
           "<Amount>1.00</Amount></InvoiceLineRet>"
    invoice = _rs("<InvoiceRet><TxnID>1</TxnID>" + line.format(1) + line.format(2)
                  + "</InvoiceRet>", rs="InvoiceQueryRs").encode()
    lines = parse.parse_response(invoice)[0].records[0]
    assert isinstance(lines["InvoiceLineRet"], list)
    assert gc.is_tracked(lines)                  # it holds a list
    assert not any(gc.is_tracked(line) for line in lines["InvoiceLineRet"])

    class Box:
        pass
    box = Box()
    box.record = record                          # a cycle through the record
    record["Box"] = box
    assert gc.is_tracked(record)
    witness = weakref.ref(box)
    del record, box
    gc.collect()
    assert witness() is None
