"""Our spec and validator against Intuit's official qbXML 13.0 XSD (an independent oracle).

For every request of version 13.0, the full and minimal examples validate against both; then
mutations of valid messages (required element dropped, siblings swapped, a string one character
too long, an unknown enum, both branches of an OR-group, an element newer than the header's
version) must be rejected by our validator, and by the XSD wherever it can express the rule.
"""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from qbconnector.qbxml import example, spec
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.spec import Choice, Element, version_key
from qbconnector.qbxml.validate import validate

VERSION = "13.0"
SP = spec.load()
REQUESTS = SP.requests_for(VERSION)

# Where the 13.0 XSD itself is wrong, and why (each was checked by hand against the annotated
# reference): ValueAdjustment's NewValue/ValueDifference choice has maxOccurs="0" in the XSD.
XSD_DEFECTS = {("InventoryAdjustmentAddRq", "ValueDifference"), ("InventoryAdjustmentAddRq",
                                                                  "NewValue")}


def _available(node) -> bool:
    return node.qbd and (not node.since or version_key(node.since) <= version_key(VERSION))


def _xsd_errors(xsd, doc) -> list[str]:
    if xsd.validate(doc):
        return []
    return [e.message for e in xsd.error_log]


@pytest.mark.parametrize("minimal", [False, True], ids=["full", "minimal"])
def test_every_13_0_request_example_is_valid_for_us_and_for_the_xsd(xsd, minimal):
    failures = []
    for name in REQUESTS:
        text = example.example([name], VERSION, minimal)
        assert validate(text) == [], name
        errors = _xsd_errors(xsd, etree.fromstring(text.encode()))
        if errors:
            failures.append(f"{name}: {errors[0]}")
    assert failures == []
    assert len(REQUESTS) == 236


def test_every_or_group_branch_of_every_message_agrees_with_the_xsd(xsd):
    """Variants picking the k-th branch of each OR-group cover every branch, requests and
    responses alike."""
    checked, failures = 0, []
    for name in SP.messages:
        message = SP.message(name)
        if not _available(message) or SP.message_set_of[name] not in ("QBXMLMsgsRq",
                                                                        "QBXMLMsgsRs"):
            continue
        attrs = {} if name.endswith("Rq") else {"statusCode": "0", "statusSeverity": "Info"}
        for branch in range(8):
            text = build(Message(name, example.example_data(name, VERSION, branch=branch),
                                 **attrs), version=VERSION)
            checked += 1
            errors = _xsd_errors(xsd, etree.fromstring(text.encode()))
            if errors and not any(f"'{el}'" in errors[0] for n, el in XSD_DEFECTS if n == name):
                failures.append(f"{name} branch {branch}: {errors[0]}")
    assert failures == []
    assert checked > 3000


# -- mutations ---------------------------------------------------------------------------------

def _walk(el: etree._Element, node: Element):
    """Yield (xml element, spec element) pairs of the example tree, depth first."""
    yield el, node
    for child in el:
        child_spec = node.child(child.tag)
        if child_spec is not None and not child_spec.is_leaf:
            yield from _walk(child, child_spec)


def _documents(minimal: bool):
    for name in REQUESTS:
        text = example.example([name], VERSION, minimal, indent=False)
        root = etree.fromstring(text.encode())
        yield name, root, root[0][0]


def _pi(root: etree._Element, version: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><?qbxml version="{version}"?>'.encode()
            + etree.tostring(root))


def _check(xsd, root, expect_xsd: bool, tally: dict, label: str) -> None:
    ours = validate(_pi(root, VERSION))
    assert ours, f"{label}: our validator accepted a mutated message"
    tally["ours"] += 1
    xsd_rejects = not xsd.validate(root)
    if expect_xsd:
        assert xsd_rejects, f"{label}: the XSD accepted what we rejected: {ours[0]}"
        tally["both"] += 1


def _to_xml(name: str, data) -> etree._Element:
    el = etree.Element(name)
    if isinstance(data, str):
        el.text = data
        return el
    for key, value in data:
        if key.startswith("@"):
            el.set(key[1:], value)
        else:
            el.append(_to_xml(key, value))
    return el


def _top_level_elements(node: Element) -> list[str]:
    return [p.name for p in node.children if isinstance(p, Element)]


def test_dropping_a_required_element_is_rejected(xsd):
    tally = {"ours": 0, "both": 0}
    for name, root, message in _documents(minimal=True):
        for el, node in _walk(message, SP.message(name)):
            required = [p for p in node.children if isinstance(p, Element) and p.min >= 1
                        and _available(p) and el.find(p.name) is not None]
            if not required:
                continue
            mutated = copy.deepcopy(root)
            target = mutated.xpath(root.getroottree().getpath(el))[0]
            target.remove(target.find(required[0].name))
            _check(xsd, mutated, True, tally, f"{name}: drop {required[0].name}")
            break
    assert tally["both"] > 150


