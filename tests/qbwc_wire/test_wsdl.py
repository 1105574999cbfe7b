"""The Web Connector's SOAP service checked against the WSDL Intuit published
(``../shared/reference/qbwc/``): the committed spec is what the tool compiles from it, and the
WSDL the connector serves describes the same operations, parameters, result types and
SOAPActions, in both bindings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from lxml import etree

from qbconnector.qbwc_wire import spec, wsdl
from tests.conftest import REFERENCE, REPO

NS = {"wsdl": "http://schemas.xmlsoap.org/wsdl/", "s": "http://www.w3.org/2001/XMLSchema",
      "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
      "soap12": "http://schemas.xmlsoap.org/wsdl/soap12/"}


@pytest.fixture(scope="module")
def intuit_wsdl() -> Path:
    path = REFERENCE / "qbwc" / "QBWebConnectorSvc.wsdl"
    if not path.is_file():
        pytest.skip("../shared/reference/qbwc is absent (a user's clone has none)")
    return path


def facts(root: etree._Element) -> dict:
    """What a Web Connector relies on in a WSDL, independent of names chosen for the service:
    per operation its input and output elements' parts (name, type, minOccurs) and, per
    binding (SOAP 1.1, 1.2), its SOAPAction and style."""
    schema = root.find("wsdl:types/s:schema", NS)
    out: dict = {"namespace": root.get("targetNamespace")}

    def parts(element: str) -> list[tuple]:
        node = schema.find(f"s:element[@name='{element}']", NS)
        return [(e.get("name"), e.get("type").rpartition(":")[2], e.get("minOccurs", "1"),
                 e.get("maxOccurs", "1"))
                for e in node.iterfind(".//s:sequence/s:element", NS)]

    for op in root.iterfind("wsdl:portType/wsdl:operation", NS):
        name = op.get("name")
        inp = root.find(f"wsdl:message[@name='{op.find('wsdl:input', NS).get('message')[4:]}']"
                        "/wsdl:part", NS).get("element").rpartition(":")[2]
        outp = root.find(f"wsdl:message[@name='{op.find('wsdl:output', NS).get('message')[4:]}']"
                         "/wsdl:part", NS).get("element").rpartition(":")[2]
        out[name] = {"in": (inp, parts(inp)), "out": (outp, parts(outp))}
    array = schema.find("s:complexType[@name='ArrayOfString']//s:element", NS)
    out["ArrayOfString"] = (array.get("name"), array.get("type"), array.get("maxOccurs"))
    for prefix in ("soap", "soap12"):
        for binding in root.iterfind("wsdl:binding", NS):
            if binding.find(f"{prefix}:binding", NS) is None:
                continue
            for op in binding.iterfind("wsdl:operation", NS):
                operation = op.find(f"{prefix}:operation", NS)
                bodies = [b.get("use") for b in op.iterfind(f".//{prefix}:body", NS)]
                out[f"{prefix}:{op.get('name')}"] = (operation.get("soapAction"),
                                                     operation.get("style"), bodies)
    return out


def test_the_committed_spec_is_what_the_tool_compiles_from_intuits_wsdl(intuit_wsdl: Path):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        from compile_qbwc_spec import OUT, compile_spec
    finally:
        sys.path.pop(0)
    assert json.loads(OUT.read_text()) == compile_spec(intuit_wsdl)
    loaded = spec.load()
    assert loaded.names == ("serverVersion", "clientVersion", "authenticate", "connectionError",
                            "sendRequestXML", "receiveResponseXML", "getLastError",
                            "closeConnection")


def test_the_served_wsdl_describes_intuits_operations_exactly(intuit_wsdl: Path):
    theirs = facts(etree.parse(str(intuit_wsdl)).getroot())
    ours = facts(etree.fromstring(wsdl.render("https://books.example.com/qbwc")))
    assert ours == theirs
    assert theirs["receiveResponseXML"]["out"][1] == [
        ("receiveResponseXMLResult", "int", "1", "1")]
    assert theirs["soap12:authenticate"][0] == "http://developer.intuit.com/authenticate"


def test_the_served_wsdl_names_its_address_in_both_ports():
    root = etree.fromstring(wsdl.render("https://books.example.com:8167/qbwc"))
    locations = [a.get("location") for a in root.iterfind(".//wsdl:port/*", NS)]
    assert locations == ["https://books.example.com:8167/qbwc"] * 2
