"""Each transaction type: its defaults, what it applies to, and what it posts.

Sales post revenue against A/R or the deposit account; purchases post expenses against A/P,
a bank or a card; payments move A/R or A/P to cash; deposits move undeposited funds to a bank.
Inventory items also move cost from the inventory asset to cost of goods sold.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from qbconnector.qbo_double.ledger import cents, default_account, default_account_id
from qbconnector.qbo_double.rules.transactions import ZERO, Transaction, due_date
from qbconnector.qbo_wire.faults import business_error, fault
from qbconnector.qbo_wire.values import money

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company


def _item(company: Company, line: dict) -> dict | None:
    kind = line.get("DetailType")
    detail = line.get(kind) or {}
    ref = detail.get("ItemRef")
    row = company.row("Item", ref["value"]) if ref else None
    return row.body if row else None


def _income_lines(company: Company, body: dict, sign: int, party: tuple) -> list[tuple]:
    """Revenue (credit when sign is -1) per sales line, discounts the other way, and the cost
    of inventory sold."""
    out = []
    date_ = body["TxnDate"]
    for line in body.get("Line", []):
        kind = line.get("DetailType")
        amount = cents(line.get("Amount", 0))
        if kind == "SalesItemLineDetail":
            item = _item(company, line) or {}
            account = (item.get("IncomeAccountRef") or {}).get("value") or \
                default_account_id(company, "services")
            out.append((0, date_, account, sign * amount, *party, line.get("Description")))
            if item.get("Type") == "Inventory":
                qty = Decimal(str(line[kind].get("Qty", 1)))
                cost = cents(money(qty * Decimal(str(item.get("PurchaseCost", 0)))))
                if cost:
                    out.append((0, date_, item["ExpenseAccountRef"]["value"], -sign * cost,
                                None, None, "cost of goods sold"))
                    out.append((0, date_, item["AssetAccountRef"]["value"], sign * cost,
                                None, None, "cost of goods sold"))
        elif kind == "DiscountLineDetail":
            account = line[kind]["DiscountAccountRef"]["value"]
            out.append((0, date_, account, -sign * amount, *party, "discount"))
        elif kind == "GroupLineDetail":
            out.extend(_income_lines(company, {"TxnDate": date_,
                                               "Line": line[kind].get("Line", [])}, sign, party))
    return out


def _expense_lines(company: Company, body: dict, sign: int, party: tuple) -> list[tuple]:
    """Expenses (debit when sign is 1) per purchase line; inventory goes to its asset."""
    out = []
    for line in body.get("Line", []):
        kind = line.get("DetailType")
        amount = cents(line.get("Amount", 0))
        if kind == "AccountBasedExpenseLineDetail":
            account = line[kind]["AccountRef"]["value"]
        elif kind == "ItemBasedExpenseLineDetail":
            item = _item(company, line) or {}
            ref = item.get("AssetAccountRef") if item.get("Type") == "Inventory" else \
                item.get("ExpenseAccountRef")
            account = (ref or {}).get("value") or default_account_id(company, "cogs")
        else:
            continue
        out.append((0, body["TxnDate"], account, sign * amount, *party, line.get("Description")))
    return out


def _numbered(postings: list[tuple]) -> list[tuple]:
    return [(i, *p[1:]) for i, p in enumerate(postings)]


class SalesForm(Transaction):
    """Invoice, SalesReceipt, Estimate, CreditMemo and RefundReceipt."""

    entities = ("Invoice", "SalesReceipt", "Estimate", "CreditMemo", "RefundReceipt")

    def party_ref(self, body: dict) -> tuple[str, str] | None:
        if self.name in ("RefundReceipt", "SalesReceipt") and not body.get("CustomerRef"):
            return None
        return ("CustomerRef", "Customer")

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        if not body.get("Line"):
            raise fault("2020", element="Line", name="Line")
        body.setdefault("CustomField", [])
        customer = company.row("Customer", body["CustomerRef"]["value"]) \
            if body.get("CustomerRef") else None
        if customer is not None:
            for key in ("BillAddr", "ShipAddr"):
                if key not in body and customer.body.get(key):
                    body[key] = dict(customer.body[key])
            if body.get("BillEmail") is None and customer.body.get("PrimaryEmailAddr"):
                body["BillEmail"] = dict(customer.body["PrimaryEmailAddr"])
        if self.name == "Invoice":
            for key in ("AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment",
                        "AllowOnlineACHPayment"):
                body.setdefault(key, False)
            if not body.get("SalesTermRef") and customer is not None and \
                    customer.body.get("SalesTermRef"):
                body["SalesTermRef"] = dict(customer.body["SalesTermRef"])
            body.setdefault("DueDate", due_date(company, body["TxnDate"],
                                                body.get("SalesTermRef")))
            body.setdefault("LinkedTxn", [])
        if self.name in ("SalesReceipt", "RefundReceipt"):
            if self.name == "RefundReceipt":
                self.require(body, "DepositToAccountRef")
            elif not body.get("DepositToAccountRef"):
                body["DepositToAccountRef"] = default_account(company, "undeposited")
            body["Balance"] = ZERO
        if self.name == "Estimate":
            body.setdefault("TxnStatus", "Pending")
        body.setdefault("ApplyTaxAfterDiscount", False)
        body.setdefault("PrintStatus", "NeedToPrint")
        body.setdefault("EmailStatus", "NotSet")

    def fill_totals(self, company: Company, body: dict) -> None:
        super().fill_totals(company, body)
        if self.name == "CreditMemo":
            body.setdefault("RemainingCredit", body["TotalAmt"])

    def postings(self, company: Company, body: dict) -> list[tuple]:
        if self.name == "Estimate":
            return []
        customer = ("Customer", body["CustomerRef"]["value"]) if body.get("CustomerRef") \
            else (None, None)
        total = cents(body.get("TotalAmt", 0))
        date_ = body["TxnDate"]
        if self.name == "Invoice":
            head = [(0, date_, default_account_id(company, "ar"), total, *customer, None)]
            return _numbered(head + _income_lines(company, body, -1, customer))
        if self.name == "CreditMemo":
            head = [(0, date_, default_account_id(company, "ar"), -total, *customer, None)]
            return _numbered(head + _income_lines(company, body, 1, customer))
        bank = body["DepositToAccountRef"]["value"]
        if self.name == "SalesReceipt":
            head = [(0, date_, bank, total, None, None, None)]
            return _numbered(head + _income_lines(company, body, -1, customer))
        head = [(0, date_, bank, -total, None, None, None)]  # RefundReceipt
        return _numbered(head + _income_lines(company, body, 1, customer))


class Payment(Transaction):
    entities = ("Payment",)
    party = ("CustomerRef", "Customer")

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        self.require(body, "TotalAmt")
        body["TotalAmt"] = money(body["TotalAmt"])
        if not body.get("DepositToAccountRef"):
            body["DepositToAccountRef"] = default_account(company, "undeposited")
        body.setdefault("ProcessPayment", False)
        body.setdefault("Line", [])

    def fill_totals(self, company: Company, body: dict) -> None:
        applied = ZERO
        for line in body.get("Line", []):
            for link in line.get("LinkedTxn", []):
                target = company.row(link["TxnType"], link["TxnId"])
                if link["TxnType"] not in ("Invoice", "CreditMemo", "JournalEntry"):
                    raise business_error(f"A payment cannot be applied to {link['TxnType']}")
                if target and (target.body.get("CustomerRef") or {}).get("value") != \
                        body["CustomerRef"]["value"] and link["TxnType"] != "JournalEntry":
                    raise business_error(f"{link['TxnType']} {link['TxnId']} belongs to another "
                                         f"customer")
                sign = -1 if link["TxnType"] == "CreditMemo" else 1
                applied += sign * line["Amount"]
                open_amount = self._open(company, link, body.get("Id"))
                if line["Amount"] > open_amount:
                    raise business_error(f"The amount applied to {link['TxnType']} "
                                         f"{link['TxnId']} ({line['Amount']}) is more than its "
                                         f"open balance ({open_amount})")
        if applied > body["TotalAmt"]:
            raise business_error("The payment amount must be at least the amount applied to "
                                 "invoices")
        body["UnappliedAmt"] = body["TotalAmt"] - applied

    @staticmethod
    def _open(company: Company, link: dict, own_id: str | None) -> Decimal:
        target = company.row(link["TxnType"], link["TxnId"])
        if target is None:
            return ZERO
        total = cents(target.body.get("TotalAmt", 0))
        used = sum(c for t, i, c in company.store.links_to(company.realm, link["TxnType"],
                                                             link["TxnId"])
                   if not (t == "Payment" and i == own_id))
        return Decimal(total - used) / 100

    def links(self, company: Company, body: dict) -> list[tuple[str, str, int]]:
        return [(link["TxnType"], link["TxnId"], cents(line["Amount"]))
                for line in body.get("Line", []) for link in line.get("LinkedTxn", [])
                if link["TxnType"] in ("Invoice", "CreditMemo")]

    def postings(self, company: Company, body: dict) -> list[tuple]:
        customer = ("Customer", body["CustomerRef"]["value"])
        total = cents(body["TotalAmt"])
        return [(0, body["TxnDate"], body["DepositToAccountRef"]["value"], total, None, None,
                 None),
                (1, body["TxnDate"], default_account_id(company, "ar"), -total, *customer,
                 None)]


class Bill(Transaction):
    entities = ("Bill", "VendorCredit", "PurchaseOrder")
    party = ("VendorRef", "Vendor")

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        if not body.get("Line"):
            raise fault("2020", element="Line", name="Line")
        if not body.get("APAccountRef"):
            body["APAccountRef"] = default_account(company, "ap")
        if self.name == "Bill":
            vendor = company.row("Vendor", body["VendorRef"]["value"])
            term = body.get("SalesTermRef") or (vendor.body.get("TermRef") if vendor else None)
            body.setdefault("DueDate", due_date(company, body["TxnDate"], term)
                            if term else body["TxnDate"])
        if self.name == "PurchaseOrder":
            body.setdefault("POStatus", "Open")
            body.setdefault("EmailStatus", "NotSet")

    def postings(self, company: Company, body: dict) -> list[tuple]:
        if self.name == "PurchaseOrder":
            return []
        vendor = ("Vendor", body["VendorRef"]["value"])
        sign = 1 if self.name == "Bill" else -1
        total = cents(body["TotalAmt"])
        head = [(0, body["TxnDate"], body["APAccountRef"]["value"], -sign * total, *vendor,
                 None)]
        return _numbered(head + _expense_lines(company, body, sign, vendor))


class BillPayment(Transaction):
    entities = ("BillPayment",)
    party = ("VendorRef", "Vendor")

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        self.require(body, "PayType", "TotalAmt")
        body["TotalAmt"] = money(body["TotalAmt"])
        if body["PayType"] == "Check":
            detail = body.get("CheckPayment") or {}
            if not detail.get("BankAccountRef"):
                raise fault("2020", element="CheckPayment.BankAccountRef",
                            name="CheckPayment.BankAccountRef")
            detail["BankAccountRef"] = company.resolve(detail["BankAccountRef"], "Account",
                                                       "CheckPayment.BankAccountRef")
            detail.setdefault("PrintStatus", "NeedToPrint")
            body["CheckPayment"] = detail
        else:
            detail = body.get("CreditCardPayment") or {}
            if not detail.get("CCAccountRef"):
                raise fault("2020", element="CreditCardPayment.CCAccountRef",
                            name="CreditCardPayment.CCAccountRef")
            detail["CCAccountRef"] = company.resolve(detail["CCAccountRef"], "Account",
                                                     "CreditCardPayment.CCAccountRef")
            body["CreditCardPayment"] = detail
        if not body.get("APAccountRef"):
            body["APAccountRef"] = default_account(company, "ap")
        body.setdefault("Line", [])

    def fill_totals(self, company: Company, body: dict) -> None:
        applied = ZERO
        for line in body.get("Line", []):
            for link in line.get("LinkedTxn", []):
                if link["TxnType"] not in ("Bill", "VendorCredit"):
                    raise business_error(f"A bill payment cannot be applied to "
                                         f"{link['TxnType']}")
                open_amount = Payment._open(company, link, body.get("Id"))
                if line["Amount"] > open_amount:
                    raise business_error(f"The amount applied to {link['TxnType']} "
                                         f"{link['TxnId']} is more than its open balance")
                applied += line["Amount"] * (-1 if link["TxnType"] == "VendorCredit" else 1)
        if applied > body["TotalAmt"]:
            raise business_error("The payment amount must be at least the amount applied")

    def links(self, company: Company, body: dict) -> list[tuple[str, str, int]]:
        return [(link["TxnType"], link["TxnId"], cents(line["Amount"]))
                for line in body.get("Line", []) for link in line.get("LinkedTxn", [])]

    def postings(self, company: Company, body: dict) -> list[tuple]:
        vendor = ("Vendor", body["VendorRef"]["value"])
        total = cents(body["TotalAmt"])
        source = body["CheckPayment"]["BankAccountRef"] if body["PayType"] == "Check" else \
            body["CreditCardPayment"]["CCAccountRef"]
        return [(0, body["TxnDate"], body["APAccountRef"]["value"], total, *vendor, None),
                (1, body["TxnDate"], source["value"], -total, None, None, None)]


class Purchase(Transaction):
    entities = ("Purchase",)

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        self.require(body, "PaymentType", "AccountRef")
        if not body.get("Line"):
            raise fault("2020", element="Line", name="Line")
        ref = body.get("EntityRef")
        if ref:
            target = ref.get("type") or "Vendor"
            if target not in ("Vendor", "Customer", "Employee"):
                target = "Vendor"
            resolved = company.resolve(ref, target, "EntityRef")
            assert resolved is not None
            resolved["type"] = target
            body["EntityRef"] = resolved
        if body["PaymentType"] == "CreditCard":
            body.setdefault("Credit", False)
        if body["PaymentType"] == "Check":
            body.setdefault("PrintStatus", "NeedToPrint")

    def postings(self, company: Company, body: dict) -> list[tuple]:
        sign = -1 if body.get("Credit") else 1
        ref = body.get("EntityRef")
        party = (ref.get("type", "Vendor"), ref["value"]) if ref else (None, None)
        total = cents(body["TotalAmt"])
        head = [(0, body["TxnDate"], body["AccountRef"]["value"], -sign * total, None, None,
                 None)]
        lines = [(0, *p[1:4], *party, p[6]) for p in _expense_lines(company, body, sign,
                                                                      (None, None))]
        return _numbered(head + lines)


class Deposit(Transaction):
    entities = ("Deposit",)

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        self.require(body, "DepositToAccountRef")
        if not body.get("Line"):
            raise fault("2020", element="Line", name="Line")
        cash_back = body.get("CashBack")
        if cash_back:
            if not cash_back.get("AccountRef"):
                raise fault("2020", element="CashBack.AccountRef", name="CashBack.AccountRef")
            cash_back["AccountRef"] = company.resolve(cash_back["AccountRef"], "Account",
                                                      "CashBack.AccountRef")
            cash_back["Amount"] = money(cash_back.get("Amount", 0))

    def fill_totals(self, company: Company, body: dict) -> None:
        total = sum((money(line.get("Amount", 0)) for line in body.get("Line", [])), ZERO)
        if body.get("CashBack"):
            total -= body["CashBack"]["Amount"]
        body["TotalAmt"] = total

    def links(self, company: Company, body: dict) -> list[tuple[str, str, int]]:
        return [(link["TxnType"], link["TxnId"], cents(line["Amount"]))
                for line in body.get("Line", []) for link in line.get("LinkedTxn", [])]

    def postings(self, company: Company, body: dict) -> list[tuple]:
        date_ = body["TxnDate"]
        out = [(0, date_, body["DepositToAccountRef"]["value"], cents(body["TotalAmt"]), None,
                None, None)]
        for line in body.get("Line", []):
            amount = cents(line.get("Amount", 0))
            if line.get("LinkedTxn"):
                link = line["LinkedTxn"][0]
                source = company.row(link["TxnType"], link["TxnId"])
                account = ((source.body.get("DepositToAccountRef") if source else None) or
                           {}).get("value") or default_account_id(company, "undeposited")
                out.append((0, date_, account, -amount, None, None, None))
            else:
                detail = line.get("DepositLineDetail") or {}
                out.append((0, date_, detail["AccountRef"]["value"], -amount, None, None,
                            line.get("Description")))
        if body.get("CashBack"):
            out.append((0, date_, body["CashBack"]["AccountRef"]["value"],
                        cents(body["CashBack"]["Amount"]), None, None, "cash back"))
        return _numbered(out)


class Transfer(Transaction):
    entities = ("Transfer",)

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        self.require(body, "FromAccountRef", "ToAccountRef", "Amount")
        body["Amount"] = money(body["Amount"])
        if body["FromAccountRef"]["value"] == body["ToAccountRef"]["value"]:
            raise business_error("The accounts to transfer from and to must be different")

    def postings(self, company: Company, body: dict) -> list[tuple]:
        amount = cents(body["Amount"])
        return [(0, body["TxnDate"], body["ToAccountRef"]["value"], amount, None, None, None),
                (1, body["TxnDate"], body["FromAccountRef"]["value"], -amount, None, None, None)]


class JournalEntry(Transaction):
    entities = ("JournalEntry",)

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        if not body.get("Line"):
            raise fault("2020", element="Line", name="Line")
        body.setdefault("Adjustment", False)

    def fill_totals(self, company: Company, body: dict) -> None:
        debit = credit = ZERO
        for line in body.get("Line", []):
            detail = line.get("JournalEntryLineDetail") or {}
            if detail.get("PostingType") == "Debit":
                debit += money(line.get("Amount", 0))
            else:
                credit += money(line.get("Amount", 0))
        if debit != credit:
            raise business_error(f"Transaction must balance: debits {debit} and credits "
                                 f"{credit} differ")
        body["TotalAmt"] = debit
        body.setdefault("TxnTaxDetail", {})

    def postings(self, company: Company, body: dict) -> list[tuple]:
        out = []
        for i, line in enumerate(body.get("Line", [])):
            detail = line["JournalEntryLineDetail"]
            amount = cents(line["Amount"]) * (1 if detail["PostingType"] == "Debit" else -1)
            entity = detail.get("Entity") or {}
            party = (entity.get("Type"), entity["EntityRef"]["value"]) \
                if entity.get("EntityRef") else (None, None)
            out.append((i, body["TxnDate"], detail["AccountRef"]["value"], amount, *party,
                        line.get("Description")))
        return out


class TimeActivity(Transaction):
    entities = ("TimeActivity",)

    def fill_defaults(self, company: Company, body: dict, old: dict | None) -> None:
        self.require(body, "NameOf")
        who = "EmployeeRef" if body["NameOf"] == "Employee" else "VendorRef"
        self.require(body, who)
        body[who] = company.resolve(body[who], "Employee" if who == "EmployeeRef" else "Vendor",
                                    who)
        if body.get("CustomerRef"):
            body["CustomerRef"] = company.resolve(body["CustomerRef"], "Customer",
                                                  "CustomerRef")
        if "Hours" not in body and "StartTime" not in body:
            raise fault("2020", element="Hours", name="Hours")
        body.setdefault("BillableStatus", "NotBillable")
        body.setdefault("Taxable", False)
