"""Sessions on a remote connector over HTTP(S): the client side of the wire protocol.

``RemoteSession("https://alice:secret@host:8167", fingerprint="AB:CD:…")`` is a Session like
any other; a :class:`RemoteEndpoint` shares one connector's keep-alive connections between
sessions and is itself a session factory (for a server that relays to another connector).
"""

from qbconnector.remote.endpoint import DEFAULT_TIMEOUT, InsecureConnectionWarning, RemoteEndpoint
from qbconnector.remote.errors import (
    RemoteAccessDenied,
    RemoteAuthenticationError,
    RemoteCertificateError,
    RemoteConnectionError,
    RemoteError,
    RemoteProtocolError,
    RemoteTransportError,
)
from qbconnector.remote.session import RemoteSession

__all__ = [
    "DEFAULT_TIMEOUT",
    "InsecureConnectionWarning",
    "RemoteAccessDenied",
    "RemoteAuthenticationError",
    "RemoteCertificateError",
    "RemoteConnectionError",
    "RemoteEndpoint",
    "RemoteError",
    "RemoteProtocolError",
    "RemoteSession",
    "RemoteTransportError",
]
