"""Compile Intuit's annotated qbXML reference into qbconnector's own compact spec.

Reads ``qbxmlops140.xml`` (QuickBooks Desktop qbXML 1.0-14.0) and ``qbposxmlops30.xml``
(QuickBooks Point of Sale qbposXML 1.0-3.0) from ``../shared/reference/qbxml`` and writes
``src/qbconnector/qbxml/data/qbxml.json`` and ``qbposxml.json``: facts only (element names,
order, occurrence, OR-groups, value types, US Desktop lengths, ranges, enums, versions,
attributes), in our own format. Nothing of the reference text is copied.

Usage: python tools/compile_spec.py [--reference DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference" / "qbxml"
OUT_DIR = ROOT / "src" / "qbconnector" / "qbxml" / "data"

FORMAT = 1
QBXML_VERSIONS = ["1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0", "6.0", "7.0",
                  "8.0", "9.0", "10.0", "11.0", "12.0", "13.0", "14.0"]
POS_VERSIONS = ["1.0", "1.1", "1.2", "2.0", "2.5", "3.0"]

# Facts the annotated reference leaves unmarked, found by checking every message against
# Intuit's qbXML 13.0 XSD (tests/qbxml/test_xsd_oracle.py): (parent, child) -> version added.
SINCE_CORRECTIONS = {
    ("Form1099CategoryAccountMappingMod", "FormType"): "14.0",
    ("Form1099CategoryAccountMappingQueryRq", "FormType"): "14.0",
    ("Form1099CategoryAccountMappingRet", "FormType"): "14.0",
}

# Facts real QuickBooks Desktop responses contradict: (parent, child) -> minimum occurrence.
# A qbXML 13.0 DataExtDefQuery answered by QuickBooks Desktop [transcript 035] has none of the
# four elements the reference requires from 11.0 (QuickBooks Enterprise's custom-field
# settings); neither has the one of transcript 019.
MIN_CORRECTIONS = {
    ("DataExtDefRet", "DataExtID"): 0,
    ("DataExtDefRet", "DataExtListRequire"): 0,
    ("DataExtDefRet", "DataExtTxnRequire"): 0,
    ("DataExtDefRet", "DataExtFormatString"): 0,
}

ENUM_RE = re.compile(r"^\s*(\w+) may have one of the following values:\s*(.*?)\s*$")
ATTR_RE = re.compile(r"^\s*'(\w+)' is (optional|required)(?: and (?:may|must) have one of the "
                     r"following values:\s*(.*?))?\s*$")
ATTR_ONE_RE = re.compile(r"contains 1 (optional|required) attribute: '(\w+)'")
OR_RE = re.compile(r"^\s*(?P<pre>.*?)BEGIN OR: You may (?P<opt>optionally )?have"
                   r"(?: (?P<n>[01]) or more)?")
VERSION_RE = re.compile(r"^v(\d+\.\d+)$")


def parse_values(text: str) -> tuple[list[str], str | None]:
    """Split an enum value list; a value tagged [DEFAULT] (any case) is the default."""
    values, default = [], None
    for raw in text.split(","):
        raw = raw.strip()
        if not raw:
            continue
        m = re.match(r"^(\S+?)\s*\[default\]$", raw, re.IGNORECASE)
        if m:
            raw = m.group(1)
            default = raw
        values.append(raw)
    return values, default


def apply_tokens(node: dict, text: str) -> None:
    """Apply an annotation ('opt, may rep, max length = 31 for QBD|..., v6.0') to a node."""
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        if token == "opt":
            node["min"] = 0
        elif token == "may rep":
            node["max"] = -1
        elif m := re.fullmatch(r"rep \((\d+) or more\)", token):
            node["min"], node["max"] = int(m.group(1)), -1
        elif m := re.fullmatch(r"max length = (\d+)(?: for (.+))?", token):
            editions = m.group(2)
            if editions is None or "QBD" in editions.split("|"):
                node["maxlen"] = int(m.group(1))
        elif m := re.fullmatch(r"field max = (\d+)", token):
            node["maxlen"] = int(m.group(1))
        elif m := re.fullmatch(r"not in (.+)", token):
            if "QBD" in m.group(1).split("|"):
                node["qbd"] = 0
        elif m := VERSION_RE.fullmatch(token):
            node["since"] = m.group(1)
        elif m := re.fullmatch(r"min value = (-?[\d.]+)", token):
            node["minv"] = m.group(1)
        elif m := re.fullmatch(r"max value = (-?[\d.]+)", token):
            node["maxv"] = m.group(1)
        elif token == "may be macro value":
            node["macro"] = 1
        else:
            raise ValueError(f"unknown annotation {token!r} in {text!r}")


class Compiler:
    """Walks one reference file and collects message definitions as nested dicts."""

    def __init__(self) -> None:
        self.unknown: list[str] = []

    def element(self, el: etree._Element, pending_enum: tuple | None,
                pending_attrs: dict) -> dict:
        text = (el.text or "").strip()
        node: dict = {"kind": "E", "name": el.tag, "type": text if text.endswith("TYPE") else "",
                      "min": 1, "max": 1, "since": "", "qbd": 1, "maxlen": 0, "minv": None,
                      "maxv": None, "enum": None, "default": None, "macro": 0,
                      "attrs": [], "children": []}
        if pending_enum and pending_enum[0] == el.tag:
            node["enum"], node["default"] = pending_enum[1], pending_enum[2]
        for name, value in el.attrib.items():
            required, values, default = pending_attrs.get(name, (False, None, None))
            node["attrs"].append([name, value.strip(), int(required), values, default])
        # The annotation of an aggregate is its first child comment on its own start line.
        for child in el:
            if isinstance(child, etree._Comment) and child.sourceline == el.sourceline:
                apply_tokens(node, child.text)
                break
        self.sequence(el, node["children"], skip_line=el.sourceline)
        return node

    def sequence(self, parent: etree._Element, out: list, skip_line: int) -> None:
        stack: list[dict] = []          # open OR-groups
        container = out
        pending_enum = None
        pending_attrs: dict = {}
        prev = None
        for child in parent:
            if isinstance(child, etree._Comment):
                text = child.text or ""
                if child.sourceline == skip_line and prev is None:
                    continue            # the parent's own annotation
                trailing = prev is not None and len(prev[0]) == 0
                if trailing and child.sourceline == prev[0].sourceline:
                    apply_tokens(prev[1], text)   # trailing annotation of a leaf
                    continue
                stripped = text.strip()
                if m := OR_RE.match(text):
                    group = {"kind": "C", "min": 1, "max": 1, "since": "", "qbd": 1,
                             "branches": [[]]}
                    if m.group("opt"):
                        group["min"] = 0
                    if m.group("n") is not None:
                        group["min"], group["max"] = int(m.group("n")), -1
                    pre = m.group("pre").strip().rstrip(",")
                    if pre:
                        apply_tokens(group, pre)
                    container.append(group)
                    stack.append(group)
                    container = group["branches"][-1]
                elif stripped == "OR":
                    stack[-1]["branches"].append([])
                    container = stack[-1]["branches"][-1]
                elif stripped == "END OR":
                    stack.pop()
                    container = stack[-1]["branches"][-1] if stack else out
                elif m := ENUM_RE.match(text):
                    values, default = parse_values(m.group(2))
                    pending_enum = (m.group(1), values, default)
                elif m := ATTR_RE.match(text):
                    values, default = parse_values(m.group(3)) if m.group(3) else (None, None)
                    pending_attrs[m.group(1)] = (m.group(2) == "required", values, default)
                elif m := ATTR_ONE_RE.search(text):
                    pending_attrs[m.group(2)] = (m.group(1) == "required", None, None)
                elif re.search(r"contains \d+ attributes", text):
                    pass
                else:
                    self.unknown.append(f"line {child.sourceline}: {stripped}")
                continue
            if not isinstance(child.tag, str):
                continue
            node = self.element(child, pending_enum, pending_attrs)
            node["since"] = SINCE_CORRECTIONS.get((parent.tag, child.tag), node["since"])
            node["min"] = MIN_CORRECTIONS.get((parent.tag, child.tag), node["min"])
            pending_enum, pending_attrs = None, {}
            container.append(node)
            prev = (child, node)
        if stack:
            raise ValueError(f"unclosed OR group in {parent.tag} at line {parent.sourceline}")


class Interner:
    """Turns nested nodes into a table of unique nodes (identical subtrees stored once)."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.index: dict[str, int] = {}
        self.enums: list = []
        self.enum_index: dict[str, int] = {}
        self.attrs: list = []
        self.attr_index: dict[str, int] = {}

    def _intern(self, table: list, index: dict, value) -> int:
        key = json.dumps(value, separators=(",", ":"))
        if key not in index:
            index[key] = len(table)
            table.append(value)
        return index[key]

    def add(self, node: dict) -> int:
        if node["kind"] == "C":
            branches = [[self.add(n) for n in branch] for branch in node["branches"]]
            row = [1, node["min"], node["max"], node["since"], node["qbd"], branches]
        else:
            enum = -1 if node["enum"] is None else self._intern(self.enums, self.enum_index,
                                                                node["enum"])
            attrs = -1
            if node["attrs"]:
                rows = []
                for name, typ, required, values, default in node["attrs"]:
                    vid = -1 if values is None else self._intern(self.enums, self.enum_index,
                                                                 values)
                    rows.append([name, typ, required, vid, default])
                attrs = self._intern(self.attrs, self.attr_index, rows)
            children = [self.add(n) for n in node["children"]]
            row = [0, node["name"], node["type"], node["min"], node["max"], node["since"],
                   node["qbd"], node["maxlen"], node["minv"], node["maxv"], enum,
                   node["default"], node["macro"], attrs, children]
        return self._intern(self.nodes, self.index, row)


