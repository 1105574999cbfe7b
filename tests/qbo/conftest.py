"""Fixtures for the QuickBooks Online client: the offline double on a loopback port (a fresh
company file per test), a real login through its OAuth server (auto-consent, the redirect
followed by httpx as a browser would), and records written through the client itself."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from qbconnector.qbo_double import DoubleServer, create_company_file, open_double
from tests.qbo_double.conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT, Clock, Running

NAME = "books"


def follow(url: str) -> None:
    """What a browser does with the printed URL: consent (automatic) and the redirect back."""
    threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=30),
                     daemon=True).start()


@pytest.fixture
def double(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """``double(**options)``: a new company (sample none) served on 127.0.0.1 with the test
    client registered and auto-consent on; stopped after the test."""
    running: list[Running] = []

    def start(sample: str = "none", **options: Any) -> Running:
        path = tmp_path / f"company{len(running)}.qbo"
        realm = create_company_file(path, sample=sample)
        clock = Clock()
        options.setdefault("auto_consent", True)
        served = open_double(path, clock=clock, **options)
        served.oauth.register_client(CLIENT_ID, CLIENT_SECRET)
        one = Running(DoubleServer(served).start(), realm, clock)
        running.append(one)
        return one

    yield start
    for one in running:
        one.server.stop()
        one.double.close()


def login(running: Running, name: str = NAME, **options: Any) -> str:
    """Connection ``name`` saved by the real login flow against ``running``."""
    from qbconnector.qbo.login import login as run_login

    run_login(name, CLIENT_ID, CLIENT_SECRET, running.base, open_browser=False, show=follow,
              timeout=30, **options)
    return name


def grant(running: Running, name: str = NAME, realm: str | None = None) -> str:
    """Connection ``name`` to ``realm`` saved as ``qbo login`` saves it, with tokens the
    double's OAuth server issued in-process (the real flow is tested on its own)."""
    from qbconnector.profiles import save_profile
    from qbconnector.qbo.tokens import FileTokenStore, Tokens

    realm = realm or running.realm
    oauth = running.double.oauth
    code = oauth.issue_code(CLIENT_ID, REDIRECT, "com.intuit.quickbooks.accounting", realm)
    reply = oauth.exchange_code(CLIENT_ID, code, REDIRECT)
    FileTokenStore(name).save(Tokens.from_reply(reply, realm_id=realm, client_id=CLIENT_ID,
                                                client_secret=CLIENT_SECRET))
    save_profile(name, f"qbo://{realm}", environment=running.base, client_id=CLIENT_ID,
                 tokens=name, token_store="file")
    return name


@pytest.fixture(scope="module")
def shared_double(tmp_path_factory) -> Iterator[Running]:
    """One double per test module; tests get a company (realm) of their own in it."""
    path = tmp_path_factory.mktemp("qbo-client") / "companies.qbo"
    realm = create_company_file(path)
    clock = Clock()
    served = open_double(path, clock=clock, auto_consent=True)
    served.oauth.register_client(CLIENT_ID, CLIENT_SECRET)
    running = Running(DoubleServer(served).start(), realm, clock)
    yield running
    running.server.stop()
    served.close()


@pytest.fixture
def online(shared_double: Running) -> Iterator[Any]:
    """A records-API connection to a new QBO company (quick retries, small pages)."""
    import qbconnector
    from qbconnector.qbo_double.companyfile import add_realm

    realm = add_realm(shared_double.double, "My Company")
    running = Running(shared_double.server, realm, shared_double.clock)
    qb = qbconnector.connect(grant(running), backoff=0.05, page_size=40)
    qb.running = running            # type: ignore[attr-defined]  # for tests that need it
    try:
        yield qb
    finally:
        qb.close()


def income_account(qb: Any) -> str:
    return qb.accounts.query(account_type="Income", limit=1).first().name


def seed(qb: Any, customers: int = 5, invoices: int = 0) -> None:
    """Customers ``Customer 000``..., items Consulting and Hardware, and invoices over them."""
    account = income_account(qb)
    with qb.batch() as batch:
        batch.items.add(name="Consulting", type="Service", income_account_ref=account,
                        unit_price=Decimal("120.00"))
        batch.items.add(name="Hardware", type="NonInventory", income_account_ref=account,
                        unit_price=Decimal("15.50"))
        for n in range(customers):
            batch.customers.add(display_name=f"Customer {n:03d}", company_name=f"Co {n}",
                                bill_addr={"line1": f"{n} Main St", "city": "Springfield",
                                           "country_sub_division_code": "IL"},
                                primary_email_addr={"address": f"c{n}@example.com"})
    for result in batch.results:
        result.record  # noqa: B018 - raises the operation's error, if any
    if invoices:
        with qb.batch() as batch:
            for n in range(invoices):
                batch.invoices.add(customer_ref=f"Customer {n % customers:03d}",
                                   doc_number=f"INV-{n:04d}", txn_date=f"2026-0{1 + n % 9}-15",
                                   lines=[{"item_ref": "Consulting", "quantity": 1 + n % 3},
                                          {"item_ref": "Hardware", "quantity": 2,
                                           "description": "parts"}])
        for result in batch.results:
            result.record  # noqa: B018
