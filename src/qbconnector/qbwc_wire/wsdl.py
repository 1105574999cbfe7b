"""The WSDL the connector serves at ``/qbwc?wsdl``, rendered from the spec's facts.

The Web Connector reads it before its first call; its ``soap:address`` must be the URL the
Web Connector posts to (the AppURL of the ``.QWC`` file). Both bindings of the service are
described: SOAP 1.1 (what the Web Connector uses) and SOAP 1.2.
"""

from __future__ import annotations

from lxml import etree

from qbconnector.qbwc_wire.spec import Part, load

WSDL = "http://schemas.xmlsoap.org/wsdl/"
XS = "http://www.w3.org/2001/XMLSchema"
BINDINGS = {"soap": "http://schemas.xmlsoap.org/wsdl/soap/",
            "soap12": "http://schemas.xmlsoap.org/wsdl/soap12/"}
SERVICE = "QBWebConnectorSvc"


def _part(sequence: etree._Element, part: Part) -> None:
    etree.SubElement(sequence, f"{{{XS}}}element", minOccurs="1" if part.required else "0",
                     maxOccurs="1", name=part.name,
                     type=("tns:" if part.type == "ArrayOfString" else "s:") + part.type)


def _element(schema: etree._Element, name: str, parts: tuple[Part, ...]) -> None:
    element = etree.SubElement(schema, f"{{{XS}}}element", name=name)
    complex_type = etree.SubElement(element, f"{{{XS}}}complexType")
    if parts:
        sequence = etree.SubElement(complex_type, f"{{{XS}}}sequence")
        for part in parts:
            _part(sequence, part)


def render(location: str) -> bytes:
    """The WSDL of the service answering at ``location`` (an absolute URL)."""
    spec = load()
    ns = spec.namespace
    root = etree.Element(f"{{{WSDL}}}definitions", targetNamespace=ns, nsmap={
        "wsdl": WSDL, "s": XS, "tns": ns, **BINDINGS})
    types = etree.SubElement(root, f"{{{WSDL}}}types")
    schema = etree.SubElement(types, f"{{{XS}}}schema", elementFormDefault="qualified",
                              targetNamespace=ns)
    for op in spec.operations:
        _element(schema, op.name, op.params)
        _element(schema, f"{op.name}Response", (op.result,))
    array = etree.SubElement(schema, f"{{{XS}}}complexType", name="ArrayOfString")
    etree.SubElement(etree.SubElement(array, f"{{{XS}}}sequence"), f"{{{XS}}}element",
                     minOccurs="0", maxOccurs="unbounded", name=spec.array_item,
                     nillable="true", type="s:string")
    for op in spec.operations:
        for suffix, element in (("SoapIn", op.name), ("SoapOut", f"{op.name}Response")):
            message = etree.SubElement(root, f"{{{WSDL}}}message", name=op.name + suffix)
            etree.SubElement(message, f"{{{WSDL}}}part", name="parameters",
                             element=f"tns:{element}")
    port_type = etree.SubElement(root, f"{{{WSDL}}}portType", name=f"{SERVICE}Soap")
    for op in spec.operations:
        operation = etree.SubElement(port_type, f"{{{WSDL}}}operation", name=op.name)
        etree.SubElement(operation, f"{{{WSDL}}}input", message=f"tns:{op.name}SoapIn")
        etree.SubElement(operation, f"{{{WSDL}}}output", message=f"tns:{op.name}SoapOut")
    ports = []
    for prefix, namespace in BINDINGS.items():
        name = f"{SERVICE}Soap" + ("12" if prefix == "soap12" else "")
        binding = etree.SubElement(root, f"{{{WSDL}}}binding", name=name,
                                   type=f"tns:{SERVICE}Soap")
        etree.SubElement(binding, f"{{{namespace}}}binding",
                         transport="http://schemas.xmlsoap.org/soap/http")
        for op in spec.operations:
            operation = etree.SubElement(binding, f"{{{WSDL}}}operation", name=op.name)
            etree.SubElement(operation, f"{{{namespace}}}operation", soapAction=op.soap_action,
                             style="document")
            for direction in ("input", "output"):
                etree.SubElement(etree.SubElement(operation, f"{{{WSDL}}}{direction}"),
                                 f"{{{namespace}}}body", use="literal")
        ports.append((name, namespace))
    service = etree.SubElement(root, f"{{{WSDL}}}service", name=SERVICE)
    for name, namespace in ports:
        port = etree.SubElement(service, f"{{{WSDL}}}port", name=name, binding=f"tns:{name}")
        etree.SubElement(port, f"{{{namespace}}}address", location=location)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
