"""The connector as an ASGI application: the I/O around the rules in :mod:`protocol`.

For each request it gathers the facts (client address, credentials, headers, body), asks the
pure rules what to do, and runs the session work through the company file's worker
(:mod:`workers`). Slow steps — password hashing, parsing, sessions — never block the event
loop; only jobs the worker has seen to be quick on a sandbox file run on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.types import Receive, Scope, Send

from qbconnector import wire
from qbconnector.qbxml.session import RequestProcessorError, Session, SessionOptions
from qbconnector.server import protocol
from qbconnector.server.auth import Authenticator, LoginBackoff
from qbconnector.server.clients import AllowedClients
from qbconnector.server.execute import Limits, Outcome, Spool, execute_job, looks_quick
from qbconnector.server.logport import LogPortServer
from qbconnector.server.logs import LOGGER_NAME, RequestLines, line_writers, request_line
from qbconnector.server.protocol import Call, Reply, RequestHead
from qbconnector.server.settings import Settings, User
from qbconnector.server.state import ConnectorState
from qbconnector.server.users import UserStore
from qbconnector.server.workers import (
    CompanyWorker,
    OpenPolicy,
    PersistentLimit,
    PersistentQuota,
    QueueTimeout,
    Workers,
)

SessionFactory = Callable[[SessionOptions], Session]
_NEEDS_OPEN = (protocol.EXECUTE, protocol.COMPANY_FILE, protocol.LATEST_VERSION,
               protocol.ALL_VERSIONS)


class ClientGone(Exception):
    """The client closed the connection before its request had arrived."""


@dataclass(frozen=True)
class BackendHost:
    """What the connector offers a backend that serves paths of its own on the connector's
    port (the Web Connector's ``/qbwc``): the settings in force, the state the console shows,
    the body limit. A backend with a ``serve(host)`` method returns those paths' ASGI apps."""

    settings: Callable[[], Settings]
    state: ConnectorState
    max_body: int


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
    file QuickBooks has open). ``max_body`` bounds request bodies (413 above it) in place of
    the MaxRequestSize setting.
    """

    def __init__(self, settings: Settings, session_factory: SessionFactory, *,
                 default_company: str = "", max_body: int | None = None,
                 backoff: LoginBackoff | None = None, retry_pause: float = 2.0,
                 authenticator: Authenticator | None = None,
                 state: ConnectorState | None = None) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.default_company = default_company
        self.max_body = max_body
        self.log = logging.getLogger(LOGGER_NAME)
        self.lines = RequestLines()
        self.users = UserStore(settings)
        self.auth = authenticator or Authenticator(
            self.users, interactive_logon=settings.UseInteractiveLogon)
        self.backoff = backoff or LoginBackoff()
        self.clients = AllowedClients(settings.AllowedClients)
        self.workers = Workers(session_factory, policy_from(settings, retry_pause),
                               PersistentQuota(int(settings.MaxPersistentSessions),
                                               int(settings.MaxPersistentSessionsPerUser)))
        self._verifying: dict[bytes, _Verification] = {}
        self.state = state or ConnectorState()
        self.state.persistent_sessions = self.workers.persistent_options
        self.state.add_queue("company files", self.workers.queue_summary)
        serve = getattr(session_factory, "serve", None)
        self.routes: dict[str, Any] = dict(serve(BackendHost(
            lambda: self.settings, self.state, self.body_limit))) if callable(serve) else {}

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
        outcome = Outcome()
        spool: Spool | None = None
        try:
            reply, body_read, spool = await self._handle(scope, receive, client, outcome)
        except ClientGone:
            outcome.detail = "the client went away before its request arrived"
            self._log(client, outcome, protocol.text_reply(499, ""),
                      time.perf_counter() - started)
            self.state.finish(outcome.user, 499, outcome.options, began=outcome.authenticated)
            return
        except Exception:
            self.log.exception("internal error serving %s", client)
            reply, body_read = protocol.internal_error(), False
        try:
            await _send_reply(send, reply, close=reply.close or not body_read, spool=spool)
        finally:
            if spool is not None:
                spool.close()
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
                                             self.log, backoff=self.backoff)
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
    @property
    def body_limit(self) -> int:
        """The largest body taken (413 above it): ``max_body``, else MaxRequestSize."""
        return self.max_body or int(self.settings.MaxRequestSize)

    async def _handle(self, scope: Scope, receive: Receive, client: str,
                      outcome: Outcome) -> tuple[Reply, bool, Spool | None]:
        head = RequestHead.from_pairs(scope["method"], scope["path"], scope["headers"])
        allowed: bool | None = None
        authenticated: bool | None = None
        user: User | None = None
        limit = self.body_limit
        while True:   # the pure rules ask for each fact when they reach it
            step = protocol.decide(head, client_allowed=allowed, authenticated=authenticated,
                                   client=client, max_body=limit)
            if step is protocol.Need.CLIENT_CHECK:
                # an address list decides at once; a host name is looked up off the loop
                allowed = self.clients.allows_address(client)
                if allowed is None:
                    allowed = await asyncio.to_thread(self.clients.allows, client)
                if not allowed:
                    self.log.warning("refused client %s: not in AllowedClients", client)
            elif step is protocol.Need.AUTHENTICATION:
                # credentials verified recently are known at once; others are checked off
                # the loop
                user, creds = self._recently_verified(head, outcome)
                if user is None and creds is not None:
                    user = await self._verify_once(*creds, client)
                    if user is None:
                        outcome.detail = "bad credentials"
                authenticated = user is not None
                if user is not None:
                    outcome.authenticated = True
                    self.state.begin(user.name)
            else:
                break
        if isinstance(step, Reply):
            return step, False, None
        assert user is not None and isinstance(step, Call)
        call = step
        outcome.interaction = call.interaction
        body = await _read_body(receive, limit)
        if body is None:
            return protocol.too_large(limit), False, None
        options = protocol.session_options(
            user_name=user.name, company_file=user.CompanyFile, app_name=user.AppName,
            read_only=user.ReadOnly, connection_mode=user.ConnectionMode,
            auth_flags=self.settings.AuthFlags, call=call, default_company=self.default_company)
        if isinstance(options, Reply):
            outcome.detail = "company file refused"
            body.close()
            return options, True, None
        outcome.options = options
        outcome.company = options.company_file or None
        try:
            reply, spool = await self._serve(call, options, body, user.name, outcome)
        finally:
            body.close()
        return reply, True, spool

    async def _client_allowed(self, client: str) -> bool:
        decided = self.clients.allows_address(client)
        if decided is not None:
            return decided
        return await asyncio.to_thread(self.clients.allows, client)

    def _recently_verified(self, head: RequestHead, outcome: Outcome
                           ) -> tuple[User | None, tuple[str, str] | None]:
        """The user when the request's credentials were verified recently, and the
        credentials (None when there are none: nothing to check)."""
        creds = protocol.credentials(head)
        if creds is None:
            outcome.detail = "no credentials"
            return None, None
        outcome.user = creds[0]
        return self.auth.cached(*creds), creds

    async def _verify_once(self, name: str, password: str, client: str) -> User | None:
        """A full verification, shared by every request that arrives with the same
        credentials while it runs: after a restart or a cache expiry, fifty clients cost one
        scrypt (and one turn of the login backoff), not fifty."""
        key = self.auth.cache.key(name, password)
        pending = self._verifying.get(key)
        if pending is None:
            pending = _Verification(asyncio.ensure_future(self._check(name, password, client)))
            self._verifying[key] = pending
            pending.future.add_done_callback(lambda _: self._verifying.pop(key, None))
        pending.waiters += 1
        return await asyncio.shield(pending.future)

    async def _check(self, name: str, password: str, client: str) -> User | None:
        """One password check in its turn of the login backoff (see :mod:`backoff`)."""
        turn = self.backoff.turn(name, client)
        if turn.refused:
            self.log.info("login for user %r from %s refused without a check: too many "
                          "failed logins", name, client)
            return None
        try:
            if turn.wait:
                await asyncio.sleep(turn.wait)
            user = await asyncio.to_thread(self.auth.verify, name, password)
        except BaseException:
            self.backoff.abandoned(turn)
            raise
        if user is not None:
            self.backoff.succeeded(turn)
            return user
        failures = self.backoff.failed(turn)
        level = logging.WARNING if failures > self.backoff.free_attempts else logging.INFO
        self.log.log(level, "failed login for user %r from %s (%d in a row%s)", name, client,
                     failures, f", checked after waiting {turn.wait:.3g} s" if turn.wait else "")
        return None

    async def _serve(self, call: Call, options: SessionOptions, body: Spool, user: str,
                     outcome: Outcome) -> tuple[Reply, Spool | None]:
        worker = self.workers.for_company(options.company_file)
        timeout = float(self.settings.Timeout) or None
        delay = min(call.delay_after_open_ms, int(self.settings.MaxDelayAfterOpen)) / 1000
        ticket: int | None = None
        try:
            if delay and call.interaction in _NEEDS_OPEN:
                # opened now, then the pause off the worker: others take their turn meanwhile
                opened, ticket = await worker.call(lambda w: w.park(options, user), timeout)
                if opened:
                    await asyncio.sleep(delay)
            if call.interaction == protocol.EXECUTE:
                limits = Limits(int(self.settings.MaxMessageSetRequests),
                                int(self.settings.MaxResponseSize))
                return await worker.call(
                    execute_job(body, options, user, limits, outcome, ticket), timeout,
                    quick=lambda: looks_quick(body))
            result = await worker.call(_interaction_job(call, options, user, ticket), timeout)
            if call.interaction == protocol.OPEN_PERSISTENT and result and delay:
                await asyncio.sleep(delay)
            return protocol.reply_for(call.interaction, result), None
        except QueueTimeout as exc:
            outcome.detail = "queue timeout"
            return protocol.queue_timeout(float(self.settings.Timeout), options.company_file,
                                          exc.message), None
        except PersistentLimit as exc:
            outcome.detail = str(exc)
            return protocol.persistent_refused(str(exc)), None
        except RequestProcessorError as exc:
            outcome.detail = str(exc)
            return protocol.processor_error(exc.hresult, exc.message), None
        finally:
            if ticket is not None:
                worker.post(lambda w: w.unpark(ticket))

    def _log(self, client: str, outcome: Outcome, reply: Reply, duration: float) -> None:
        if reply.status >= wire.INTERNAL_ERROR or reply.status == wire.PROCESSOR_ERROR:
            level = logging.ERROR if reply.status == wire.INTERNAL_ERROR else logging.WARNING
        else:
            level = logging.INFO
        log = self.log
        if not log.isEnabledFor(level):
            return
        facts = {"client": client, "user": outcome.user, "interaction": outcome.interaction,
                 "requests": outcome.requests, "status": reply.status, "duration": duration,
                 "company": outcome.company, "detail": outcome.detail}
        known = outcome.authenticated
        files = line_writers(log, level, user_known=known)
        if files is not None:      # files, the console, the admin console's feed: no record
            text = self.lines.line(**facts)      # made safe already, part by part
            created = time.time()
            name = logging.getLevelName(level)
            user = outcome.user if known else None
            for handler in files:
                handler.write_line(name, text, created, safe=True, user=user)
            return
        # A record made directly: the logger would otherwise walk the stack for the
        # caller's file and line, which the connector's lines do not show. Its handlers'
        # formatters make the line safe.
        log.handle(log.makeRecord(
            log.name, level, "(unknown file)", 0, request_line(**facts), None, None,
            extra={"connector_user": outcome.user} if outcome.authenticated else None))


@dataclass
class _Verification:
    """A password check under way, and how many requests wait for it."""

    future: asyncio.Future
    waiters: int = 0


def _interaction_job(call: Call, options: SessionOptions, user: str,
                     parked: int | None) -> Callable[[CompanyWorker], Any]:
    """The worker job for interaction types other than 0."""
    kind = call.interaction

    def job(w: CompanyWorker) -> Any:
        if kind == protocol.COMPANY_FILE:
            return w.use(options, lambda s: s.company_file(), user=user, parked=parked)
        if kind == protocol.OPEN_PERSISTENT:
            if not w.policy.persistent:   # globally enabled: 101 has no effect
                return w.open_persistent(options, user)
            return False
        if kind == protocol.CLOSE_PERSISTENT:
            if not w.policy.persistent:   # globally enabled: 102 leaves it open
                w.close_persistent(options)
            return None
        if kind in (protocol.LATEST_VERSION, protocol.ALL_VERSIONS):
            return w.use(options, lambda s: list(s.versions()), user=user, parked=parked)
        if kind == protocol.IS_AUTHORIZED:
            return w.use(options, lambda s: bool(s.is_authorized()), opened=False)
        if kind == protocol.IS_ACCESSIBLE:
            return w.use(options, lambda s: bool(s.is_company_accessible()), opened=False)
        raise ValueError(f"interaction type {kind} has no job")

    return job


async def _read_body(receive: Receive, limit: int) -> Spool | None:
    """The request body, or None when it grows past ``limit`` bytes; ClientGone when the
    client disconnects first (nothing is then processed)."""
    body = Spool()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            body.close()
            raise ClientGone()
        chunk = message.get("body", b"")
        if chunk:
            if body.size + len(chunk) > limit:
                body.close()
                return None
            body.write(chunk)
        if not message.get("more_body", False):
            return body


async def _send_reply(send: Send, reply: Reply, *, close: bool,
                      spool: Spool | None = None) -> None:
    size = spool.size if spool is not None else len(reply.body)
    headers = [(b"content-type", reply.content_type.encode()),
               (b"content-length", str(size).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    if spool is None:
        await send({"type": "http.response.body", "body": reply.body})
        return
    for piece in spool.pieces():
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
