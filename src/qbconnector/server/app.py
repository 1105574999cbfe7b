"""The connector as an ASGI application: the I/O around the rules in :mod:`protocol`.

For each request it gathers the facts (client address, credentials, headers, body), asks the
pure rules what to do, and runs the session work on the company file's worker thread
(:mod:`workers`). Slow steps — password hashing, sessions — never block the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send

from qbconnector import wire
from qbconnector.qbxml.session import RequestProcessorError, Session, SessionOptions
from qbconnector.server import protocol
from qbconnector.server.auth import Authenticator, LoginBackoff
from qbconnector.server.clients import AllowedClients
from qbconnector.server.logport import LogPortServer
from qbconnector.server.logs import LOGGER_NAME, request_line
from qbconnector.server.protocol import Call, Reply, RequestHead
from qbconnector.server.readonly import refusal, writes_in
from qbconnector.server.scan import PARSE_ERROR, HostileOrMalformed, scan_request
from qbconnector.server.settings import Settings, User
from qbconnector.server.state import ConnectorState
from qbconnector.server.users import UserStore
from qbconnector.server.workers import CompanyWorker, OpenPolicy, QueueTimeout, Workers

DEFAULT_MAX_BODY = 32 * 1024 * 1024

SessionFactory = Callable[[SessionOptions], Session]


@dataclass(frozen=True)
class BackendHost:
    """What the connector offers a backend that serves paths of its own on the connector's
    port (the Web Connector's ``/qbwc``): the settings in force, the state the console shows,
    the body limit. A backend with a ``serve(host)`` method returns those paths' ASGI apps."""

    settings: Callable[[], Settings]
    state: ConnectorState
    max_body: int


@dataclass
class _Outcome:
    """What happened to one request, for the log line."""

    user: str | None = None
    interaction: int | None = None
    requests: tuple[str, ...] = ()
    company: str | None = None
    options: SessionOptions | None = None
    authenticated: bool = False
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def policy_from(settings: Settings, retry_pause: float = 2.0) -> OpenPolicy:
    """The session-opening policy the settings describe."""
    return OpenPolicy(
        retry=settings.CloseAndRetryConnect,
        retry_timeout=float(settings.CloseAndRetryTimeout),
        retry_count=int(settings.CloseAndRetryCount),
        retry_hresults=settings.retry_hresults(),
        retry_pause=retry_pause,
        instance_file=settings.QBInstanceFile,
        persistent=settings.PersistentEnabled,
        idle_timeout=float(settings.PersistentIdleTimeout),
    )


class ConnectorApp:
    """ASGI app serving the QuickBooks Connector wire protocol over sessions from a factory.

    ``default_company`` is the company file of users without their own CompanyFile ('' = the
    file QuickBooks has open). ``max_body`` bounds request bodies (413 above it).
    """

    def __init__(self, settings: Settings, session_factory: SessionFactory, *,
                 default_company: str = "", max_body: int = DEFAULT_MAX_BODY,
                 backoff: LoginBackoff | None = None, retry_pause: float = 2.0,
                 authenticator: Authenticator | None = None,
                 state: ConnectorState | None = None) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.default_company = default_company
        self.max_body = max_body
        self.log = logging.getLogger(LOGGER_NAME)
        self.users = UserStore(settings)
        self.auth = authenticator or Authenticator(
            self.users, interactive_logon=settings.UseInteractiveLogon)
        self.backoff = backoff or LoginBackoff()
        self.clients = AllowedClients(settings.AllowedClients)
        self.workers = Workers(session_factory, policy_from(settings, retry_pause))
        self._verifying: dict[bytes, _Verification] = {}
        self.state = state or ConnectorState()
        self.state.persistent_sessions = self.workers.persistent_options
        self.state.add_queue("company files", self.workers.queue_summary)
        serve = getattr(session_factory, "serve", None)
        self.routes: dict[str, Any] = dict(serve(BackendHost(
            lambda: self.settings, self.state, max_body))) if callable(serve) else {}

    # -- ASGI --------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        client = (scope.get("client") or ("-", 0))[0]
        route = self.routes.get(scope["path"])
        if route is not None:
            await self._route(route, scope, receive, send, client)
            return
        outcome = _Outcome()
        try:
            reply, body_read = await self._handle(scope, receive, client, outcome)
        except Exception:
            self.log.exception("internal error serving %s", client)
            reply, body_read = protocol.internal_error(), False
        try:
            await _send_reply(send, reply, close=reply.close or not body_read)
        finally:
            self._log(client, outcome, reply, time.perf_counter() - started)
            self.state.finish(outcome.user, reply.status, outcome.options,
                              began=outcome.authenticated)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        log_port = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.settings.LogPort:
                    log_port = LogPortServer(self.settings.LogPort, self.settings.LocalAuth,
                                             self.log)
                    try:
                        await log_port.start()
                    except OSError as exc:
                        await send({"type": "lifespan.startup.failed",
                                    "message": f"LogPort {self.settings.LogPort}: {exc}"})
                        return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if log_port is not None:
                    await log_port.stop()
                await asyncio.to_thread(self.workers.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _route(self, route: Any, scope: Scope, receive: Receive, send: Send,
                     client: str) -> None:
        """A path the backend serves: AllowedClients applies, then the backend's app."""
        if not await self._client_allowed(client):
            self.log.warning("refused client %s: not in AllowedClients", client)
            await _send_reply(send, protocol.forbidden_client(client), close=True)
            return
        await route(scope, receive, send)

    def close(self) -> None:
        """Close every persistent session and stop the worker threads."""
        self.workers.stop()

    # -- one request -------------------------------------------------------------------------
    async def _handle(self, scope: Scope, receive: Receive, client: str,
                      outcome: _Outcome) -> tuple[Reply, bool]:
        head = RequestHead.from_pairs(scope["method"], scope["path"], scope["headers"])
        allowed: bool | None = None
        authenticated: bool | None = None
        user: User | None = None
        while True:   # the pure rules ask for each fact when they reach it
            step = protocol.decide(head, client_allowed=allowed, authenticated=authenticated,
                                   client=client, max_body=self.max_body)
            if step is protocol.Need.CLIENT_CHECK:
                allowed = await self._client_allowed(client)
                if not allowed:
                    self.log.warning("refused client %s: not in AllowedClients", client)
            elif step is protocol.Need.AUTHENTICATION:
                user = await self._authenticate(head, client, outcome)
                authenticated = user is not None
                if user is not None:
                    outcome.authenticated = True
                    self.state.begin(user.name)
            else:
                break
        if isinstance(step, Reply):
            return step, False
        assert user is not None and isinstance(step, Call)
        call = step
        outcome.interaction = call.interaction
        body = await _read_body(receive, self.max_body)
        if body is None:
            return protocol.too_large(self.max_body), False
        options = protocol.session_options(
            user_name=user.name, company_file=user.CompanyFile, app_name=user.AppName,
            read_only=user.ReadOnly, connection_mode=user.ConnectionMode,
            auth_flags=self.settings.AuthFlags, call=call, default_company=self.default_company)
        if isinstance(options, Reply):
            outcome.detail = "company file refused"
            return options, True
        outcome.options = options
        outcome.company = options.company_file or None
        return await self._serve(call, options, body, outcome), True

    async def _client_allowed(self, client: str) -> bool:
        decided = self.clients.allows_address(client)
        if decided is not None:
            return decided
        return await asyncio.to_thread(self.clients.allows, client)

    async def _authenticate(self, head: RequestHead, client: str,
                            outcome: _Outcome) -> User | None:
        creds = protocol.credentials(head)
        user = None
        if creds is not None:
            name, password = creds
            outcome.user = name
            user = self.auth.cached(name, password)
            if user is None:
                user = await self._verify_once(name, password)
        if user is not None:
            self.backoff.succeeded(client)
            return user
        if creds is None:
            outcome.detail = "no credentials"
            return None
        delay = self.backoff.failed(client)
        failures = self.backoff.failures(client)
        outcome.detail = "bad credentials"
        level = logging.WARNING if failures > self.backoff.free_attempts else logging.INFO
        self.log.log(level, "failed login for user %r from %s (%d in a row%s)",
                     outcome.user, client, failures,
                     f", answering after {delay:g} s" if delay else "")
        if delay:
            await asyncio.sleep(delay)
        return None

    async def _verify_once(self, name: str, password: str) -> User | None:
        """A full verification, shared by every request that arrives with the same
        credentials while it runs: after a restart or a cache expiry, fifty clients cost one
        scrypt, not fifty."""
        key = self.auth.cache.key(name, password)
        pending = self._verifying.get(key)
        if pending is None:
            pending = _Verification(asyncio.ensure_future(
                asyncio.to_thread(self.auth.verify, name, password)))
            self._verifying[key] = pending
            pending.future.add_done_callback(lambda _: self._verifying.pop(key, None))
        pending.waiters += 1
        return await asyncio.shield(pending.future)

    async def _serve(self, call: Call, options: SessionOptions, body: bytes,
                     outcome: _Outcome) -> Reply:
        job: Callable[[CompanyWorker], Any]
        if call.interaction == protocol.EXECUTE:
            try:
                scan = scan_request(body)
            except HostileOrMalformed as exc:
                outcome.detail = str(exc)
                return protocol.processor_error(PARSE_ERROR, _parse_error_text(exc))
            outcome.requests = scan.names
            if self.log.isEnabledFor(logging.DEBUG):
                self.log.debug("request body from %s:\n%s", outcome.user, scan.text)
            if options.read_only:
                family = "qbposxml" if options.pos else "qbxml"
                refused = writes_in(scan.names, family)
                if refused:
                    outcome.detail = "read-only user: refused " + ",".join(refused)
                    return protocol.reply_for(protocol.EXECUTE, refusal(
                        scan.requests, family, scan.message_set))
            text = scan.text
            delay = call.delay_after_open_ms

            def job(w: CompanyWorker) -> Any:
                return w.use(options, lambda s: s.process(text), delay_after_open_ms=delay)
        else:
            job = _interaction_job(call, options)
        worker = self.workers.for_company(options.company_file)
        try:
            result = await worker.call(job, float(self.settings.Timeout) or None)
        except QueueTimeout as exc:
            outcome.detail = "queue timeout"
            return protocol.queue_timeout(float(self.settings.Timeout), options.company_file,
                                          exc.message)
        except RequestProcessorError as exc:
            outcome.detail = str(exc)
            return protocol.processor_error(exc.hresult, exc.message)
        if call.interaction == protocol.EXECUTE and self.log.isEnabledFor(logging.DEBUG):
            self.log.debug("response body to %s:\n%s", outcome.user, result)
        return protocol.reply_for(call.interaction, result)

    def _log(self, client: str, outcome: _Outcome, reply: Reply, duration: float) -> None:
        if reply.status >= wire.INTERNAL_ERROR or reply.status == wire.PROCESSOR_ERROR:
            level = logging.ERROR if reply.status == wire.INTERNAL_ERROR else logging.WARNING
        else:
            level = logging.INFO
        if self.log.isEnabledFor(level):
            self.log.log(level, request_line(
                client=client, user=outcome.user, interaction=outcome.interaction,
                requests=outcome.requests, status=reply.status, duration=duration,
                company=outcome.company, detail=outcome.detail),
                extra={"connector_user": outcome.user} if outcome.authenticated else None)


@dataclass
class _Verification:
    """A password check under way, and how many requests wait for it."""

    future: asyncio.Future
    waiters: int = 0


def _parse_error_text(exc: HostileOrMalformed) -> str:
    from qbconnector.qbxml.status import hresult_message

    return f"{hresult_message(PARSE_ERROR)} ({exc})"


def _interaction_job(call: Call, options: SessionOptions) -> Callable[[CompanyWorker], Any]:
    """The worker job for interaction types other than 0."""
    kind, delay = call.interaction, call.delay_after_open_ms

    def job(w: CompanyWorker) -> Any:
        if kind == protocol.COMPANY_FILE:
            return w.use(options, lambda s: s.company_file(), delay_after_open_ms=delay)
        if kind == protocol.OPEN_PERSISTENT:
            if not w.policy.persistent:   # globally enabled: 101 has no effect
                w.open_persistent(options, delay)
            return None
        if kind == protocol.CLOSE_PERSISTENT:
            if not w.policy.persistent:   # globally enabled: 102 leaves it open
                w.close_persistent(options)
            return None
        if kind in (protocol.LATEST_VERSION, protocol.ALL_VERSIONS):
            return w.use(options, lambda s: list(s.versions()), delay_after_open_ms=delay)
        if kind == protocol.IS_AUTHORIZED:
            return w.use(options, lambda s: bool(s.is_authorized()), opened=False)
        if kind == protocol.IS_ACCESSIBLE:
            return w.use(options, lambda s: bool(s.is_company_accessible()), opened=False)
        raise ValueError(f"interaction type {kind} has no job")

    return job


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None when it grows past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_reply(send: Send, reply: Reply, *, close: bool) -> None:
    headers = [(b"content-type", reply.content_type.encode()),
               (b"content-length", str(len(reply.body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})
