"""HostQuery, CompanyQuery, CompanyActivityQuery and PreferencesQuery.

The host describes the sandbox the way QuickBooks describes itself (product, version,
supported qbXML versions, file mode); company information and preferences are documents kept
in the company file's ``meta`` table and rendered like any ``*Ret``.
"""

from __future__ import annotations

import json
from typing import Any

from qbconnector import __version__
from qbconnector.qbxml import spec as specmod
from qbconnector.sandbox import render
from qbconnector.sandbox.context import Context

PRODUCT_NAME = "qbconnector sandbox (QuickBooks Desktop compatible)"
# QuickBooks Desktop 2024 reports MajorVersion 34; the sandbox speaks the same qbXML.
MAJOR_VERSION = "34"
SUPPORTED_VERSIONS = tuple(v for v in specmod.load().versions)


def host_ret(ctx: Context) -> str:
    mode = ctx.session.options.connection_mode
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
    return render.render(spec, doc, ctx.request.vkey, ctx.request.include)


def company_ret(ctx: Context) -> str:
    doc = json.loads(ctx.store.meta("company", "{}") or "{}")
    owners = ctx.request.data.get("OwnerID")
    if owners:
        from qbconnector.sandbox.dataext import dataext_rets
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


def preference(ctx: Context, *path: str) -> Any:
    """One preference value, e.g. ``preference(ctx, "SalesTaxPreferences", "PaySalesTax")``."""
    value: Any = json.loads(ctx.store.meta("preferences", "{}") or "{}")
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
