#!/usr/bin/env python3
"""Compile Intuit's QuickBooks Online v3 XML Schema into qbo_wire's compact spec (facts only).

    python tools/compile_qbo_spec.py [--reference ../shared/reference/qbo] [--out FILE]

Reads ``xsd/*.xsd`` (never copied into the project) and writes
``src/qbconnector/qbo_wire/data/entities.json``: for every complex type its fields in schema
order (name, value kind, repeated, flags), its attributes and base type; every enumeration; the
list of top-level entities. Flags come from the schema's annotations (``r`` read-only for QBO,
``f`` filterable, ``s`` sortable, ``q`` required) plus the facts that ``WIRE.md`` records from
the live service and Intuit's API reference (server-filled fields, filterable properties), which
the schema does not annotate; those are listed in ``OBSERVED`` below with their source.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference" / "qbo"
OUT = ROOT / "src" / "qbconnector" / "qbo_wire" / "data" / "entities.json"
XS = "{http://www.w3.org/2001/XMLSchema}"
FILES = ("IntuitBaseTypes.xsd", "IntuitNamesTypes.xsd", "SalesTax.xsd", "Finance.xsd",
         "Report.xsd", "IntuitRestServiceDef.xsd")
PRIMITIVES = {
    "string": "string", "anyURI": "string", "token": "string", "normalizedString": "string",
    "decimal": "decimal", "double": "decimal", "float": "decimal",
    "int": "integer", "integer": "integer", "long": "integer", "short": "integer",
    "positiveInteger": "integer", "nonNegativeInteger": "integer", "byte": "integer",
    "boolean": "boolean", "date": "date", "dateTime": "datetime", "time": "string",
    "base64Binary": "string", "anyType": "any", "duration": "string", "gYear": "string",
}

# Facts recorded from the live service (WIRE.md §1.4-§1.6, fixtures named there) and from
# Intuit's API reference annotations quoted in WIRE.md §1.6. Filterable: properties a query may
# name in WHERE; server: read-only fields the server fills.
OBSERVED = {
    "*": {"filterable": ["Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime"],
          "server": ["Id", "SyncToken", "MetaData", "domain", "sparse", "status"]},
    "Account": {"filterable": ["Name", "FullyQualifiedName", "AccountType", "AccountSubType",
                               "Classification", "Active", "CurrentBalance",
                               "CurrentBalanceWithSubAccounts", "AcctNum", "SubAccount"],
                "server": ["FullyQualifiedName", "CurrentBalance",
                           "CurrentBalanceWithSubAccounts", "Classification"]},
    "Customer": {"filterable": ["DisplayName", "GivenName", "MiddleName", "FamilyName",
                                "CompanyName", "FullyQualifiedName", "PrimaryEmailAddr",
                                "PrintOnCheckName", "Balance", "Active", "Job", "ParentRef"],
                 "server": ["FullyQualifiedName", "Balance", "BalanceWithJobs", "Level"]},
    "Vendor": {"filterable": ["DisplayName", "GivenName", "MiddleName", "FamilyName",
                              "CompanyName", "PrimaryEmailAddr", "PrintOnCheckName", "Balance",
                              "Active", "Vendor1099"],
               "server": ["Balance"]},
    "Employee": {"filterable": ["DisplayName", "GivenName", "MiddleName", "FamilyName",
                                "PrimaryEmailAddr", "PrintOnCheckName", "Active",
                                "EmployeeNumber"],
                 "server": []},
    "Item": {"filterable": ["Name", "Sku", "Type", "Description", "FullyQualifiedName",
                            "Active", "QtyOnHand", "UnitPrice"],
             "server": ["FullyQualifiedName", "Level"]},
    "Term": {"filterable": ["Name", "Active", "Type"], "server": []},
    "PaymentMethod": {"filterable": ["Name", "Active", "Type"], "server": []},
    "Class": {"filterable": ["Name", "FullyQualifiedName", "Active", "ParentRef"],
              "server": ["FullyQualifiedName"]},
    "Department": {"filterable": ["Name", "FullyQualifiedName", "Active", "ParentRef"],
                   "server": ["FullyQualifiedName"]},
    "TaxCode": {"filterable": ["Name", "Active", "Taxable", "TaxGroup"], "server": []},
    "TaxRate": {"filterable": ["Name", "Active", "RateValue"], "server": []},
    "CompanyInfo": {"filterable": ["CompanyName"], "server": []},
    "Preferences": {"filterable": [], "server": []},
    "Invoice": {"filterable": ["CustomerRef", "Balance", "TxnDate", "DueDate", "SalesTermRef",
                               "ProjectRef", "DocNumber", "TotalAmt"],
                "server": ["TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt", "LinkedTxn"]},
    "SalesReceipt": {"filterable": ["CustomerRef", "TxnDate", "DocNumber", "TotalAmt"],
                     "server": ["TotalAmt", "Balance", "HomeTotalAmt"]},
    "Estimate": {"filterable": ["CustomerRef", "TxnDate", "DocNumber", "TotalAmt",
                                "TxnStatus"],
                 "server": ["TotalAmt", "HomeTotalAmt"]},
    "CreditMemo": {"filterable": ["CustomerRef", "TxnDate", "DocNumber", "TotalAmt"],
                   "server": ["TotalAmt", "Balance", "RemainingCredit", "HomeTotalAmt"]},
    "RefundReceipt": {"filterable": ["CustomerRef", "TxnDate", "DocNumber", "TotalAmt"],
                      "server": ["TotalAmt", "Balance", "HomeTotalAmt"]},
    "Payment": {"filterable": ["CustomerRef", "TotalAmt", "TxnDate"],
                "server": ["UnappliedAmt"]},
    "Bill": {"filterable": ["VendorRef", "DocNumber", "TxnDate", "DueDate", "TotalAmt",
                            "Balance", "SalesTermRef"],
             "server": ["TotalAmt", "Balance", "HomeBalance", "LinkedTxn"]},
    "BillPayment": {"filterable": ["VendorRef", "TxnDate", "DocNumber", "TotalAmt"],
                    "server": []},
    "Purchase": {"filterable": ["EntityRef", "TxnDate", "DocNumber", "TotalAmt",
                                "PaymentType", "AccountRef"],
                 "server": ["TotalAmt"]},
    "PurchaseOrder": {"filterable": ["VendorRef", "TxnDate", "DocNumber", "TotalAmt",
                                     "POStatus"],
                      "server": ["TotalAmt"]},
    "VendorCredit": {"filterable": ["VendorRef", "TxnDate", "DocNumber", "TotalAmt"],
                     "server": ["TotalAmt", "Balance"]},
    "Deposit": {"filterable": ["TxnDate", "DocNumber", "TotalAmt", "DepositToAccountRef"],
                "server": ["TotalAmt"]},
    "Transfer": {"filterable": ["TxnDate", "Amount"], "server": []},
    "JournalEntry": {"filterable": ["TxnDate", "DocNumber", "TotalAmt", "Adjustment"],
                     "server": ["TotalAmt"]},
    "TimeActivity": {"filterable": ["TxnDate", "NameOf", "EmployeeRef", "VendorRef",
                                    "CustomerRef", "BillableStatus"],
                     "server": []},
    "Attachable": {"filterable": ["FileName", "Note", "Category", "ContentType",
                                  "AttachableRef.EntityRef"],
                   "server": ["FileAccessUri", "TempDownloadUri", "Size", "ThumbnailFileAccessUri",
                              "ThumbnailTempDownloadUri"]},
}


def _documentation(node: etree._Element) -> str:
    texts = node.xpath("./xs:annotation/xs:documentation//text()", namespaces={"xs": XS[1:-1]})
    return " ".join(" ".join(texts).split())


def _flags(doc: str) -> str:
    flags = ""
    if re.search(r"InputType:\s*(QBO:\s*|ALL:\s*)?ReadOnly", doc):
        flags += "r"
    if re.search(r"Filterable:\s*(QBO|ALL)", doc):
        flags += "f"
    if re.search(r"Sortable:\s*(QBO|ALL)", doc):
        flags += "s"
    if re.search(r"Required:\s*(QBO|ALL)", doc):
        flags += "q"
    return flags


def _local(qname: str | None) -> str:
    return (qname or "").split(":")[-1]


class Compiler:
    """Walks the schema files and collects complex types, simple types and entity names."""

    def __init__(self, folder: Path) -> None:
        self.complex: dict[str, etree._Element] = {}
        self.simple: dict[str, etree._Element] = {}
        self.entities: list[str] = []
        for name in FILES:
            tree = etree.parse(str(folder / name), etree.XMLParser(resolve_entities=False,
                                                                     no_network=True))
            for node in tree.getroot():
                if node.tag == XS + "complexType":
                    self.complex[node.get("name")] = node
                elif node.tag == XS + "simpleType":
                    self.simple[node.get("name")] = node
                elif node.tag == XS + "element" and node.get("substitutionGroup"):
                    self.entities.append(node.get("name"))

    def kind(self, type_name: str) -> str:
        name = _local(type_name)
        if type_name.startswith("xs:"):
            return PRIMITIVES.get(name, "string")
        if name == "ReferenceType":
            return "ref"
        if name in self.simple:
            node = self.simple[name]
            if node.find(f"{XS}restriction/{XS}enumeration") is not None:
                return "enum:" + name
            base = node.find(f"{XS}restriction")
            if base is not None and base.get("base"):
                return self.kind(base.get("base"))
            return "string"
        if name in self.complex:
            simple = self.complex[name].find(f"{XS}simpleContent/{XS}extension")
            if simple is not None:  # a value with attributes: {"value": …} in JSON
                return "ref"
            return "object:" + name
        return "string"

    def elements(self, node: etree._Element) -> list[list]:
        fields: list[list] = []
        for child in node:
            if child.tag in (XS + "sequence", XS + "choice", XS + "all"):
                for field in self.elements(child):
                    if child.tag == XS + "choice":
                        field[3] = field[3].replace("q", "")
                    fields.append(field)
            elif child.tag == XS + "element":
                name = child.get("name") or _local(child.get("ref"))
                type_name = child.get("type") or (f"x:{name}" if child.get("ref") else "xs:string")
                kind = "entity" if name == "IntuitObject" else self.kind(type_name)
                many = child.get("maxOccurs", "1") != "1"
                flags = _flags(_documentation(child))
                if child.get("minOccurs", "1") != "0" and "q" not in flags:
                    flags += "q"
                fields.append([name, kind, many, flags])
        return fields

    def complex_type(self, name: str) -> dict:
        node = self.complex[name]
        out: dict = {"base": None, "fields": [], "attributes": []}
        body = node
        extension = node.find(f"{XS}complexContent/{XS}extension")
        if extension is not None:
            out["base"] = _local(extension.get("base"))
            body = extension
        simple = node.find(f"{XS}simpleContent/{XS}extension")
        if simple is not None:
            out["text"] = self.kind(simple.get("base"))
            body = simple
        out["fields"] = self.elements(body)
        out["attributes"] = [[a.get("name"), self.kind(a.get("type", "xs:string"))]
                             for a in body.findall(f"{XS}attribute")]
        return out

    def enums(self) -> dict[str, list[str]]:
        result = {}
        for name, node in self.simple.items():
            values = [e.get("value") for e in node.findall(f"{XS}restriction/{XS}enumeration")]
            if values:
                result[name] = values
        return result


def compile_spec(folder: Path) -> dict:
    """The whole spec as a JSON-ready dict."""
    compiler = Compiler(folder / "xsd")
    types = {name: compiler.complex_type(name) for name in sorted(compiler.complex)}
    return {
        "about": "Generated by tools/compile_qbo_spec.py from Intuit's QBO v3 XML Schema "
                 "(facts: names, order, kinds, flags). Do not edit by hand.",
        "entities": sorted(set(compiler.entities)),
        "types": types,
        "enums": compiler.enums(),
        "observed": OBSERVED,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not (args.reference / "xsd").is_dir():
        parser.error(f"{args.reference}/xsd not found (the reference is not part of a clone)")
    spec = compile_spec(args.reference)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(spec, separators=(",", ":"), sort_keys=False) + "\n")
    print(f"wrote {args.out} ({len(spec['types'])} types, {len(spec['entities'])} entities)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
