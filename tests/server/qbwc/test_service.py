"""The Web Connector's SOAP service at /qbwc over HTTP: the WSDL, hostile bodies refused, the
password, an update under way when the connector restarts (its answer taken once, a re-posted
answer ignored), QuickBooks unreachable, and an independent Web Connector double (qbwc-kit's)
driving it."""

from __future__ import annotations

import httpx
from lxml import etree
from qbwc_kit.testing import FakeQuickBooks, FakeWebConnector

from qbconnector.qbwc_wire import soap
from qbconnector.webconnector import ServiceClient
from tests.server.qbwc.rig import WC_PASSWORD, WC_USER, customer_add, in_thread, qbxml
from tests.server.qbwc.test_backend import names_in, restarted, wait_until, waiting


def test_the_wsdl_and_the_support_page(rig):
    rig = rig()
    wsdl = httpx.get(rig.url + "qbwc?wsdl")
    assert wsdl.status_code == 200 and wsdl.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(wsdl.content)
    assert root.xpath("//*[local-name()='address']/@location") == [rig.url + "qbwc"] * 2
    assert "Web Connector" in httpx.get(rig.url + "qbwc").text
    assert httpx.put(rig.url + "qbwc").status_code == 405


def test_hostile_soap_is_refused_with_a_fault_and_the_service_goes_on(rig):
    rig = rig()
    bomb = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;'
            '&a;&a;&a;&a;&a;&a;&a;">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/'
            'soap/envelope/"><soap:Body><authenticate xmlns="http://developer.intuit.com/">'
            "<strUserName>&b;</strUserName></authenticate></soap:Body></soap:Envelope>")
    for body in (bomb, "<x>not soap</x>", "x" * 100):
        answer = httpx.post(rig.url + "qbwc", content=body)
        assert answer.status_code == 500
        fault = etree.fromstring(answer.content)
        assert fault.xpath("//faultcode/text()") == ["soap:Client"]
    client = ServiceClient(rig.url + "qbwc")
    assert client.call("serverVersion").startswith("qbconnector ")
    assert client.call("authenticate", strUserName=WC_USER, strPassword="wrong")[1] == "nvu"
    assert client.call("authenticate", strUserName="nobody", strPassword="x")[1] == "nvu"
    assert client.call("authenticate", strUserName=WC_USER,
                       strPassword=WC_PASSWORD)[1] == "none"
    client.close()


def test_an_update_under_way_goes_on_after_a_restart_and_its_answer_is_taken_once(rig):
    rig = rig()
    client = ServiceClient(rig.url + "qbwc")
    thread, out = in_thread(lambda: rig.post(customer_add("Across")))
    wait_until(lambda: waiting(rig) == 1)
    ticket, company = client.call("authenticate", strUserName=WC_USER, strPassword=WC_PASSWORD)
    request = client.call("sendRequestXML", ticket=ticket, strHCPResponse="",
                          strCompanyFileName=company, qbXMLCountry="US", qbXMLMajorVers=13,
                          qbXMLMinorVers=0)
    assert "<Name>Across</Name>" in request
    before = rig.url
    rig.server.request_restart()   # the client is told its request was handed out
    thread.join(10)
    assert out[0].status_code == 517 and "took the request" in out[0].text
    wait_until(lambda: restarted(rig, before))
    from qbconnector import targets

    with targets.open_session(str(rig.company)) as session:
        response = session.process(request)
    client = ServiceClient(rig.url + "qbwc")
    first = client.call("receiveResponseXML", ticket=ticket, response=response, hresult="",
                        message="")
    again = client.call("receiveResponseXML", ticket=ticket, response=response, hresult="",
                        message="")
    assert first == again == 100
    assert client.call("closeConnection", ticket=ticket) == "OK: 1 request(s) answered"
    from qbconnector.server.qbwc.status import status_rows
    from qbconnector.server.settings import load_settings

    [row] = status_rows(load_settings(rig.settings_path))
    assert (row["answered"], row["handed_out"], row["waiting"]) == (1, 0, 0)
    assert names_in(rig.company) == ["Across"]
    client.close()


def test_quickbooks_unreachable_answers_waiting_clients_with_its_error(rig):
    rig = rig(company_file="/nowhere/missing.qbdb")
    thread, out = in_thread(lambda: rig.post(customer_add("Nowhere")))
    wait_until(lambda: waiting(rig) == 1)
    result = rig.runner().run_once()
    thread.join(10)
    assert result.status == "failed" and "could not be opened" in result.errors[0]
    answer = out[0]
    assert answer.status_code == 517 and "missing.qbdb" in answer.text
    assert answer.headers["x-qbconnector-hresult"].startswith("0x8004")


def test_an_independent_web_connector_double_drives_the_service(rig):
    """qbwc-kit's FakeWebConnector (unchanged) plays the call sequence over HTTP; its
    FakeQuickBooks answers the request a client queued."""
    rig = rig()
    thread, out = in_thread(lambda: rig.post(qbxml('<CustomerQueryRq requestID="1">'
                                                   "<MaxReturned>5</MaxReturned>"
                                                   "</CustomerQueryRq>")))
    wait_until(lambda: waiting(rig) == 1)
    http = httpx.Client()

    def transport(body: str) -> str:
        return http.post(rig.url + "qbwc", content=body.encode(),
                         headers={"content-type": "text/xml; charset=utf-8"}).text

    double = FakeWebConnector(transport=transport, username=WC_USER, password=WC_PASSWORD)
    update = double.run_update(FakeQuickBooks(entities={"Customer": [
        {"ListID": "80000001-1", "EditSequence": "1", "Name": "From The Double"}]}))
    thread.join(10)
    http.close()
    assert update.authenticated and update.progress[-1] == 100
    assert update.close_message == "OK: 1 request(s) answered"
    assert out[0].status_code == 200 and "From The Double" in out[0].text
    assert soap.CONTENT_TYPE[soap.SOAP11].startswith("text/xml")
