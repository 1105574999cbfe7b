"""Creating a realm: the records every new QBO company starts with."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from qbconnector.qbo_double.ledger import DEFAULT_ACCOUNTS, default_account
from qbconnector.qbo_double.rules.lists import HOME_CURRENCY

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company

TERMS = (("Due on receipt", 0), ("Net 10", 10), ("Net 15", 15), ("Net 30", 30),
         ("Net 60", 60))
PAYMENT_METHODS = (("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"),
                   ("Visa", "CREDIT_CARD"), ("MasterCard", "CREDIT_CARD"),
                   ("American Express", "CREDIT_CARD"))


def new_realm_id() -> str:
    """A 16-digit company id like QBO's (``9341452732952867``)."""
    return str(9130000000000000 + secrets.randbelow(10 ** 14))


def seed_company(company: Company, name: str) -> None:
    """CompanyInfo, Preferences, the standard accounts, tax codes, terms and payment methods."""
    store, realm = company.store, company.realm
    moment = company.now()
    stamp = moment.replace(microsecond=0).isoformat()
    meta = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    address = {"Id": "1", "Line1": "2600 Marine Way", "City": "Mountain View",
               "Country": "USA", "CountrySubDivisionCode": "CA", "PostalCode": "94043"}
    info = {"CompanyName": name, "LegalName": name, "CompanyAddr": address,
            "CustomerCommunicationAddr": dict(address), "LegalAddr": dict(address),
            "PrimaryPhone": {}, "CompanyStartDate": moment.date().replace(month=1,
                                                                         day=1).isoformat(),
            "FiscalYearStartMonth": "January", "Country": "US",
            "Email": {"Address": "noreply@example.com"}, "WebAddr": {},
            "SupportedLanguages": "en", "NameValue": [
                {"Name": "NeoEnabled", "Value": "true"},
                {"Name": "IsQbdtMigrated", "Value": "false"},
                {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"}],
            "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "0", "MetaData": meta}
    from qbconnector.qbo_double import shape
    from qbconnector.qbo_wire import spec

    store.put(realm, "CompanyInfo", "1", shape.ordered(spec.entity("CompanyInfo"), info),
              updated=moment.timestamp())
    prefs = {
        "AccountingInfoPrefs": {"TrackDepartments": True, "DepartmentTerminology": "Location",
                                "ClassTrackingPerTxn": True, "ClassTrackingPerTxnLine": False,
                                "CustomerTerminology": "Customers"},
        "ProductAndServicesPrefs": {"ForSales": True, "ForPurchase": True,
                                    "QuantityWithPriceAndRate": True, "QuantityOnHand": True},
        "SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowDeposit": True,
                            "AllowDiscount": True, "DefaultDiscountAccount": "",
                            "AllowEstimates": True, "ETransactionEnabledStatus": "NotApplicable",
                            "ETransactionAttachPDF": False,
                            "ETransactionPaymentEnabled": False,
                            "IPNSupportEnabled": False, "AllowServiceDate": False,
                            "AllowShipping": False, "DefaultTerms": {"value": "4"},
                            "UsingPriceLevels": False,
                            "DefaultCustomerMessage": "Thank you for your business."},
        "EmailMessagesPrefs": {
            kind + "Message": {"Subject": f"{label} from {name}",
                               "Message": f"Your {label.lower()} is attached.\n\n{name}"}
            for kind, label in (("Invoice", "Invoice"), ("Estimate", "Estimate"),
                                ("SalesReceipt", "Sales Receipt"),
                                ("Statement", "Statement"))},
        "VendorAndPurchasesPrefs": {"TrackingByCustomer": True, "BillableExpenseTracking": True,
                                    "POCustomField": []},
        "TimeTrackingPrefs": {"UseServices": True, "BillCustomers": True,
                              "ShowBillRateToAll": False, "WorkWeekStartDate": "Monday",
                              "MarkTimeEntriesBillable": True},
        "TaxPrefs": {"UsingSalesTax": False, "TaxGroupCodeRef": {"value": "TAX"}},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
        "OtherPrefs": {"NameValue": [{"Name": "SalesFormsPrefs.DefaultCustomerMessage",
                                      "Value": "Thank you for your business."},
                                     {"Name": "Vendor1099Enabled", "Value": "true"},
                                     {"Name": "TimeTrackingFeatureEnabled", "Value": "true"}]},
        "domain": "QBO", "sparse": False, "Id": "1", "SyncToken": "0", "MetaData": meta}
    store.put(realm, "Preferences", "1", shape.ordered(spec.entity("Preferences"), prefs),
              updated=moment.timestamp())
    for code, (label, taxable) in {"TAX": ("TAX", True), "NON": ("NON", False)}.items():
        body = {"Name": label, "Description": "TAX" if taxable else "NON", "Active": True,
                "Taxable": taxable, "TaxGroup": False, "domain": "QBO", "sparse": False,
                "Id": code, "SyncToken": "0", "MetaData": meta}
        store.put(realm, "TaxCode", code, shape.ordered(spec.entity("TaxCode"), body),
                  updated=moment.timestamp(), ordinal=0 if taxable else 1)
    for key in DEFAULT_ACCOUNTS:
        default_account(company, key)
    for label, days in TERMS:
        company.create("Term", {"Name": label, "DueDays": days})
    for label, kind in PAYMENT_METHODS:
        company.create("PaymentMethod", {"Name": label, "Type": kind})
    assert HOME_CURRENCY
