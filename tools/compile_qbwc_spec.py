#!/usr/bin/env python3
"""Compile the Web Connector's WSDL into qbwc_wire's compact spec (facts only).

    python tools/compile_qbwc_spec.py [--reference ../shared/reference/qbwc] [--out FILE]

Reads ``QBWebConnectorSvc.wsdl`` (never copied into the project) and writes
``src/qbconnector/qbwc_wire/data/operations.json``: the target namespace, and for every
operation of the SOAP 1.1 binding, in the WSDL's order, its SOAPAction, its parameters (name,
XML Schema type, whether required) and its result (name, type, required). The project renders
its own WSDL from these facts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference" / "qbwc"
OUT = ROOT / "src" / "qbconnector" / "qbwc_wire" / "data" / "operations.json"
NS = {"wsdl": "http://schemas.xmlsoap.org/wsdl/", "s": "http://www.w3.org/2001/XMLSchema",
      "soap": "http://schemas.xmlsoap.org/wsdl/soap/"}


def _local(qname: str) -> str:
    return qname.rpartition(":")[2]


def _fields(schema: etree._Element, element: str) -> list[dict]:
    [node] = schema.xpath("s:element[@name=$n]", namespaces=NS, n=element)
    return [{"name": child.get("name"), "type": _local(child.get("type")),
             "required": child.get("minOccurs", "1") != "0"}
            for child in node.xpath(".//s:sequence/s:element", namespaces=NS)]


def compile_spec(wsdl_path: Path) -> dict:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(wsdl_path), parser).getroot()
    [schema] = root.xpath("wsdl:types/s:schema", namespaces=NS)
    array = schema.xpath("s:complexType[@name='ArrayOfString']//s:element", namespaces=NS)[0]
    [binding] = [b for b in root.xpath("wsdl:binding", namespaces=NS)
                 if b.find("soap:binding", NS) is not None]
    operations = []
    for op in binding.xpath("wsdl:operation", namespaces=NS):
        name = op.get("name")
        action = op.find("soap:operation", NS).get("soapAction")
        [result] = _fields(schema, f"{name}Response")
        operations.append({"name": name, "soap_action": action,
                           "params": _fields(schema, name), "result": result})
    return {"source": "the Web Connector's WSDL (QBWebConnectorSvc.wsdl)",
            "namespace": root.get("targetNamespace"),
            "array_item": array.get("name"),
            "operations": operations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    spec = compile_spec(args.reference / "QBWebConnectorSvc.wsdl")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(spec, indent=1) + "\n")
    print(f"{len(spec['operations'])} operations -> {args.out}")


if __name__ == "__main__":
    main()
