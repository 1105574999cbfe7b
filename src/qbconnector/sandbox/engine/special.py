"""SpecialAccountAdd: the accounts QuickBooks creates when a feature first needs them."""

from __future__ import annotations

from qbconnector.sandbox.core import errors
from qbconnector.sandbox.core.context import Context
from qbconnector.sandbox.core.objects import registry
from qbconnector.sandbox.records.add_mod import add_record, render_row
from qbconnector.sandbox.rules.lists import SPECIAL_ACCOUNTS, special_account

Result = tuple[list[str], dict[str, str], "errors.QBStatus | None"]


def special_account_add(ctx: Context) -> Result:
    """Create the special account (or return the one that exists: there is only one)."""
    special = ctx.request.data["SpecialAccountAdd"]["SpecialAccountType"]
    account = registry()["Account"]
    row = special_account(ctx, special)
    if row is None:
        name, account_type = SPECIAL_ACCOUNTS[special]
        record_id = add_record(ctx, account, {"Name": name, "AccountType": account_type},
                               {"SpecialAccountType": special})
        row = ctx.store.get(record_id)
    return [render_row(ctx, account, row, ctx.request.include)], {}, None


HANDLERS = {"SpecialAccountAddRq": special_account_add}
