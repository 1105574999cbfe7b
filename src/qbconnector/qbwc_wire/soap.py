"""SOAP envelopes of the Web Connector's calls, both ways, read as safely as qbXML.

The connector's service reads calls (:func:`parse_call`) and writes results and faults; the
runner writes calls (:func:`build_call`) and reads results (:func:`parse_result`). Envelopes
are SOAP 1.1 (what the Web Connector sends) or SOAP 1.2; every body goes through
:mod:`qbconnector.qbxml.xmlsafe` (no DTD, no entities, no network, bounded size) and must be
one call of the spec with the parameters it declares, each plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from qbconnector.errors import QBConnectorError
from qbconnector.qbwc_wire.spec import Operation, load
from qbconnector.qbxml.xmlsafe import XMLError
from qbconnector.qbxml.xmlsafe import parse as parse_xml

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
CONTENT_TYPE = {SOAP11: "text/xml; charset=utf-8", SOAP12: "application/soap+xml; charset=utf-8"}
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class SoapError(QBConnectorError, ValueError):
    """A SOAP body that is not a Web Connector call (or result) we can accept."""


class SoapFault(QBConnectorError):
    """The other side answered with a SOAP fault: ``code`` and ``text`` as it sent them."""

    def __init__(self, code: str, text: str) -> None:
        self.code, self.text = code, text
        super().__init__(f"SOAP fault {code}: {text}")


@dataclass(frozen=True)
class Call:
    """One call: the operation, its parameters by name (str, or int for int parts) and the
    SOAP version it came in (its namespace), which the answer uses too."""

    operation: Operation
    params: Mapping[str, str | int]
    envelope: str = SOAP11

    @property
    def name(self) -> str:
        return self.operation.name

    def text(self, name: str) -> str:
        value = self.params.get(name, "")
        return value if isinstance(value, str) else str(value)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _envelope(body: bytes | str, max_bytes: int) -> tuple[str, etree._Element]:
    try:
        root = parse_xml(body, max_bytes=max_bytes, keep_pis=False, huge_text=True)
    except XMLError as exc:
        raise SoapError(f"not acceptable XML: {exc}") from None
    namespace = etree.QName(root).namespace
    if _local(root.tag) != "Envelope" or namespace not in (SOAP11, SOAP12):
        raise SoapError("not a SOAP envelope (expected a SOAP 1.1 or 1.2 Envelope element)")
    bodies = [child for child in root if child.tag == f"{{{namespace}}}Body"]
    if len(bodies) != 1:
        raise SoapError("a SOAP envelope has exactly one Body")
    return namespace, bodies[0]


def _text_of(element: etree._Element, where: str) -> str:
    if len(element):
        raise SoapError(f"{where} must be text, not elements")
    return element.text or ""


def parse_call(body: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Call:
    """The call a SOAP body makes; SoapError when it is not one of the spec's calls."""
    spec = load()
    namespace, soap_body = _envelope(body, max_bytes)
    calls = list(soap_body)
    if len(calls) != 1:
        raise SoapError(f"the Body must hold one call, not {len(calls)}")
    element = calls[0]
    operation = spec.operation(_local(element.tag))
    if operation is None or etree.QName(element).namespace not in (spec.namespace, None):
        raise SoapError(f"unknown operation {element.tag!r}; the Web Connector's are "
                        f"{', '.join(spec.names)}")
    params: dict[str, str | int] = {}
    for child in element:
        name = _local(child.tag)
        part = operation.param(name)
        if part is None or name in params:
            raise SoapError(f"{operation.name}: unexpected parameter {name!r}")
        if child.get(f"{{{XSI}}}nil") in ("true", "1"):
            continue
        text = _text_of(child, f"{operation.name}/{name}")
        if part.type == "int":
            try:
                params[name] = int(text.strip())
            except ValueError:
                raise SoapError(f"{operation.name}/{name}: {text[:20]!r} is not an int"
                                ) from None
        else:
            params[name] = text
    missing = [p.name for p in operation.params
               if p.required and p.type == "int" and p.name not in params]
    if missing:
        raise SoapError(f"{operation.name}: missing {', '.join(missing)}")
    return Call(operation, params, namespace)


