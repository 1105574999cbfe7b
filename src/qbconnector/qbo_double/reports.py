"""Reports computed from the double-entry postings, in QBO's report JSON.

ProfitAndLoss, BalanceSheet, TrialBalance, GeneralLedger, CustomerBalance, AgedReceivables and
AgedPayables, with ``start_date``/``end_date``/``date_macro``, ``accounting_method`` (Accrual or
Cash) and ``customer``/``vendor`` filters. Cash basis counts sales and purchases when paid:
a payment brings in its invoices' revenue (and a bill payment its bills' expenses) in
proportion to the amount paid, on the payment's date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from qbconnector.qbo_double.ledger import to_money
from qbconnector.qbo_wire.faults import QBOFault, fault
from qbconnector.qbo_wire.values import format_datetime

if TYPE_CHECKING:
    from qbconnector.qbo_double.company import Company

REPORTS = ("ProfitAndLoss", "BalanceSheet", "TrialBalance", "GeneralLedger", "CustomerBalance",
           "AgedReceivables", "AgedPayables", "VendorBalance")
PL_SECTIONS = (("Income", "Income", ("Income",), -1),
               ("COGS", "Cost of Goods Sold", ("Cost of Goods Sold",), 1),
               ("Expenses", "Expenses", ("Expense",), 1),
               ("OtherIncome", "Other Income", ("Other Income",), -1),
               ("OtherExpenses", "Other Expenses", ("Other Expense",), 1))
MACROS = ("today", "yesterday", "this week", "this month", "this month-to-date", "this quarter",
          "this year", "this year-to-date", "last month", "last year", "all")


def _money(cents: int) -> str:
    return str(to_money(cents))


def period(company: Company, params: dict, default: str = "this month-to-date"
           ) -> tuple[date, date, str | None]:
    """(start, end, macro) from start_date/end_date or date_macro (QBO's default: this month
    to date)."""
    today = company.now().date()
    try:
        if params.get("start_date") or params.get("end_date"):
            end = date.fromisoformat(params.get("end_date") or today.isoformat())
            start = date.fromisoformat(params.get("start_date") or
                                       end.replace(month=1, day=1).isoformat())
            return start, end, None
    except ValueError:
        raise fault("2020", "Invalid date: start_date and end_date are YYYY-MM-DD",
                    element="start_date") from None
    macro = (params.get("date_macro") or default).lower()
    if macro not in MACROS:
        raise fault("2170", f"Invalid Enumeration : date_macro {macro!r}", element="date_macro")
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    quarter = first_of_month.replace(month=(today.month - 1) // 3 * 3 + 1)
    table = {
        "today": (today, today), "yesterday": (today - timedelta(1), today - timedelta(1)),
        "this week": (today - timedelta(today.weekday()), today),
        "this month": (first_of_month, (first_of_month + timedelta(32)).replace(day=1)
                       - timedelta(1)),
        "this month-to-date": (first_of_month, today),
        "this quarter": (quarter, today), "this year": (today.replace(month=1, day=1),
                                                       today.replace(month=12, day=31)),
        "this year-to-date": (today.replace(month=1, day=1), today),
        "last month": (last_month_end.replace(day=1), last_month_end),
        "last year": (today.replace(year=today.year - 1, month=1, day=1),
                      today.replace(year=today.year - 1, month=12, day=31)),
        "all": (date(1900, 1, 1), today),
    }
    start, end = table[macro]
    return start, end, macro


class ReportBuilder:
    """One report request against one company."""

    def __init__(self, company: Company, name: str, params: dict) -> None:
        if name not in REPORTS:
            raise fault("500", f"Operation Could not find resource for relative : "
                               f"/reports/{name} is not supported.", element="")
        self.company, self.name, self.params = company, name, params
        method = params.get("accounting_method", "Accrual")
        if method not in ("Accrual", "Cash"):
            raise fault("2170", f"Invalid Enumeration : accounting_method {method!r}",
                        element="accounting_method")
        self.basis = method
        self.accounts = {r.id: r.body for r in company.store.rows(company.realm,
                                                                  "Account").values()
                         if not r.deleted}

    def build(self) -> dict:
        return getattr(self, "_" + self.name)()

    # --- helpers --------------------------------------------------------------------------

    def header(self, start: date | None, end: date, macro: str | None, empty: bool,
               extra: dict | None = None) -> dict:
        head = {"Time": format_datetime(self.company.now()), "ReportName": self.name}
        if macro:
            head["DateMacro"] = macro
        head["ReportBasis"] = self.basis
        if start is not None:
            head["StartPeriod"] = start.isoformat()
        head["EndPeriod"] = end.isoformat()
        head["SummarizeColumnsBy"] = self.params.get("summarize_column_by", "Total")
        head["Currency"] = "USD"
        head.update(extra or {})
        head["Option"] = [{"Name": "AccountingStandard", "Value": "GAAP"},
                          {"Name": "NoReportData", "Value": "true" if empty else "false"}]
        return head

    def postings(self, end: date, start: date | None = None) -> list[tuple]:
        """(txn_type, txn_id, line, date, account, cents, party_type, party_id, memo)."""
        args: tuple = (end.isoformat(),)
        where = "AND date <= ?"
        if start is not None:
            where += " AND date >= ?"
            args += (start.isoformat(),)
        rows = self.company.store.postings(self.company.realm, where + " ORDER BY date, rowid",
                                           args)
        if self.basis == "Cash":
            rows = self._cash(rows, end, start)
        customer = self.params.get("customer")
        if customer:
            wanted = set(customer.split(","))
            rows = [r for r in rows if r[6] == "Customer" and r[7] in wanted]
        return rows

    def _cash(self, rows: list[tuple], end: date, start: date | None) -> list[tuple]:
        """Replace A/R and A/P document postings by their paid share on payment dates."""
        out = []
        for row in rows:
            if row[0] in ("Invoice", "CreditMemo", "Bill", "VendorCredit"):
                continue
            if row[0] in ("Payment", "BillPayment"):
                out.append(row)
                out.extend(self._paid_share(row, end, start))
                continue
            out.append(row)
        # drop A/R and A/P legs: under cash basis they net to nothing
        keep = []
        for row in out:
            account = self.accounts.get(row[4], {})
            if account.get("AccountType") in ("Accounts Receivable", "Accounts Payable"):
                continue
            keep.append(row)
        return keep

    def _paid_share(self, payment: tuple, end: date, start: date | None) -> list[tuple]:
        if payment[2] != 0:
            return []
        store, realm = self.company.store, self.company.realm
        shares = []
        for to_type, to_id, cents in store.links_from(realm, payment[0], payment[1]):
            doc = store.postings(realm, "AND txn_type = ? AND txn_id = ?", (to_type, to_id))
            total = sum(c for c in (r[5] for r in doc) if c > 0)
            if not total:
                continue
            ratio = Decimal(cents) / Decimal(total)
            for row in doc:
                account = self.accounts.get(row[4], {})
                if account.get("Classification") in ("Revenue", "Expense"):
                    share = int((Decimal(row[5]) * ratio).to_integral_value())
                    shares.append((payment[0], payment[1], row[2], payment[3], row[4], share,
                                   row[6], row[7], row[8]))
        return shares

    def balances(self, rows: list[tuple]) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for row in rows:
            totals[row[4]] += row[5]
        return totals

    def _account_row(self, account_id: str, cents: int) -> dict:
        name = self.accounts.get(account_id, {}).get("FullyQualifiedName", account_id)
        return {"ColData": [{"value": name, "id": account_id}, {"value": _money(cents)}],
                "type": "Data"}

    def _section(self, group: str, title: str, rows: list[dict], total: int,
                 summary: str | None = None) -> dict:
        section = {"Header": {"ColData": [{"value": title}, {"value": ""}]}}
        if rows:
            section["Rows"] = {"Row": rows}
        section["Summary"] = {"ColData": [{"value": summary or f"Total {title}"},
                                          {"value": _money(total) if rows else ""}]}
        section.update(type="Section", group=group)
        return section

    @staticmethod
    def _summary(group: str, title: str, cents: int, show: bool) -> dict:
        return {"Summary": {"ColData": [{"value": title},
                                        {"value": _money(cents) if show else ""}]},
                "type": "Section", "group": group}

    def _columns(self) -> dict:
        return {"Column": [
            {"ColTitle": "", "ColType": "Account",
             "MetaData": [{"Name": "ColKey", "Value": "account"}]},
            {"ColTitle": "Total", "ColType": "Money",
             "MetaData": [{"Name": "ColKey", "Value": "total"}]}]}

    def _types(self, account_id: str) -> str:
        return self.accounts.get(account_id, {}).get("AccountType", "")

    # --- reports --------------------------------------------------------------------------

    def _ProfitAndLoss(self) -> dict:  # noqa: N802 - named after the report
        start, end, macro = period(self.company, self.params)
        balances = self.balances(self.postings(end, start))
        totals: dict[str, int] = {}
        sections: dict[str, dict] = {}
        for group, title, types, sign in PL_SECTIONS:
            rows = [self._account_row(a, sign * c) for a, c in sorted(
                balances.items(), key=lambda kv: self.accounts.get(kv[0], {}).get("Name", ""))
                if self._types(a) in types and c]
            totals[group] = sum(sign * c for a, c in balances.items() if self._types(a) in types)
            sections[group] = self._section(group, title, rows, totals[group])
        empty = not any(totals.values()) and not any(
            "Rows" in s for s in sections.values())
        gross = totals["Income"] - totals["COGS"]
        operating = gross - totals["Expenses"]
        other = totals["OtherIncome"] - totals["OtherExpenses"]
        show = not empty
        rows = [sections["Income"], sections["COGS"],
                self._summary("GrossProfit", "Gross Profit", gross, show),
                sections["Expenses"],
                self._summary("NetOperatingIncome", "Net Operating Income", operating, show),
                sections["OtherIncome"], sections["OtherExpenses"],
                self._summary("NetOtherIncome", "Net Other Income", other, show),
                self._summary("NetIncome", "Net Income", operating + other, show)]
        if not sections["COGS"].get("Rows"):
            rows.remove(sections["COGS"])
        for key in ("OtherIncome", "OtherExpenses"):
            if not sections[key].get("Rows"):
                rows.remove(sections[key])
        if not sections["OtherIncome"].get("Rows") and not sections["OtherExpenses"].get("Rows"):
            rows = [r for r in rows if r.get("group") != "NetOtherIncome"]
        extra = {"Customer": self.params["customer"]} if self.params.get("customer") else None
        return {"Header": self.header(start, end, macro, empty, extra),
                "Columns": self._columns(), "Rows": {"Row": rows}}

    def _BalanceSheet(self) -> dict:  # noqa: N802
        start, end, macro = period(self.company, self.params)
        rows = self.postings(end)
        balances = self.balances(rows)
        year_start = end.replace(month=1, day=1)
        net_income = -sum(c for r in rows for c in [r[5]]
                          if r[3] >= year_start.isoformat() and
                          self.accounts.get(r[4], {}).get("Classification")
                          in ("Revenue", "Expense"))
        retained = -sum(c for r in rows for c in [r[5]]
                        if r[3] < year_start.isoformat() and
                        self.accounts.get(r[4], {}).get("Classification")
                        in ("Revenue", "Expense"))

        def block(classification: str, sign: int) -> tuple[list[dict], int]:
            items = [self._account_row(a, sign * c) for a, c in sorted(
                balances.items(), key=lambda kv: self.accounts.get(kv[0], {}).get("Name", ""))
                if self.accounts.get(a, {}).get("Classification") == classification and c]
            return items, sum(sign * c for a, c in balances.items()
                              if self.accounts.get(a, {}).get("Classification")
                              == classification)

        assets, total_assets = block("Asset", 1)
        liabilities, total_liabilities = block("Liability", -1)
        equity, total_equity = block("Equity", -1)
        if retained:
            equity.append({"ColData": [{"value": "Retained Earnings"},
                                       {"value": _money(retained)}], "type": "Data"})
        equity.append({"ColData": [{"value": "Net Income"}, {"value": _money(net_income)}],
                       "type": "Data"})
        total_equity += retained + net_income
        empty = not (assets or liabilities)
        total_le = total_liabilities + total_equity
        report_rows = [
            self._section("TotalAssets", "ASSETS", assets, total_assets, "TOTAL ASSETS"),
            {"Header": {"ColData": [{"value": "LIABILITIES AND EQUITY"}, {"value": ""}]},
             "Rows": {"Row": [
                 self._section("Liabilities", "Liabilities", liabilities, total_liabilities),
                 self._section("Equity", "Equity", equity, total_equity)]},
             "Summary": {"ColData": [{"value": "TOTAL LIABILITIES AND EQUITY"},
                                     {"value": _money(total_le)}]},
             "type": "Section", "group": "TotalLiabilitiesAndEquity"}]
        return {"Header": self.header(start, end, macro, empty),
                "Columns": self._columns(), "Rows": {"Row": report_rows}}

    def _TrialBalance(self) -> dict:  # noqa: N802
        start, end, macro = period(self.company, self.params)
        balances = self.balances(self.postings(end))
        rows = []
        debit_total = credit_total = 0
        for account_id, cents in sorted(balances.items(), key=lambda kv: self.accounts.get(
                kv[0], {}).get("Name", "")):
            if not cents:
                continue
            debit, credit = (cents, 0) if cents > 0 else (0, -cents)
            debit_total += debit
            credit_total += credit
            name = self.accounts.get(account_id, {}).get("FullyQualifiedName", account_id)
            rows.append({"ColData": [{"value": name, "id": account_id},
                                     {"value": _money(debit) if debit else ""},
                                     {"value": _money(credit) if credit else ""}],
                         "type": "Data"})
        rows.append({"Summary": {"ColData": [{"value": "TOTAL"}, {"value": _money(debit_total)},
                                             {"value": _money(credit_total)}]},
                     "type": "Section", "group": "GrandTotal"})
        columns = {"Column": [
            {"ColTitle": "", "ColType": "Account"},
            {"ColTitle": "Debit", "ColType": "Money"},
            {"ColTitle": "Credit", "ColType": "Money"}]}
        return {"Header": self.header(start, end, macro, len(rows) == 1),
                "Columns": columns, "Rows": {"Row": rows}}

    def _GeneralLedger(self) -> dict:  # noqa: N802
        start, end, macro = period(self.company, self.params)
        before = self.balances(self.postings(start - timedelta(days=1)))
        rows = self.postings(end, start)
        by_account: dict[str, list[tuple]] = defaultdict(list)
        for row in rows:
            by_account[row[4]].append(row)
        blank = [{"value": ""}] * 7
        sections = []
        for account_id in sorted(set(by_account) | {a for a, c in before.items() if c},
                                 key=lambda a: self.accounts.get(a, {}).get("Name", "")):
            name = self.accounts.get(account_id, {}).get("FullyQualifiedName", account_id)
            running = before.get(account_id, 0)
            data = [{"ColData": [{"value": "Beginning Balance"}, *blank[:6],
                                 {"value": _money(running)}], "type": "Data"}]
            total = 0
            for row in by_account.get(account_id, []):
                running += row[5]
                total += row[5]
                txn = self.company.store.get(self.company.realm, row[0], row[1])
                doc = txn.body.get("DocNumber", "") if txn else ""
                party = ""
                if row[6] and row[7]:
                    party_row = self.company.store.get(self.company.realm, row[6], row[7])
                    party = party_row.body.get("DisplayName", "") if party_row else ""
                data.append({"ColData": [
                    {"value": row[3]}, {"value": row[0], "id": row[1]}, {"value": doc},
                    {"value": party, **({"id": row[7]} if row[7] else {})},
                    {"value": row[8] or ""}, {"value": ""}, {"value": _money(row[5])},
                    {"value": _money(running)}], "type": "Data"})
            sections.append({"Header": {"ColData": [{"value": name, "id": account_id},
                                                    *blank]},
                             "Rows": {"Row": data},
                             "Summary": {"ColData": [{"value": f"Total for {name}"},
                                                     *blank[:5], {"value": _money(total)},
                                                     {"value": ""}]},
                             "type": "Section"})
        columns = {"Column": [{"ColTitle": t, "ColType": k} for t, k in (
            ("Date", "tx_date"), ("Transaction Type", "txn_type"), ("Num", "doc_num"),
            ("Name", "name"), ("Memo/Description", "memo"), ("Split", "split_acc"),
            ("Amount", "subt_nat_amount"), ("Balance", "rbal_nat_amount"))]}
        return {"Header": self.header(start, end, macro, not sections), "Columns": columns,
                "Rows": {"Row": sections}}

    def _party_totals(self, party_type: str, end: date) -> dict[str, int]:
        kind = "Accounts Receivable" if party_type == "Customer" else "Accounts Payable"
        totals: dict[str, int] = defaultdict(int)
        for row in self.company.store.postings(self.company.realm, "AND date <= ?",
                                               (end.isoformat(),)):
            if row[6] == party_type and self._types(row[4]) == kind:
                totals[row[7]] += row[5] if party_type == "Customer" else -row[5]
        return totals

    def _CustomerBalance(self, party_type: str = "Customer") -> dict:  # noqa: N802
        start, end, macro = period(self.company, self.params, "all")
        totals = self._party_totals(party_type, end)
        rows = []
        grand = 0
        for party_id, cents in sorted(totals.items(), key=lambda kv: self._party_name(
                party_type, kv[0])):
            if not cents:
                continue
            grand += cents
            rows.append({"ColData": [{"value": self._party_name(party_type, party_id),
                                      "id": party_id}, {"value": _money(cents)}],
                         "type": "Data"})
        rows.append({"Summary": {"ColData": [{"value": "TOTAL"}, {"value": _money(grand)}]},
                     "type": "Section", "group": "GrandTotal"})
        columns = {"Column": [{"ColTitle": "", "ColType": party_type},
                              {"ColTitle": "Total", "ColType": "Money"}]}
        return {"Header": self.header(None, end, macro, len(rows) == 1), "Columns": columns,
                "Rows": {"Row": rows}}

    def _VendorBalance(self) -> dict:  # noqa: N802
        return self._CustomerBalance("Vendor")

    def _party_name(self, party_type: str, party_id: str) -> str:
        row = self.company.store.get(self.company.realm, party_type, party_id)
        return row.body.get("DisplayName", party_id) if row else party_id

    def _aged(self, party_type: str, doc_types: tuple[str, ...]) -> dict:
        as_of = date.fromisoformat(self.params.get("report_date") or
                                   self.params.get("end_date") or
                                   self.company.now().date().isoformat())
        buckets = ("Current", "1 - 30", "31 - 60", "61 - 90", "91 and over")
        table: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
        party_field = "CustomerRef" if party_type == "Customer" else "VendorRef"
        for doc_type in doc_types:
            for row in self.company.rows(doc_type):
                body = row.body
                if body.get("TxnDate", "") > as_of.isoformat():
                    continue
                open_amount = Decimal(str(body.get("Balance", body.get("RemainingCredit", 0))))
                if not open_amount:
                    continue
                sign = -1 if doc_type in ("CreditMemo", "VendorCredit") else 1
                due = date.fromisoformat(body.get("DueDate") or body["TxnDate"])
                days = (as_of - due).days
                index = 0 if days <= 0 else 1 if days <= 30 else 2 if days <= 60 else \
                    3 if days <= 90 else 4
                party = (body.get(party_field) or {}).get("value", "")
                table[party][index] += sign * int(open_amount * 100)
        rows = []
        grand = [0] * 5
        for party, amounts in sorted(table.items(), key=lambda kv: self._party_name(
                party_type, kv[0])):
            if not any(amounts):
                continue
            grand = [g + a for g, a in zip(grand, amounts, strict=True)]
            rows.append({"ColData": [{"value": self._party_name(party_type, party),
                                      "id": party},
                                     *({"value": _money(a) if a else ""} for a in amounts),
                                     {"value": _money(sum(amounts))}], "type": "Data"})
        rows.append({"Summary": {"ColData": [{"value": "TOTAL"},
                                             *({"value": _money(g)} for g in grand),
                                             {"value": _money(sum(grand))}]},
                     "type": "Section", "group": "GrandTotal"})
        columns = {"Column": [{"ColTitle": "", "ColType": party_type},
                              *({"ColTitle": b, "ColType": "Money"} for b in buckets),
                              {"ColTitle": "Total", "ColType": "Money"}]}
        return {"Header": self.header(None, as_of, None, len(rows) == 1), "Columns": columns,
                "Rows": {"Row": rows}}

    def _AgedReceivables(self) -> dict:  # noqa: N802
        return self._aged("Customer", ("Invoice", "CreditMemo"))

    def _AgedPayables(self) -> dict:  # noqa: N802
        return self._aged("Vendor", ("Bill", "VendorCredit"))


def run_report(company: Company, name: str, params: dict) -> dict:
    try:
        return ReportBuilder(company, name, params).build()
    except QBOFault:
        raise