def compile_file(path: Path, family: str, versions: list[str], root_tag: str) -> dict:
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True)
    tree = etree.parse(str(path), parser)
    root = tree.getroot()
    if root.tag != root_tag:
        raise ValueError(f"{path}: root {root.tag}, expected {root_tag}")
    compiler = Compiler()
    top: list = []
    compiler.sequence(root, top, skip_line=root.sourceline)
    if compiler.unknown:
        raise ValueError("unrecognised comments:\n" + "\n".join(compiler.unknown[:20]))
    interner = Interner()
    roots = {node["name"]: interner.add(node) for node in top if node["kind"] == "E"}
    return {"format": FORMAT, "family": family, "versions": versions, "root": root_tag,
            "enums": interner.enums, "attrs": interner.attrs, "nodes": interner.nodes,
            "roots": roots}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                        help="folder holding qbxmlops140.xml and qbposxmlops30.xml")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    jobs = [("qbxmlops140.xml", "qbxml", QBXML_VERSIONS, "QBXML", "qbxml.json"),
            ("qbposxmlops30.xml", "qbposxml", POS_VERSIONS, "QBPOSXML", "qbposxml.json")]
    for source, family, versions, root_tag, target in jobs:
        path = args.reference / source
        if not path.exists():
            print(f"missing {path}", file=sys.stderr)
            return 2
        spec = compile_file(path, family, versions, root_tag)
        text = json.dumps(spec, separators=(",", ":"), ensure_ascii=True)
        (OUT_DIR / target).write_text(text + "\n", encoding="ascii")
        print(f"{target}: {len(spec['nodes'])} nodes, {len(spec['enums'])} enum lists, "
              f"{len(text) // 1024} KiB, roots {sorted(spec['roots'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