def _document(namespace: str) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{namespace}}}Envelope",
                         nsmap={"soap": namespace, "xsi": XSI, "xsd": XSD})
    return root, etree.SubElement(root, f"{{{namespace}}}Body")


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def build_result(name: str, value: str | int | list[str], envelope: str = SOAP11) -> bytes:
    """The envelope answering a call of operation ``name`` with ``value``."""
    spec = load()
    operation = spec.operation(name)
    if operation is None:
        raise ValueError(f"unknown operation {name!r}")
    root, body = _document(envelope)
    response = etree.SubElement(body, f"{{{spec.namespace}}}{name}Response",
                                nsmap={None: spec.namespace})
    result = etree.SubElement(response, f"{{{spec.namespace}}}{operation.result.name}")
    if operation.result.type == "ArrayOfString":
        for item in value if isinstance(value, list) else [str(value)]:
            etree.SubElement(result, f"{{{spec.namespace}}}{spec.array_item}").text = item
    elif operation.result.type == "int":
        result.text = str(int(value))   # type: ignore[arg-type]
    else:
        result.text = str(value)
    return _serialize(root)


def build_fault(message: str, *, client: bool = True, envelope: str = SOAP11) -> bytes:
    """A SOAP fault: the caller's mistake (``client``) or ours."""
    root, body = _document(envelope)
    fault = etree.SubElement(body, f"{{{envelope}}}Fault")
    if envelope == SOAP12:
        code = etree.SubElement(fault, f"{{{envelope}}}Code")
        etree.SubElement(code, f"{{{envelope}}}Value").text = \
            "soap:Sender" if client else "soap:Receiver"
        reason = etree.SubElement(fault, f"{{{envelope}}}Reason")
        text = etree.SubElement(reason, f"{{{envelope}}}Text")
        text.text = message
        text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    else:
        etree.SubElement(fault, "faultcode").text = "soap:Client" if client else "soap:Server"
        etree.SubElement(fault, "faultstring").text = message
    return _serialize(root)


def build_call(name: str, params: Mapping[str, str | int], envelope: str = SOAP11) -> bytes:
    """The envelope of a call (the runner's side), parameters in the spec's order."""
    spec = load()
    operation = spec.operation(name)
    if operation is None:
        raise ValueError(f"unknown operation {name!r}")
    unknown = set(params) - {p.name for p in operation.params}
    if unknown:
        raise ValueError(f"{name} has no parameter {', '.join(sorted(unknown))}")
    root, body = _document(envelope)
    call = etree.SubElement(body, f"{{{spec.namespace}}}{name}", nsmap={None: spec.namespace})
    for part in operation.params:
        if part.name in params:
            etree.SubElement(call, f"{{{spec.namespace}}}{part.name}").text = \
                str(params[part.name])
    return _serialize(root)


def _fault_of(soap_body: etree._Element) -> SoapFault | None:
    fault = next((c for c in soap_body if _local(c.tag) == "Fault"), None)
    if fault is None:
        return None
    texts = {_local(c.tag): "".join(c.itertext()).strip() for c in fault.iter()}
    code = texts.get("faultcode") or texts.get("Value") or "soap:Server"
    return SoapFault(code, texts.get("faultstring") or texts.get("Text") or "(no message)")


def parse_result(name: str, body: bytes | str, *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> str | int | list[str]:
    """The result of a call of operation ``name`` (the runner's side); SoapFault when the
    service answered with a fault, SoapError when the answer is not the expected result.

    Services written with other toolkits wrap scalars differently (some put a string result
    inside a ``<string>`` element), so a scalar is all the text inside the result element.
    """
    spec = load()
    operation = spec.operation(name)
    if operation is None:
        raise ValueError(f"unknown operation {name!r}")
    _, soap_body = _envelope(body, max_bytes)
    fault = _fault_of(soap_body)
    if fault is not None:
        raise fault
    response = next((c for c in soap_body if _local(c.tag) == f"{name}Response"), None)
    if response is None:
        raise SoapError(f"the answer to {name} has no {name}Response")
    result = next((c for c in response.iter() if _local(c.tag) == operation.result.name), None)
    if operation.result.type == "ArrayOfString":
        if result is None:
            return []
        return ["".join(item.itertext()) for item in result if _local(item.tag)]
    text = "" if result is None else "".join(result.itertext())
    if operation.result.type == "int":
        try:
            return int(float(text.strip()))
        except ValueError:
            raise SoapError(f"{operation.result.name}: {text[:20]!r} is not an int") from None
    return text
