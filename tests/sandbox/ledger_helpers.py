"""Helpers of the banking and report tests: requests through a real sandbox session (every
response must validate against our own validator) and readers for balances and reports."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from qbconnector.qbxml import xmlsafe
from qbconnector.qbxml.build import Message, build
from qbconnector.qbxml.parse import Record, Response, ResponseSet, parse_response
from qbconnector.qbxml.validate import validate
from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.engine.session import SandboxSession
from qbconnector.sandbox.storage.store import Clock

TZ = timezone(timedelta(hours=-5))
NOW = datetime(2024, 6, 15, 10, 30, tzinfo=TZ)
VERSION = "13.0"


def new_company(template_dir: Path) -> Path:
    """A new company file (what a new QuickBooks company has), created once per directory."""
    path = template_dir / "template.qbdb"
    if not path.exists():
        create_company(path, clock=Clock(fixed=NOW))
    return path


def copy_company(template: Path, target: Path) -> Path:
    """A copy of a company file, with its write-ahead log when one is left."""
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{target}{suffix}")
    return target


class Books:
    """A session on a company file, spoken to in qbXML built with our codec."""

    def __init__(self, path: Path, version: str = VERSION) -> None:
        self.session = SandboxSession(path, clock=Clock(fixed=NOW))
        self.session.open()
        self.version = version

    def close(self) -> None:
        self.session.close()

    # -- requests -----------------------------------------------------------------------------
    def raw(self, text: str) -> str:
        answer = self.session.process(text)
        problems = validate(answer, self.version)
        assert problems == [], f"invalid response: {problems}\n{answer}"
        return answer

    def send(self, *messages: Message, on_error: str = "stopOnError") -> ResponseSet:
        return parse_response(self.raw(build(list(messages), version=self.version,
                                             on_error=on_error)))

    def one(self, name: str, data: Any = None) -> Response:
        responses = self.send(Message(name, data))
        assert len(responses) == 1
        return responses[0]

    def ok(self, name: str, data: Any = None) -> Record:
        rs = self.one(name, data)
        assert (rs.status_code, rs.status_severity) == (0, "Info"), rs.status_message
        assert rs.records, f"{name}: no record returned"
        return rs.records[0]

    def done(self, name: str, data: Any = None) -> Response:
        """A request that must succeed and answers with fields rather than a record."""
        rs = self.one(name, data)
        assert (rs.status_code, rs.status_severity) == (0, "Info"), rs.status_message
        return rs

    def ok_text(self, name: str, data: Any = None) -> str:
        """The raw response text of a request that must succeed."""
        text = self.raw(build([Message(name, data)], version=self.version))
        rs = parse_response(text)[0]
        assert rs.status_code == 0, rs.status_message
        return text

    # -- lists --------------------------------------------------------------------------------
    def account(self, name: str, account_type: str, **extra: Any) -> Record:
        return self.ok("AccountAdd", {"Name": name, "AccountType": account_type, **extra})

    def balance(self, full_name: str) -> Decimal:
        return self.ok("AccountQuery", {"FullName": full_name})["Balance"]

    def name_balance(self, kind: str, full_name: str) -> Decimal:
        return self.ok(f"{kind}Query", {"FullName": full_name})["Balance"]

    # -- transactions -------------------------------------------------------------------------
    def journal(self, when: str, debits: list[tuple[str, Decimal, str | None]],
                credits: list[tuple[str, Decimal, str | None]], **extra: Any) -> Record:
        """A journal entry from (account, amount, entity or None) lines."""
        def lines(entries: list[tuple[str, Decimal, str | None]]) -> list[dict[str, Any]]:
            out = []
            for account, amount, entity in entries:
                line: dict[str, Any] = {"AccountRef": {"FullName": account}, "Amount": amount}
                if entity:
                    line["EntityRef"] = {"FullName": entity}
                out.append(line)
            return out
        return self.ok("JournalEntryAdd", {"TxnDate": when, **extra,
                                           "JournalDebitLine": lines(debits),
                                           "JournalCreditLine": lines(credits)})

    def report(self, kind: str, **data: Any) -> Report:
        text = self.ok_text("GeneralSummaryReportQuery",
                            {"GeneralSummaryReportType": kind, **data})
        return Report.read(text)


@dataclass
class ReportRow:
    kind: str
    number: int
    label: str | None
    account: str | None
    values: dict[int, str] = field(default_factory=dict)

    def amount(self, col: int = 2) -> Decimal | None:
        return Decimal(self.values[col]) if col in self.values else None


@dataclass
class Report:
    """A ReportRet read with lxml (the attributes carry the data)."""

    title: str
    subtitle: str
    basis: str
    num_rows: int
    num_columns: int
    title_rows: int
    columns: list[tuple[str, str, str, list[tuple[str, str | None]]]]
    rows: list[ReportRow]

    @classmethod
    def read(cls, text: str) -> Report:
        root = xmlsafe.parse(text)
        ret = root.find(".//ReportRet")
        assert ret is not None, text
        columns = []
        for desc in ret.findall("ColDesc"):
            titles = [(t.get("titleRow"), t.get("value")) for t in desc.findall("ColTitle")]
            columns.append((desc.get("colID"), desc.get("dataType"), desc.findtext("ColType"),
                            titles))
        rows = []
        data = ret.find("ReportData")
        for el in (data if data is not None else []):
            rows.append(_row(el))
        return cls(ret.findtext("ReportTitle"), ret.findtext("ReportSubtitle"),
                   ret.findtext("ReportBasis"), int(ret.findtext("NumRows")),
                   int(ret.findtext("NumColumns")), int(ret.findtext("NumColTitleRows")),
                   columns, rows)

    def find(self, label: str, kind: str | None = None) -> ReportRow:
        found = [r for r in self.rows if r.label == label and (kind is None or r.kind == kind)]
        assert len(found) == 1, f"{label!r}: {len(found)} rows in {self.labels()}"
        return found[0]

    def has(self, label: str) -> bool:
        return any(r.label == label for r in self.rows)

    def labels(self) -> list[str | None]:
        return [r.label for r in self.rows]

    def account_rows(self) -> list[ReportRow]:
        return [r for r in self.rows if r.kind == "DataRow" and r.account is not None]


def _row(el: etree._Element) -> ReportRow:
    number = int(el.get("rowNumber"))
    if el.tag == "TextRow":
        return ReportRow("TextRow", number, el.get("value"), None)
    row_data = el.find("RowData")
    values = {int(c.get("colID")): c.get("value") for c in el.findall("ColData")}
    label = values.pop(1, None)
    return ReportRow(el.tag, number, label,
                     row_data.get("value") if row_data is not None else None, values)
