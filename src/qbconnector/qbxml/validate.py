"""Validate a qbXML message set against the spec of the version named in its header.

Reports *every* problem with its path, e.g.
``QBXMLMsgsRq/CustomerAddRq[1]/CustomerAdd/BillAddress/City: 'Springfield...' is 35
characters, at most 31``:
unknown elements, schema order, missing required elements, repeats, OR-groups used twice,
enums, lengths, value syntax, ranges, and elements newer than the version or absent from
QuickBooks Desktop. QuickBooks rejects such a message set as a whole (HRESULT 0x80040400), so
checking before sending saves a round trip and says what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from qbconnector.errors import ValidationError as InvalidRequest
from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml import values, xmlsafe
from qbconnector.qbxml.spec import (
    UNBOUNDED,
    Attr,
    Choice,
    Element,
    Particle,
    Spec,
    _child_index,
    version_key,
)


@dataclass(frozen=True)
class Problem:
    """One reason a message set is invalid, located by its element path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ValidationError(InvalidRequest):
    """A message set that QuickBooks would reject; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class MessageSet:
    """A parsed message set: its family, version, root and message-set element."""

    family: str
    version: str
    root: etree._Element
    msgs: etree._Element | None
    problems: list[Problem]
    # With ``desktop=False``: elements the spec marks as absent from QuickBooks Desktop, which
    # QuickBooks answers with status 530 instead of refusing the message set.
    unsupported: list[etree._Element] = field(default_factory=list)

    @property
    def messages(self) -> list[etree._Element]:
        if self.msgs is None:
            return []
        return _elements(self.msgs)

    @property
    def on_error(self) -> str:
        return "" if self.msgs is None else self.msgs.get("onError", "")


def _elements(parent: etree._Element) -> list[etree._Element]:
    """The child elements of ``parent`` (not processing instructions or comments); one child
    (the usual message set, the usual request) without building an iterator."""
    if len(parent) == 1:
        only = parent[0]
        return [only] if isinstance(only.tag, str) else []
    return [el for el in parent if isinstance(el.tag, str)]


def valid_message_set(root: etree._Element, version: str,
                      family: str = "qbxml") -> MessageSet:
    """The :class:`MessageSet` of a document already known to be valid against ``version``
    (what :func:`read_message_set` returns for it, without validating it again)."""
    return MessageSet(family, version, root, _elements(root)[0], [])


_FAMILY_BY_ROOT = {"QBXML": "qbxml", "QBPOSXML": "qbposxml"}
_PI_BY_FAMILY = {"qbxml": "qbxml", "qbposxml": "qbposxml"}


def read_message_set(text: str | bytes | etree._Element, version: str | None = None,
                     family: str | None = None, *, check: bool = True,
                     lengths: bool = True, desktop: bool = True) -> MessageSet:
    """Parse (safely) and, with ``check``, validate a message set; problems are collected.

    ``version`` overrides the ``<?qbxml version?>`` header. XMLError is raised for text that is
    not acceptable XML at all. ``lengths=False`` leaves string lengths to the caller
    (QuickBooks answers those with status 3070 rather than refusing the message set).
    ``desktop=False`` does the same for elements inside a request that QuickBooks Desktop does
    not have: they are collected in ``unsupported`` (QuickBooks answers them with status 530
    and processes the rest) instead of being problems.
    """
    root = text if isinstance(text, etree._Element) else xmlsafe.parse(text)
    tag = root.tag
    fam = family or _FAMILY_BY_ROOT.get(tag, "qbxml")
    problems: list[Problem] = []
    if tag not in _FAMILY_BY_ROOT:
        problems.append(Problem(tag, "the root element must be QBXML or QBPOSXML"))
        return MessageSet(fam, version or "", root, None, problems)
    sp = specmod.load(fam)
    declared = version or xmlsafe.declared_version(root, _PI_BY_FAMILY[fam]) or ""
    if not declared:
        # Responses carry no version header (QuickBooks answers in the request's version);
        # they are checked against the newest spec.
        if not any(isinstance(el.tag, str) and el.tag.endswith("MsgsRs") for el in root):
            problems.append(Problem(tag, f"missing <?{_PI_BY_FAMILY[fam]} "
                                         "version=\"...\"?> header naming the version"))
        declared = sp.latest
    try:
        resolved = sp.check_version(declared)
    except ValueError as exc:
        problems.append(Problem(tag, str(exc)))
        return MessageSet(fam, declared, root, None, problems)
    sets = _elements(root)
    if root.text and root.text.strip():
        problems.append(Problem(tag, "text is not allowed here"))
    if len(sets) != 1:
        problems.append(Problem(tag, f"must contain exactly one message set, found "
                                     f"{len(sets)}"))
    msgs = sets[0] if sets else None
    result = MessageSet(fam, resolved, root, msgs, problems)
    if msgs is None:
        return result
    set_tag = msgs.tag
    set_spec = sp.message_sets.get(set_tag)
    if set_spec is None or not set_tag.endswith(("MsgsRq", "MsgsRs")):
        problems.append(Problem(set_tag, f"unknown message set element; expected one of "
                                         f"{', '.join(sorted(sp.message_sets))}"))
        result.msgs = None
        return result
    if check:
        validator = Validator(sp, resolved, problems, lengths, desktop)
        validator.message_set(set_spec, msgs)
        result.unsupported = validator.unsupported
    return result


def validate(text: str | bytes | etree._Element, version: str | None = None,
             family: str | None = None) -> list[Problem]:
    """Every problem of a message set (empty when valid); malformed XML is one problem."""
    try:
        return read_message_set(text, version, family).problems
    except xmlsafe.XMLError as exc:
        return [Problem("(document)", str(exc))]


def check(text: str | bytes, version: str | None = None, family: str | None = None) -> None:
    """Raise ValidationError listing every problem unless the message set is valid."""
    problems = validate(text, version, family)
    if problems:
        raise ValidationError(problems)


class Validator:
    """Walks an XML tree against the spec at one version, collecting problems."""

    def __init__(self, sp: Spec, version: str, problems: list[Problem],
                 lengths: bool = True, desktop: bool = True) -> None:
        self.spec = sp
        self.version = version
        self.vkey = version_key(version)
        self.problems = problems
        self.lengths = lengths
        self._usable: dict[int, bool] = {}
        self.desktop = desktop
        self.unsupported: list[etree._Element] = []

    # -- helpers -----------------------------------------------------------------------------
    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def gate(self, node: Element | Choice) -> str | None:
        """Why a node is not available at this version in QuickBooks Desktop, if it is not."""
        if not node.qbd:
            return "not supported by QuickBooks Desktop"
        if node.since and version_key(node.since) > self.vkey:
            return f"not in qbXML {self.version} (added in {node.since})"
        return None

    def usable(self, node: Element | Choice) -> bool:
        known = self._usable.get(id(node))
        if known is None:
            known = self._usable[id(node)] = self.gate(node) is None
        return known

    def only_not_desktop(self, node: Element, gates: tuple) -> bool:
        """True when the node exists at this version and its only fault is being absent from
        QuickBooks Desktop (a status 530 in QuickBooks, not a parse error)."""
        nodes = (*gates, node)
        return all(not (n.since and version_key(n.since) > self.vkey) for n in nodes) and \
            any(not n.qbd for n in nodes)

    # -- message-set level ---------------------------------------------------------------------
    def message_set(self, set_spec: Element, msgs: etree._Element) -> None:
        set_tag = msgs.tag
        self.attributes(set_spec, msgs, set_tag)
        if msgs.text and msgs.text.strip():
            self.add(set_tag, "text is not allowed here")
        counts: dict[str, int] = {}
        index = _child_index(set_spec)    # the spec's index: no set built per request
        for el in msgs:
            tag = el.tag
            if not isinstance(tag, str):
                continue
            count = counts[tag] = counts.get(tag, 0) + 1
            path = f"{set_tag}/{tag}[{count}]"
            message = index.get(tag)
            if message is None:
                other = self.spec.message_set_of.get(tag)
                hint = f" (it belongs in {other})" if other else ""
                self.add(path, f"unknown {self.spec.family} message{hint}")
                continue
            why = self.gate(message)
            if why:
                self.add(path, why)
                continue
            self.attributes(message, el, path)     # self.element(), spelt out
            if message.type:
                self.leaf(message, el, path)
            else:
                self.aggregate(message, el, path)

    # -- elements ----------------------------------------------------------------------------
    def element(self, node: Element, el: etree._Element, path: str) -> None:
        self.attributes(node, el, path)
        if node.type:
            self.leaf(node, el, path)
        else:
            self.aggregate(node, el, path)

    def attributes(self, node: Element, el: etree._Element, path: str) -> None:
        facts = _ATTRIBUTES.get(id(node))
        if facts is None:
            facts = _ATTRIBUTES[id(node)] = _attribute_facts(node)
        known, required = facts
        attrib = el.attrib
        if attrib:
            for name, value in el.items() if len(attrib) <= 8 else xmlsafe.attributes(el):
                attr = known.get(name)
                if attr is None:
                    self.add(path, f"unknown attribute {name!r}")
                elif attr.enum and value not in attr.enum:
                    self.add(path, f"attribute {name}={value!r} is not one of: "
                                   f"{', '.join(attr.enum)}")
        for name in required:
            if name not in attrib:
                self.add(path, f"missing required attribute {name!r}")

    def leaf(self, node: Element, el: etree._Element, path: str) -> None:
        if len(el):
            self.add(path, f"{node.name} holds a value and cannot contain elements")
            return
        text = el.text or ""
        type_name = node.type
        if node.macro and text.startswith("TxnID:"):
            return
        if node.enum is not None:
            if text not in node.enum:
                shown = ", ".join(node.enum[:12]) + (", ..." if len(node.enum) > 12 else "")
                self.add(path, f"{text!r} is not one of: {shown}")
            return
        problem = values.syntax_problem(type_name, text)
        if problem:
            self.add(path, problem)
            return
        limit = (node.maxlen if self.lengths else 0) or (
            values.ID_MAX_LENGTH if type_name == "IDTYPE" else 0)
        if limit and len(text) > limit:
            shown = text if len(text) <= 60 else text[:57] + "..."
            self.add(path, f"{shown!r} is {len(text)} characters, at most {limit}")
        if text and (node.minv is not None or node.maxv is not None):
            try:
                number = Decimal(text)
            except InvalidOperation:
                return
            if node.minv is not None and number < Decimal(node.minv):
                self.add(path, f"{text} is below the minimum of {node.minv}")
            if node.maxv is not None and number > Decimal(node.maxv):
                self.add(path, f"{text} is above the maximum of {node.maxv}")

    def aggregate(self, node: Element, el: etree._Element, path: str) -> None:
        if el.text and el.text.strip():
            self.add(path, "text is not allowed here; expected elements")
        index = _child_index(node)
        known: list[etree._Element] = []
        for child in el:
            tag = child.tag
            if tag in index:
                known.append(child)
            elif isinstance(tag, str):
                self.add(f"{path}/{tag}", f"unknown element in {node.name}")
        if not known:
            fits = _EMPTY_FITS.get(id(node))
            if fits is None:
                fits = _EMPTY_FITS[id(node)] = not node.children or \
                    _fast_match(node, []) is not None
            if fits:        # nothing inside, and nothing is required (a HostQueryRq)
                return
        matched = _fast_match(node, known)
        if matched is None:
            matched = self.match(node, known, path)
        counts: dict[str, int] = {}
        usable = self.usable
        for child, spec_el, gates in matched:
            tag = child.tag
            child_path = f"{path}/{tag}"
            if spec_el.repeats or (gates and any(g.repeats for g in gates)):
                counts[tag] = counts.get(tag, 0) + 1
                child_path += f"[{counts[tag]}]"
            if not usable(spec_el) or (gates and not all(usable(g) for g in gates)):
                why = next((w for w in (self.gate(g) for g in gates) if w), None) or \
                    self.gate(spec_el)
                if not self.desktop and self.only_not_desktop(spec_el, gates):
                    self.unsupported.append(child)
                else:
                    self.add(child_path, why or "not available")
                continue
            if spec_el.type:
                if child.attrib or spec_el.attrs:
                    self.attributes(spec_el, child, child_path)
                self.leaf(spec_el, child, child_path)
            else:
                self.element(spec_el, child, child_path)

    # -- content model matching ----------------------------------------------------------------
    def match(self, node: Element, children: list[etree._Element], path: str) -> list:
        """Match children against the content model, reporting order/cardinality problems."""
        names = [c.tag for c in children]
        keep = list(range(len(children)))
        while True:
            run = _Run(self, [names[k] for k in keep], record=False)
            end = run.sequence(node.children, 0, ())
            if end >= len(keep):
                break
            bad = keep[end]
            self.misplaced(node, children, keep, end, run, path)
            keep.remove(bad)
        final = _Run(self, [names[k] for k in keep], record=True, path=path,
                     skip_missing={names[k] for k in range(len(names)) if k not in keep})
        final.sequence(node.children, 0, ())
        return [(children[keep[i]], el, gates) for i, el, gates in final.assigned]

    def misplaced(self, node: Element, children: list, keep: list[int], end: int,
                  run: _Run, path: str) -> None:
        child = children[keep[end]]
        name = child.tag
        where = f"{path}/{name}"
        previous = children[keep[end - 1]].tag if end > 0 else None
        for choice, branch in run.chosen:
            if any(name in _names(b) for b in choice.branches if b is not branch) and \
                    name not in _names(branch):
                used = next((n for n in _names(branch) if n in run.names[:end]), None)
                self.add(where, f"cannot be used together with {used or 'the other choice'} "
                                f"(only one of: {_alternatives(choice)})")
                return
        repeated = name in run.names[:end] and node.child(name).max != UNBOUNDED
        if previous == name or repeated:
            self.add(where, f"may appear only once in {node.name}")
        elif previous:
            self.add(where, f"out of order: {name} must come before {previous}")
        else:
            self.add(where, f"not allowed here in {node.name}")


class _Run:
    """One greedy pass of content-model matching over a list of child names."""

    def __init__(self, validator: Validator, names: list[str], record: bool, path: str = "",
                 skip_missing: set[str] | None = None) -> None:
        self.v = validator
        self.names = names
        self.record = record
        self.path = path
        self.skip_missing = skip_missing or set()
        self.assigned: list[tuple[int, Element, tuple]] = []
        self.chosen: list[tuple[Choice, tuple]] = []

    def missing(self, message: str) -> None:
        if self.record:
            self.v.add(self.path, message)

    def sequence(self, particles: tuple[Particle, ...], i: int, gates: tuple) -> int:
        for p in particles:
            i = self.particle(p, i, gates)
        return i

    def particle(self, p: Particle, i: int, gates: tuple) -> int:
        names = self.names
        if isinstance(p, Element):
            n = 0
            while i < len(names) and names[i] == p.name and (p.max == UNBOUNDED or n < p.max):
                self.assigned.append((i, p, gates))
                i += 1
                n += 1
            if n < p.min and p.name not in self.skip_missing and self.available(p, gates):
                self.missing(f"missing required element {p.name}")
            return i
        count = 0
        chosen = None
        while i < len(names):
            candidates = [b for b in p.branches if names[i] in _first(b)]
            if not candidates:
                break
            branch = candidates[0] if len(candidates) == 1 else self.best(candidates, i, gates)
            j = self.sequence(branch, i, gates + (p,))
            if j == i:
                break
            chosen = branch
            self.chosen.append((p, branch))
            count += 1
            i = j
            if p.max != UNBOUNDED and count >= p.max:
                break
        if count == 0 and p.min >= 1 and self.available(p, gates) and \
                not any(_nullable(b) for b in p.branches) and \
                not any(n in self.skip_missing for b in p.branches for n in _names(b)):
            self.missing(f"missing one of: {_alternatives(p)}")
        if chosen is not None and p.max == 1:
            others = set().union(*(_names(b) for b in p.branches if b is not chosen)) - \
                _names(chosen)
            # No name of an OR-group also follows it in the same sequence (checked over the
            # whole spec), so a name from another branch right here is always a conflict.
            while i < len(names) and names[i] in others:
                if self.record:
                    used = next((n for n in names[:i] if n in _names(chosen)), "another choice")
                    self.v.add(f"{self.path}/{names[i]}",
                               f"cannot be used together with {used} "
                               f"(only one of: {_alternatives(p)})")
                i += 1
        return i

    def best(self, branches: list, i: int, gates: tuple) -> tuple:
        best, best_end = branches[0], -1
        for branch in branches:
            trial = _Run(self.v, self.names, record=False)
            end = trial.sequence(branch, i, gates)
            if end > best_end:
                best, best_end = branch, end
        return best

    def available(self, p: Particle, gates: tuple) -> bool:
        return self.v.usable(p) and all(self.v.usable(g) for g in gates)


# -- fast path: a content model compiled to a regular expression over child-name tokens ----------

_ATTRIBUTES: dict[int, tuple[dict[str, Attr], tuple[str, ...]]] = {}


def _attribute_facts(node: Element) -> tuple[dict[str, Attr], tuple[str, ...]]:
    """A spec element's attributes by name (the first of a name, as Element.attr finds it)
    and the names it requires: worked out once per element (keyed by id: spec elements live
    as long as the process)."""
    known: dict[str, Attr] = {}
    for attr in node.attrs:
        known.setdefault(attr.name, attr)
    return known, tuple(attr.name for attr in node.attrs if attr.required)


_TOKENS: dict[str, str] = {}
_EMPTY_FITS: dict[int, bool] = {}     # by id(spec element): may it be empty?
_PATTERNS: dict[int, re.Pattern[str]] = {}
_GATES: dict[int, dict[str, tuple]] = {}
_QUANT = {(1, 1): "", (0, 1): "?", (0, UNBOUNDED): "*", (1, UNBOUNDED): "+"}


def _token(name: str) -> str:
    token = _TOKENS.get(name)
    if token is None:
        token = _TOKENS[name] = chr(0xE000 + len(_TOKENS))
    return token


def _regex(particles: tuple[Particle, ...]) -> str:
    out = []
    for p in particles:
        if isinstance(p, Element):
            body = re.escape(_token(p.name))
        else:
            body = "(?:" + "|".join(_regex(b) for b in p.branches) + ")"
        out.append(body + _QUANT.get((min(p.min, 1), p.max), "*"))
    return "".join(out)


def _gates(element: Element) -> dict[str, tuple]:
    index = _GATES.get(id(element))
    if index is None:
        index = {}

        def walk(particles: tuple, gates: tuple) -> None:
            for p in particles:
                if isinstance(p, Element):
                    index.setdefault(p.name, gates)
                else:
                    for branch in p.branches:
                        walk(branch, gates + (p,))
        walk(element.children, ())
        _GATES[id(element)] = index
    return index


def _fast_match(node: Element, children: list[etree._Element]) -> list | None:
    """The children matched in one regular-expression test when they fit the content model
    (the usual case); None sends the caller to the slow matcher, which explains problems."""
    pattern = _PATTERNS.get(id(node))
    if pattern is None:
        pattern = _PATTERNS[id(node)] = re.compile(_regex(node.children))
    if pattern.fullmatch("".join(_token(c.tag) for c in children)) is None:
        return None
    gates = _gates(node)
    child = node.child
    return [(c, child(c.tag), gates[c.tag]) for c in children]


_FIRST: dict[int, frozenset[str]] = {}
_NAMES: dict[int, frozenset[str]] = {}
_NULLABLE: dict[int, bool] = {}


def _first(branch: tuple[Particle, ...]) -> frozenset[str]:
    """Names that can start a sequence."""
    key = id(branch)
    cached = _FIRST.get(key)
    if cached is None:
        out: set[str] = set()
        for p in branch:
            if isinstance(p, Element):
                out.add(p.name)
                if p.min >= 1:
                    break
            else:
                for b in p.branches:
                    out |= _first(b)
                if p.min >= 1 and not any(_nullable(b) for b in p.branches):
                    break
        cached = _FIRST[key] = frozenset(out)
    return cached


def _names(branch: tuple[Particle, ...]) -> frozenset[str]:
    key = id(branch)
    cached = _NAMES.get(key)
    if cached is None:
        cached = _NAMES[key] = frozenset(e.name for e in specmod.iter_elements(branch))
    return cached


def _nullable(branch: tuple[Particle, ...]) -> bool:
    key = id(branch)
    cached = _NULLABLE.get(key)
    if cached is None:
        cached = all((p.min == 0) if isinstance(p, Element) else
                     (p.min == 0 or any(_nullable(b) for b in p.branches)) for p in branch)
        _NULLABLE[key] = cached
    return cached


def _alternatives(choice: Choice) -> str:
    parts = []
    for branch in choice.branches:
        names = [e.name for e in specmod.iter_elements(branch)]
        parts.append(names[0] if len(names) == 1 else f"({' '.join(names[:3])}"
                     f"{' ...' if len(names) > 3 else ''})")
    return " | ".join(parts)
