"""The runner against qbwc-kit's Web Connector service (PyPI, unchanged), with jobs written
the way its README writes them: page through customers with a QuickBooks iterator, add a
customer. The service is mounted as its README says a bare ASGI host may mount it: ``GET``
gives ``build_wsdl``, ``POST`` goes to ``QBWCService.dispatch``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qbwc_kit import QBWCService, StaticAuthenticator, qbxml
from qbwc_kit.qbxml import QBXMLRequest
from qbwc_kit.session import SimpleTask
from qbwc_kit.wsdl import build_qwc, build_wsdl
from starlette.concurrency import run_in_threadpool

import qbconnector
from qbconnector import targets
from qbconnector.qbwc_wire.qwc import parse
from qbconnector.webconnector import WebConnectorRunner
from tests.webconnector.conftest import CUSTOMERS

USER, PASSWORD = "kit", "kit-secret"


class PageCustomers:
    """qbwc-kit's README job: pages of two customers with an iterator."""

    name = "customers"

    def __init__(self) -> None:
        self.pages: list[list[str]] = []

    def run(self, ctx: Any):
        request = qbxml.query("Customer", max_returned=2, iterator="Start")
        while True:
            result = yield QBXMLRequest([request])
            page = result.first().raise_for_status()
            self.pages.append([record["Name"] for record in page.records])
            if not page.has_more:
                return
            request.iterator = "Continue"
            request.iterator_id = page.iterator_id


class AddCustomer(SimpleTask):
    name = "add"

    def __init__(self) -> None:
        super().__init__()
        self.added: list[dict] = []

    def build(self, ctx: Any) -> QBXMLRequest:
        return QBXMLRequest([qbxml.add("Customer", {"Name": "Added By Kit",
                                                    "CompanyName": "Kit Co"})])

    def handle(self, ctx: Any, response: Any) -> None:
        self.added.extend(response.first().raise_for_status().records)


class Asgi:
    """A bare ASGI host for the service, as qbwc-kit's own adapter does it."""

    def __init__(self, service: QBWCService) -> None:
        self.service, self.url = service, ""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["method"] == "GET":
            body = build_wsdl(self.url).encode()
        else:
            chunks = []
            while True:
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            body = (await run_in_threadpool(self.service.dispatch, b"".join(chunks))).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/xml; charset=utf-8")]})
        await send({"type": "http.response.body", "body": body})


def kit_service(serve_asgi, tasks: list, **kwargs: Any) -> str:
    app = Asgi(QBWCService(authenticator=StaticAuthenticator(USER, PASSWORD, tasks), **kwargs))
    app.url = serve_asgi(app) + "/qbwc"
    return build_qwc(app_name="Kit Mirror", app_id="", app_url=app.url,
                     app_description="qbwc-kit", username=USER,
                     owner_id="{57571caa-e934-4f14-b3bf-dfdbacdd273a}",
                     file_id="{dc25fda6-bce2-493b-9e04-a1560bde96e4}", run_every_n_seconds=60)


def test_qbwc_kit_jobs_page_with_iterators_and_add_in_a_sandbox_company(serve_asgi,
                                                                        company: Path):
    paging, adding = PageCustomers(), AddCustomer()
    qwc = parse(kit_service(serve_asgi, [paging, adding]))
    seen: list[tuple[str, str]] = []
    runner = WebConnectorRunner(qwc, PASSWORD, targets.session_factory(str(company)),
                                report=lambda kind, text: seen.append((kind, text)))
    result = runner.run_once()
    runner.close()
    assert result.ok and result.status == "ok", seen
    assert paging.pages == [CUSTOMERS[0:2], CUSTOMERS[2:4], CUSTOMERS[4:5]]
    assert adding.added[0]["Name"] == "Added By Kit" and adding.added[0]["ListID"]
    assert result.requests == 4 and result.progress[-1] == 100
    assert result.close_message == "OK"
    with qbconnector.connect(str(company)) as qb:
        [added] = qb.customers.query(full_names=["Added By Kit"])
        assert added.company_name == "Kit Co"
    assert ("info", "Status: Update completed") in seen


def test_a_service_that_refuses_this_web_connectors_version_stops_the_update(serve_asgi,
                                                                             company: Path):
    qwc = parse(kit_service(serve_asgi, [PageCustomers()], min_client_version=(9, 0)))
    runner = WebConnectorRunner(qwc, PASSWORD, targets.session_factory(str(company)))
    result = runner.run_once()
    runner.close()
    assert result.status == "failed" and "too old" in result.errors[0]


def test_a_wrong_password_and_nothing_to_do(serve_asgi, company: Path):
    qwc = parse(kit_service(serve_asgi, []))
    factory = targets.session_factory(str(company))
    wrong = WebConnectorRunner(qwc, "not the password", factory).run_once()
    assert wrong.status == "failed" and "Authentication failed" in wrong.errors[0]
    assert WebConnectorRunner(qwc, PASSWORD, factory).run_once().status == "nothing to do"
