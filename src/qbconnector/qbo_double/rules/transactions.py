"""Transactions: lines, totals, document numbers, due dates, balances and their postings.

Server-filled as QBO fills them (recorded): DocNumber for sales forms, TxnDate today, line Ids
and LineNum, a trailing SubTotalLineDetail line, TaxCodeRef "NON", TotalAmt, Balance,
DueDate from the terms, addresses copied from the customer, ref names. A full update that sends
``Line`` without Ids replaces the lines (new Ids continue after the old ones).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from qbconnector.qbo_double.ledger import cents, default_account, to_money
from qbconnector.qbo_double.rules.base import Rules
from qbconnector.qbo_double.rules.lists import HOME_CURRENCY
from qbconnector.qbo_wire.faults import business_error, fault
from qbconnector.qbo_wire.values import money

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company

ZERO = Decimal(0)
SALES_FORMS = ("Invoice", "SalesReceipt", "Estimate", "CreditMemo", "RefundReceipt")
#: Lines of these transactions apply to other transactions and carry no Id or DetailType.
APPLYING = ("Payment", "BillPayment")
LINE_REFS = {  # detail field -> (reference field, target entity)
    "ItemRef": "Item", "ClassRef": "Class", "AccountRef": "Account", "CustomerRef": "Customer",
    "DiscountAccountRef": "Account", "PaymentMethodRef": "PaymentMethod",
    "DepartmentRef": "Department",
}
TOP_REFS = {
    "ClassRef": "Class", "DepartmentRef": "Department", "SalesTermRef": "Term",
    "PaymentMethodRef": "PaymentMethod", "DepositToAccountRef": "Account",
    "APAccountRef": "Account", "ARAccountRef": "Account", "AccountRef": "Account",
    "FromAccountRef": "Account", "ToAccountRef": "Account", "EmployeeRef": "Employee",
    "ItemRef": "Item",
}


class Transaction(Rules):
    """What all transactions share."""

    entities = ("Invoice", "SalesReceipt", "Estimate", "CreditMemo", "RefundReceipt",
                "Payment", "Bill", "BillPayment", "Purchase", "PurchaseOrder", "VendorCredit",
                "Deposit", "Transfer", "JournalEntry", "TimeActivity")
    deletable = True

    @property
    def voidable(self) -> bool:  # type: ignore[override]
        return self.name in ("Invoice", "SalesReceipt", "Payment", "BillPayment",
                             "CreditMemo", "RefundReceipt", "Bill", "Purchase", "Deposit",
                             "JournalEntry", "VendorCredit", "Transfer")

    party: tuple[str, str] | None = None

    # --- fill -----------------------------------------------------------------------------

    def fill(self, company: Company, body: dict, old: dict | None) -> None:
        body.setdefault("TxnDate", company.today())
        if self.name != "TimeActivity":
            body.setdefault("CurrencyRef", dict(HOME_CURRENCY))
        party = self.party_ref(body)
        if party:
            field, target = party
            self.require(body, field)
            body[field] = company.resolve(body[field], target, field)
        for field, target in TOP_REFS.items():
            if body.get(field) and field in self.spec.fields:
                body[field] = company.resolve(body[field], target, field)
        self.fill_defaults(company, body, old)
        if "Line" in self.spec.fields and self.name != "TimeActivity":
            self.fill_lines(company, body, old)
        self.fill_totals(company, body)
        self.fill_doc_number(company, body, old)

    def party_ref(self, body: dict) -> tuple[str, str] | None:
        return self.party

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        """Type-specific defaults and requirements."""

    def fill_doc_number(self, company: Company, body: dict, old: dict | None) -> None:
        if self.name not in SALES_FORMS:
            return
        number = body.get("DocNumber")
        if not number or number == "AUTO_GENERATE":
            if old is not None and old.get("DocNumber") and number != "AUTO_GENERATE":
                body["DocNumber"] = old["DocNumber"]
                return
            body["DocNumber"] = self.next_doc_number(company)
            return
        if len(number) > 21:
            raise fault("2050", f"String length is {len(number)}, which exceeds the maximum of "
                                f"21 for DocNumber", element="DocNumber")
        if getattr(company, "allow_duplicate_docnum", False):
            return
        own = old["Id"] if old else None
        for row in company.rows(self.name):
            if row.id != own and row.body.get("DocNumber") == number:
                raise fault("6140", f"Duplicate Document Number Error : You must specify a "
                                    f"different number. This number has already been used. "
                                    f"DocNumber={number} is assigned to TxnType={self.name} "
                                    f"with TxnId={row.id}", element="")

    def next_doc_number(self, company: Company) -> str:
        used = {r.body.get("DocNumber") for r in company.rows(self.name)}
        while True:
            value = str(company.store.next_value(company.realm, f"doc:{self.name}", 1001))
            if value not in used:
                return value

    # --- lines ----------------------------------------------------------------------------

    def fill_lines(self, company: Company, body: dict, old: dict | None) -> None:
        lines = [line for line in body.get("Line") or []
                 if line.get("DetailType") != "SubTotalLineDetail"]
        old_ids = [int(line["Id"]) for line in (old or {}).get("Line", [])
                   if str(line.get("Id", "")).isdigit()]
        first = 0 if self.name == "JournalEntry" else 1
        next_id = max(old_ids) + 1 if old_ids else first
        known = {str(i) for i in old_ids}
        numbered = self.name not in ("JournalEntry", "Purchase") + APPLYING
        out = []
        for position, line in enumerate(lines, start=1):
            if self.name in APPLYING or (self.name == "Deposit" and line.get("LinkedTxn")):
                out.append(self.applying_line(company, line))
                continue
            kind = line.get("DetailType")
            if not kind:
                raise fault("2020", element="Line.DetailType", name="Line.DetailType")
            line_id = str(line.get("Id", ""))
            if line_id not in known:
                line_id = str(next_id)
                next_id += 1
            line["Id"] = line_id
            if numbered:
                line["LineNum"] = position
            else:
                line.pop("LineNum", None)
            detail = line.get(kind)
            if not isinstance(detail, dict):
                detail = {}
            line[kind] = detail
            self.fill_line(company, line, kind, detail)
            out.append(line)
        if self.name in SALES_FORMS:
            subtotal = sum((money(x.get("Amount", 0)) for x in out
                            if x.get("DetailType") == "SalesItemLineDetail"), ZERO)
            for line in out:
                if line.get("DetailType") == "DiscountLineDetail" and \
                        line["DiscountLineDetail"].get("PercentBased"):
                    percent = Decimal(str(line["DiscountLineDetail"].get("DiscountPercent", 0)))
                    line["Amount"] = money(subtotal * percent / 100)
            out.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail",
                        "SubTotalLineDetail": {}})
        body["Line"] = out

    def applying_line(self, company: Company, line: dict) -> dict:
        if "Amount" not in line:
            raise fault("2020", element="Line.Amount", name="Line.Amount")
        line["Amount"] = money(line["Amount"])
        links = line.get("LinkedTxn") or []
        for link in links:
            if not link.get("TxnId") or not link.get("TxnType"):
                raise fault("2020", element="Line.LinkedTxn.TxnId", name="Line.LinkedTxn.TxnId")
            if company.row(link["TxnType"], link["TxnId"]) is None:
                raise business_error(f"The transaction {link['TxnType']} {link['TxnId']} that "
                                     f"you are trying to link does not exist.")
            if self.name == "Deposit":
                link.setdefault("TxnLineId", "0")
        for key in ("Id", "LineNum", "DetailType"):
            if self.name in APPLYING:
                line.pop(key, None)
        return line

    def fill_line(self, company: Company, line: dict, kind: str, detail: dict) -> None:
        if kind in ("SalesItemLineDetail", "ItemBasedExpenseLineDetail"):
            if not detail.get("ItemRef"):
                raise fault("2020", element=f"Line.{kind}.ItemRef", name=f"Line.{kind}.ItemRef")
            qty, price = detail.get("Qty"), detail.get("UnitPrice")
            if "Amount" not in line and qty is not None and price is not None:
                line["Amount"] = money(Decimal(str(qty)) * Decimal(str(price)))
            if kind == "SalesItemLineDetail" and price is None and qty is not None:
                item = company.row("Item", detail["ItemRef"]["value"])
                if item is not None and "Amount" not in line:
                    detail["UnitPrice"] = Decimal(str(item.body.get("UnitPrice", 0)))
                    line["Amount"] = money(Decimal(str(qty)) * detail["UnitPrice"])
            detail.setdefault("TaxCodeRef", {"value": "NON"})
            if kind == "ItemBasedExpenseLineDetail":
                detail.setdefault("BillableStatus", "NotBillable")
        elif kind == "AccountBasedExpenseLineDetail":
            if not detail.get("AccountRef"):
                raise fault("2020", element="Line.AccountBasedExpenseLineDetail.AccountRef",
                            name="Line.AccountBasedExpenseLineDetail.AccountRef")
            detail.setdefault("BillableStatus", "NotBillable")
            detail.setdefault("TaxCodeRef", {"value": "NON"})
        elif kind == "JournalEntryLineDetail":
            if detail.get("PostingType") not in ("Debit", "Credit"):
                raise fault("2020", element="Line.JournalEntryLineDetail.PostingType",
                            name="Line.JournalEntryLineDetail.PostingType")
            if not detail.get("AccountRef"):
                raise fault("2020", element="Line.JournalEntryLineDetail.AccountRef",
                            name="Line.JournalEntryLineDetail.AccountRef")
            entity = detail.get("Entity")
            if isinstance(entity, dict) and entity.get("EntityRef"):
                target = entity.get("Type") or "Customer"
                if target in ("Customer", "Vendor", "Employee"):
                    entity["EntityRef"] = company.resolve(entity["EntityRef"], target,
                                                          "Line.JournalEntryLineDetail.Entity")
        elif kind == "DiscountLineDetail":
            if not detail.get("DiscountAccountRef"):
                detail["DiscountAccountRef"] = default_account(company, "discounts")
            line.setdefault("Amount", ZERO)
        elif kind == "DepositLineDetail":
            if not detail.get("AccountRef"):
                raise fault("2020", element="Line.DepositLineDetail.AccountRef",
                            name="Line.DepositLineDetail.AccountRef")
        elif kind == "GroupLineDetail":
            nested = detail.get("Line") or []
            for sub in nested:
                sub_kind = sub.get("DetailType", "SalesItemLineDetail")
                sub_detail = sub.setdefault(sub_kind, {})
                self.fill_line(company, sub, sub_kind, sub_detail)
            line.setdefault("Amount", sum((money(s.get("Amount", 0)) for s in nested), ZERO))
            if detail.get("GroupItemRef"):
                detail["GroupItemRef"] = company.resolve(detail["GroupItemRef"], "Item",
                                                         "Line.GroupLineDetail.GroupItemRef")
        if kind != "DescriptionOnly" and "Amount" not in line:
            raise fault("2020", element="Line.Amount", name="Line.Amount")
        if "Amount" in line:
            line["Amount"] = money(line["Amount"])
        for field, target in LINE_REFS.items():
            if detail.get(field):
                detail[field] = company.resolve(detail[field], target, f"Line.{kind}.{field}")

    # --- totals ---------------------------------------------------------------------------

    def line_total(self, body: dict) -> Decimal:
        total = ZERO
        for line in body.get("Line", []):
            kind = line.get("DetailType")
            if kind in ("SubTotalLineDetail", "DescriptionOnly"):
                continue
            amount = money(line.get("Amount", 0))
            if kind == "DiscountLineDetail":
                total -= amount
            elif kind == "JournalEntryLineDetail":
                if line[kind].get("PostingType") == "Debit":
                    total += amount
            else:
                total += amount
        return total

    def fill_totals(self, company: Company, body: dict) -> None:
        if "TotalAmt" in self.spec.fields and self.name not in APPLYING:
            body["TotalAmt"] = self.line_total(body)
        if self.name in ("Invoice", "CreditMemo", "Bill", "VendorCredit"):
            body.setdefault("Balance", body["TotalAmt"])
        if self.name in SALES_FORMS:
            body["TxnTaxDetail"] = {"TotalTax": ZERO}

    # --- effects --------------------------------------------------------------------------

    def postings(self, company: Company, body: dict) -> list[tuple]:
        """(line, date, account, cents, party type, party id, memo); they sum to zero."""
        return []

    def links(self, company: Company, body: dict) -> list[tuple[str, str, int]]:
        return []

    def after_write(self, company: Company, body: dict, old: dict | None) -> list[tuple]:
        postings = self.postings(company, body)
        if sum(p[3] for p in postings) != 0:
            raise business_error("Transaction must balance: debits and credits differ")
        before = company.store.postings(company.realm, "AND txn_type = ? AND txn_id = ?",
                                        (self.name, body["Id"]))
        company.store.replace_postings(company.realm, self.name, body["Id"], postings)
        touched = company.store.replace_links(company.realm, self.name, body["Id"],
                                              self.links(company, body))
        return _affected(before, postings) + touched

    def on_remove(self, company: Company, body: dict) -> list[tuple]:
        if self.name in ("Invoice", "CreditMemo", "Bill", "VendorCredit") and \
                company.store.links_to(company.realm, self.name, body["Id"]):
            raise business_error(f"This {self.name} has payments applied to it; delete or "
                                 f"void the payments first.")
        before = company.store.postings(company.realm, "AND txn_type = ? AND txn_id = ?",
                                        (self.name, body["Id"]))
        company.store.replace_postings(company.realm, self.name, body["Id"], [])
        touched = company.store.replace_links(company.realm, self.name, body["Id"], [])
        return _affected(before, []) + touched

    def void(self, company: Company, body: dict) -> None:
        for line in body.get("Line", []):
            line["Amount"] = ZERO
            kind = line.get("DetailType")
            detail = line.get(kind) if kind else None
            if isinstance(detail, dict):
                for key in ("Qty", "UnitPrice"):
                    if key in detail:
                        detail[key] = ZERO
        for key in ("TotalAmt", "Balance", "UnappliedAmt", "RemainingCredit", "Amount"):
            if key in body:
                body[key] = ZERO
        if "TxnTaxDetail" in body:
            body["TxnTaxDetail"] = {"TotalTax": ZERO}

    # --- balances -------------------------------------------------------------------------

    def derive(self, company: Company, body: dict) -> bool:
        field = {"Invoice": "Balance", "Bill": "Balance", "CreditMemo": "RemainingCredit",
                 "VendorCredit": "Balance"}.get(self.name)
        if field is None or body.get("PrivateNote") == "Voided" and body.get("TotalAmt") == 0:
            return False
        applied = company.store.links_to(company.realm, self.name, body["Id"]) \
            if body.get("Id") else []
        before = (body.get(field), body.get("LinkedTxn"))
        total = money(body.get("TotalAmt", 0))
        body[field] = to_money(cents(total) - sum(c for _, _, c in applied))
        if self.name == "CreditMemo":
            body["Balance"] = body[field]
        if self.name in ("Invoice", "Bill"):
            body["LinkedTxn"] = [{"TxnId": i, "TxnType": t} for t, i, _ in applied]
        return before != (body.get(field), body.get("LinkedTxn"))


def _affected(before: list[tuple], after: list[tuple]) -> list[tuple]:
    """Accounts and parties whose balances a change of postings moves."""
    out = []
    for row in before:
        out.append(("Account", row[4]))
        if row[6]:
            out.append((row[6], row[7]))
    for row in after:
        out.append(("Account", row[2]))
        if row[4]:
            out.append((row[4], row[5]))
    return out


def due_date(company: Company, txn_date: str, term_ref: dict | None) -> str:
    """TxnDate plus the terms (STANDARD: DueDays; DATE_DRIVEN: day of the month)."""
    start = date.fromisoformat(txn_date)
    term = company.row("Term", term_ref["value"]) if term_ref else None
    if term is None:
        return (start + timedelta(days=30 if term_ref is None else 0)).isoformat()
    if term.body.get("Type") == "DATE_DRIVEN" and term.body.get("DayOfMonthDue"):
        day = int(term.body["DayOfMonthDue"])
        month = start.month % 12 + 1
        year = start.year + (start.month == 12)
        return date(year, month, min(day, 28)).isoformat()
    return (start + timedelta(days=int(term.body.get("DueDays", 0)))).isoformat()


from qbconnector.qbo_double.rules import postings as _postings  # noqa: E402,F401 - registers
