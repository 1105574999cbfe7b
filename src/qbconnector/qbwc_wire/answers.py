"""What the Web Connector's answers mean, for the service that gives them and the runner that
reads them (from Intuit's Web Connector programmer's guide, as its implementations quote it).

- ``clientVersion``: "" to go on; "W:text" a warning (go on); "E:text" an error (stop);
  "O:version" the service wants that Web Connector version or newer (stop).
- ``authenticate``: [ticket, company, (seconds to wait), (seconds between runs)], company being
  a company file path, "" for the file open in QuickBooks, "none" for nothing to do, "nvu"
  for an invalid user, "busy" for try later.
- ``sendRequestXML``: qbXML, or "" (then the Web Connector asks ``getLastError``, where "NoOp"
  means pause and ask again).
- ``receiveResponseXML``: percent done; 100 ends the update, negative is an error (then the
  Web Connector asks ``getLastError``).
- ``connectionError``: "done" to stop, or another company file to try.
"""

from __future__ import annotations

from dataclasses import dataclass

INVALID_USER = "nvu"
NOTHING_TO_DO = "none"
BUSY = "busy"
DONE = "done"
NO_OP = "NoOp"
#: The qbXML versions a Web Connector announces when it knows no better (qbXML 13.0, US).
DEFAULT_COUNTRY = "US"


@dataclass(frozen=True)
class Authenticated:
    """``authenticate``'s answer as the runner reads it."""

    ticket: str
    company: str          # the company file to open ('' = the open one)
    verdict: str = ""     # "", "nvu", "none" or "busy"
    wait_seconds: int = 0
    every_seconds: int = 0

    @property
    def ok(self) -> bool:
        return not self.verdict


def read_authenticate(values: list[str]) -> Authenticated:
    """Read an ``authenticate`` answer (services spell the verdicts in either case)."""
    ticket = values[0] if values else ""
    second = values[1] if len(values) > 1 else ""
    extras = []
    for text in values[2:4]:
        try:
            extras.append(max(0, int(text.strip() or 0)))
        except ValueError:
            extras.append(0)
    wait, every = (extras + [0, 0])[:2]
    verdict = second.strip().lower() if second.strip().lower() in (
        INVALID_USER, NOTHING_TO_DO, BUSY) else ""
    if not verdict and not ticket:
        verdict = INVALID_USER   # no ticket: there is no update to run
    return Authenticated(ticket, "" if verdict else second, verdict, wait, every)


@dataclass(frozen=True)
class VersionVerdict:
    kind: str        # "ok", "warning", "error" or "upgrade"
    message: str = ""

    @property
    def stops(self) -> bool:
        return self.kind in ("error", "upgrade")


def read_client_version(answer: str) -> VersionVerdict:
    text = answer.strip()
    prefix, _, rest = text.partition(":")
    kinds = {"W": "warning", "E": "error", "O": "upgrade"}
    if len(prefix) == 1 and prefix.upper() in kinds and rest:
        return VersionVerdict(kinds[prefix.upper()], rest.strip())
    return VersionVerdict("ok", text)
