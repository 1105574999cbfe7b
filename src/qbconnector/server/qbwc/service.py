"""The Web Connector's eight operations, answered from the queue.

An update: ``authenticate`` (a ticket when the user's queue has work, "none" when not, "nvu"
for bad credentials), then ``sendRequestXML`` / ``receiveResponseXML`` until the progress is
100, then ``closeConnection``. When the queue is empty the update stays open ``KeepOpen``
seconds more for the next request, so a client paging with a QuickBooks iterator keeps its
QuickBooks session from one page to the next. ``connectionError`` (QuickBooks could not open
the company file) fails every waiting request with QuickBooks' own error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from qbconnector._version import __version__
from qbconnector.qbwc_wire.answers import DONE, INVALID_USER, NOTHING_TO_DO
from qbconnector.qbwc_wire.soap import Call
from qbconnector.server.auth import LoginBackoff, _dummy_hash
from qbconnector.server.logs import LOGGER_NAME
from qbconnector.server.passwords import verify_password
from qbconnector.server.qbwc.queue import JobQueue, Ticket, digest
from qbconnector.server.settings import Settings

log = logging.getLogger(LOGGER_NAME)
LINGER_STEP = 0.02
Answer = str | int | list[str]


class WebConnectorService:
    """The operations of one connector's Web Connector service (see the module doc)."""

    def __init__(self, queue: JobQueue, settings: Callable[[], Settings],
                 show_queue: Callable[[str], None] = lambda user: None,
                 clock: Callable[[], float] = time.time,
                 backoff: LoginBackoff | None = None) -> None:
        self.queue = queue
        self.settings = settings
        self._show_queue = show_queue
        self._clock = clock
        self.backoff = backoff or LoginBackoff()

    async def answer(self, call: Call, client: str) -> Answer:
        """The result of one call (the SOAP layer wraps it)."""
        handler = getattr(self, f"_{call.name}")
        return await handler(call, client)

    # -- before an update ------------------------------------------------------------------------
    async def _serverVersion(self, call: Call, client: str) -> Answer:  # noqa: N802
        return f"qbconnector {__version__}"

    async def _clientVersion(self, call: Call, client: str) -> Answer:  # noqa: N802
        log.debug("Web Connector %s at %s", call.text("strVersion") or "(no version)", client)
        return ""

    async def _authenticate(self, call: Call, client: str) -> Answer:
        name, password = call.text("strUserName"), call.text("strPassword")
        user = self.settings().WebConnectorUsers.get(name)
        stored = user.Password if user is not None else _dummy_hash()
        valid = await asyncio.to_thread(verify_password, password, stored)
        if user is None or not valid:
            delay = self.backoff.failed(client)
            log.warning("Web Connector login refused for user %r from %s (%d in a row)",
                        name, client, self.backoff.failures(client))
            if user is not None:
                self.queue.record_poll(name, "refused: wrong password", client)
            await asyncio.sleep(delay)
            return ["", INVALID_USER]
        self.backoff.succeeded(client)
        self._show_queue(name)
        waiting = self.queue.waiting(name)
        if not waiting:
            self.queue.record_poll(name, "nothing to do", client)
            log.debug("Web Connector %s polled from %s: nothing to do", name, client)
            return ["", NOTHING_TO_DO]
        ticket = self.queue.open_ticket(name, user.CompanyFile)
        self.queue.record_poll(name, f"update started ({waiting} waiting)", client)
        log.info("Web Connector %s from %s: update %s started, %d request(s) waiting",
                 name, client, ticket.ticket[:8], waiting)
        return [ticket.ticket, user.CompanyFile]

    # -- the update ------------------------------------------------------------------------------
    def _ticket(self, call: Call) -> Ticket | None:
        ticket = self.queue.ticket(call.text("ticket"))
        return ticket if ticket is not None and ticket.closed_at is None else None

    async def _sendRequestXML(self, call: Call, client: str) -> Answer:  # noqa: N802
        ticket = self._ticket(call)
        if ticket is None:
            return ""
        version = f"{call.params.get('qbXMLMajorVers', 0)}.{call.params.get('qbXMLMinorVers', 0)}"
        self.queue.record_host(ticket.user, call.text("strCompanyFileName"),
                               version if version != "0.0" else "", call.text("qbXMLCountry"))
        job = self.queue.hand_out(ticket)
        if job is None:
            self.queue.update_ticket(ticket.ticket, last_error="No more requests are waiting.")
            return ""
        log.debug("update %s: request %d handed out", ticket.ticket[:8], job.id)
        return job.request

    async def _receiveResponseXML(self, call: Call, client: str) -> Answer:  # noqa: N802
        ticket = self._ticket(call)
        if ticket is None:
            return -1
        response, hresult = call.text("response"), call.text("hresult")
        message = call.text("message")
        job = self.queue.take_answer(ticket, response, hresult, message)
        if job is None:
            again = ticket.last_digest == digest(response + hresult + message)
            log.log(logging.DEBUG if again else logging.WARNING,
                    "update %s: %s answer ignored", ticket.ticket[:8],
                    "a re-posted" if again else "an unexpected")
            return ticket.progress
        if hresult:
            log.warning("update %s: QuickBooks error %s for request %d: %s",
                        ticket.ticket[:8], hresult, job.id, message)
        progress = await self._progress(ticket.ticket, ticket.user)
        self.queue.update_ticket(ticket.ticket, progress=progress)
        return progress

    async def _progress(self, ticket: str, user: str) -> int:
        """Percent done; below 100 while requests wait, or arrive within KeepOpen seconds."""
        generation = self.queue.generation(user)
        deadline = self._clock() + float(self.settings().WebConnectorKeepOpen)
        while not self.queue.waiting(user):
            if self._clock() >= deadline or self.queue.stopping:
                return 100
            await asyncio.sleep(LINGER_STEP)
            if self.queue.generation(user) == generation:
                continue
            generation = self.queue.generation(user)
        found = self.queue.ticket(ticket)
        done = found.answered + found.failed if found else 0
        left = self.queue.waiting(user)
        return max(1, min(99, int(100 * done / (done + left))))

    async def _connectionError(self, call: Call, client: str) -> Answer:  # noqa: N802
        ticket = self._ticket(call)
        if ticket is None:
            return DONE
        hresult, message = call.text("hresult"), call.text("message")
        failed = self.queue.fail_waiting(ticket.user, hresult or "0x80040401", message)
        self.queue.update_ticket(ticket.ticket, last_error=f"{hresult} {message}".strip())
        self.queue.record_poll(ticket.user, f"QuickBooks error {hresult}: {message}", client)
        log.warning("Web Connector %s could not reach QuickBooks (%s %s); %d waiting request(s) "
                    "answered with that error", ticket.user, hresult, message, failed)
        return DONE

    async def _getLastError(self, call: Call, client: str) -> Answer:  # noqa: N802
        ticket = self.queue.ticket(call.text("ticket"))
        if ticket is None:
            return "Unknown ticket: the update is over."
        return ticket.last_error or "No error."

    async def _closeConnection(self, call: Call, client: str) -> Answer:  # noqa: N802
        ticket = self.queue.ticket(call.text("ticket"))
        if ticket is None or ticket.closed_at is not None:
            return "OK"
        closed = self.queue.close_ticket(ticket.ticket)
        assert closed is not None
        words = (f"OK: {closed.answered} request(s) answered"
                 + (f", {closed.failed} failed in QuickBooks" if closed.failed else ""))
        self.queue.record_poll(ticket.user, words, client)
        log.info("Web Connector %s: update %s closed: %s", ticket.user, ticket.ticket[:8], words)
        return words


def describe_call(call: Call) -> dict[str, Any]:
    """A call for the debug log: never the password."""
    return {k: ("***" if k == "strPassword" else v if not isinstance(v, str) or len(v) < 80
                else f"<{len(v)} characters>") for k, v in call.params.items()}
