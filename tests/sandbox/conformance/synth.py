"""Requests derived from real responses, for exchanges whose request was not preserved.

Each builder returns the request message set text. What it sends is the least assumption that
explains the response: the Ret's own fields for an Add, a query by the IDs of the records the
setup created for a query, the request named in the status message for an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from . import convert, xmlutil
from .company import Company
from .corpus import Transcript
from .xmlutil import build, leaf, text_of

Builder = Callable[[Company, Transcript], str]


def _version(t: Transcript, floor: str = "1.0") -> str:
    return xmlutil.min_version(t.response_root(), floor)


def _text(requests: list[etree._Element], version: str, on_error: str = "stopOnError") -> str:
    return xmlutil.message_set_text(requests, version, on_error)


def adds(extra: Callable[[etree._Element], None] | None = None, mode: str = "Add",
         floor: str = "1.0") -> Builder:
    """One Add (or Mod) per Rs, built from its Ret; requestIDs as in the real response."""
    def builder(company: Company, t: Transcript) -> str:
        version = _version(t, floor)
        requests = []
        for rs in xmlutil.messages(t.response_root()):
            ret = next(r for r in xmlutil.elements(rs) if r.tag.endswith("Ret"))
            company._scan(ret)
            conv = convert.convert(ret, mode=mode, version=version,
                                   resolver=company.resolve)
            if extra is not None:
                extra(conv.body)
            requests.append(conv.request_element(rs.get("requestID")))
        return _text(requests, version)
    return builder


def hcp(company: Company, t: Transcript) -> str:
    """HostQuery, CompanyQuery, PreferencesQuery as the Web Connector sends them, at the
    newest version the real host listed (capped at the spec's newest)."""
    root = t.response_root()
    supported = [v.text or "" for v in root.iter("SupportedQBXMLVersion")]
    version = xmlutil.capped_version(supported[-1]) if supported else _version(t)
    requests = []
    for rs in xmlutil.messages(root):
        rq = build(rs.tag[:-2] + "Rq", requestID=rs.get("requestID"))
        # the Web Connector asks for its own custom fields (AppLock, FileID) by OwnerID
        for owner in dict.fromkeys(o.text or "" for o in rs.iter("OwnerID")):
            rq.append(leaf("OwnerID", owner))
        requests.append(rq)
    return _text(requests, version or xmlutil.NEWEST)


def query(rq_name: str, by: str | None = "ListID", children: tuple[tuple[str, str], ...] = (),
          iterator: bool = False, floor: str = "1.0") -> Builder:
    """A query for the records of the real Rs: by the sandbox IDs of what the setup created
    (in the real order), or with ``children`` as filters."""
    def builder(company: Company, t: Transcript) -> str:
        rs = xmlutil.messages(t.response_root())[0]
        kids: list[etree._Element] = []
        if by is not None:
            for ret in xmlutil.elements(rs):
                real = text_of(ret, "ListID") or text_of(ret, "TxnID")
                if real:
                    kids.append(leaf(by, company.id_map.get(real, real)))
        kids.extend(leaf(name, value) for name, value in children)
        attrs = {"requestID": rs.get("requestID")}
        if iterator:
            attrs["iterator"] = "Start"
            kids.insert(0, leaf("MaxReturned", "100"))
        return _text([build(rq_name, kids, **attrs)], _version(t, floor))
    return builder


def names_in_messages(t: Transcript) -> list[str]:
    """The quoted names of the status messages of a response (``The name "X" ...``)."""
    out = []
    for rs in xmlutil.messages(t.response_root()):
        match = re.search(r'"([^"]*)"', rs.get("statusMessage", ""))
        if match:
            out.append(match.group(1))
    return out


def customer_adds_for_names(company: Company, t: Transcript) -> str:
    """[076]: the same CustomerAdd again for every name the real file already had."""
    requests = []
    for rs, name in zip(xmlutil.messages(t.response_root()), names_in_messages(t), strict=True):
        requests.append(build("CustomerAddRq", [build("CustomerAdd", [leaf("Name", name)])],
                              requestID=rs.get("requestID")))
    return _text(requests, "2.0", "continueOnError")


def ret_of(t: Transcript, tag: str) -> etree._Element:
    found = next(t.response_root().iter(tag), None)
    assert found is not None, f"{t.label} has no {tag}"
    return found


def add_from(company: Company, ret: etree._Element, version: str,
             request_id: str | None = None) -> etree._Element:
    """The Add request for ``ret`` with its references resolved in the sandbox."""
    company._scan(ret)
    conv = convert.convert(ret, version=version, resolver=company.resolve)
    return conv.request_element(request_id)
