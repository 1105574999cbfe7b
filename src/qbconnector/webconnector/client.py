"""The runner's side of the SOAP service: one HTTP POST per call, as the Web Connector makes it
(SOAP 1.1, ``SOAPAction`` of the operation), over a keep-alive connection."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from qbconnector.errors import QBConnectorError, TransportError
from qbconnector.qbwc_wire import soap
from qbconnector.qbwc_wire.spec import load

DEFAULT_TIMEOUT = httpx.Timeout(connect=15.0, read=300.0, write=60.0, pool=15.0)


class WebConnectorError(QBConnectorError):
    """The Web Connector service answered something the Web Connector cannot use: an HTTP
    error, a SOAP fault, or not a SOAP answer at all."""


class ServiceUnreachable(WebConnectorError, TransportError):
    """The Web Connector service could not be reached (or the connection broke)."""


class ServiceClient:
    """Calls of one Web Connector service at ``url`` (its AppURL)."""

    def __init__(self, url: str, *, ca_file: str | Path | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url
        verify: Any = True
        if ca_file is not None:
            verify = ssl.create_default_context(cafile=str(ca_file))
        self._http = httpx.Client(timeout=timeout, verify=verify, transport=transport,
                                  headers={"user-agent": "qbconnector-webconnector"})

    def call(self, operation: str, **params: str | int) -> str | int | list[str]:
        """Call ``operation`` and return its result (see :func:`soap.parse_result`)."""
        action = load().operation(operation)
        assert action is not None, operation
        body = soap.build_call(operation, params)
        try:
            response = self._http.post(self.url, content=body, headers={
                "content-type": soap.CONTENT_TYPE[soap.SOAP11],
                "soapaction": f'"{action.soap_action}"'})
        except httpx.HTTPError as exc:
            raise ServiceUnreachable(f"{operation}: cannot reach {self.url}: {exc}") from None
        try:
            return soap.parse_result(operation, response.content)
        except soap.SoapFault as exc:
            raise WebConnectorError(f"{operation}: the service answered with a SOAP fault: "
                                    f"{exc.text}") from None
        except soap.SoapError as exc:
            shown = response.text[:200].strip()
            raise WebConnectorError(f"{operation}: HTTP {response.status_code} from {self.url} "
                                    f"is not a SOAP answer ({exc}): {shown!r}") from None

    def close(self) -> None:
        self._http.close()
