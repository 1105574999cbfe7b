"""The connector's Web Connector side (``Backend = "qbwc"``): a persistent queue per Web
Connector user, the SOAP service the Web Connector polls at ``/qbwc``, and the sessions that
queue a client's requests until it does.
"""
