"""``/qbwc`` on the connector's port: the Web Connector's SOAP service as an ASGI app.

``GET /qbwc?wsdl`` gives the WSDL (its address is ``WebConnectorURL``, else the URL asked
for); ``POST /qbwc`` takes one SOAP call. A body that is not a Web Connector call — hostile
XML included — is answered with a SOAP fault, as qbXML would be with a parse error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.types import Receive, Scope, Send

from qbconnector.qbwc_wire import soap, wsdl
from qbconnector.server.app import _read_body as read_body
from qbconnector.server.logs import LOGGER_NAME
from qbconnector.server.qbwc.service import WebConnectorService, describe_call
from qbconnector.server.settings import Settings

log = logging.getLogger(LOGGER_NAME)


class WebConnectorApp:
    """The SOAP endpoint (see the module doc); ``max_body`` bounds a call's size."""

    def __init__(self, service: WebConnectorService, settings: Callable[[], Settings],
                 max_body: int) -> None:
        self.service = service
        self.settings = settings
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = (scope.get("client") or ("-", 0))[0]
        method = scope["method"]
        if method in ("GET", "HEAD"):
            query = scope.get("query_string", b"").decode("latin-1").lower()
            if query.split("&")[0] in ("wsdl", "singlewsdl"):
                body = wsdl.render(self._location(scope))
                await _respond(send, 200, body, "text/xml; charset=utf-8", method == "HEAD")
            else:
                text = (b"qbconnector's QuickBooks Web Connector service. Load this "
                        b"connector's .QWC file into the Web Connector; the WSDL is at ?wsdl.\n")
                await _respond(send, 200, text, "text/plain; charset=utf-8", method == "HEAD")
            return
        if method != "POST":
            await _respond(send, 405, b"POST a SOAP call, or GET ?wsdl\n",
                           "text/plain; charset=utf-8", extra=((b"allow", b"GET, POST"),))
            return
        data = await read_body(receive, self.max_body)
        if data is None:
            await self._fault(send, f"the call is larger than {self.max_body} bytes",
                              soap.SOAP11, status=413)
            return
        try:
            call = soap.parse_call(data, max_bytes=self.max_body)
        except soap.SoapError as exc:
            log.warning("refused a Web Connector call from %s: %s", client, exc)
            await self._fault(send, str(exc), soap.SOAP11)
            return
        if log.isEnabledFor(logging.DEBUG):
            log.debug("Web Connector call %s from %s: %s", call.name, client,
                      describe_call(call))
        try:
            value = await self.service.answer(call, client)
        except Exception:
            log.exception("internal error answering %s from %s", call.name, client)
            await self._fault(send, "internal error of the connector; see its log",
                              call.envelope, client_fault=False)
            return
        await _respond(send, 200, soap.build_result(call.name, value, call.envelope),
                       soap.CONTENT_TYPE[call.envelope])

    def _location(self, scope: Scope) -> str:
        configured = self.settings().WebConnectorURL.strip()
        if configured:
            return configured
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if not host:
            server = scope.get("server") or ("127.0.0.1", 0)
            host = f"{server[0]}:{server[1]}"
        return f"{scope.get('scheme', 'http')}://{host}{scope['path']}"

    @staticmethod
    async def _fault(send: Send, message: str, envelope: str, *, status: int = 500,
                     client_fault: bool = True) -> None:
        code = 400 if envelope == soap.SOAP12 and client_fault and status == 500 else status
        await _respond(send, code, soap.build_fault(message, client=client_fault,
                                                    envelope=envelope),
                       soap.CONTENT_TYPE[envelope])


async def _respond(send: Send, status: int, body: bytes, content_type: str,
                   head_only: bool = False, extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    headers = [(b"content-type", content_type.encode()),
               (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else body})
