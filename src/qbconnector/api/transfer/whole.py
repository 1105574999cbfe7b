"""A whole company copied out and back: ``export --all`` and ``import --all``.

:func:`export_all` exports every type QuickBooks can both query and add, in dependency order
(accounts and simple lists, names, items, customers, then transactions); :func:`import_all`
reads such an export back into another company file: the lists one type after another in that
order (parents first within a type), then every transaction in the order it happened (by
TxnDate, then TimeCreated), whatever its type — so inventory is costed as it was and payments
find the invoices they pay.

    with qbconnector.connect("shop.qbdb") as qb:
        export_all(qb, "backup.jsonl")
    with qbconnector.connect("copy.qbdb") as qb:
        summaries = import_all(qb, "backup.jsonl", results="restore.csv")
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qbconnector.api.transfer.export import ExportSummary, export
from qbconnector.api.transfer.import_rows import ImportSummary, Reporter, ResultsWriter, RowResult
from qbconnector.api.transfer.importing import Importer, default_upsert_key, import_file
from qbconnector.api.transfer.own import OwnTransfer
from qbconnector.api.transfer.progress import Progress
from qbconnector.api.transfer.sources import SourceError, SourceRecord, read_source
from qbconnector.api.transfer.tables import table_name
from qbconnector.errors import ValidationError
from qbconnector.qbxml import spec as specmod

if TYPE_CHECKING:
    from qbconnector.api.records.connection import Connection

LIST_ORDER = (
    "Account", "Class", "CustomerType", "VendorType", "JobType", "StandardTerms",
    "DateDrivenTerms", "PaymentMethod", "ShipMethod", "CustomerMsg", "SalesTaxCode",
    "Currency", "UnitOfMeasureSet", "InventorySite", "BillingRate", "WorkersCompCode",
    "PayrollItemWage", "Vehicle", "OtherName", "Employee", "Vendor", "SalesRep",
    "ItemSalesTax", "ItemSalesTaxGroup", "ItemService", "ItemNonInventory", "ItemOtherCharge",
    "ItemInventory", "ItemFixedAsset", "ItemSubtotal", "ItemDiscount", "ItemPayment",
    "ItemInventoryAssembly", "ItemGroup", "PriceLevel", "Customer", "Lead", "ToDo",
)
"""Lists in the order they can be added: what a list refers to comes before it."""

TXN_ORDER = (
    "PurchaseOrder", "ItemReceipt", "Bill", "VendorCredit", "Check", "CreditCardCharge",
    "CreditCardCredit", "BillPaymentCheck", "BillPaymentCreditCard", "SalesTaxPaymentCheck",
    "Estimate", "SalesOrder", "Invoice", "SalesReceipt", "CreditMemo", "Charge",
    "ReceivePayment", "ARRefundCreditCard", "Deposit", "JournalEntry", "Transfer",
    "InventoryAdjustment", "TransferInventory", "BuildAssembly", "TimeTracking",
    "VehicleMileage",
)
"""Transactions of one day in this order (a bill before the payment of it...)."""


def whole_company_types() -> list[str]:
    """Every type QuickBooks can query and add, in dependency order."""
    sp = specmod.load()
    ordered = [*LIST_ORDER, *TXN_ORDER]
    return [t for t in ordered if f"{t}QueryRq" in sp.messages and f"{t}AddRq" in sp.messages]


def desktop_only(connection: Any, command: str) -> None:
    """``--all`` copies a Desktop company (Desktop's types and order): a QuickBooks Online
    connection is told so, and what to do instead, before anything is read or written."""
    if isinstance(connection, OwnTransfer):
        raise ValidationError(
            f"{command} --all copies a whole QuickBooks Desktop company; with a QuickBooks "
            f"Online connection name the entities ({command} accounts, items, customers, "
            "vendors, then invoices: see docs/qbo.md)")


def export_all(connection: Connection, destination: str, **options: Any) -> ExportSummary:
    """Export the whole company (see :func:`whole_company_types`) to ``destination``; the
    options are :func:`~qbconnector.api.transfer.export.export`'s."""
    desktop_only(connection, "export")
    return export(connection, whole_company_types(), destination, **options)


def _types_in(path: Path) -> Iterator[tuple[str, Path]]:
    """(type, file) for every type of the export that ``path`` holds."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        present: set[str] = set()
        with open(path, encoding="utf-8-sig") as f:
            for line in f:
                try:
                    kind = json.loads(line).get("_type") if line.strip() else None
                except (ValueError, AttributeError):
                    continue
                if kind:
                    present.add(kind)
        for type_name in whole_company_types():
            if type_name in present:
                yield type_name, path
    elif suffix == ".csv":
        for type_name in whole_company_types():
            own = path.with_name(f"{path.stem}.{table_name(type_name)}{path.suffix}")
            if own.is_file():
                yield type_name, own
    else:
        raise SourceError(f"{path}: import --all reads what export --all wrote: a .jsonl file, "
                          "or the .csv files beside a name (backup.csv -> backup.customer.csv)")


DEBIT_NORMAL = {"Bank", "AccountsReceivable", "OtherCurrentAsset", "FixedAsset",
                "OtherAsset", "Expense", "OtherExpense", "CostOfGoodsSold"}
BALANCE_SHEET = {"Bank", "OtherCurrentAsset", "FixedAsset", "OtherAsset", "CreditCard",
                 "OtherCurrentLiability", "LongTermLiability", "Equity"}
OPENING_REF = "OPENING"


def _first_day(txns: list[tuple[str, Path]]) -> date | None:
    first: date | None = None
    for type_name, file in txns:
        for record in read_source(file, type_name):
            when = _when(record)[0][:10]
            try:
                day = date.fromisoformat(when)
            except ValueError:
                continue
            first = day if first is None or day < first else first
    return first


STOCKED = ("ItemInventory", "ItemInventoryAssembly")
OPENING_STOCK = ("QuantityOnHand", "TotalValue", "InventoryDate")
"""An item's stock is what its transactions made it: the exported QuantityOnHand is the
result of them all, so it is not sent when the item is added (see :func:`opening_stock`)."""


def opening_stock(connection: Connection, stocked: list[tuple[str, Path]],
                  first_day: date | None) -> RowResult | None:
    """Opening stock: once the transactions are in, each item whose quantity on hand falls
    short of the exported one gets the difference, valued at its purchase cost, in one
    inventory adjustment (RefNumber ``OPENING``, against Opening Bal Equity) dated the day
    before the first transaction — so later sales are costed as they were."""
    wanted: dict[str, dict[str, Any]] = {}
    for type_name, file in stocked:
        for record in read_source(file, type_name):
            if record.data.get("FullName"):
                wanted[str(record.data["FullName"])] = record.data
    lines = []
    for type_name, _ in stocked:
        for item in connection.collection(type_name).query(active="all"):
            data = wanted.get(item.full_name)
            if data is None:
                continue
            difference = Decimal(str(data.get("QuantityOnHand") or 0)) - \
                (item.get("QuantityOnHand") or 0)
            if difference:
                cost = Decimal(str(data.get("PurchaseCost") or data.get("AverageCost") or 0))
                lines.append({"ItemRef": {"FullName": item.full_name}, "ValueAdjustment": {
                    "QuantityDifference": difference,
                    "ValueDifference": (difference * cost).quantize(Decimal("0.01"))}})
    equity = _opening_equity(connection)
    if not lines or equity is None:
        return None
    body: dict[str, Any] = {"AccountRef": {"FullName": equity}, "RefNumber": OPENING_REF,
                            "Memo": "opening stock (import --all)",
                            "InventoryAdjustmentLineAdd": lines}
    if first_day is not None:
        body["TxnDate"] = first_day - timedelta(days=1)
    entry = connection.inventory_adjustments.add(body)
    return RowResult("-", "add", "InventoryAdjustment", OPENING_REF, entry.id,
                     entry.get("EditSequence"), 0,
                     f"opening stock of {len(lines)} item(s), which no exported transaction "
                     "carries")


def _opening_equity(connection: Connection) -> str | None:
    for account in connection.accounts.query(active="all"):
        if account.get("SpecialAccountType") == "OpeningBalanceEquity":
            return str(account.full_name)
    return None


def opening_balances(connection: Connection, accounts_file: Path,
                     first_day: date | None) -> RowResult | None:
    """Opening balances: no transaction of an export carries them (QuickBooks keeps an
    account's opening balance apart), so once everything is in, each balance-sheet account
    whose balance differs from the exported one gets the difference in one journal entry
    (RefNumber ``OPENING``, against Opening Bal Equity, the day before the first
    transaction). None when every balance already matches."""
    wanted = {str(r.data.get("FullName")): r.data for r in read_source(accounts_file, "Account")
              if r.data.get("FullName")}
    debits: list[dict[str, Any]] = []
    credits: list[dict[str, Any]] = []
    net = Decimal(0)
    equity = _opening_equity(connection)
    for account in connection.accounts.query(active="all"):
        kind = account.get("AccountType")
        data = wanted.get(account.full_name)
        if data is None or kind not in BALANCE_SHEET or account.get("SpecialAccountType"):
            continue
        difference = Decimal(str(data.get("Balance") or 0)) - (account.get("Balance") or 0)
        if not difference:
            continue
        line = {"AccountRef": {"FullName": account.full_name}, "Amount": abs(difference)}
        if (difference > 0) == (kind in DEBIT_NORMAL):
            debits.append(line)
            net += abs(difference)
        else:
            credits.append(line)
            net -= abs(difference)
    if not debits and not credits or equity is None:
        return None
    if net:
        (credits if net > 0 else debits).append(
            {"AccountRef": {"FullName": equity}, "Amount": abs(net)})
    for line in (*debits, *credits):
        line["Memo"] = "opening balance (import --all)"
    body: dict[str, Any] = {"RefNumber": OPENING_REF, "JournalDebitLine": debits,
                            "JournalCreditLine": credits}
    if first_day is not None:
        body["TxnDate"] = first_day - timedelta(days=1)
    entry = connection.journal_entries.add(body)
    count = len(debits) + len(credits) - (1 if net else 0)
    return RowResult("-", "add", "JournalEntry", OPENING_REF, entry.id,
                     entry.get("EditSequence"), 0,
                     f"opening balances of {count} account(s), which no exported "
                     "transaction carries")


def _when(record: SourceRecord) -> tuple[str, str]:
    data = record.data
    return (str(data.get("TxnDate") or data.get("txn_date") or ""),
            str(data.get("TimeCreated") or data.get("time_created") or ""))


def import_all(connection: Connection, source: str | Path, *,
               results: str | Path | None = None, dry_run: bool = False,
               batch_size: int = 50, on_error: str = "continueOnError",
               progress: Progress | None = None) -> list[ImportSummary]:
    """Import everything an ``export --all`` wrote (see the module doc); one summary per
    type, and one results file for all of them."""
    desktop_only(connection, "import")
    path = Path(source)
    if not path.exists() and path.suffix.lower() != ".csv":
        raise SourceError(f"no such file: {path}")
    found = list(_types_in(path))
    if not found:
        raise SourceError(f"{path}: no records of an export --all in it")
    lists = [(t, f) for t, f in found if connection.collection(t).kind == "list"]
    txns = [(t, f) for t, f in found if connection.collection(t).kind == "txn"]
    writer = ResultsWriter(results) if results is not None else None
    summaries: list[ImportSummary] = []
    try:
        for type_name, file in lists:
            summaries.append(import_file(connection, type_name, file, results=writer,
                                         dry_run=dry_run, batch_size=batch_size,
                                         on_error=on_error, progress=progress,
                                         leave_out=OPENING_STOCK if type_name in STOCKED
                                         else ()))
        if txns:
            summaries += _transactions_in_order(connection, txns, writer, dry_run, batch_size,
                                                on_error, progress)
        if not dry_run:
            first = _first_day(txns)
            stocked = [(t, f) for t, f in lists if t in STOCKED]
            accounts = [f for t, f in lists if t == "Account"]
            for type_name, row in [
                    ("InventoryAdjustment", opening_stock(connection, stocked, first)),
                    ("JournalEntry", opening_balances(connection, accounts[0], first)
                     if accounts else None)]:
                if row is not None:
                    summary = ImportSummary(type_name, str(path), "none")
                    summary.count(row)
                    summaries.append(summary)
                    if writer is not None:
                        writer.write(row)
    finally:
        if writer is not None:
            writer.close()
    return summaries


def _transactions_in_order(connection: Connection, txns: list[tuple[str, Path]],
                           writer: ResultsWriter | None, dry_run: bool, batch_size: int,
                           on_error: str, progress: Progress | None) -> list[ImportSummary]:
    """Every transaction of every type, in the order it happened, in batches of one type."""
    owners: dict[str, tuple[ImportSummary, Importer]] = {}
    records: list[tuple[SourceRecord, str]] = []
    for type_name, file in txns:
        collection = connection.collection(type_name)
        key = default_upsert_key(collection)
        owners[type_name] = (ImportSummary(type_name, str(file), key),
                             Importer(connection, collection, key, on_error, batch_size,
                                      dry_run))
        records += [(r, type_name) for r in read_source(file, type_name)]
    order = {t: n for n, t in enumerate(TXN_ORDER)}
    records.sort(key=lambda item: (*_when(item[0]), order.get(item[1], len(order))))
    if progress is not None:
        progress.start("transactions", len(records))

    def runs() -> Iterator[tuple[ImportSummary, Importer, list[list[Any]]]]:
        run: list[SourceRecord] = []
        kind = None
        for record, type_name in [*records, (None, None)]:
            if run and (type_name != kind or len(run) >= batch_size):
                summary, importer = owners[kind]          # type: ignore[index]
                yield summary, importer, [[importer.admit(r) for r in run]]
                run = []
            if record is not None:
                run.append(record)
                kind = type_name

    reporter = Reporter(writer, progress)
    try:
        reporter.each([(r, owners[t][0]) for r, t in records], runs())
    finally:
        if progress is not None:
            progress.finish()
    for summary, importer in owners.values():
        summary.created = list(importer.lists.created)
    return [summary for summary, _ in owners.values()]


__all__ = ["LIST_ORDER", "TXN_ORDER", "export_all", "import_all", "whole_company_types"]