def test_swapping_two_siblings_is_rejected(xsd):
    tally = {"ours": 0, "both": 0}
    for name, root, message in _documents(minimal=False):
        for el, node in _walk(message, SP.message(name)):
            plain = set(_top_level_elements(node))
            kids = [c for c in el if c.tag in plain]
            pair = next(((a, b) for a, b in zip(kids, kids[1:], strict=False)
                         if a.tag != b.tag and a.getnext() is b), None)
            if pair is None:
                continue
            mutated = copy.deepcopy(root)
            path = root.getroottree().getpath(pair[0])
            first = mutated.xpath(path)[0]
            second = first.getnext()
            second.addnext(copy.deepcopy(first))
            first.getparent().remove(first)
            _check(xsd, mutated, True, tally, f"{name}: swap {pair[0].tag}/{pair[1].tag}")
            break
    assert tally["both"] > 180


def test_a_string_one_character_too_long_is_rejected(xsd):
    tally = {"ours": 0, "both": 0}
    disagreements = []
    for name, root, message in _documents(minimal=False):
        for el, node in _walk(message, SP.message(name)):
            leaf = next((node.child(c.tag) for c in el if node.child(c.tag) is not None
                         and node.child(c.tag).type == "STRTYPE" and node.child(c.tag).maxlen
                         and not node.child(c.tag).enum), None)
            if leaf is None:
                continue
            mutated = copy.deepcopy(root)
            target = mutated.xpath(root.getroottree().getpath(el))[0].find(leaf.name)
            target.text = "x" * (leaf.maxlen + 1)
            ours = validate(_pi(mutated, VERSION))
            assert any(f"{leaf.maxlen + 1} characters, at most {leaf.maxlen}" in p.message
                       for p in ours), name
            tally["ours"] += 1
            if xsd.validate(mutated):
                disagreements.append(f"{name}/{leaf.name} max {leaf.maxlen}")
            else:
                tally["both"] += 1
            break
    # The XSD states the same Desktop lengths almost everywhere; list any exception.
    assert len(disagreements) <= tally["ours"] // 10, disagreements
    assert tally["both"] > 150


def test_an_unknown_enum_value_is_rejected(xsd):
    tally = {"ours": 0, "both": 0}
    for name, root, message in _documents(minimal=False):
        for el, node in _walk(message, SP.message(name)):
            leaf = next((node.child(c.tag) for c in el if node.child(c.tag) is not None
                         and node.child(c.tag).enum), None)
            if leaf is None:
                continue
            mutated = copy.deepcopy(root)
            mutated.xpath(root.getroottree().getpath(el))[0].find(leaf.name).text = "Bogus"
            _check(xsd, mutated, True, tally, f"{name}: enum {leaf.name}")
            break
    assert tally["both"] > 80


def test_both_branches_of_an_or_group_are_rejected(xsd):
    tally = {"ours": 0, "both": 0}
    for name, root, message in _documents(minimal=False):
        for el, node in _walk(message, SP.message(name)):
            group = next((p for p in node.children if isinstance(p, Choice) and p.max == 1
                          and len(p.branches) > 1 and all(_available(b[0]) for b in p.branches)
                          and isinstance(p.branches[1][0], Element)), None)
            if group is None:
                continue
            first = next((c for c in el if c.tag in {e.name for e in
                                                     spec.iter_elements(group.branches[0])}),
                         None)
            if first is None:
                continue
            extra_spec = group.branches[1][0]
            mutated = copy.deepcopy(root)
            anchor = mutated.xpath(root.getroottree().getpath(first))[0]
            data = example._Generator(SP, VERSION, minimal=True).element(extra_spec)
            anchor.addnext(_to_xml(extra_spec.name, data))
            ours = validate(_pi(mutated, VERSION))
            assert any("cannot be used together" in p.message or "out of order" in p.message
                       for p in ours), (name, [str(p) for p in ours])
            tally["ours"] += 1
            if not xsd.validate(mutated):
                tally["both"] += 1
            break
    assert tally["ours"] > 100
    assert tally["both"] == tally["ours"]


def test_an_element_newer_than_the_header_version_is_rejected():
    # The XSD knows no versions, so only our validator can judge this one.
    rejected = 0
    for name in REQUESTS:
        message = SP.message(name)
        newer = [e for e in spec.iter_elements(message.children) if e.since and _available(e)
                 and version_key(e.since) > version_key(message.since or "1.0")]
        if not newer:
            continue
        text = example.example([name], VERSION)
        if f"<{newer[0].name}>" not in text and f"<{newer[0].name} " not in text:
            continue
        older = SP.versions[SP.versions.index(newer[0].since) - 1]
        if message.since and version_key(older) < version_key(message.since):
            continue
        problems = validate(text, version=older)
        assert any(f"not in qbXML {older} (added in {newer[0].since})" in p.message
                   for p in problems), (name, older, [str(p) for p in problems][:3])
        rejected += 1
    assert rejected > 100
