"""``qbconnector qbo login``: the OAuth authorization-code flow with a loopback redirect.

The authorization URL is printed (and opened in a browser unless asked not to); Intuit's
consent page sends the browser back to ``http://127.0.0.1:PORT/callback`` where a one-shot
server on this machine receives the code. The ``state`` sent is checked (in constant time)
before the code is exchanged; the tokens go to the token store and the connection is saved,
after a first call (company info) proves they work.
"""

from __future__ import annotations

import hmac
import html
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from qbconnector.errors import AuthenticationError, TargetError, TransportError
from qbconnector.profiles import save_profile
from qbconnector.qbo.credentials import Credentials
from qbconnector.qbo.environments import LOOPBACK, environment
from qbconnector.qbo.oauth import DEFAULT_SCOPES, OAuthClient
from qbconnector.qbo.session import QBOSession
from qbconnector.qbo.tokens import Tokens, token_store

CALLBACK = "/callback"
_DONE_PAGE = ("<!doctype html><meta charset='utf-8'><title>qbconnector</title>"
              "<p>{text}</p><p>You can close this window.</p>")


@dataclass
class LoginResult:
    name: str
    realm_id: str
    company_name: str
    token_store: str
    profile_path: str


class _Receiver(BaseHTTPRequestHandler):
    """Answers the one redirect it waits for; everything else is 404."""

    server: _RedirectServer

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self.send_error(404)
            return
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        ok = "code" in params and "error" not in params
        text = "qbconnector is connected to QuickBooks Online." if ok else \
            f"QuickBooks Online did not authorize: {html.escape(params.get('error', '?'))}."
        body = _DONE_PAGE.format(text=text).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.params = params
        self.server.received.set()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the API's name
        pass                                      # the query string holds the code: no log


class _RedirectServer(HTTPServer):
    def __init__(self, port: int, path: str) -> None:
        super().__init__(("127.0.0.1", port), _Receiver)
        self.path = path
        self.params: dict[str, str] = {}
        self.received = threading.Event()


def redirect_target(redirect_uri: str | None) -> tuple[int, str]:
    """(port, path) to listen on for ``--redirect-uri`` (loopback http only)."""
    if redirect_uri is None:
        return 0, CALLBACK
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK or not parts.port:
        raise TargetError(f"--redirect-uri {redirect_uri!r}: give http://127.0.0.1:PORT/PATH "
                          "or http://localhost:PORT/PATH (the login listens on this machine)")
    return parts.port, parts.path or "/"


def login(name: str, client_id: str, client_secret: str, environment_text: str, *,
          scopes: tuple[str, ...] = DEFAULT_SCOPES, open_browser: bool = True,
          redirect_uri: str | None = None, timeout: float = 300.0,
          store_kind: str | None = None, show: Callable[[str], None] = print) -> LoginResult:
    """Run the flow, store the tokens and save connection ``name``."""
    env = environment(environment_text)
    port, path = redirect_target(redirect_uri)
    oauth = OAuthClient(env, client_id, client_secret)
    try:
        oauth.discovery()
        server = _RedirectServer(port, path)
    except OSError as exc:
        raise TransportError(f"cannot listen on 127.0.0.1:{port} for the redirect: "
                             f"{exc.strerror}") from None
    redirect = redirect_uri or f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="qbo-login-redirect", daemon=True)
    thread.start()
    try:
        state = oauth.new_state()
        url = oauth.authorization_url(redirect, state, scopes)
        show(url)
        if open_browser:
            webbrowser.open(url)
        if not server.received.wait(timeout):
            raise AuthenticationError(f"no answer from the authorization page within "
                                      f"{timeout:.0f} s (run the login again)")
        params = server.params
    finally:
        server.shutdown()
        server.server_close()
    if "error" in params:
        raise AuthenticationError(f"QuickBooks Online did not authorize: {params['error']}"
                                  + (f" ({params['error_description']})"
                                     if params.get("error_description") else ""))
    if not hmac.compare_digest(params.get("state", ""), state):
        raise AuthenticationError("the redirect's state does not match the one sent: the "
                                  "answer did not come from this login (nothing was saved)")
    realm = params.get("realmId", "")
    if not params.get("code") or not realm.isdigit():
        raise AuthenticationError("the redirect carried no code or company (realmId)")
    reply = oauth.exchange_code(params["code"], redirect)
    oauth.close()
    tokens = Tokens.from_reply(reply, realm_id=realm, client_id=client_id,
                               client_secret=client_secret)
    store = token_store(name, store_kind)
    with store.lock():
        store.save(tokens)
    session = QBOSession(env.api_url, Credentials(store, env))
    try:
        info = session.get(f"companyinfo/{realm}", operation="read", entity="CompanyInfo")
    finally:
        session.close()
    company = (info.get("CompanyInfo") or {}).get("CompanyName", "") if isinstance(info, dict) \
        else ""
    path_saved = save_profile(name, f"qbo://{realm}", environment=environment_text,
                              client_id=client_id, tokens=name, token_store=store.kind)
    return LoginResult(name, realm, company, store.where, str(path_saved))
