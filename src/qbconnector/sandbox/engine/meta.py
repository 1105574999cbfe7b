"""HostQuery, CompanyQuery, CompanyActivityQuery and PreferencesQuery.

The host describes the sandbox the way QuickBooks describes itself (product, version,
supported qbXML versions, file mode); company information and preferences are documents kept
in the company file's ``meta`` table and rendered like any ``*Ret``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from qbconnector._version import __version__
from qbconnector.qbxml import spec as specmod
from qbconnector.sandbox.core import render
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.records.dataext import dataext_rets
from qbconnector.sandbox.rules.addresses import US_NAMES, address_block

PRODUCT_NAME = "qbconnector sandbox (QuickBooks Desktop compatible)"
# QuickBooks Desktop 2024 reports MajorVersion 34; the sandbox speaks the same qbXML.
MAJOR_VERSION = "34"
SUPPORTED_VERSIONS = tuple(v for v in specmod.load().versions)
# The Intuit services every QuickBooks Desktop company lists under SubscribedServices (7.0+),
# as (name, domain); a company that never signed up shows each with status "Never".
INTUIT_SERVICES = (
    ("QuickBooks Online Banking", "banking.qb"),
    ("QuickBooks Online Billing", "billing.qb"),
    ("QuickBooks Online Billing Level 1 Service", "qbob1.qbn"),
    ("QuickBooks Online Billing Level 2 Service", "qbob2.qbn"),
    ("QuickBooks Online Billing Payment Service", "qbobpay.qbn"),
    ("QuickBooks Bill Payment", "billpay.qb"),
    ("QuickBooks Online Billing Paper Mailing Service", "qbobpaper.qbn"),
    ("QuickBooks Payroll Service", "payroll.qb"),
    ("QuickBooks Basic Payroll Service", "payrollbsc.qb"),
    ("QuickBooks Basic Disk Payroll Service", "payrollbscdisk.qb"),
    ("QuickBooks Deluxe Payroll Service", "payrolldlx.qb"),
    ("QuickBooks Premier Payroll Service", "payrollprm.qb"),
    ("Basic Plus Federal", "basic_plus_fed.qb"),
    ("Basic Plus Federal and State", "basic_plus_fed_state.qb"),
    ("Basic Plus Direct Deposit", "basic_plus_dd.qb"),
    ("Merchant Account Service", "mas.qbn"),
)


def host_ret(ctx: Context) -> str:
    return _host_ret(ctx.session.options.connection_mode, ctx.request.vkey,
                     ctx.request.include)


@functools.lru_cache(maxsize=64)
def _host_ret(mode: str, vkey: tuple[int, int], include: frozenset[str] | None) -> str:
    """The HostRet for a connection mode, qbXML version and IncludeRetElement list: the same
    every time, so rendered once (clients ask for it first on every connection)."""
    doc = {
        "ProductName": PRODUCT_NAME,
        "MajorVersion": MAJOR_VERSION,
        "MinorVersion": __version__.split(".")[1],
        "Country": "US",
        "SupportedQBXMLVersion": list(SUPPORTED_VERSIONS),
        "IsAutomaticLogin": "false",
        "QBFileMode": "MultiUser" if mode == "Multi" else "SingleUser",
    }
    spec = specmod.load().message("HostQueryRs").child("HostRet")
    return render.render(spec, doc, vkey, include)


def subscribed_services() -> dict[str, Any]:
    """The SubscribedServices block of a company that uses none of Intuit's services."""
    return {"Service": [{"Name": name, "Domain": domain, "ServiceStatus": "Never"}
                        for name, domain in INTUIT_SERVICES]}


def company_address_block(address: dict[str, str] | None) -> dict[str, str] | None:
    """The block QuickBooks prints for the company's address: its lines, then "City, State
    PostalCode"; the country only when it is not the United States [002, 003, 004]."""
    if not address:
        return None
    country = (address.get("Country") or "").strip().lower()
    printed = {k: v for k, v in address.items()
               if k != "Country" or country not in US_NAMES}
    return address_block(printed)


def company_ret(ctx: Context) -> str:
    doc = json.loads(ctx.store.meta("company", "{}") or "{}")
    doc.setdefault("SubscribedServices", subscribed_services())
    for address, block in (("Address", "AddressBlock"),
                           ("CompanyAddressForCustomer", "CompanyAddressBlockForCustomer")):
        lines = company_address_block(doc.get(address))
        if lines and block not in doc:
            doc[block] = lines
    owners = ctx.request.data.get("OwnerID")
    if owners:
        doc["DataExtRet"] = dataext_rets(ctx, "Company", owners if isinstance(owners, list)
                                         else [owners])
    spec = specmod.load().message("CompanyQueryRs").child("CompanyRet")
    return render.render(spec, doc, ctx.request.vkey, ctx.request.include)


def company_activity_ret(ctx: Context) -> str:
    created = ctx.store.meta("created", "")
    doc = {"LastRestoreTime": created, "LastCondenseTime": created}
    spec = specmod.load().message("CompanyActivityQueryRs").child("CompanyActivityRet")
    return render.render(spec, doc, ctx.request.vkey, ctx.request.include)


def preferences_ret(ctx: Context) -> str:
    doc = json.loads(ctx.store.meta("preferences", "{}") or "{}")
    spec = specmod.load().message("PreferencesQueryRs").child("PreferencesRet")
    return render.render(spec, doc, ctx.request.vkey, ctx.request.include)

