"""What answers qbXML behind the fake request processors.

The fake QuickBooks Desktop describes itself (HostQueryRq: its file mode and automatic-login
state are the running program's, which the fake models) and hands every other request to a
real sandbox company file. The fake Point of Sale answers CompanyQueryRq for its company data
(the sandbox has no Point of Sale); any other POS request fails loudly.
"""

from __future__ import annotations

from lxml import etree

from qbconnector.com import hresults
from qbconnector.qbxml import spec, xmlsafe
from qbconnector.qbxml.session import RequestProcessorError, Session
from qbconnector.qbxml.status import status_message

from .fake_qbxmlrp2 import SessionContext


def _parse(request: str, family: str) -> tuple[str, etree._Element]:
    """The requested version and the request message set; parse/version errors as QuickBooks."""
    try:
        root = xmlsafe.parse(request)
    except xmlsafe.XMLError as error:
        raise RequestProcessorError(hresults.HR_PARSE_ERROR) from error
    version = (xmlsafe.processing_instruction(root, family) or {}).get("version")
    definition = spec.load(family)
    if version is None or version not in definition.versions:
        raise RequestProcessorError(hresults.HR_VERSION_UNSUPPORTED)
    message_set = root.find(definition.root + "MsgsRq")
    if root.tag != definition.root or message_set is None:
        raise RequestProcessorError(hresults.HR_PARSE_ERROR)
    return version, message_set


def _status(element: etree._Element, request: etree._Element) -> None:
    if request.get("requestID") is not None:
        element.set("requestID", request.get("requestID"))
    element.set("statusCode", "0")
    element.set("statusSeverity", "Info")
    element.set("statusMessage", status_message(0))


def _text(parent: etree._Element, name: str, value: str) -> None:
    etree.SubElement(parent, name).text = value


def _serialise(root: etree._Element) -> str:
    return '<?xml version="1.0" ?>\n' + etree.tostring(root, encoding="unicode")


def sandbox_answerer(session: Session):
    """Host queries from the fake program; everything else from a sandbox company file."""

    def answer(request: str, context: SessionContext) -> str:
        _, message_set = _parse(request, "qbxml")
        if len(message_set) and all(rq.tag == "HostQueryRq" for rq in message_set):
            return host_query_answerer(request, context)
        return session.process(request)

    return answer


def host_query_answerer(request: str, context: SessionContext) -> str:
    """Answer HostQueryRq from what the fake QuickBooks knows of the session."""
    version, message_set = _parse(request, "qbxml")
    root = etree.Element("QBXML")
    responses = etree.SubElement(root, "QBXMLMsgsRs")
    for rq in message_set:
        if rq.tag != "HostQueryRq":
            raise NotImplementedError(f"the host answers HostQueryRq only, not {rq.tag}")
        rs = etree.SubElement(responses, "HostQueryRs")
        _status(rs, rq)
        host = etree.SubElement(rs, "HostRet")
        _text(host, "ProductName", "QuickBooks Pro (fake)")
        _text(host, "MajorVersion", context.versions[-1].split(".")[0])
        _text(host, "MinorVersion", "0")
        _text(host, "Country", "US")
        for supported in context.versions:
            _text(host, "SupportedQBXMLVersion", supported)
        _text(host, "IsAutomaticLogin", "true" if context.automatic_login else "false")
        _text(host, "QBFileMode", context.file_mode)
    return _serialise(root)


def company_query_answerer(company_name: str, *, sample: bool):
    """The fake Point of Sale's answer to CompanyQueryRq, for one company data."""

    def answer(request: str) -> str:
        _, message_set = _parse(request, "qbposxml")
        root = etree.Element("QBPOSXML")
        responses = etree.SubElement(root, "QBPOSXMLMsgsRs")
        for rq in message_set:
            if rq.tag != "CompanyQueryRq":
                raise NotImplementedError(
                    f"the fake Point of Sale answers CompanyQueryRq only, not {rq.tag}")
            rs = etree.SubElement(responses, "CompanyQueryRs")
            _status(rs, rq)
            company = etree.SubElement(rs, "CompanyRet")
            _text(company, "IsSampleCompany", "true" if sample else "false")
            _text(company, "CompanyName", company_name)
            address = etree.SubElement(company, "Address")
            for name in ("Street", "CityStateZIP", "Misc1", "Misc2", "Misc3"):
                _text(address, name, "")
        return _serialise(root)

    return answer
