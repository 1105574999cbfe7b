"""Hostile input is refused with a clear error, never a hang, a crash or a file read."""

from __future__ import annotations

import pytest

from qbconnector.qbxml import xmlsafe
from qbconnector.qbxml.parse import ResponseError, parse_response, stream_response
from qbconnector.qbxml.validate import validate

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<QBXML><QBXMLMsgsRq onError="stopOnError"><CustomerAddRq><CustomerAdd><Name>&lol3;</Name>
</CustomerAdd></CustomerAddRq></QBXMLMsgsRq></QBXML>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<QBXML><QBXMLMsgsRs><HostQueryRs statusCode="0" statusSeverity="Info"><HostRet>
<ProductName>&x;</ProductName></HostRet></HostQueryRs></QBXMLMsgsRs></QBXML>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE])
def test_document_type_declarations_are_refused_everywhere(payload):
    with pytest.raises(xmlsafe.XMLError, match="document type declaration"):
        xmlsafe.parse(payload)
    with pytest.raises(ResponseError, match="document type declaration"):
        parse_response(payload)
    with pytest.raises(ResponseError, match="document type declaration"):
        list(stream_response(payload))
    assert "document type declaration" in str(validate(payload)[0])


def test_deep_nesting_is_refused():
    deep = b"<QBXML>" + b"<a>" * 300 + b"</a>" * 300 + b"</QBXML>"
    with pytest.raises(xmlsafe.XMLError, match="deeper than|Excessive depth"):
        xmlsafe.parse(deep)
    very_deep = b"<a>" * 100_000 + b"</a>" * 100_000
    with pytest.raises(xmlsafe.XMLError):
        xmlsafe.parse(very_deep)


def test_size_limit():
    big = b"<QBXML>" + b"<x>1</x>" * 1000 + b"</QBXML>"
    with pytest.raises(xmlsafe.XMLError, match="larger than the limit"):
        xmlsafe.parse(big, max_bytes=1000)
    with pytest.raises(ResponseError, match="larger than the limit"):
        list(stream_response(b"<QBXML><QBXMLMsgsRs>" + b" " * 200_000 + b"</QBXMLMsgsRs></QBXML>",
                             max_bytes=100_000))


@pytest.mark.parametrize("payload", [b"", b"   ", b"<QBXML>", b"not xml", b"\xff\xfe<"])
def test_malformed_or_empty_input_is_a_clear_error(payload):
    with pytest.raises(xmlsafe.XMLError):
        xmlsafe.parse(payload)


def test_declared_encodings_in_text_are_handled():
    root = xmlsafe.parse('<?xml version="1.0" encoding="utf-16"?><QBXML><a>é</a></QBXML>')
    assert root.findtext("a") == "é"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_dtd_in_a_wide_encoding_is_refused_too(codec):
    payload = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><QBXML/>'.encode(codec)
    with pytest.raises(xmlsafe.XMLError):
        xmlsafe.parse(payload)
