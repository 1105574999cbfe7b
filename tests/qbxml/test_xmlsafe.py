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


def _prologs() -> list[bytes]:
    """Documents that differ only where the one-look check of checked_bytes decides."""
    declarations = [b"", b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-8"?>',
                    b"<?xml version='1.0' encoding='ISO-8859-1'?>",
                    b'<?xml version="1.0" encoding="utf-7"?>',
                    b'<?xml version="1.0" encoding="ebcdic-cp-us"?>',
                    b'<?xml version="1.0" encoding=" UTF-8 "?>',
                    b'<?xml version="1.0"' + b" " * 1100 + b'encoding="utf-7"?>']
    middles = [b"", b'<?qbxml version="13.0"?>', b"<!-- note -->", b"<!DOCTYPE QBXML>",
               b"<!doctype x [<!ENTITY a 'b'>]>",
               b"<!DOCTYPE QBXML PUBLIC '-//INTUIT//DTD QBXML QBD 2.0//EN'>", b"\n  "]
    body = b'<QBXML><QBXMLMsgsRq onError="stopOnError"><HostQueryRq/></QBXMLMsgsRq></QBXML>'
    found = []
    for declaration in declarations:
        for middle in middles:
            text = declaration + middle + body
            found += [text, b" " + text, b"\xef\xbb\xbf" + text, text + b"<!-- after -->"]
            try:
                found.append(text.decode("latin-1").encode("utf-16"))
                found.append(text.decode("latin-1").encode("utf-16-le"))
            except UnicodeError:
                pass
    found += [b"<", b"<!", b"<<!DOCTYPE x>", b"<\x00Q\x00", b"<\x00\x00\x00", b"plain text"]
    return found


@pytest.mark.parametrize("data", _prologs())
def test_the_one_look_check_agrees_with_the_full_checks(data):
    """checked_bytes skips its full checks for documents that plainly pass them: the skip is
    taken only where they pass, and leave the bytes as they are."""
    def full() -> bytes | str:
        try:
            xmlsafe.check_encoding(data[:1024])
            xmlsafe.check_prolog(data[:65536])
            return xmlsafe._as_header(data)
        except xmlsafe.XMLError as exc:
            return str(exc)

    if xmlsafe._plainly_acceptable(data):
        assert full() == data
    try:
        verdict: bytes | str = xmlsafe.checked_bytes(data)
    except xmlsafe.XMLError as exc:
        verdict = str(exc)
    assert verdict == full()


def test_the_one_look_check_takes_plain_documents_only():
    taken = [data for data in _prologs() if xmlsafe._plainly_acceptable(data)]
    assert b'<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>' in b"".join(taken)
    assert not any(b"<!" in data.split(b"<QBXML>")[0] for data in taken)
    assert 20 < len(taken) < len(_prologs()) / 2
