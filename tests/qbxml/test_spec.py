"""The compiled spec: what it knows about messages, elements, versions and editions."""

from __future__ import annotations

import json
import subprocess
import sys

from qbconnector.qbxml import spec
from qbconnector.qbxml.spec import UNBOUNDED, Choice, Element


def test_all_qbxml_requests_and_responses_are_known():
    sp = spec.load()
    assert len(sp.requests) == 239
    assert len(sp.responses) == 239
    assert {"CustomerAddRq", "InvoiceQueryRs", "DataEventSubscriptionAddRq"} <= set(sp.messages)


def test_point_of_sale_messages_are_known():
    pos = spec.load("qbposxml")
    assert pos.root == "QBPOSXML"
    assert "CustomerAddRq" in pos.requests and "ItemInventoryQueryRq" in pos.requests
    assert len(pos.requests) == len(pos.responses) == 58


def test_element_facts_for_customer_add():
    add = spec.load().message("CustomerAddRq").child("CustomerAdd")
    assert add.child_names()[:4] == ("Name", "IsActive", "ClassRef", "ParentRef")
    name = add.child("Name")
    assert (name.type, name.min, name.max, name.maxlen) == ("STRTYPE", 1, 1, 41)
    assert add.child("ClassRef").since == "12.0"
    assert add.child("Suffix").qbd is False           # QuickBooks Online only
    city = add.child("BillAddress").child("City")
    assert city.maxlen == 31
    assert add.child("Contacts").max == UNBOUNDED
    status = add.child("JobStatus")
    assert status.type == "ENUMTYPE" and status.default == "None" and "Awarded" in status.enum


def test_or_groups_and_attributes_of_a_query():
    query = spec.load().message("CustomerQueryRq")
    group = query.children[0]
    assert isinstance(group, Choice) and group.min == 0 and group.max == 1
    first = [b[0].name for b in group.branches if isinstance(b[0], Element)]
    assert first[:3] == ["ListID", "FullName", "MaxReturned"]
    assert group.branches[0][0].max == UNBOUNDED and group.branches[0][0].min == 1
    iterator = query.attr("iterator")
    assert iterator.enum == ("Start", "Continue", "Stop") and not iterator.required
    assert query.attr("metaData").default == "NoMetaData"
    assert spec.load().message_sets["QBXMLMsgsRq"].attr("onError").required


def test_repeating_or_group_of_invoice_lines():
    add = spec.load().message("InvoiceAddRq").child("InvoiceAdd")
    groups = [p for p in add.children if isinstance(p, Choice)]
    lines = next(g for g in groups if g.branches[0][0].name == "InvoiceLineAdd")
    assert lines.min == 0 and lines.max == UNBOUNDED
    assert [b[0].name for b in lines.branches] == ["InvoiceLineAdd", "InvoiceLineGroupAdd"]


def test_versions_gate_requests():
    sp = spec.load()
    assert "LeadAddRq" not in sp.requests_for("12.0")
    assert "LeadAddRq" in sp.requests_for("13.0")
    assert "HostQueryRq" in sp.requests_for("1.0")
    assert sp.check_version("13") == "13.0"
    assert spec.version_key("10.0") > spec.version_key("9.0")


def test_min_and_max_values_are_recorded():
    info = spec.load().message("CustomerAddRq").child("CustomerAdd").child("CreditCardInfo")
    month = info.child("ExpirationMonth")
    assert (month.minv, month.maxv) == ("1", "12")


def test_spec_loads_in_a_fresh_interpreter_without_the_reference(tmp_path):
    # Run from a folder with no ../shared nearby: the spec ships inside the package.
    code = ("from qbconnector.qbxml import spec; import json; "
            "print(json.dumps([len(spec.load().requests), len(spec.load('qbposxml').requests)]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True)
    assert json.loads(out.stdout) == [239, 58]
