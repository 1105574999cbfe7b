"""The reference corpus of real QuickBooks exchanges, read at test time (never copied).

The corpus lives beside the repository in ``../shared/reference/transcripts`` (or wherever
``QBCONNECTOR_REFERENCE`` points, e.g. from a git worktree). A user's clone has no such folder;
callers skip when :func:`transcripts_dir` returns None.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from . import xmlutil

REPO = Path(__file__).resolve().parents[3]
NAME = re.compile(r"^(\d{3})-(.+?)\.(request\.xml|response\.xml|error\.txt)$")


def reference_dir() -> Path:
    """Where the reference material is expected (it may be absent)."""
    env = os.environ.get("QBCONNECTOR_REFERENCE")
    return Path(env) if env else REPO.parent / "shared" / "reference"


def transcripts_dir() -> Path | None:
    """The transcripts folder, or None when it is not there."""
    path = reference_dir() / "transcripts"
    return path if path.is_dir() else None


@dataclass
class Transcript:
    """One exchange: request and/or response text, or the request processor's error text."""

    num: int
    name: str
    request: str | None = None
    response: str | None = None
    error: str | None = None
    real: str = ""
    notes: dict = field(default_factory=dict)
    index_note: str = ""

    @property
    def label(self) -> str:
        return f"{self.num:03d}-{self.name}"

    @property
    def trimmed(self) -> bool:
        """INDEX.md says the source or the corpus kept only some of the records."""
        return "trimmed" in self.name or "trimmed" in self.index_note.lower() or \
            "shows only" in self.index_note.lower()

    def response_root(self) -> etree._Element:
        assert self.response is not None, f"{self.label} has no response"
        return xmlutil.parse(self.response)

    def request_root(self) -> etree._Element:
        assert self.request is not None, f"{self.label} has no request"
        return xmlutil.parse(self.request)


@cache
def load_all() -> dict[int, Transcript]:
    """Every transcript by number (empty when the corpus is absent)."""
    folder = transcripts_dir()
    if folder is None:
        return {}
    found: dict[int, Transcript] = {}
    for path in sorted(folder.iterdir()):
        match = NAME.match(path.name)
        if not match:
            continue
        num, name, kind = int(match.group(1)), match.group(2), match.group(3)
        t = found.setdefault(num, Transcript(num, name))
        text = path.read_text(encoding="utf-8")
        if kind == "request.xml":
            t.request = text
        elif kind == "response.xml":
            t.response = text
        else:
            t.error = text
    manifest = folder / "manifest.json"
    if manifest.is_file():
        for entry in json.loads(manifest.read_text(encoding="utf-8")):
            t = found.get(int(entry.get("num", 0)))
            if t is not None:
                t.real = str(entry.get("real", ""))
                t.notes = entry
    index = folder / "INDEX.md"
    if index.is_file():
        for line in index.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            match = NAME.match(cells[0]) if cells else None
            if match and match.group(3) == "response.xml" and len(cells) >= 2:
                t = found.get(int(match.group(1)))
                if t is not None:
                    t.index_note = " | ".join(cells[-2:])
    return found


def ret_elements(root: etree._Element) -> list[etree._Element]:
    """Every ``*Ret`` record directly inside the Rs elements of a response."""
    out = []
    for rs in xmlutil.messages(root):
        out.extend(c for c in xmlutil.elements(rs) if c.tag.endswith("Ret"))
    return out


class Knowledge:
    """What the whole corpus says about records: full Rets by ListID/TxnID and by FullName.

    A Ref in one transcript often names a record whose full Ret appears in another exchange of
    the same company file (same ListID); the setup uses that Ret to create a faithful record.
    """

    def __init__(self, transcripts: dict[int, Transcript]) -> None:
        self.by_id: dict[str, list[tuple[int, etree._Element]]] = {}
        self.by_name: dict[tuple[str, str], list[tuple[int, etree._Element]]] = {}
        for num, t in sorted(transcripts.items()):
            if t.response is None:
                continue
            try:
                root = t.response_root()
            except etree.XMLSyntaxError:
                continue
            for ret in root.iter():
                if not isinstance(ret.tag, str) or not ret.tag.endswith("Ret"):
                    continue
                rid = xmlutil.text_of(ret, "ListID") or xmlutil.text_of(ret, "TxnID")
                if rid and ret.find("TimeCreated") is not None:
                    self.by_id.setdefault(rid, []).append((num, ret))
                name = xmlutil.text_of(ret, "FullName") or xmlutil.text_of(ret, "Name")
                if name and ret.find("TimeCreated") is not None:
                    self.by_name.setdefault((ret.tag, name.lower()), []).append((num, ret))

    def record(self, ref_id: str | None, full_name: str | None,
               tags: tuple[str, ...] = ()) -> etree._Element | None:
        """The best full Ret for a reference: same ID (and same name when both are known)."""
        for _num, ret in self.by_id.get(ref_id or "", []):
            if tags and ret.tag not in tags:
                continue
            name = xmlutil.text_of(ret, "FullName") or xmlutil.text_of(ret, "Name")
            if full_name is None or name is None or name.lower() == full_name.lower():
                return ret
        if full_name and tags:
            for tag in tags:
                hits = self.by_name.get((tag, full_name.lower()))
                if hits:
                    return hits[0][1]
        return None


@cache
def knowledge() -> Knowledge:
    return Knowledge(load_all())
