"""Moving records between QuickBooks Desktop and QuickBooks Online: the field mapping for
customers, vendors, items, accounts and invoices, both ways (pure data, no I/O).

:func:`to_online` takes a Desktop record as Desktop's export writes it (qbXML names, lines
as ``InvoiceLineRet``) and gives the QBO entity and data the QBO import sends;
:func:`to_desktop` takes a QBO record as QBO's export writes it and gives the Desktop type
and data Desktop's import sends. References travel by name (``{"FullName": ...}`` on
Desktop, ``{"name": ...}`` on Online) because Ids differ between company files. Each also
lists the fields it could not carry over (reported in the import's summary).

=================  =========================  ============================================
Desktop            Online                     notes
=================  =========================  ============================================
Customer.Name      Customer.DisplayName       a job's ParentRef makes a sub-customer
                                              (Job); QBO needs display names unique across
                                              customers, vendors and employees
Salutation,        Title, GivenName,          MiddleName and Suffix have the same names
FirstName,         FamilyName
LastName
BillAddress,       BillAddr, ShipAddr         Addr1-5 <-> Line1-5, State <->
ShipAddress,                                  CountrySubDivisionCode; City, PostalCode,
VendorAddress                                 Country, Note as they are
Phone, Mobile,     PrimaryPhone, Mobile,      {"FreeFormNumber": ...}
AltPhone, Fax      AlternatePhone, Fax
Email              PrimaryEmailAddr           {"Address": ...}
Contact,           ContactName,
AltContact         AltContactName
PrintAs /          PrintOnCheckName
NameOnCheck
AccountNumber      AcctNum
ResaleNumber       ResaleNum
TermsRef           SalesTermRef (customers,   by name
                   invoices), TermRef
                   (vendors)
PreferredPayment-  PaymentMethodRef
MethodRef
JobStatus,         JobInfo.Status, StartDate,
JobStartDate...    ProjectedEndDate, EndDate,
                   Description
IsVendorEligible-  Vendor1099
For1099
IsActive           Active
Account            Account                    AccountType by name (OtherCurrentAsset <->
                                              "Other Current Asset"); ParentRef makes a
                                              sub-account; Desc <-> Description;
                                              BankNumber <-> BankNum; Desktop's "Accounts
                                              Receivable"/"Accounts Payable" are QBO's
                                              "Accounts Receivable (A/R)"/"(A/P)"
ItemService,       Item (Type Service,        SalesOrPurchase Desc/Price/AccountRef <->
ItemOtherCharge    QBO has no other-charge    Description/UnitPrice/IncomeAccountRef;
                   items)                     SalesAndPurchase adds PurchaseDesc,
                                              PurchaseCost, ExpenseAccountRef,
                                              PrefVendorRef
ItemNonInventory   Item (Type NonInventory)   as services
ItemInventory      Item (Type Inventory)      SalesDesc/SalesPrice <->
                                              Description/UnitPrice; COGSAccountRef <->
                                              ExpenseAccountRef; AssetAccountRef;
                                              QuantityOnHand <-> QtyOnHand; InvStartDate
                                              from TimeCreated (QBO needs one)
SalesTaxCodeRef    Taxable                    Desktop's "Tax" code is taxable
Invoice            Invoice                    RefNumber <-> DocNumber, Memo <->
                                              PrivateNote, CustomerMsgRef <->
                                              CustomerMemo, IsToBePrinted <-> PrintStatus,
                                              IsToBeEmailed <-> EmailStatus; TxnDate,
                                              DueDate, ShipDate, PONumber, FOB as they are
InvoiceLineRet     Line (SalesItemLine-       ItemRef, Desc <-> Description, Quantity <->
                   Detail)                    Qty, Rate <-> UnitPrice, Amount,
                                              ServiceDate; a line without an item is
                                              DescriptionOnly; a line group's lines are
                                              carried as lines
=================  =========================  ============================================

Not carried (reported as dropped): IDs, EditSequence/SyncToken, times, balances and totals
(each edition computes its own), classes, sales reps, customer and vendor types, price
levels, currencies, sales tax details, custom fields, and Desktop-only item kinds (groups,
discounts, subtotals, payments, sales tax items).
"""

from __future__ import annotations

from qbconnector.qbo.editions.desktop import to_desktop
from qbconnector.qbo.editions.mapping import (
    ACCOUNT_TYPES,
    ONLINE_OF,
    NoCounterpart,
    looks_desktop,
    looks_online,
)
from qbconnector.qbo.editions.online import to_online

__all__ = ["ACCOUNT_TYPES", "ONLINE_OF", "NoCounterpart", "looks_desktop", "looks_online",
           "to_desktop", "to_online"]
