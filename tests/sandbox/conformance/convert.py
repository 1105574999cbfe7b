"""Turn a ``*Ret`` record from a real response into the request that would create (or modify) it.

The target message comes from the compiled spec, so the output keeps schema order and carries
only what the Add/Mod accepts: computed and read-only fields (IDs, times, FullName, Sublevel,
balances, address blocks, totals, line IDs, linked transactions) fall away. Refs become
``FullName`` references unless a resolver says otherwise (the setup maps them to sandbox IDs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from qbconnector.qbxml import spec as specmod
from qbconnector.qbxml.spec import Choice, Element, version_key

from . import xmlutil

# Never carried into an Add: QuickBooks computes or assigns them.
COMPUTED = frozenset({
    "ListID", "TxnID", "TxnLineID", "TimeCreated", "TimeModified", "EditSequence", "TxnNumber",
    "FullName", "Sublevel", "Balance", "TotalBalance", "LinkedTxn", "Subtotal",
    "BalanceRemaining", "AppliedAmount", "IsPaid", "SalesTaxTotal", "SalesTaxPercentage",
    "CreditRemaining", "UnusedPayment", "UnusedCredits", "QuantityOnOrder",
    "QuantityOnSalesOrder", "AverageCost", "TotalAmountInHomeCurrency", "IsFullyInvoiced",
    "IsFullyReceived", "ReceivedQuantity", "Invoiced", "IsBilled", "DataExtRet",
})
# Contact entries QuickBooks generates from Phone, AltPhone, Fax, Email, Cc (12.0+).
AUTO_CONTACTS = frozenset({"Main Phone", "Alt. Phone", "Fax", "Main Email", "CC Email",
                           "Mobile", "Pager"})
LINE_SUFFIXES = ("LineRet", "LineGroupRet")

RefResolver = Callable[[etree._Element, Element, str], etree._Element | None]


def fullname_ref(src: etree._Element, target: Element, path: str) -> etree._Element | None:
    """Default resolver: a Ref by FullName (ListID when the source has no name)."""
    name = xmlutil.text_of(src, "FullName")
    out = etree.Element(target.name)
    if name is not None:
        etree.SubElement(out, "FullName").text = name
    else:
        list_id = xmlutil.text_of(src, "ListID")
        if list_id is None:
            return None
        etree.SubElement(out, "ListID").text = list_id
    return out


@dataclass
class Converted:
    """The request built from a Ret: request name, aggregate, and what was left out."""

    request: str
    body: etree._Element
    dropped: list[str] = field(default_factory=list)

    def request_element(self, request_id: str | None = None) -> etree._Element:
        rq = xmlutil.build(self.request, [self.body], requestID=request_id)
        return rq


def request_names(ret_tag: str, mode: str = "Add") -> tuple[str, str]:
    """('CustomerRet', 'Add') -> ('CustomerAddRq', 'CustomerAdd')."""
    if not ret_tag.endswith("Ret"):
        raise ValueError(f"not a Ret element: {ret_tag}")
    base = ret_tag[:-3]
    return f"{base}{mode}Rq", f"{base}{mode}"


def is_ref(definition: Element) -> bool:
    names = definition.child_names()
    return (not definition.is_leaf and definition.name.endswith("Ref")
            and ("FullName" in names or "ListID" in names))


def _candidates(tag: str, mode: str) -> tuple[str, ...]:
    if tag == "TaxLineInfoRet":     # AccountAdd takes the tax line by its ID
        return ("TaxLineID",)
    if tag.endswith("Ret"):
        base = tag[:-3]
        return (tag, base + mode, base, base + "Add")
    return (tag,)


def _is_computed(tag: str, mode: str) -> bool:
    if tag.endswith("Block"):
        return True
    if mode == "Mod" and tag in ("ListID", "TxnID", "EditSequence", "TxnLineID"):
        return False
    return tag in COMPUTED


def _available(sp: specmod.Spec, definition: Element, parent_since: str,
               version: str) -> tuple[bool, str]:
    since = definition.since or parent_since
    if not definition.qbd:
        return False, since
    if since and version_key(since) > version_key(version):
        return False, since
    return True, since


def _amount(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "") else None
    except InvalidOperation:
        return None


def _drop_derived_line_values(line: etree._Element, src: etree._Element) -> None:
    """Leave out what QuickBooks derives: Amount = Quantity x Rate, Rate from Amount alone."""
    qty, rate, amount = (_amount(xmlutil.text_of(src, n)) for n in ("Quantity", "Rate", "Amount"))
    if qty is not None and rate is not None and amount is not None:
        if (qty * rate).quantize(Decimal("0.01")) == amount:
            for el in line.findall("Amount"):
                line.remove(el)
    elif qty is None and rate is not None and amount is not None:
        for el in line.findall("Rate"):
            line.remove(el)


class Converter:
    """Builds Add/Mod aggregates from Rets for one qbXML version."""

    def __init__(self, version: str | None = None, resolver: RefResolver = fullname_ref,
                 mode: str = "Add") -> None:
        self.sp = specmod.load()
        self.version = version or self.sp.latest
        self.resolver = resolver
        self.mode = mode

    def convert(self, ret: etree._Element, request: str | None = None) -> Converted:
        """Convert ``ret`` to the aggregate of ``request`` (default: the Ret's own Add/Mod)."""
        rq_name, agg_name = request_names(ret.tag, self.mode)
        if request is not None:
            rq_name = request
        message = self.sp.message(rq_name)
        target = message.child(agg_name) or next(
            e for e in specmod.iter_elements(message.children) if not e.is_leaf)
        dropped: list[str] = []
        body = self._aggregate(ret, target, target.since, target.name, dropped)
        return Converted(rq_name, body, dropped)

    def _aggregate(self, src: etree._Element, target: Element, since: str, path: str,
                   dropped: list[str]) -> etree._Element:
        out = etree.Element(target.name)
        used: set[int] = set()
        children = xmlutil.elements(src)
        self._particles(children, target.children, since, path, out, used, dropped)
        for i, child in enumerate(children):
            if i not in used:
                dropped.append(f"{path}/{child.tag}")
        if target.name.endswith(("LineAdd", "LineMod")):
            _drop_derived_line_values(out, src)
        return out

    def _particles(self, children: list[etree._Element], particles: tuple, since: str,
                   path: str, out: etree._Element, used: set[int], dropped: list[str]) -> None:
        for particle in particles:
            if isinstance(particle, Choice) and particle.repeats:
                # A repeating OR-group (journal lines, line vs group lines): keep source order.
                defs: dict[str, Element] = {}
                for branch in particle.branches:
                    for e in specmod.iter_elements(branch):
                        defs.setdefault(e.name, e)
                for i, child in enumerate(children):
                    name = self._match(child.tag, defs)
                    if name is not None and i not in used:
                        used.add(i)
                        self._emit(child, defs[name], since, path, out, dropped)
            elif isinstance(particle, Choice):
                for branch in particle.branches:
                    self._particles(children, branch, since, path, out, used, dropped)
            else:
                for i, child in enumerate(children):
                    if i in used or self._match(child.tag, {particle.name: particle}) is None:
                        continue
                    used.add(i)
                    self._emit(child, particle, since, path, out, dropped)
                    if not particle.repeats:
                        break

    def _match(self, tag: str, defs: dict[str, Element]) -> str | None:
        if _is_computed(tag, self.mode):
            return None
        for name in _candidates(tag, self.mode):
            if name in defs:
                return name
        return None

    def _emit(self, src: etree._Element, definition: Element, since: str, path: str,
              out: etree._Element, dropped: list[str]) -> None:
        here = f"{path}/{definition.name}"
        ok, own_since = _available(self.sp, definition, since, self.version)
        if not ok:
            dropped.append(f"{here} (not in {self.version})")
            return
        if definition.name == "AdditionalContactRef" and \
                xmlutil.text_of(src, "ContactName") in AUTO_CONTACTS:
            dropped.append(f"{here} (generated by QuickBooks)")
            return
        if src.tag == "AdditionalNotesRet" and xmlutil.text_of(src, "NoteID") == "0":
            dropped.append(f"{here} (note 0 is the Notes field)")
            return
        if definition.is_leaf:
            text = src.text or ""
            if len(xmlutil.elements(src)):
                inner = xmlutil.text_of(src, definition.name)
                if inner is None:
                    dropped.append(f"{here} (aggregate in the Ret)")
                    return
                text = inner
            if definition.enum and text not in definition.enum:
                # Rets may carry values an Add cannot send (PreferredDeliveryMethod Mail).
                dropped.append(f"{here} ({text!r} cannot be sent)")
                return
            etree.SubElement(out, definition.name).text = text
            return
        if is_ref(definition):
            ref = self.resolver(src, definition, here)
            if ref is None:
                dropped.append(f"{here} (unresolved reference)")
            else:
                out.append(ref)
            return
        child = self._aggregate(src, definition, own_since, here, dropped)
        if len(child) or not xmlutil.elements(src) or definition.name.endswith(
                ("LineAdd", "LineMod")):
            out.append(child)
        else:
            dropped.append(f"{here} (empty after conversion)")


def convert(ret: etree._Element, mode: str = "Add", version: str | None = None,
            resolver: RefResolver = fullname_ref, request: str | None = None) -> Converted:
    """Convert one Ret to its Add (or Mod) aggregate; see :class:`Converter`."""
    return Converter(version, resolver, mode).convert(ret, request)
