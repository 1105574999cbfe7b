"""python-quickbooks, unchanged, against the double (its base URL is an instance attribute):
create, read, query, full update, a stale update, delete, void, batch, CDC, paging past 1,000
rows and a report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item

from tests.qbo_double.test_oauth import connect


@pytest.fixture(scope="module")
def client(sample_double, monkeypatch_module):
    # requests-oauthlib refuses plain http unless told: the double serves loopback http
    monkeypatch_module.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    auth = connect(sample_double)
    qb = QuickBooks(auth_client=auth, refresh_token=auth.refresh_token,
                    company_id=sample_double.realm, minorversion=75)
    qb.api_url_v3 = f"{sample_double.base}/v3"  # point the base URL at the double
    return qb


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_create_read_update_and_stale(client):
    customer = Customer()
    customer.DisplayName = "Python Quickbooks Person"
    created = customer.save(qb=client)
    assert customer.Id == created.Id and created.SyncToken == "0"
    again = Customer.get(customer.Id, qb=client)
    assert again.DisplayName == "Python Quickbooks Person"
    again.CompanyName = "PQ Ltd"
    updated = again.save(qb=client)
    assert updated.SyncToken == "1" and updated.CompanyName == "PQ Ltd"
    customer.CompanyName = "stale write"
    # still SyncToken 0: the double answers 5010; python-quickbooks maps no exception class to
    # codes 5000-9999, so its save() fails on the fault body instead (TypeError)
    with pytest.raises((QuickbooksException, TypeError)):
        customer.save(qb=client)
    assert Customer.get(customer.Id, qb=client).CompanyName == "PQ Ltd"
    found = Customer.filter(DisplayName="Python Quickbooks Person", qb=client)
    assert [c.Id for c in found] == [customer.Id]


def _invoice(client) -> Invoice:  # noqa: ANN001
    item = Item.filter(Name="Design", qb=client)[0]
    customer = Customer.all(max_results=1, qb=client)[0]
    line = SalesItemLine()
    line.Amount = 150
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(line)
    return invoice.save(qb=client)  # save() returns the server's copy


def test_invoice_void_and_delete(client):
    invoice = _invoice(client)
    assert float(invoice.TotalAmt) == 150.0 and float(invoice.Balance) == 150.0
    invoice.void(qb=client)
    voided = Invoice.get(invoice.Id, qb=client)
    assert float(voided.TotalAmt) == 0 and voided.PrivateNote == "Voided"
    other = _invoice(client)
    other.delete(qb=client)
    with pytest.raises(QuickbooksException) as caught:
        Invoice.get(other.Id, qb=client)
    assert caught.value.error_code == 610


def test_paging_past_a_thousand_rows(client):
    total = Invoice.count(qb=client)
    assert total > 1000
    first = Invoice.all(max_results=1000, start_position=1, qb=client)
    rest = Invoice.all(max_results=1000, start_position=1001, qb=client)
    assert len(first) == 1000 and len(rest) == total - 1000
    assert not {i.Id for i in first} & {i.Id for i in rest}


def test_batch_cdc_and_report(client):
    people = []
    for name in ("Batch One", "Batch Two"):
        person = Customer()
        person.DisplayName = name
        people.append(person)
    since = datetime.now(UTC) - timedelta(minutes=5)
    result = batch_create(people, qb=client)
    assert len(result.successes) == 2 and not result.faults
    changes = change_data_capture([Customer], since.isoformat(timespec="seconds"), qb=client)
    names = {c.DisplayName for c in changes.Customer._object_list}
    assert {"Batch One", "Batch Two"} <= names
    report = client.get_report("ProfitAndLoss", qs={"date_macro": "this year"})
    assert report["Header"]["ReportName"] == "ProfitAndLoss"
    income = report["Rows"]["Row"][0]
    assert income["group"] == "Income" and income["Summary"]["ColData"][1]["value"]
