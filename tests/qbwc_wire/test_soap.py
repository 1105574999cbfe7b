"""SOAP envelopes both ways, and hostile or malformed bodies refused like hostile qbXML."""

from __future__ import annotations

import pytest

from qbconnector.qbwc_wire import soap
from qbconnector.qbwc_wire.spec import load

QBXML = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError='
         '"stopOnError"><CustomerQueryRq requestID="1"/></QBXMLMsgsRq></QBXML>')
NS = "http://developer.intuit.com/"


def envelope(inner: str, prolog: str = "") -> bytes:
    return (f'{prolog}<soap:Envelope xmlns:soap="{soap.SOAP11}"><soap:Body>{inner}'
            "</soap:Body></soap:Envelope>").encode()


@pytest.mark.parametrize("version", [soap.SOAP11, soap.SOAP12])
def test_every_operation_round_trips(version: str):
    values = {"string": "a <qbXML> & \"more\"", "int": 13}
    for op in load().operations:
        params = {p.name: values[p.type] for p in op.params}
        call = soap.parse_call(soap.build_call(op.name, params, version))
        assert (call.name, dict(call.params), call.envelope) == (op.name, params, version)
        result = {"string": QBXML, "int": -101, "ArrayOfString": ["ticket", ""]}[op.result.type]
        assert soap.parse_result(op.name, soap.build_result(op.name, result, version)) == result


def test_a_call_as_the_web_connector_writes_it():
    body = envelope(f'<sendRequestXML xmlns="{NS}"><ticket>t1</ticket><strHCPResponse/>'
                    "<strCompanyFileName>C:\\a.QBW</strCompanyFileName><qbXMLCountry>US"
                    "</qbXMLCountry><qbXMLMajorVers>13</qbXMLMajorVers><qbXMLMinorVers>0"
                    "</qbXMLMinorVers></sendRequestXML>", '<?xml version="1.0" encoding='
                    '"utf-8"?>')
    call = soap.parse_call(body)
    assert call.params == {"ticket": "t1", "strHCPResponse": "", "strCompanyFileName":
                           "C:\\a.QBW", "qbXMLCountry": "US", "qbXMLMajorVers": 13,
                           "qbXMLMinorVers": 0}


def test_results_wrapped_the_way_other_toolkits_wrap_them():
    """node-soap answers a string result inside <string>, an int inside <int>."""
    body = envelope(f'<tns:serverVersionResponse xmlns:tns="{NS}"><tns:serverVersionResult>'
                    "<string>0.2.0</string></tns:serverVersionResult>"
                    "</tns:serverVersionResponse>")
    assert soap.parse_result("serverVersion", body) == "0.2.0"
    body = envelope(f'<receiveResponseXMLResponse xmlns="{NS}"><receiveResponseXMLResult>'
                    "<int>50</int></receiveResponseXMLResult></receiveResponseXMLResponse>")
    assert soap.parse_result("receiveResponseXML", body) == 50


def test_a_fault_is_raised_with_its_text():
    with pytest.raises(soap.SoapFault, match="unsupported"):
        soap.parse_result("serverVersion", soap.build_fault("unsupported method"))
    with pytest.raises(soap.SoapFault, match="boom"):
        soap.parse_result("serverVersion", soap.build_fault("boom", envelope=soap.SOAP12))


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
                  '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
HOSTILE = {
    "entity expansion": envelope(f'<authenticate xmlns="{NS}"><strUserName>&lol2;'
                                 "</strUserName></authenticate>", BILLION_LAUGHS),
    "external entity": envelope(f'<authenticate xmlns="{NS}"><strUserName>&xxe;</strUserName>'
                                "</authenticate>", '<!DOCTYPE x [<!ENTITY xxe SYSTEM '
                                '"file:///etc/passwd">]>'),
    "not XML": b"ticket=1&hresult=2",
    "empty": b"",
    "not an envelope": f'<authenticate xmlns="{NS}"/>'.encode(),
    "two calls": envelope(f'<serverVersion xmlns="{NS}"/><serverVersion xmlns="{NS}"/>'),
    "no call": envelope(""),
    "unknown operation": envelope(f'<deleteEverything xmlns="{NS}"/>'),
    "another namespace": envelope('<serverVersion xmlns="http://evil.example/"/>'),
    "unknown parameter": envelope(f'<getLastError xmlns="{NS}"><ticket>t</ticket>'
                                  "<sql>drop</sql></getLastError>"),
    "repeated parameter": envelope(f'<getLastError xmlns="{NS}"><ticket>a</ticket>'
                                   "<ticket>b</ticket></getLastError>"),
    "elements in a parameter": envelope(f'<getLastError xmlns="{NS}"><ticket><a><b/></a>'
                                        "</ticket></getLastError>"),
    "an int that is not": envelope(f'<sendRequestXML xmlns="{NS}"><qbXMLMajorVers>x13'
                                   "</qbXMLMajorVers><qbXMLMinorVers>0</qbXMLMinorVers>"
                                   "</sendRequestXML>"),
    "a required int missing": envelope(f'<sendRequestXML xmlns="{NS}"><ticket>t</ticket>'
                                       "</sendRequestXML>"),
    "deeply nested": envelope(f'<getLastError xmlns="{NS}"><ticket>' + "<a>" * 5000
                              + "</a>" * 5000 + "</ticket></getLastError>"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_or_malformed_calls_are_refused(name: str):
    with pytest.raises(soap.SoapError):
        soap.parse_call(HOSTILE[name])


def test_a_call_larger_than_the_limit_is_refused():
    big = envelope(f'<receiveResponseXML xmlns="{NS}"><response>' + "x" * 2_000_000
                   + "</response></receiveResponseXML>")
    with pytest.raises(soap.SoapError, match="larger than the limit"):
        soap.parse_call(big, max_bytes=1_000_000)


def test_a_response_above_libxml2s_text_limit_is_accepted():
    """A whole qbXML response travels as one text node; 12 MB is past libxml2's 10 MB default."""
    text = "<QBXML>" + "y" * 12_000_000 + "</QBXML>"
    call = soap.parse_call(soap.build_call("receiveResponseXML", {"ticket": "t",
                                                                  "response": text}))
    assert call.params["response"] == text
