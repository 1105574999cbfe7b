"""The double as an ASGI application: the Accounting API, OAuth 2.0 and discovery.

Every reply carries ``intuit_tid``; API faults keep QBO's shapes (ValidationFault JSON or XML
by ``Accept``, the gateway's lower-case 401/403 with ``WWW-Authenticate``, the XML 429).
Requests are served one at a time per company file (a lock), as writes must be.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from qbconnector.qbo_double import api
from qbconnector.qbo_double.company import Company
from qbconnector.qbo_double.oauth import SCOPES, OAuthError, OAuthServer
from qbconnector.qbo_double.store import Store
from qbconnector.qbo_double.throttle import Limits, Throttle
from qbconnector.qbo_wire import spec
from qbconnector.qbo_wire import xml as qxml
from qbconnector.qbo_wire.faults import QBOFault, business_error, fault, gateway_body, throttle_xml
from qbconnector.qbo_wire.values import dumps, format_time, loads, zone_named

log = logging.getLogger("qbconnector.qbo_double")
MAX_BODY = 4 * 1024 * 1024
QBO_VERSION = "1944.190"
NO_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
DISCOVERY_PATHS = ("/.well-known/openid_configuration", "/.well-known/openid_sandbox_configuration")
PATHS = {"authorize": "/connect/oauth2", "token": "/oauth2/v1/tokens/bearer",
         "revoke": "/v2/oauth2/tokens/revoke", "userinfo": "/v1/openid_connect/userinfo",
         "jwks": "/op/v1/jwks", "issuer": "/op/v1"}


class BodyTooLarge(Exception):
    pass


def new_tid() -> str:
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


class QBODouble:
    """Everything the double serves, over one company file."""

    def __init__(self, path: str, *, clock: Callable[[], float] = time.time,
                 zone: tzinfo | str = "America/Los_Angeles", auto_consent: bool = False,
                 throttle: Limits | None = None, access_token_lifetime: int = 3600,
                 notify: Callable[[str, str, str, str, str], None] | None = None) -> None:
        self.store = Store(path)
        self.clock = clock
        self.zone = zone_named(zone) if isinstance(zone, str) else zone
        self.auto_consent = auto_consent
        self.throttle = Throttle(throttle) if throttle else None
        self.oauth = OAuthServer(self.store, clock=clock, access_lifetime=access_token_lifetime)
        self.notify = notify
        self.lock = threading.RLock()
        self._consents: dict[str, dict] = {}
        self._companies: dict[str, Company] = {}
        self.app = Starlette(routes=self._routes())

    # --- companies ------------------------------------------------------------------------

    def company(self, realm: str) -> Company:
        if realm not in self._companies:
            self._companies[realm] = Company(
                self.store, realm, zone=self.zone, notify=self.notify,
                clock=lambda: datetime.fromtimestamp(self.clock(), UTC))
        return self._companies[realm]

    def now_text(self) -> str:
        return format_time(datetime.fromtimestamp(self.clock(), UTC).astimezone(self.zone))

    def close(self) -> None:
        self.store.close()

    # --- routes ---------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        routes = [Route(p, self.discovery, methods=["GET"]) for p in DISCOVERY_PATHS]
        routes += [Route(p + "/", self.discovery, methods=["GET"]) for p in DISCOVERY_PATHS]
        routes += [
            Route(PATHS["authorize"], self.authorize, methods=["GET", "POST"]),
            Route(PATHS["token"], self.token, methods=["POST"]),
            Route(PATHS["revoke"], self.revoke, methods=["POST"]),
            Route(PATHS["userinfo"], self.userinfo, methods=["GET"]),
            Route(PATHS["jwks"], self.jwks, methods=["GET"]),
            Route("/v3/company/{realm}/{rest:path}", self.api, methods=["GET", "POST"]),
            Route("/v3/{rest:path}", self.api_unknown, methods=["GET", "POST"]),
            Route("/health", lambda r: JSONResponse({"status": "ok"}), methods=["GET"]),
        ]
        return routes

    # --- OAuth ----------------------------------------------------------------------------

    def base(self, request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    async def discovery(self, request: Request) -> Response:
        base = self.base(request)
        self.oauth.issuer = base + PATHS["issuer"]
        document = {
            "issuer": base + PATHS["issuer"],
            "authorization_endpoint": base + PATHS["authorize"],
            "token_endpoint": base + PATHS["token"],
            "userinfo_endpoint": base + PATHS["userinfo"],
            "revocation_endpoint": base + PATHS["revoke"],
            "jwks_uri": base + PATHS["jwks"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone"],
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
        }
        return JSONResponse(document, headers={"intuit_tid": new_tid()})

    async def authorize(self, request: Request) -> Response:
        if request.method == "POST":
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            nonce = (form.get("consent") or [""])[0]
            pending = self._consents.pop(nonce, None)
            if pending is None:
                return self._page("This consent request has expired. Start again from the app.",
                                  400)
            if (form.get("decision") or [""])[0] != "connect":
                return self._back(pending, {"error": "access_denied"})
            realm = (form.get("realm") or [""])[0]
            if realm not in dict(self.store.realms()):
                return self._page("Choose a company to connect.", 400)
            return self._grant(pending, realm)
        params = dict(request.query_params)
        try:
            pending = self._check_authorize(params)
        except OAuthError as exc:
            return self._page(html.escape(exc.description), 400)
        realms = self.store.realms()
        if self.auto_consent and realms:
            return self._grant(pending, realms[0][0])
        nonce = secrets.token_urlsafe(24)
        self._consents[nonce] = pending
        options = "".join(f'<option value="{html.escape(r)}">{html.escape(n)} ({r})</option>'
                          for r, n in realms)
        body = (f"<h1>Connect to QuickBooks (offline double)</h1>"
                f"<p><b>{html.escape(pending['client_id'])}</b> asks for: "
                f"{html.escape(pending['scope'])}</p>"
                f'<form method="post" action="{PATHS["authorize"]}">'
                f'<input type="hidden" name="consent" value="{nonce}">'
                f'<label>Company <select name="realm">{options}</select></label> '
                f'<button name="decision" value="connect">Connect</button> '
                f'<button name="decision" value="cancel">Cancel</button></form>')
        return self._page(body, 200)

    def _check_authorize(self, params: dict) -> dict:
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "response_type must be code")
        self.oauth.check_redirect(client_id, redirect_uri)
        scopes = params.get("scope", "").split()
        if not scopes or any(s not in SCOPES for s in scopes):
            raise OAuthError("invalid_scope", f"Unknown scope in {params.get('scope', '')!r}")
        return {"client_id": client_id, "redirect_uri": redirect_uri, "scope": " ".join(scopes),
                "state": params.get("state")}

    def _grant(self, pending: dict, realm: str) -> Response:
        code = self.oauth.issue_code(pending["client_id"], pending["redirect_uri"],
                                     pending["scope"], realm)
        return self._back(pending, {"code": code, "realmId": realm})

    def _back(self, pending: dict, values: dict) -> Response:
        if pending.get("state") is not None:
            values["state"] = pending["state"]
        separator = "&" if "?" in pending["redirect_uri"] else "?"
        return RedirectResponse(pending["redirect_uri"] + separator + urlencode(values), 302)

    @staticmethod
    def _page(body: str, status: int) -> HTMLResponse:
        return HTMLResponse(f"<!doctype html><html><head><meta charset='utf-8'><title>QuickBooks"
                            f" Online double</title></head><body>{body}</body></html>", status,
                            headers={"intuit_tid": new_tid()})

    def _client(self, request: Request, form: dict) -> str:
        header = request.headers.get("authorization", "")
        client_id = secret = None
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:].strip()).decode()
                client_id, _, secret = decoded.partition(":")
            except (ValueError, UnicodeDecodeError):
                raise OAuthError("invalid_client", "Malformed Basic authorization", 401) \
                    from None
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        return self.oauth.authenticate_client(client_id, secret)

    @staticmethod
    async def _form(request: Request) -> dict:
        raw = await request.body()
        if len(raw) > 65536:
            raise OAuthError("invalid_request", "Request too large")
        text = raw.decode("utf-8", "replace")
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                data = json.loads(text or "{}")
            except ValueError:
                raise OAuthError("invalid_request", "Malformed JSON body") from None
            return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        return {k: v[0] for k, v in parse_qs(text).items()}

    def _oauth_reply(self, body: dict | None, status: int = 200) -> Response:
        headers = {"intuit_tid": new_tid(), "Cache-Control": "no-cache, no-store",
                   "Pragma": "no-cache"}
        if body is None:
            return Response(b"", status, headers=headers)
        return JSONResponse(body, status, headers=headers)

    async def token(self, request: Request) -> Response:
        try:
            form = await self._form(request)
            client_id = self._client(request, form)
            hard = request.headers.get("x-include-refresh-token-hard-expires-in", "") == "true"
            with self.lock:
                grant_type = form.get("grant_type")
                if grant_type == "authorization_code":
                    reply = self.oauth.exchange_code(client_id, form.get("code", ""),
                                                     form.get("redirect_uri", ""), hard)
                elif grant_type == "refresh_token":
                    reply = self.oauth.refresh(client_id, form.get("refresh_token", ""), hard)
                else:
                    raise OAuthError("unsupported_grant_type",
                                     f"grant_type {grant_type!r} is not supported")
            return self._oauth_reply(reply)
        except OAuthError as exc:
            return self._oauth_reply(exc.body(), exc.status)

    async def revoke(self, request: Request) -> Response:
        try:
            form = await self._form(request)
            client_id = self._client(request, form)
            if not form.get("token"):
                raise OAuthError("invalid_request", "token is required")
            with self.lock:
                self.oauth.revoke(client_id, form["token"])
            return self._oauth_reply(None)
        except OAuthError as exc:
            return self._oauth_reply(exc.body(), exc.status)

    async def userinfo(self, request: Request) -> Response:
        token = _bearer(request)
        grant, why = self.oauth.check_access(token)
        if grant is None:
            return self._oauth_reply({"error": "invalid_token", "error_description": why}, 401)
        return self._oauth_reply(self.oauth.userinfo(grant))

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(self.oauth.jwks(), headers={"intuit_tid": new_tid()})

    # --- the Accounting API ---------------------------------------------------------------

    async def api_unknown(self, request: Request) -> Response:
        wants_xml = _wants_xml(request)
        return self._fault(api.not_found_path(request.url.path, str(request.url)), wants_xml)

    async def api(self, request: Request) -> Response:
        realm = request.path_params["realm"]
        rest = request.path_params["rest"].strip("/")
        wants_xml = _wants_xml(request)
        token = _bearer(request)
        grant, why = self.oauth.check_access(token)
        if grant is None:
            return self._gateway("3200", why or "Token invalid", 401)
        if grant.realm != realm or not self.store.has_realm(realm):
            return self._gateway("3100", "The access token does not have access to this "
                                         "company (realm)", 403)
        if "com.intuit.quickbooks.accounting" not in grant.scope.split():
            return self._gateway("3100", "The access token does not have sufficient scope",
                                 403)
        if self.throttle and not self.throttle.allow(realm, grant.client_id,
                                                     batch=rest == "batch"):
            return Response(throttle_xml(self.now_text()), 429,
                            media_type="application/xml", headers=self._headers())
        try:
            body = await _read_body(request)
        except BodyTooLarge:
            return HTMLResponse("<html><body><h1>413 Request Entity Too Large</h1></body>"
                                "</html>", 413, headers=self._headers())
        request_id = request.query_params.get("requestid", "")
        if len(request_id) > 50:
            return self._fault(business_error("You cannot enter more than 50 characters in "
                                              "the request_id field"), wants_xml)
        fingerprint = hashlib.sha256(request.method.encode() + request.url.path.encode()
                                     + body).hexdigest()
        with self.lock:
            if request_id and request.method == "POST":
                seen = self.store.remembered(realm, request_id)
                if seen is not None:
                    return Response(seen[3], seen[1], media_type=seen[2],
                                    headers=self._headers())
            try:
                response = self._dispatch(request, realm, rest, body, wants_xml)
            except Exception:  # a defect of the double: QBO's SystemFault, logged, no trace
                log.exception("unexpected error answering %s %s", request.method,
                              request.url.path)
                return self._fault(fault("10000", "System Failure Error: an unexpected error "
                                                  "occurred in the QBO double (see its log)"),
                                   wants_xml)
            if request_id and request.method == "POST" and response.status_code < 500:
                self.store.remember(realm, request_id, fingerprint, response.status_code,
                                    response.media_type or "application/json",
                                    bytes(response.body))
        return response

    def _dispatch(self, request: Request, realm: str, rest: str, body: bytes,
                  wants_xml: bool) -> Response:
        company = self.company(realm)
        params = dict(request.query_params)
        parts = rest.split("/") if rest else []
        path, url = request.url.path, str(request.url)
        try:
            if not parts:
                raise api.not_found_path(path, url)
            head = parts[0].lower()
            if head == "query" and len(parts) == 1:
                text = params.get("query") if request.method == "GET" else \
                    body.decode("utf-8", "replace")
                reply = api.query(company, text or "")
            elif head == "batch" and len(parts) == 1 and request.method == "POST":
                reply = api.batch(company, self._json(body))
            elif head == "cdc" and len(parts) == 1 and request.method == "GET":
                reply = api.cdc(company, params)
            elif head == "reports" and len(parts) == 2 and request.method == "GET":
                return self._ok(api.report(company, parts[1], params), wants_xml, envelope=False)
            elif head == "upload" and len(parts) == 1 and request.method == "POST":
                from qbconnector.qbo_double.uploads import upload

                reply = upload(company, request.headers.get("content-type", ""), body,
                               self.base(request))
            elif head == "download" and len(parts) == 2 and request.method == "GET":
                from qbconnector.qbo_double.uploads import download_url

                return Response(download_url(company, parts[1], self.base(request)), 200,
                                media_type="text/plain", headers=self._headers())
            elif head in ("companyinfo", "preferences") and request.method == "GET" and \
                    len(parts) <= 2:
                name = "CompanyInfo" if head == "companyinfo" else "Preferences"
                row = company.read(name, "1")
                reply = {name: api.RawJSON(row.text)}
            else:
                target = api.entity_or_fault(head, path, url)
                if len(parts) == 1 and request.method == "POST":
                    reply = api.write(company, target, self._entity_body(target, body, request),
                                      params)
                elif len(parts) == 2 and request.method == "GET":
                    reply = api.read(company, target, parts[1])
                elif len(parts) == 3 and parts[2] in ("pdf", "send"):
                    from qbconnector.qbo_double.uploads import pdf, send

                    if parts[2] == "pdf" and request.method == "GET":
                        return Response(pdf(company, target, parts[1]), 200,
                                        media_type="application/pdf", headers=self._headers())
                    if parts[2] == "send" and request.method == "POST":
                        reply = send(company, target, parts[1], params.get("sendTo"))
                    else:
                        raise api.not_found_path(path, url)
                else:
                    raise api.not_found_path(path, url)
        except QBOFault as exc:
            return self._fault(exc, wants_xml)
        return self._ok(reply, wants_xml)

    def _json(self, body: bytes) -> Any:
        try:
            return loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise fault("500", "Unsupported Operation: the request is not valid UTF-8") from None
        except (ValueError, RecursionError) as exc:
            detail = str(exc)[:200] if not isinstance(exc, RecursionError) else "nested too deep"
            raise fault("2010", f"Property Name:Error parsing the request body ({detail}) "
                                f"specified is unsupported or invalid") from None

    def _entity_body(self, target: spec.EntitySpec, body: bytes, request: Request) -> Any:
        ctype = request.headers.get("content-type", "")
        if "xml" in ctype:
            try:
                name, parsed = qxml.parse_entity(body)
            except (ValueError, KeyError) as exc:
                raise fault("2010", f"Property Name:Error parsing the XML body ({exc}) "
                                    f"specified is unsupported or invalid") from None
            if name != target.name:
                raise fault("2010", f"Property Name:{name} sent to /{target.resource} "
                                    f"specified is unsupported or invalid")
            return parsed
        return self._json(body)

    # --- replies --------------------------------------------------------------------------

    def _headers(self) -> dict:
        tid = new_tid()
        return {"intuit_tid": tid, "X-Amzn-Trace-Id": f"Root={tid}", "Qbo-Version": QBO_VERSION,
                "Expires": "0", "Cache-Control": NO_CACHE}

    def _ok(self, reply: dict, wants_xml: bool, envelope: bool = True) -> Response:
        headers = self._headers()
        stamp = self.now_text() if envelope else None
        if wants_xml:
            return Response(qxml.response(loads(dumps(reply)), stamp), 200,
                            media_type="application/xml;charset=utf-8", headers=headers)
        if envelope:
            reply = {**reply, "time": stamp}
        return Response(dumps(reply), 200, media_type="application/json;charset=utf-8",
                        headers=headers)

    def _fault(self, exc: QBOFault, wants_xml: bool) -> Response:
        headers = {**self._headers(), **exc.headers}
        body = {"Fault": exc.as_json(), "time": self.now_text()}
        if wants_xml:
            return Response(qxml.response(body, body["time"]), exc.status,
                            media_type="application/xml", headers=headers)
        return Response(dumps(body), exc.status, media_type="application/json",
                        headers=headers)

    def _gateway(self, code: str, detail: str, status: int) -> Response:
        headers = self._headers()
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
        body = gateway_body(code, detail, int(self.clock() * 1000))
        return Response(json.dumps(body, separators=(",", ":")), status,
                        media_type="application/json", headers=headers)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def _wants_xml(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    if request.query_params.get("format") == "json":
        return False
    return "xml" in accept and "json" not in accept


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise BodyTooLarge
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
