"""The status catalogue: qbXML status codes and the request processor's HRESULTs.

Every backend answers with these codes, severities and message templates, so that a sandbox,
a remote connector and a real QuickBooks word their answers the same way. Templates use
``{name}`` placeholders filled by :func:`status_message`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    """One qbXML status code: its severity (Info/Warn/Error) and message template."""

    code: int
    severity: str
    template: str


def _s(code: int, severity: str, template: str) -> tuple[int, Status]:
    return code, Status(code, severity, template)


STATUSES: dict[int, Status] = dict([
    _s(0, "Info", "Status OK"),
    _s(1, "Info", "A query request did not find a matching object in QuickBooks"),
    _s(500, "Warn", 'The query request has not been fully completed. There was a required '
                    'element ("{value}") that could not be found in QuickBooks.'),
    _s(3231, "Error", "The request has not been processed."),
])


HRESULTS: dict[int, str] = {
    0x80040400: "QuickBooks found an error when parsing the provided XML text stream.",
    0x80040413: "The request cannot be processed because rollbackOnError is not supported.",
    0x80040423: "The version of qbXML that was requested is not supported or is unknown.",
}


def severity_of(code: int) -> str:
    """The severity QuickBooks gives a status code (by catalogue, else by range)."""
    if code in STATUSES:
        return STATUSES[code].severity
    if code < 500:
        return "Info"
    if code < 1000:
        return "Warn"
    return "Error"


def status_message(code: int, **fields: object) -> str:
    """The statusMessage for a code with its placeholders filled."""
    entry = STATUSES.get(code)
    if entry is None:
        return f"Status {code}"
    return entry.template.format(**{k: str(v) for k, v in fields.items()})


def hresult_message(hresult: int) -> str:
    """The request processor's text for an HRESULT."""
    return HRESULTS.get(hresult & 0xFFFFFFFF, "Unknown request processor error.")
