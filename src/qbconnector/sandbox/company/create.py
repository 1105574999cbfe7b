"""Creating company files: what a new QuickBooks company has, plus optional sample data.

A new company (``sample="none"``) has the standard accounts (Accounts Receivable, Accounts
Payable, Undeposited Funds, Inventory Asset, Sales Tax Payable, Opening Bal Equity, Retained
Earnings, Cost of Goods Sold...), the default terms, the sales tax codes ``Tax`` and ``Non``,
payment methods, customer messages, form templates and default preferences. Sales tax is
off until a sample (or the user) sets up a tax item. Everything but templates is created
through ordinary qbXML requests, so a new company is also a test of the engine.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import parse_response
from qbconnector.sandbox.company.samples import populate
from qbconnector.sandbox.company.samples.business import BUSINESS
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.records.add_mod import sort_key
from qbconnector.sandbox.storage.store import Clock, Store, dumps, initialise, stamp

SAMPLES = ("none", "small", "large")

STANDARD_SPECIAL_ACCOUNTS = ("AccountsReceivable", "AccountsPayable", "UndepositedFunds",
                             "InventoryAssets", "SalesTaxPayable", "PayrollLiabilities",
                             "OpeningBalanceEquity", "RetainedEarnings", "CostOfGoodsSold",
                             "PayrollExpenses", "ReconciliationDifferences",
                             "UncategorizedIncome", "UncategorizedExpenses", "Estimates",
                             "PurchaseOrders", "SalesOrders")

STANDARD_TERMS = [("Due on receipt", 0, None, None), ("Net 15", 15, None, None),
                  ("Net 30", 30, None, None), ("Net 60", 60, None, None),
                  ("1% 10 Net 30", 30, 1, 10), ("2% 10 Net 30", 30, 2, 10),
                  ("Consignment", 0, None, None)]
PAYMENT_METHODS = [("Cash", "Cash"), ("Check", "Check"), ("American Express", "AmericanExpress"),
                   ("Discover", "Discover"), ("MasterCard", "MasterCard"), ("Visa", "Visa"),
                   ("Debit Card", "DebitCard"), ("Gift Card", "GiftCard"), ("E-Check", "ECheck")]
CUSTOMER_MESSAGES = ["All work is complete!", "It's been a pleasure working with you!",
                     "Please remit to above address.", "Thank you for your business.",
                     "We appreciate your prompt payment."]
TEMPLATES = [("Intuit Product Invoice", "Invoice"), ("Intuit Service Invoice", "Invoice"),
             ("Intuit Professional Invoice", "Invoice"), ("Custom Sales Receipt",
                                                          "SalesReceipt"),
             ("Custom Credit Memo", "CreditMemo"), ("Custom Estimate", "Estimate"),
             ("Custom Sales Order", "SalesOrder"), ("Custom Purchase Order", "PurchaseOrder")]
# Statement and packing-slip templates exist in QuickBooks too, but TemplateRet's TemplateType
# has no value for them, so TemplateQuery does not return them: the sandbox leaves them out.

DEFAULT_PREFERENCES: dict[str, Any] = {
    "AccountingPreferences": {"IsUsingAccountNumbers": "false", "IsRequiringAccounts": "true",
                              "IsUsingClassTracking": "false", "AssignClassesTo": "None",
                              "IsUsingAuditTrail": "true",
                              "IsAssigningJournalEntryNumbers": "true"},
    "FinanceChargePreferences": {"AnnualInterestRate": "0.00", "MinFinanceCharge": "0.00",
                                 "GracePeriod": "0", "IsAssessingForOverdueCharges": "false",
                                 "CalculateChargesFrom": "DueDate",
                                 "IsMarkedToBePrinted": "false"},
    "JobsAndEstimatesPreferences": {"IsUsingEstimates": "true",
                                    "IsUsingProgressInvoicing": "false",
                                    "IsPrintingItemsWithZeroAmounts": "false"},
    "MultiCurrencyPreferences": {"IsMultiCurrencyOn": "false"},
    "MultiLocationInventoryPreferences": {"IsMultiLocationInventoryAvailable": "false",
                                          "IsMultiLocationInventoryEnabled": "false"},
    "PurchasesAndVendorsPreferences": {"IsUsingInventory": "true", "DaysBillsAreDue": "10",
                                       "IsAutomaticallyUsingDiscounts": "false"},
    "ReportsPreferences": {"AgingReportBasis": "AgeFromDueDate",
                           "SummaryReportBasis": "Accrual"},
    "SalesAndCustomersPreferences": {"IsTrackingReimbursedExpensesAsIncome": "false",
                                     "IsAutoApplyingPayments": "true",
                                     "PriceLevels": {"IsUsingPriceLevels": "true",
                                                     "IsRoundingSalesPriceUp": "true"}},
    "TimeTrackingPreferences": {"FirstDayOfWeek": "Monday"},
    "CurrentAppAccessRights": {"IsAutomaticLoginAllowed": "false",
                               "IsPersonalDataAccessAllowed": "false"},
    "ItemsAndInventoryPreferences": {"EnhancedInventoryReceivingEnabled": "false",
                                     "IsTrackingSerialOrLotNumber": "None",
                                     "FIFOEnabled": "false", "IsRSBEnabled": "false",
                                     "IsBarcodeEnabled": "false"},
}


def default_company(name: str) -> dict[str, Any]:
    return {"IsSampleCompany": "false", "CompanyName": name, "LegalCompanyName": name,
            "Address": {"Country": "US"}, "FirstMonthFiscalYear": "January",
            "FirstMonthIncomeTaxYear": "January", "CompanyType": "General Product-based "
            "Business", "TaxForm": "OtherOrNone",
            "AccountantCopy": {"AccountantCopyExists": "false"}}


def _seed_templates(store: Store) -> None:
    """Form templates have no Add request in qbXML: write them directly."""
    for name, kind in TEMPLATES:
        record_id = store.new_list_id()
        created, created_utc = store.now_fields()
        edit = store.edit_sequence()
        doc = {"ListID": record_id, "TimeCreated": created, "TimeModified": created,
               "EditSequence": str(edit), "Name": name, "IsActive": "true",
               "TemplateType": kind}
        store.insert({"id": record_id, "kind": "list", "type": "Template",
                      "namespace": "Template", "full_name": name, "name_key": name.lower(),
                      "sort_key": sort_key(name), "is_active": 1, "seq": store.next_seq(),
                      "created": created, "modified": created, "modified_utc": created_utc,
                      "edit_sequence": edit, "special": kind, "doc": dumps(doc)})


def _standard_lists() -> list[Message]:
    messages = [Message("SpecialAccountAdd", {"SpecialAccountType": special})
                for special in STANDARD_SPECIAL_ACCOUNTS]
    for name, days, discount, discount_days in STANDARD_TERMS:
        data: dict[str, Any] = {"Name": name, "StdDueDays": days}
        if discount:
            data.update(StdDiscountDays=discount_days, DiscountPct=discount)
        messages.append(Message("StandardTermsAdd", data))
    messages += [Message("SalesTaxCodeAdd", {"Name": "Tax", "IsTaxable": True,
                                             "Desc": "Taxable Sales"}),
                 Message("SalesTaxCodeAdd", {"Name": "Non", "IsTaxable": False,
                                             "Desc": "Non-Taxable Sales"})]
    messages += [Message("PaymentMethodAdd", {"Name": name, "PaymentMethodType": kind})
                 for name, kind in PAYMENT_METHODS]
    messages += [Message("CustomerMsgAdd", {"Name": text}) for text in CUSTOMER_MESSAGES]
    return messages


def create_company(path: str | Path, sample: str = "none", seed: int = 0, *,
                   name: str | None = None, clock: Clock | None = None,
                   progress: Any = None, as_of: date | None = None,
                   one_by_one: bool = False) -> Path:
    """Create a company file at ``path``; ``sample`` adds realistic data (small | large)
    dated in the year before ``as_of`` (see :mod:`qbconnector.sandbox.company.samples`;
    ``one_by_one`` writes it one qbXML request at a time instead of in bulk)."""
    if sample not in SAMPLES:
        raise ValueError(f"unknown sample {sample!r}; choose one of {', '.join(SAMPLES)}")
    path = Path(path)
    db = initialise(path)
    store = Store(db, clock or Clock())
    with store.transaction(write=True):
        created, _ = store.now_fields()
        store.set_meta("created", created)
        store.set_meta("company", json.dumps(default_company(name or _default_name(path, sample))))
        store.set_meta("preferences", json.dumps(DEFAULT_PREFERENCES))
        store.set_meta("fiscal_first_month", "1")
        _seed_templates(store)
    db.close()
    with SandboxSession(path, clock=clock) as session:
        check(session.process(build(_standard_lists(), version="13.0",
                                    on_error="stopOnError")))
        if sample != "none":
            populate(session, sample, seed, progress=progress, as_of=as_of,
                     one_by_one=one_by_one)
    return path


def _default_name(path: Path, sample: str) -> str:
    """A sample company is named after its business, a new one after its file."""
    if sample == "none":
        return path.stem
    return BUSINESS


def check(response: str) -> None:
    """Raise RuntimeError if any response of a message set failed."""
    for rs in parse_response(response):
        if rs.status_severity == "Error":
            raise RuntimeError(f"{rs.name}: {rs.status_code} {rs.status_message}")


def now_stamp(clock: Clock | None = None) -> str:
    return stamp((clock or Clock()).now())
