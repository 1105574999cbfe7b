"""The console as an ASGI application: the guard in front, then pages, assets and the JSON API.

Before anything else every request is checked: the client address against
``AdminAllowedClients`` (403) and the Host header against this machine's names (400). Signed
out, only the sign-in page answers: other pages redirect to it and the API answers 401.
Changes (every method but GET) must carry the session's CSRF token. Every answer forbids
framing, sniffing and caching, and the Content-Security-Policy allows only this console's own
script and its one inline style sheet.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from importlib import resources

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from qbconnector.server.auth import LoginBackoff
from qbconnector.server.clients import AllowedClients
from qbconnector.server.console import api_settings, api_status, api_users
from qbconnector.server.console.control import Call, ConsoleControl, Handler
from qbconnector.server.console.guard import (
    COOKIE,
    CSRF_HEADER,
    ConsoleSession,
    Sessions,
    SignIn,
    csrf_ok,
    host_allowed,
)

log = logging.getLogger("qbconnector.server")


def _asset(name: str) -> str:
    return resources.files("qbconnector.server.console").joinpath("assets", name).read_text(
        "utf-8")


class ConsoleApp:
    """The admin console of one running connector."""

    def __init__(self, control: ConsoleControl, *, sign_in: SignIn | None = None,
                 sessions: Sessions | None = None, backoff: LoginBackoff | None = None,
                 secure_cookies: bool = False) -> None:
        self.control = control
        self.sign_in = sign_in or SignIn()
        self.sessions = sessions or Sessions()
        self.backoff = backoff or LoginBackoff()
        self.secure_cookies = secure_cookies
        self._css = _asset("console.css")
        style_hash = base64.b64encode(hashlib.sha256(self._css.encode()).digest()).decode()
        self.csp = ("default-src 'none'; script-src 'self'; connect-src 'self'; "
                    f"style-src 'sha256-{style_hash}'; img-src 'self' data:; "
                    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        self._clients: tuple[str, AllowedClients] | None = None
        routes = [
            Route("/", self.console_page, methods=["GET"]),
            Route("/signin", self.signin_page, methods=["GET"]),
            Route("/signin", self.signin, methods=["POST"]),
            Route("/signout", self.signout, methods=["POST"]),
            Route("/console.js", self.script, methods=["GET"]),
        ]
        for path, methods, handler in API_ROUTES:
            routes.append(Route(path, self._api(handler), methods=methods))
        self.app = Starlette(routes=routes)

    # -- the guard ---------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return
        settings = self.control.in_force()
        client = (scope.get("client") or ("-", 0))[0]
        refusal: Response | None = None
        if not await self._client_allowed(client, settings.AdminAllowedClients):
            log.warning("console: refused client %s (not in AdminAllowedClients)", client)
            refusal = Response("This address may not use the console.\n", 403,
                               media_type="text/plain")
        else:
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            if not host_allowed(host, settings):
                refusal = Response("Unknown host name.\n", 400, media_type="text/plain")
        if refusal is not None:
            await self._secured(refusal)(scope, receive, send)
            return

        async def send_secured(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *self._security_headers()]
            await send(message)

        await self.app(scope, receive, send_secured)

    async def _client_allowed(self, client: str, spec: str) -> bool:
        if self._clients is None or self._clients[0] != spec:
            self._clients = (spec, AllowedClients(spec))
        clients = self._clients[1]
        decided = clients.allows_address(client)
        if decided is not None:
            return decided
        return await asyncio.to_thread(clients.allows, client)

    def _security_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"content-security-policy", self.csp.encode()),
                (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store")]

    def _secured(self, response: Response) -> Response:
        for name, value in self._security_headers():
            response.headers[name.decode()] = value.decode()
        return response

    def _session(self, request: Request) -> ConsoleSession | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    def _api(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            session = self._session(request)
            if session is None:
                return JSONResponse({"error": "signed out: sign in again"}, 401)
            if request.method != "GET" and not csrf_ok(session,
                                                        request.headers.get(CSRF_HEADER)):
                log.warning("console: refused a change without a valid CSRF token from %s",
                            request.client.host if request.client else "-")
                return JSONResponse({"error": "missing or wrong CSRF token: reload the page"},
                                    403)
            return await handler(Call(request, session, self.control, self.sessions))
        return endpoint

    # -- pages -------------------------------------------------------------------------------
    def _page(self, asset: str, **values: str) -> HTMLResponse:
        text = _asset(asset).replace("{{style}}", self._css)
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
        return HTMLResponse(text)

    async def console_page(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return RedirectResponse("/signin", 303)
        return self._page("console.html", csrf=session.csrf, who=session.who)

    async def signin_page(self, request: Request) -> Response:
        if self._session(request) is not None:
            return RedirectResponse("/", 303)
        return self._signin_form()

    def _signin_form(self, message: str = "", name: str = "", status: int = 200) -> Response:
        settings = self.control.in_force()
        response = self._page(
            "signin.html", message=message, name=name,
            hint=("Sign in with the console password, or as an administrator of this machine "
                  "with your own user name and password." if settings.AdminSystemLogin else
                  "Sign in with the console password (set it with: qbconnector admin "
                  "set-password)."),
            userclass="" if settings.AdminSystemLogin else "hidden")
        response.status_code = status
        if message:
            response.body = response.body.replace(b'class="message hidden"', b'class="message"')
            response.headers["content-length"] = str(len(response.body))
        return response

    async def signin(self, request: Request) -> Response:
        client = request.client.host if request.client else "-"
        origin = request.headers.get("origin")
        if origin and origin != "null" and not host_allowed(
                origin.partition("://")[2], self.control.in_force()):
            return Response("Cross-site sign-in refused.\n", 403, media_type="text/plain")
        form = await _form(request)
        name = str(form.get("user") or "").strip()
        password = str(form.get("password") or "")
        who = await asyncio.to_thread(self.sign_in.check, self.control.in_force(), name,
                                      password)
        if who is None:
            delay = self.backoff.failed(client)
            log.warning("console: failed sign-in%s from %s (%d in a row)",
                        f" as {name!r}" if name else "", client, self.backoff.failures(client))
            if delay:
                await asyncio.sleep(delay)
            return self._signin_form("Wrong password, or this account may not sign in.",
                                     name, 401)
        self.backoff.succeeded(client)
        log.info("console: %s signed in from %s", who, client)
        response = RedirectResponse("/", 303)
        response.set_cookie(COOKIE, self.sessions.create(who), httponly=True, samesite="strict",
                            secure=self.secure_cookies, path="/")
        return response

    async def signout(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return RedirectResponse("/signin", 303)
        form = await _form(request)
        if not csrf_ok(session, str(form.get("csrf") or "")):
            return Response("Missing or wrong CSRF token.\n", 403, media_type="text/plain")
        self.sessions.drop(request.cookies.get(COOKIE))
        response = RedirectResponse("/signin", 303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    async def script(self, request: Request) -> Response:
        if self._session(request) is None:
            return Response("Sign in first.\n", 401, media_type="text/plain")
        return Response(_asset("console.js"), media_type="text/javascript")


async def _form(request: Request, limit: int = 16384) -> dict[str, str]:
    """A small URL-encoded form (sign-in, sign-out); anything larger or else reads as empty."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return {}
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return {}
    return dict(pairs)


API_ROUTES: list[tuple[str, list[str], Handler]] = [
    *api_status.ROUTES,
    *api_users.ROUTES,
    *api_settings.ROUTES,
]
