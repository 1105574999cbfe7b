"""Small helpers for the COM tests: requests and reading responses."""

from __future__ import annotations

from lxml import etree


def host_query(version: str = "13.0", request_id: str = "1") -> str:
    return (f'<?xml version="1.0" ?>\n<?qbxml version="{version}"?>\n'
            f'<QBXML><QBXMLMsgsRq onError="stopOnError">'
            f'<HostQueryRq requestID="{request_id}"/></QBXMLMsgsRq></QBXML>')


def company_query(version: str = "3.0") -> str:
    return (f'<?xml version="1.0" ?>\n<?qbposxml version="{version}"?>\n'
            f'<QBPOSXML><QBPOSXMLMsgsRq onError="stopOnError">'
            f'<CompanyQueryRq requestID="7"/></QBPOSXMLMsgsRq></QBPOSXML>')


def response_element(response: str, path: str) -> etree._Element:
    """The single element at ``path`` (an lxml path from the root) of a response."""
    root = etree.fromstring(response.encode("utf-8"))
    found = root.findall(path)
    assert len(found) == 1, f"{path}: {len(found)} elements in {response}"
    return found[0]
