"""Compare a real QuickBooks response with the sandbox's answer to the same request.

What must match: the Rs elements and their order; statusCode, statusSeverity, statusMessage
(after mapping IDs); requestID and iterator attributes; inside every Ret the element names, their
order (recursively) and their values. What is only checked for form: IDs that the ID map does
not know (``hex-epoch``), EditSequence (digits), TimeCreated/TimeModified/TimeDeleted
(``YYYY-MM-DDTHH:MM:SS±HH:MM``), iteratorID (``{GUID}``), and references to records the test did
not create (company defaults such as templates). Anything else that cannot be reproduced is
named by the caller in :class:`Rules`.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from . import xmlutil

ID_NAMES = frozenset({"ListID", "TxnID", "TxnLineID"})
TIME_NAMES = frozenset({"TimeCreated", "TimeModified", "TimeDeleted"})
ID_FORM = re.compile(r"^[0-9A-F]+-\d{1,10}$|^[0-9A-Za-z]{16}$")
TIME_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
GUID_FORM = re.compile(r"^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                       r"[0-9a-fA-F]{12}\}$")
STATUS_ATTRS = ("statusCode", "statusSeverity", "statusMessage")


@dataclass
class Rules:
    """What a particular comparison tolerates, each entry justified by the caller.

    Paths are ``Rs/Ret/Child/...`` element names without indexes and may use ``*``:
    ``ignore`` — values not compared (element presence and order still are);
    ``optional`` — elements that may be missing or extra on either side;
    ``skip`` — subtrees not compared at all (for parts a source elided);
    ``records`` — ``"ordered"`` compares Rets pairwise; ``"subset"`` finds each real Ret
    among ours by identity and ignores extra records of ours (trimmed corpus responses, lists
    that also hold the sandbox company's own records);
    ``rs_pairs`` — explicit (real index, ours index) pairs when the real response holds only
    some of the Rs (a fragment from a code comment);
    ``attrs_ignore`` — Rs attributes not compared;
    ``per_record_ignore`` — by our record ID: element names whose presence and value are not
    compared inside that record (what the setup could not reproduce);
    ``loose_refs`` — real IDs of records whose name differs in the sandbox on purpose.
    Attributes of elements below the Rs (report cells) are compared like values; a pattern
    ending in ``/@name`` ignores one.
    """

    ignore: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    records: str = "ordered"
    rs_pairs: tuple[tuple[int, int], ...] | None = None
    attrs_ignore: tuple[str, ...] = ()
    per_record_ignore: dict[str, frozenset[str]] = field(default_factory=dict)
    loose_refs: frozenset[str] = frozenset()


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*|\*)", pattern)
    regex = "".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts)
    return re.compile(regex + r"\Z")


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    """Path patterns: ``*`` stays within one element name, ``**`` spans levels."""
    return any(_pattern(p).match(path) for p in patterns)


class _Comparison:
    def __init__(self, id_map: Mapping[str, str], rules: Rules) -> None:
        self.id_map = dict(id_map)
        self.rules = rules
        self.out: list[str] = []

    # -- message level -------------------------------------------------------------------
    def run(self, real: etree._Element, ours: etree._Element) -> list[str]:
        real_rs, our_rs = xmlutil.messages(real), xmlutil.messages(ours)
        if self.rules.rs_pairs is not None:
            pairs = []
            for ri, oi in self.rules.rs_pairs:
                if oi >= len(our_rs):
                    self.out.append(f"Rs[{oi}]: missing (expected {real_rs[ri].tag})")
                else:
                    pairs.append((ri, oi))
        else:
            pairs = self._align([r.tag for r in real_rs], [o.tag for o in our_rs], "Rs")
        for ri, oi in pairs:
            self._rs(real_rs[ri], our_rs[oi], f"Rs[{oi}] {our_rs[oi].tag}")
        return self.out

    def _align(self, real: list[str], ours: list[str], where: str) -> list[tuple[int, int]]:
        pairs: list[tuple[int, int]] = []
        matcher = difflib.SequenceMatcher(a=real, b=ours, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                pairs.extend(zip(range(a1, a2), range(b1, b2), strict=True))
                continue
            for name in real[a1:a2]:
                self.out.append(f"{where}: missing {name}")
            for name in ours[b1:b2]:
                self.out.append(f"{where}: unexpected {name}")
        return pairs

    def _rs(self, real: etree._Element, ours: etree._Element, where: str) -> None:
        for attr in ("requestID", *STATUS_ATTRS, "iteratorRemainingCount"):
            if attr in self.rules.attrs_ignore:
                continue
            want, got = real.get(attr), ours.get(attr)
            if attr == "statusMessage" and want is not None:
                want = xmlutil.replace_in_message(want, self.id_map)
            if want != got:
                self.out.append(f"{where} @{attr}: expected {_show(want)}, got {_show(got)}")
        want_it, got_it = real.get("iteratorID"), ours.get("iteratorID")
        if (want_it is None) != (got_it is None):
            self.out.append(f"{where} @iteratorID: expected {'a GUID' if want_it else 'none'}, "
                            f"got {_show(got_it)}")
        elif got_it is not None and not GUID_FORM.match(got_it):
            self.out.append(f"{where} @iteratorID: {got_it!r} is not a {{GUID}}")
        self._children(real, ours, real.tag, where, top=True)

    # -- records ---------------------------------------------------------------------------
    def _children(self, real: etree._Element, ours: etree._Element, path: str, where: str,
                  top: bool = False, ignored: frozenset[str] = frozenset()) -> None:
        real_kids, our_kids = xmlutil.elements(real), xmlutil.elements(ours)
        if top and self.rules.records == "subset":
            self._subset(real_kids, our_kids, path, where)
            return
        real_kids = [k for k in real_kids if not _matches(f"{path}/{k.tag}", self.rules.skip)]
        our_kids = [k for k in our_kids if not _matches(f"{path}/{k.tag}", self.rules.skip)]
        optional = self.rules.optional
        real_names = [k.tag for k in real_kids]
        our_names = [k.tag for k in our_kids]
        matcher = difflib.SequenceMatcher(a=real_names, b=our_names, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                for r, o in zip(real_kids[a1:a2], our_kids[b1:b2], strict=True):
                    self._element(r, o, f"{path}/{r.tag}", f"{where}/{r.tag}", ignored)
                continue
            before = our_names[b1 - 1] if b1 else "(start)"
            for r in real_kids[a1:a2]:
                if r.tag not in ignored and not _matches(f"{path}/{r.tag}", optional):
                    self.out.append(f"{where}: missing <{r.tag}> (expected after {before})")
            for o in our_kids[b1:b2]:
                if o.tag not in ignored and not _matches(f"{path}/{o.tag}", optional):
                    self.out.append(f"{where}: unexpected <{o.tag}>")

    def _subset(self, real_kids: list[etree._Element], our_kids: list[etree._Element],
                path: str, where: str) -> None:
        index = {self._key(o, mapped=False): i for i, o in enumerate(our_kids)}
        last, last_name = -1, None
        for r in real_kids:
            if _matches(f"{path}/{r.tag}", self.rules.skip):
                continue
            i = index.get(self._key(r, mapped=True))
            label = _label(r)
            if i is None:
                self.out.append(f"{where}: missing {r.tag} {label}")
                continue
            if i < last:
                self.out.append(f"{where}: {r.tag} {label} comes before {last_name}, "
                                f"expected after it")
            last, last_name = i, label
            self._element(r, our_kids[i], f"{path}/{r.tag}", f"{where}/{r.tag}[{label}]")

    def _key(self, el: etree._Element, mapped: bool) -> tuple[str, str]:
        rid = xmlutil.text_of(el, "ListID") or xmlutil.text_of(el, "TxnID")
        if rid:
            return el.tag, (self.id_map.get(rid, rid) if mapped else rid)
        name = xmlutil.text_of(el, "FullName") or xmlutil.text_of(el, "Name") or ""
        return el.tag, name.lower()

    def _element(self, real: etree._Element, ours: etree._Element, path: str, where: str,
                 ignored: frozenset[str] = frozenset()) -> None:
        if _matches(path, self.rules.skip):
            return
        self._attributes(real, ours, path, where)
        if xmlutil.elements(real) or xmlutil.elements(ours):
            our_id = xmlutil.text_of(ours, "ListID") or xmlutil.text_of(ours, "TxnID")
            if our_id and our_id in self.rules.per_record_ignore:
                ignored = ignored | self.rules.per_record_ignore[our_id]
            self._children(real, ours, path, where, ignored=ignored)
            if real.tag.endswith("Ref"):
                self._ref(real, ours, where)
            if not {"TimeCreated", "TimeModified"} & ignored:
                self._relations(real, ours, where)
            return
        parent = real.getparent()
        if parent is not None and parent.tag.endswith("Ref"):
            return   # Ref members are checked together by _ref
        if _matches(path, self.rules.ignore) or real.tag in ignored:
            return
        self._value(real.tag, real.text or "", ours.text or "", where)

    def _attributes(self, real: etree._Element, ours: etree._Element, path: str,
                    where: str) -> None:
        for name in sorted(set(real.attrib) | set(ours.attrib)):
            if _matches(f"{path}/@{name}", self.rules.ignore):
                continue
            want, got = real.get(name), ours.get(name)
            if want != got:
                self.out.append(f"{where} @{name}: expected {_show(want)}, got {_show(got)}")

    def _value(self, name: str, want: str, got: str, where: str) -> None:
        if name in ID_NAMES:
            if want in self.id_map:
                if got != self.id_map[want]:
                    self.out.append(f"{where}: expected {self.id_map[want]!r} "
                                    f"(real {want!r}), got {got!r}")
            elif ID_FORM.match(want) and not ID_FORM.match(got):
                self.out.append(f"{where}: {got!r} is not an ID like {want!r}")
            return
        if name == "EditSequence":
            if not got.isdigit():
                self.out.append(f"{where}: {got!r} is not an edit sequence (digits)")
            return
        if name in TIME_NAMES:
            if not TIME_FORM.match(got):
                self.out.append(f"{where}: {got!r} is not YYYY-MM-DDTHH:MM:SS+HH:MM")
            return
        if ID_FORM.match(want):
            want = self.id_map.get(want, want)
        if want != got:
            self.out.append(f"{where}: expected {want!r}, got {got!r}")

    def _ref(self, real: etree._Element, ours: etree._Element, where: str) -> None:
        """A Ref: ListID by the map (or form), FullName only for records the test created."""
        want_id, got_id = xmlutil.text_of(real, "ListID"), xmlutil.text_of(ours, "ListID")
        known = want_id is not None and want_id in self.id_map and \
            want_id not in self.rules.loose_refs
        if want_id is not None and got_id is not None:
            self._value("ListID", want_id, got_id, f"{where}/ListID")
        want_name, got_name = xmlutil.text_of(real, "FullName"), xmlutil.text_of(ours, "FullName")
        if known and want_name is not None and got_name is not None and want_name != got_name:
            self.out.append(f"{where}/FullName: expected {want_name!r}, got {got_name!r}")

    def _relations(self, real: etree._Element, ours: etree._Element, where: str) -> None:
        """Facts between fields: an Add's TimeModified equals its TimeCreated."""
        rc, rm = xmlutil.text_of(real, "TimeCreated"), xmlutil.text_of(real, "TimeModified")
        oc, om = xmlutil.text_of(ours, "TimeCreated"), xmlutil.text_of(ours, "TimeModified")
        if rc and rm and oc and om and rc == rm and oc != om:
            self.out.append(f"{where}: TimeModified {om} differs from TimeCreated {oc} "
                            f"(equal in the real response)")


def _label(el: etree._Element) -> str:
    name = xmlutil.text_of(el, "FullName") or xmlutil.text_of(el, "Name") or \
        xmlutil.text_of(el, "RefNumber") or xmlutil.text_of(el, "TxnID") or \
        xmlutil.text_of(el, "DataExtName") or ""
    return repr(name)


def _show(value: str | None) -> str:
    return "none" if value is None else repr(value)


def compare(real_xml: str | etree._Element, ours_xml: str | etree._Element,
            id_map: Mapping[str, str] | None = None, rules: Rules | None = None) -> list[str]:
    """Differences between a real response and ours, as readable lines (empty = conform)."""
    real = xmlutil.parse(real_xml) if isinstance(real_xml, str | bytes) else real_xml
    ours = xmlutil.parse(ours_xml) if isinstance(ours_xml, str | bytes) else ours_xml
    return _Comparison(id_map or {}, rules or Rules()).run(real, ours)
