"""Prepare a sandbox company file with the records a transcript refers to.

Records are created through qbXML itself (Add requests built by :mod:`convert` from the Rets
of the corpus), so the setup exercises the sandbox like any client would. Every created record
is entered in the ID map: transcript ListID/TxnID/TxnLineID/EditSequence -> the sandbox's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from qbconnector.qbxml.spec import Element

from . import convert, pseudo, xmlutil
from .corpus import Knowledge
from .pseudo import ACCOUNT_ROLE
from .xmlutil import build, leaf, text_of


class SetupError(RuntimeError):
    """The sandbox refused a request the setup needed; carries what it said."""


@dataclass(frozen=True)
class Kind:
    """A list the setup can look records up in and create records for."""

    query: str
    rets: tuple[str, ...]
    hierarchical: bool = False


KINDS: dict[str, Kind] = {
    "Customer": Kind("CustomerQueryRq", ("CustomerRet",), True),
    "Vendor": Kind("VendorQueryRq", ("VendorRet",)),
    "Employee": Kind("EmployeeQueryRq", ("EmployeeRet",)),
    "OtherName": Kind("OtherNameQueryRq", ("OtherNameRet",)),
    "Account": Kind("AccountQueryRq", ("AccountRet",), True),
    "Item": Kind("ItemQueryRq", ("ItemServiceRet", "ItemNonInventoryRet", "ItemOtherChargeRet",
                                 "ItemInventoryRet", "ItemInventoryAssemblyRet",
                                 "ItemFixedAssetRet", "ItemSubtotalRet", "ItemDiscountRet",
                                 "ItemPaymentRet", "ItemSalesTaxRet", "ItemSalesTaxGroupRet",
                                 "ItemGroupRet"), True),
    "Class": Kind("ClassQueryRq", ("ClassRet",), True),
    "Terms": Kind("TermsQueryRq", ("StandardTermsRet", "DateDrivenTermsRet")),
    "SalesRep": Kind("SalesRepQueryRq", ("SalesRepRet",)),
    "CustomerType": Kind("CustomerTypeQueryRq", ("CustomerTypeRet",), True),
    "VendorType": Kind("VendorTypeQueryRq", ("VendorTypeRet",), True),
    "JobType": Kind("JobTypeQueryRq", ("JobTypeRet",), True),
    "PaymentMethod": Kind("PaymentMethodQueryRq", ("PaymentMethodRet",)),
    "ShipMethod": Kind("ShipMethodQueryRq", ("ShipMethodRet",)),
    "CustomerMsg": Kind("CustomerMsgQueryRq", ("CustomerMsgRet",)),
    "PriceLevel": Kind("PriceLevelQueryRq", ("PriceLevelRet",)),
    "SalesTaxCode": Kind("SalesTaxCodeQueryRq", ("SalesTaxCodeRet",)),
    "ItemSalesTax": Kind("ItemQueryRq", ("ItemSalesTaxRet", "ItemSalesTaxGroupRet")),
    "UnitOfMeasureSet": Kind("UnitOfMeasureSetQueryRq", ("UnitOfMeasureSetRet",)),
}
ENTITY_KINDS = ("Customer", "Vendor", "Employee", "OtherName")
# Lists a file may lack a preference for (units of measure, price levels): a reference to them
# is left out, and said so, when the sandbox refuses to create one.
SOFT_KINDS = ("UnitOfMeasureSet", "PriceLevel", "Class")
RET_KIND = {ret: name for name, kind in KINDS.items() for ret in kind.rets
            if name != "ItemSalesTax"}
REF_KIND = {
    "CustomerRef": "Customer", "VendorRef": "Vendor", "PrefVendorRef": "Vendor",
    "TaxVendorRef": "Vendor", "SupervisorRef": "Employee", "TermsRef": "Terms",
    "ClassRef": "Class", "SalesRepRef": "SalesRep", "CustomerTypeRef": "CustomerType",
    "VendorTypeRef": "VendorType", "JobTypeRef": "JobType", "PaymentMethodRef": "PaymentMethod",
    "PreferredPaymentMethodRef": "PaymentMethod", "ShipMethodRef": "ShipMethod",
    "CustomerMsgRef": "CustomerMsg", "PriceLevelRef": "PriceLevel",
    "SalesTaxCodeRef": "SalesTaxCode", "CustomerSalesTaxCodeRef": "SalesTaxCode",
    "PurchaseTaxCodeRef": "SalesTaxCode", "ItemSalesTaxRef": "ItemSalesTax",
    "UnitOfMeasureSetRef": "UnitOfMeasureSet", "OverrideUOMSetRef": "UnitOfMeasureSet",
    "EntityRef": "Entity", "PayeeEntityRef": "Entity", "SalesRepEntityRef": "Entity",
}
BALANCE_SHEET_OPENING = ("Bank", "OtherCurrentAsset", "FixedAsset", "OtherAsset", "CreditCard",
                         "OtherCurrentLiability", "LongTermLiability", "Equity")
LINE_TAGS = re.compile(r".*(LineRet|LineGroupRet|JournalDebitLine|JournalCreditLine)$")
# Defaults QuickBooks gives a new record that a user may clear afterwards: when the real Ret
# lacks one the sandbox filled in, the real file's user cleared it, and the setup does too.
CLEARABLE_DEFAULTS = {"CustomerRet": ("SalesTaxCodeRef", "ItemSalesTaxRef")}


def _dec(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


class Company:
    """One sandbox company file under preparation, reached through a Session."""

    def __init__(self, session, knowledge: Knowledge, version: str = xmlutil.NEWEST) -> None:
        self.session = session
        self.knowledge = knowledge
        self.version = version
        self.id_map: dict[str, str] = {}
        self.current_es: dict[str, str] = {}          # our ID -> current EditSequence
        self.not_reproduced: dict[str, frozenset[str]] = {}   # our ID -> fields left alone
        self.steps: list[str] = []
        self.loose: set[str] = set()     # real IDs whose sandbox record has another name
        # Old files number each list on its own (a term and a customer type can both be
        # 20000-933272658): references are mapped per list, and an ID that stands for two
        # records is left out of the ID map (compared by form only).
        self.ref_map: dict[tuple[str, str], str] = {}
        self.ambiguous: set[str] = set()
        self._accounts: list[etree._Element] | None = None
        self._hints: dict[str, tuple[str, str | None]] = {}
        self._roles: dict[str, set[str]] = {}

    # -- talking to the sandbox --------------------------------------------------------------
    def process(self, text: str) -> str:
        return self.session.process(text)

    def request(self, rq: etree._Element, *, allow: tuple[int, ...] = (0,),
                version: str | None = None) -> etree._Element:
        """Send one request; return its Rs (SetupError unless the status is allowed)."""
        text = xmlutil.message_set_text([rq], version or self.version)
        try:
            answer = self.process(text)
        except Exception as exc:   # the request processor refused it (an HRESULT)
            if not hasattr(exc, "hresult"):
                raise
            body = etree.tostring(rq, encoding="unicode")[:300]
            raise SetupError(f"{rq.tag} refused by the request processor: {exc} for {body}") \
                from exc
        rs = xmlutil.messages(xmlutil.parse(answer))[0]
        code = int(rs.get("statusCode", "-1"))
        if code not in allow:
            body = etree.tostring(rq, encoding="unicode")[:300]
            raise SetupError(f"{rq.tag} answered {code} {rs.get('statusMessage')!r} "
                             f"for {body}")
        return rs

    def query(self, rq_name: str, *children: etree._Element) -> list[etree._Element]:
        rs = self.request(build(rq_name, list(children)), allow=(0, 1, 500))
        return [r for r in xmlutil.elements(rs) if r.tag.endswith("Ret")]

    def preferences(self) -> dict[str, object]:
        """The sandbox company's preferences that change what QuickBooks returns."""
        rets = self.query("PreferencesQueryRq")
        prefs = rets[0] if rets else build("PreferencesRet")
        tax = prefs.find("SalesTaxPreferences")
        return {
            "sales_tax": tax is not None,
            "default_item_sales_tax": tax is not None and tax.find("DefaultItemSalesTaxRef")
            is not None,
            "multicurrency": prefs.findtext("MultiCurrencyPreferences/IsMultiCurrencyOn")
            == "true",
            "account_numbers": prefs.findtext("AccountingPreferences/IsUsingAccountNumbers")
            == "true",
            "class_tracking": prefs.findtext("AccountingPreferences/IsUsingClassTracking")
            == "true",
        }

    # -- finding ---------------------------------------------------------------------------
    def find(self, kind: str, full_name: str) -> etree._Element | None:
        """The sandbox record of ``kind`` called ``full_name`` (case-insensitive), or None."""
        kinds = ENTITY_KINDS if kind == "Entity" else (kind,)
        for k in kinds:
            spec = KINDS[k]
            for ret in self.query(spec.query, leaf("FullName", full_name)):
                if ret.tag in spec.rets:
                    return ret
        if kind == "Account" and full_name.startswith("*"):
            return self.find(kind, full_name.lstrip("*"))
        return None

    def accounts(self) -> list[etree._Element]:
        if self._accounts is None:
            self._accounts = self.query("AccountQueryRq", leaf("ActiveStatus", "All"))
        return self._accounts

    def remember(self, real: etree._Element | None, ours: etree._Element,
                 kind: str | None = None) -> str:
        """Map the IDs and EditSequence of a real record onto ours; return our ID."""
        our_id = text_of(ours, "ListID") or text_of(ours, "TxnID") or ""
        es = text_of(ours, "EditSequence")
        if es:
            self.current_es[our_id] = es
        if real is not None:
            real_id = text_of(real, "ListID") or text_of(real, "TxnID")
            if real_id:
                self.ref_map[(kind or RET_KIND.get(real.tag) or real.tag, real_id)] = our_id
                self.map_id(real_id, our_id)
            real_es = text_of(real, "EditSequence")
            if real_es and es:
                self.id_map.setdefault(real_es, es)
        return our_id

    def map_id(self, real_id: str, our_id: str) -> None:
        """Enter one ID in the map, unless it already stands for another of our records."""
        if real_id in self.ambiguous:
            return
        if self.id_map.get(real_id, our_id) != our_id:
            self.ambiguous.add(real_id)
            del self.id_map[real_id]
            return
        self.id_map[real_id] = our_id

    # -- references ------------------------------------------------------------------------
    def resolve(self, src: etree._Element, target: Element, path: str) -> etree._Element | None:
        """Converter hook: make sure the referenced record exists; refer to it by ListID."""
        kind = self._ref_kind(target.name, path)
        if kind is None:
            return None
        real_id, name = text_of(src, "ListID"), text_of(src, "FullName")
        try:
            our_id = self.ensure(kind, name, real_id, src, path)
        except SetupError as exc:
            if kind not in SOFT_KINDS:
                raise
            self.steps.append(f"left out {target.name} {name!r}: {exc}")
            return None
        if our_id is None:
            return None
        return build(target.name, [leaf("ListID", our_id)])

    def _ref_kind(self, ref: str, path: str) -> str | None:
        if ref == "ParentRef":
            owner = path.split("/")[0]
            for kind_name, kind in KINDS.items():
                if any(owner == r[:-3] + "Add" or owner == r[:-3] + "Mod" for r in kind.rets):
                    return kind_name
            return None
        if ref.endswith("AccountRef") or ref == "AccountRef":
            return "Account"
        if ref.startswith("Item") and ref.endswith("Ref") and ref != "ItemSalesTaxRef":
            return "Item"
        return REF_KIND.get(ref)

    def ensure(self, kind: str, name: str | None, real_id: str | None,
               src: etree._Element | None = None, path: str = "") -> str | None:
        """Our ListID for a referenced record, creating it (from the corpus if possible)."""
        hint = self._hints.get(real_id or "")
        if hint is not None and kind == "Entity" and hint[0] != "Entity":
            if hint[1] is not None and name is not None and hint[1] != name:
                self.loose.add(real_id or "")
            kind, name = hint[0], hint[1] or name
        for k in ENTITY_KINDS if kind == "Entity" else (kind,):
            if real_id and (k, real_id) in self.ref_map:
                return self.ref_map[(k, real_id)]
        tags = tuple(t for k in (ENTITY_KINDS if kind == "Entity" else (kind,))
                     for t in KINDS[k].rets)
        known = self.knowledge.record(real_id, name, tags)
        if name is None and known is not None:
            name = text_of(known, "FullName") or text_of(known, "Name")
        if name is None:
            return None
        found = self.find(kind, name)
        if found is not None:
            found_name = text_of(found, "FullName") or text_of(found, "Name")
            if real_id and found_name != name:
                self.loose.add(real_id)
            return self.remember(known if known is not None else _stub(real_id), found, kind)
        if known is not None:
            ours = self.create(known)
        else:
            stand_in = pseudo.stand_in(self, kind, name, real_id, src, path)
            if stand_in is None:
                return None
            ours = self.create(stand_in, " (named only in the corpus)",
                               complete=pseudo.copied_from_transaction(kind, src))
        our_id = text_of(ours, "ListID") or ""
        if real_id:
            self.ref_map[(kind, real_id)] = our_id
        return our_id

    # -- creating --------------------------------------------------------------------------
    def create(self, ret: etree._Element, mode_note: str = "",
               complete: bool = True) -> etree._Element:
        """Create the record described by a real Ret (parents and references first).

        ``complete``: the Ret shows everything the record has (a corpus Ret, or a stand-in
        holding what a transaction copied from it), so a default it lacks was cleared."""
        existing = self._existing(ret)
        if existing is not None:
            return existing
        self._scan(ret)
        conv = convert.convert(ret, version=self.version, resolver=self._resolver(ret))
        body = conv.body
        skipped = self._adjust(ret, body)
        skipped |= {d.split(" ")[0].rsplit("/", 1)[-1] for d in conv.dropped
                    if "cannot be sent" in d}
        rs = self.request(build(conv.request, [body]))
        ours = next(r for r in xmlutil.elements(rs) if r.tag.endswith("Ret"))
        if complete:
            ours = self._clear_defaults(ret, ours)
        our_id = self.remember(ret, ours)
        self._map_lines(ret, ours)
        if skipped:
            self.not_reproduced[our_id] = frozenset(skipped)
        self.steps.append(f"created {ret.tag[:-3]} {_label(ret)}{mode_note}")
        for ext in ret.findall("DataExtRet"):
            self.add_dataext(ext, ret, ours)
        return ours

    def _clear_defaults(self, ret: etree._Element, ours: etree._Element) -> etree._Element:
        """Clear (with a Mod) the defaults the real record does not have."""
        names = [n for n in CLEARABLE_DEFAULTS.get(ret.tag, ())
                 if ret.find(n) is None and ours.find(n) is not None]
        if not names:
            return ours
        base = ret.tag[:-3]
        mod = build(f"{base}Mod", [leaf("ListID", text_of(ours, "ListID") or ""),
                                   leaf("EditSequence", text_of(ours, "EditSequence") or "")])
        for name in names:
            _insert(mod, name, "")
        rs = self.request(build(f"{base}ModRq", [mod]))
        self.steps.append(f"cleared {', '.join(names)} of {_label(ret)} (the real record has "
                          "none)")
        return next(r for r in xmlutil.elements(rs) if r.tag.endswith("Ret"))

    def _scan(self, ret: etree._Element) -> None:
        """Note which list each referenced ID belongs to and the roles accounts play."""
        for ref in ret.iter():
            if not isinstance(ref.tag, str) or not ref.tag.endswith("Ref") or \
                    ref.tag == "ParentRef":
                continue
            real_id = text_of(ref, "ListID")
            if not real_id:
                continue
            kind = self._ref_kind(ref.tag, "")
            if kind == "Account":
                self._roles.setdefault(real_id, set()).add(ref.tag)
            if kind in ENTITY_KINDS:
                self._hints[real_id] = (kind, text_of(ref, "FullName"))

    def account_type(self, real_id: str | None, path: str) -> str:
        """The type of an account known only by reference: by its strongest role."""
        roles = self._roles.get(real_id or "", set())
        for role in ("AssetAccountRef", "COGSAccountRef", "DepositToAccountRef",
                     "ARAccountRef", "APAccountRef", "ExpenseAccountRef", "IncomeAccountRef"):
            if role in roles:
                return ACCOUNT_ROLE[role]
        return pseudo.role_account_type(path)

    def _resolver(self, ret: etree._Element):
        def resolver(src: etree._Element, target: Element, path: str):
            return self.resolve(src, target, path)
        return resolver

    def _existing(self, ret: etree._Element) -> etree._Element | None:
        """A record the sandbox already has: same special account, or same name and list."""
        kind = RET_KIND.get(ret.tag)
        if kind is None:
            return None
        special = text_of(ret, "SpecialAccountType")
        name = text_of(ret, "FullName") or text_of(ret, "Name") or text_of(ret, "Initial")
        found = None
        if special:
            found = next((a for a in self.accounts()
                          if text_of(a, "SpecialAccountType") == special), None)
        if found is None and name:
            found = self.find(kind, name)
        if found is None:
            return None
        keep = {"Name", "FullName", "IsActive", "Sublevel", "AccountType", "SpecialAccountType"}
        if special and found.tag == "AccountRet":
            found, renamed = self._align_special(ret, found)
            keep |= renamed
        our_id = self.remember(ret, found)
        self.not_reproduced[our_id] = frozenset(
            c.tag for c in ret.iter() if isinstance(c.tag, str) and c.tag not in keep)
        self.steps.append(f"used the sandbox's own {kind} {_label(found)} for {_label(ret)}")
        return found

    def _align_special(self, ret: etree._Element, found: etree._Element
                       ) -> tuple[etree._Element, set[str]]:
        """QuickBooks' own account (AR, Undeposited Funds...) as the real file had it: renamed,
        numbered, described. Returns the record and the fields now reproduced."""
        changes = [leaf(n, text_of(ret, n) or "") for n in ("Name", "AccountNumber", "Desc")
                   if text_of(ret, n) is not None and text_of(ret, n) != text_of(found, n)]
        if not changes:
            return found, {"AccountNumber", "Desc"}
        mod = build("AccountMod", [leaf("ListID", text_of(found, "ListID") or ""),
                                   leaf("EditSequence", text_of(found, "EditSequence") or ""),
                                   *changes])
        try:
            rs = self.request(build("AccountModRq", [mod]))
        except SetupError as exc:
            self.steps.append(f"could not align {_label(found)}: {exc}")
            return found, set()
        self._accounts = None
        self.steps.append(f"renamed/renumbered the sandbox's {_label(found)} as {_label(ret)}")
        return next(r for r in xmlutil.elements(rs) if r.tag == "AccountRet"), \
            {"AccountNumber", "Desc"}

    def _adjust(self, ret: etree._Element, body: etree._Element) -> set[str]:
        """Opening balances and stock for what the corpus shows; returns fields left as is."""
        skipped: set[str] = set()
        when = (text_of(ret, "TimeCreated") or date.today().isoformat())[:10]
        balance = _dec(text_of(ret, "Balance"))
        if body.tag in ("CustomerAdd", "VendorAdd") and balance:
            _insert(body, "OpenBalance", f"{balance:.2f}")
            _insert(body, "OpenBalanceDate", when)
        elif body.tag == "AccountAdd" and balance:
            if text_of(ret, "AccountType") in BALANCE_SHEET_OPENING:
                _insert(body, "OpenBalance", f"{balance:.2f}")
                _insert(body, "OpenBalanceDate", when)
            else:
                skipped |= {"Balance", "TotalBalance"}
        if ret.find("TotalBalance") is not None and text_of(ret, "TotalBalance") != \
                text_of(ret, "Balance") and body.tag == "AccountAdd":
            skipped.add("TotalBalance")
        qty = body.find("QuantityOnHand")
        if qty is not None:
            on_hand, cost = _dec(qty.text), _dec(text_of(ret, "AverageCost"))
            if on_hand and on_hand > 0 and cost is not None:
                _insert(body, "TotalValue", f"{on_hand * cost:.2f}")
                _insert(body, "InventoryDate", when)
            else:
                body.remove(qty)
                if on_hand:
                    skipped |= {"QuantityOnHand", "AverageCost"}
        for name in ("SpecialItemType", "SpecialAccountType", "TaxLineInfoRet"):
            if ret.find(name) is not None and body.find(name) is None and \
                    not (name == "TaxLineInfoRet" and body.find("TaxLineID") is not None):
                skipped.add(name)
        return skipped

    def _map_lines(self, real: etree._Element, ours: etree._Element) -> None:
        real_lines = [c for c in xmlutil.elements(real) if LINE_TAGS.match(c.tag)]
        our_lines = [c for c in xmlutil.elements(ours) if LINE_TAGS.match(c.tag)]
        for r, o in zip(real_lines, our_lines, strict=False):
            rid, oid = text_of(r, "TxnLineID"), text_of(o, "TxnLineID")
            if rid and oid:
                self.map_id(rid, oid)

    def add_dataext(self, ext: etree._Element, owner_ret: etree._Element | None,
                    owner: etree._Element | None, other: str | None = None) -> None:
        """A custom field value (and its definition when missing) on a record or the company."""
        owner_id, name = text_of(ext, "OwnerID") or "0", text_of(ext, "DataExtName") or ""
        if other is not None:
            assign = other
        else:
            assert owner is not None
            kind = RET_KIND.get(owner.tag) or owner.tag[:-3]
            assign = "Item" if kind == "Item" else kind
        defs = self.query("DataExtDefQueryRq", leaf("OwnerID", owner_id))
        if not any(text_of(d, "DataExtName") == name for d in defs):
            self.request(build("DataExtDefAddRq", [build("DataExtDefAdd", [
                leaf("OwnerID", owner_id), leaf("DataExtName", name),
                leaf("DataExtType", text_of(ext, "DataExtType") or "STR255TYPE"),
                leaf("AssignToObject", assign)])]))
        target: list[etree._Element]
        if other is not None:
            target = [leaf("OtherDataExtType", other)]
        elif owner is not None and text_of(owner, "TxnID"):
            target = [leaf("TxnDataExtType", owner.tag[:-3]),
                      leaf("TxnID", text_of(owner, "TxnID") or "")]
        else:
            assert owner is not None
            target = [leaf("ListDataExtType", assign),
                      build("ListObjRef", [leaf("ListID", text_of(owner, "ListID") or "")])]
        self.request(build("DataExtAddRq", [build("DataExtAdd", [
            leaf("OwnerID", owner_id), leaf("DataExtName", name), *target,
            leaf("DataExtValue", text_of(ext, "DataExtValue") or "")])]))
        self.steps.append(f"set custom field {name!r}")


def _stub(real_id: str | None) -> etree._Element | None:
    return None if real_id is None else build("Ref", [leaf("ListID", real_id)])


def _insert(body: etree._Element, name: str, value: str) -> None:
    """Insert a leaf at its schema position in an Add aggregate."""
    from qbconnector.qbxml import spec as specmod
    definition = specmod.load().message(body.tag + "Rq").child(body.tag)
    order = definition.child_names() if definition is not None else ()
    new = leaf(name, value)
    pos = order.index(name) if name in order else len(order)
    for child in xmlutil.elements(body):
        if child.tag in order and order.index(child.tag) > pos:
            child.addprevious(new)
            return
    body.append(new)


def _label(ret: etree._Element) -> str:
    return repr(text_of(ret, "FullName") or text_of(ret, "Name") or text_of(ret, "Initial")
                or text_of(ret, "RefNumber") or text_of(ret, "TxnID") or "")
