"""The QuickBooks Web Connector's wire, pure (no I/O): the SOAP operations (generated from the
WSDL), safe SOAP envelopes, the WSDL the connector serves, the ``.QWC`` file and the meanings
of the answers. Shared by the connector's Web Connector service and the Web Connector runner.
"""
