"""Checking a company file's books: every transaction balances, the trial balance nets to
zero, stored balances equal their postings, and A/R and A/P agree with the names' balances.

Used by ``qbconnector company info`` and by the tests of the samples; it reads the file
directly (read-only), not through qbXML.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from qbconnector.sandbox.books.ledger import CREDIT_NORMAL
from qbconnector.sandbox.storage.store import check_company_file, connect

Check = tuple[bool, str]


def _cents(text: str | None) -> int:
    return int((Decimal(text or "0") * 100).to_integral_value())


def unbalanced_transactions(db: sqlite3.Connection) -> list[tuple[str, int]]:
    """(transaction, net cents) for every transaction whose postings do not sum to zero."""
    return [tuple(r) for r in db.execute(
        "SELECT txn_id, SUM(amount_cents) FROM postings GROUP BY txn_id "
        "HAVING SUM(amount_cents) != 0")]


def trial_balance_cents(db: sqlite3.Connection) -> int:
    """Debits minus credits over the whole ledger (zero when the books balance)."""
    return db.execute("SELECT COALESCE(SUM(amount_cents), 0) FROM postings").fetchone()[0]


def _accounts(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    out = {}
    for row in db.execute("SELECT id, parent_id, balance, total_balance, doc FROM records "
                          "WHERE type='Account'"):
        out[row[0]] = {"parent": row[1], "balance": _cents(row[2]),
                       "total": _cents(row[3]), "type": json.loads(row[4]).get("AccountType")}
    return out


def account_mismatches(db: sqlite3.Connection) -> list[str]:
    """Accounts whose Balance / TotalBalance differ from their postings (and sub-accounts)."""
    accounts = _accounts(db)
    posted = dict(db.execute("SELECT account_id, SUM(amount_cents) FROM postings "
                             "GROUP BY account_id").fetchall())
    own = {i: (-1 if a["type"] in CREDIT_NORMAL else 1) * posted.get(i, 0)
           for i, a in accounts.items()}
    totals = dict(own)
    for account_id, account in accounts.items():
        parent = account["parent"]
        while parent in accounts:
            totals[parent] += own[account_id]
            parent = accounts[parent]["parent"]
    problems = []
    for account_id, account in accounts.items():
        if account["balance"] != own[account_id] or account["total"] != totals[account_id]:
            problems.append(f"{account_id}: stored {account['balance']}/{account['total']} "
                            f"cents, postings say {own[account_id]}/{totals[account_id]}")
    return problems


def _special_total(db: sqlite3.Connection, account_type: str) -> int:
    accounts = _accounts(db)
    ids = [i for i, a in accounts.items() if a["type"] == account_type]
    return sum(accounts[i]["balance"] for i in ids)


def receivables_check(db: sqlite3.Connection) -> Check:
    """A/R accounts' balance = the customers' total balances (jobs included)."""
    ar = _special_total(db, "AccountsReceivable")
    names = sum(_cents(r[0]) for r in db.execute(
        "SELECT total_balance FROM records WHERE type='Customer' AND parent_id IS NULL"))
    own = dict(db.execute(
        "SELECT p.entity_id, SUM(p.amount_cents) FROM postings p JOIN records a ON "
        "a.id = p.account_id WHERE a.type='Account' AND a.doc LIKE "
        "'%\"AccountType\":\"AccountsReceivable\"%' GROUP BY p.entity_id").fetchall())
    wrong = [r[0] for r in db.execute("SELECT id, balance FROM records WHERE type='Customer'")
             if _cents(r[1]) != own.get(r[0], 0)]
    ok = ar == names and not wrong
    return ok, (f"A/R {ar / 100:,.2f} = customers {names / 100:,.2f}" if ok else
                f"A/R {ar / 100:,.2f}, customers {names / 100:,.2f}, "
                f"{len(wrong)} customer balances differ from their postings")


def payables_check(db: sqlite3.Connection) -> Check:
    """A/P accounts' balance = the vendors' balances."""
    ap = _special_total(db, "AccountsPayable")
    names = sum(_cents(r[0]) for r in db.execute(
        "SELECT balance FROM records WHERE type='Vendor'"))
    ok = ap == names
    return ok, f"A/P {ap / 100:,.2f} {'=' if ok else '!='} vendors {names / 100:,.2f}"


def checks(db: sqlite3.Connection) -> dict[str, Check]:
    unbalanced = unbalanced_transactions(db)
    trial = trial_balance_cents(db)
    mismatched = account_mismatches(db)
    return {
        "transactions balance": (not unbalanced, f"{len(unbalanced)} unbalanced"),
        "trial balance": (trial == 0, f"nets to {trial / 100:,.2f}"),
        "account balances": (not mismatched, f"{len(mismatched)} differ from postings"),
        "receivables": receivables_check(db),
        "payables": payables_check(db),
    }


def summary(path: str | Path) -> dict[str, Any]:
    """Company name, list and transaction counts per type, and the book checks."""
    check_company_file(path)
    db = connect(path, readonly=True)
    try:
        db.execute("BEGIN")
        company = json.loads(db.execute("SELECT value FROM meta WHERE key='company'")
                             .fetchone()[0])
        counts: dict[str, dict[str, int]] = {"list": {}, "txn": {}}
        for kind, type_name, count in db.execute(
                "SELECT kind, type, COUNT(*) FROM records GROUP BY kind, type ORDER BY type"):
            counts.setdefault(kind, {})[type_name] = count
        result = {"company": company.get("CompanyName", ""), "lists": counts["list"],
                  "transactions": counts["txn"], "checks": checks(db)}
        db.execute("COMMIT")
        return result
    finally:
        db.close()
