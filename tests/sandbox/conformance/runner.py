"""Replay one transcript against a fresh sandbox company file and judge the answer."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from . import xmlutil
from .company import Company, SetupError
from .compare import Rules, compare
from .corpus import Transcript, knowledge

PARSE_ERROR = 0x80040400
# Values that depend on the history of the real file, never on the request: compared by form.
GLOBAL_IGNORE = ("**/TxnNumber",)

Step = Callable[[Company, Transcript], None]
Builder = Callable[[Company, Transcript], str]


@dataclass(frozen=True)
class Recipe:
    """How to replay one transcript; every tolerance carries its reason in ``why``/``expect``.

    ``what``: what the case checks; ``why``: why it is limited or not replayable.
    ``mode``: ``replay`` (the transcript's own request), ``synth`` (a request derived from the
    response, for exchanges whose request is missing), ``parse-error`` (the request must be
    refused by the request processor), ``skip`` (not replayable; ``why`` says why).
    ``create``: XPaths into the response whose Rets are created first; ``refs``: XPaths (into
    ``response`` or ``request``) whose references must exist; ``steps``: custom setup;
    ``build``: the synthesized request; ``prefs``: company preferences the real file had;
    ``expect``: a documented reason why a mismatch is expected; with ``expect_only`` it
    explains only the differences that name one of those elements. A case xfails only when
    every difference is explained (by ``expect`` or by a preference the sandbox cannot match).
    """

    mode: str
    what: str = ""
    why: str = ""
    create: tuple[str, ...] = ()
    refs: tuple[tuple[str, str], ...] = ()
    steps: Step | None = None
    build: Builder | None = None
    prefs: dict[str, bool] = field(default_factory=dict)
    rules: Rules = field(default_factory=Rules)
    expect: str = ""
    expect_only: tuple[str, ...] = ()
    request_id: str | None = None


@dataclass
class Outcome:
    """What happened: pass, fail, xfail (documented mismatch) or skip (not replayable)."""

    label: str
    status: str
    reason: str = ""
    diffs: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def describe(self, limit: int = 40) -> str:
        lines = [f"{self.label}: {self.status}" + (f" — {self.reason}" if self.reason else "")]
        lines += [f"  {d}" for d in self.diffs[:limit]]
        if len(self.diffs) > limit:
            lines.append(f"  … {len(self.diffs) - limit} more")
        return "\n".join(lines)


def select(root: etree._Element, xpath: str) -> list[etree._Element]:
    return [e for e in root.xpath(xpath) if isinstance(e, etree._Element)]


def replay_version(t: Transcript) -> str:
    """The version to send: the request's (capped at the spec's newest), raised to the oldest
    version whose elements the real response shows (a response never holds newer elements)."""
    own = xmlutil.capped_version(xmlutil.qbxml_version(t.request or "")) or "1.0"
    floor = xmlutil.min_version(t.response_root(), own) if t.response else own
    return floor


def set_request_id(text: str, request_id: str) -> str:
    """Put ``requestID`` on the first request element (the corpus's request lacked it)."""
    first_request = re.compile(r"<((?!QBXMLMsgs)\w+Rq)([^>]*)>")

    def put(match: re.Match[str]) -> str:
        attrs = re.sub(r'\s*requestID\s*=\s*"[^"]*"', "", match.group(2))
        return f'<{match.group(1)} requestID="{request_id}"{attrs}>'
    return first_request.sub(put, text, count=1)


def map_edit_sequences(company: Company, t: Transcript) -> None:
    """Map the EditSequence of each Mod in the request to the sandbox's current one, or to a
    stale one where the real answer was 3200 (out of date)."""
    request = t.request_root()
    statuses = [rs.get("statusCode") for rs in xmlutil.messages(t.response_root())] \
        if t.response else []
    for i, rq in enumerate(xmlutil.messages(request)):
        for mod in rq.iter():
            if not isinstance(mod.tag, str) or not mod.tag.endswith("Mod"):
                continue
            real_id = xmlutil.text_of(mod, "ListID") or xmlutil.text_of(mod, "TxnID")
            real_es = xmlutil.text_of(mod, "EditSequence")
            our_id = company.id_map.get(real_id or "")
            if not (real_es and our_id and our_id in company.current_es):
                continue
            current = company.current_es[our_id]
            stale = i < len(statuses) and statuses[i] == "3200"
            company.id_map[real_es] = str(int(current) - 1) if stale else current


def prepare_replay(company: Company, t: Transcript, recipe: Recipe) -> str:
    text = t.request or ""
    text = xmlutil.with_version(text, replay_version(t))
    if recipe.request_id is not None:
        text = set_request_id(text, recipe.request_id)
    map_edit_sequences(company, t)
    return xmlutil.replace_ids(text, company.id_map)


def setup(company: Company, t: Transcript, recipe: Recipe) -> None:
    for xpath in recipe.create:
        for ret in select(t.response_root(), xpath):
            company.create(ret)
    for where, xpath in recipe.refs:
        root = t.response_root() if where == "response" else t.request_root()
        for holder in select(root, xpath):
            for ref in holder.iter():
                if isinstance(ref.tag, str) and ref.tag.endswith("Ref") and \
                        ref.tag != "ParentRef":
                    kind = company._ref_kind(ref.tag, "")
                    if kind:
                        company.ensure(kind, xmlutil.text_of(ref, "FullName"),
                                       xmlutil.text_of(ref, "ListID"), ref,
                                       f"{holder.tag}/{ref.tag}")
    if recipe.steps is not None:
        recipe.steps(company, t)


def unmet_preferences(company: Company, wanted: dict[str, bool]) -> list[str]:
    have = company.preferences()
    return [f"{name} {'on' if value else 'off'}" for name, value in wanted.items()
            if bool(have.get(name)) != value]


def run(t: Transcript, recipe: Recipe, workdir: Path, sandbox) -> Outcome:
    """Run one case; ``sandbox`` provides create_company, SandboxSession, SessionOptions and
    RequestProcessorError (the caller imports them, so that this module does not need to)."""
    if recipe.mode == "skip":
        return Outcome(t.label, "skip", recipe.why)
    path = sandbox.create_company(workdir / "company.qbdb", sample="none", seed=0)
    session = sandbox.SandboxSession(path, sandbox.SessionOptions())
    session.open()
    company = Company(session, knowledge())
    try:
        return _run(t, recipe, company, sandbox)
    finally:
        session.close()


def apply_preferences(session, wanted: dict[str, bool]) -> None:
    """Switch the sandbox company's preferences to those the real file had, where the
    sandbox can (multicurrency it cannot: such cases stay unmet)."""
    from qbconnector.sandbox.company import preferences
    if wanted.get("sales_tax") and wanted.get("default_item_sales_tax", True):
        preferences.enable_sales_tax(session)
    if wanted.get("account_numbers"):
        preferences.use_account_numbers(session)
    if wanted.get("class_tracking"):
        preferences.use_class_tracking(session)


def _run(t: Transcript, recipe: Recipe, company: Company, sandbox) -> Outcome:
    apply_preferences(company.session, recipe.prefs)
    unmet = unmet_preferences(company, recipe.prefs)
    try:
        setup(company, t, recipe)
        if recipe.mode == "synth":
            assert recipe.build is not None, f"{t.label}: synth recipe without a builder"
            text = recipe.build(company, t)
        else:
            text = prepare_replay(company, t, recipe)
    except SetupError as exc:
        return _judge(t, recipe, unmet, [f"setup failed: {exc}"], company)
    try:
        ours = company.process(text)
    except sandbox.RequestProcessorError as exc:
        if recipe.mode == "parse-error":
            if exc.hresult == PARSE_ERROR:
                return Outcome(t.label, "pass", steps=company.steps)
            return _judge(t, recipe, unmet, [f"expected HRESULT 0x{PARSE_ERROR:08X}, got {exc}"],
                          company)
        return _judge(t, recipe, unmet, [f"request processor error instead of a response: "
                                         f"{exc}"], company)
    if recipe.mode == "parse-error":
        return _judge(t, recipe, unmet, ["expected the request processor to refuse the message "
                                         "set (0x80040400), got a response"], company)
    rules = dataclasses.replace(
        recipe.rules,
        ignore=recipe.rules.ignore + GLOBAL_IGNORE,
        records="subset" if t.trimmed else recipe.rules.records,
        per_record_ignore={**company.not_reproduced, **recipe.rules.per_record_ignore},
        loose_refs=recipe.rules.loose_refs | frozenset(company.loose))
    diffs = compare(t.response or "", ours, company.id_map, rules)
    return _judge(t, recipe, unmet, diffs, company)


# What a company preference changes in an answer: a difference that names none of these is
# not explained by a preference the sandbox could not match.
PREF_EFFECTS: dict[str, tuple[str, ...]] = {
    "sales_tax": ("SalesTaxCodeRef", "ItemSalesTaxRef", "SalesTaxPercentage", "SalesTaxTotal",
                  "TotalAmount", "BalanceRemaining", "CreditRemaining", "SalesTaxPreferences"),
    "default_item_sales_tax": ("ItemSalesTaxRef", "SalesTaxPercentage", "SalesTaxTotal",
                               "TotalAmount", "BalanceRemaining", "CreditRemaining"),
    "multicurrency": ("CurrencyRef", "ExchangeRate", "InHomeCurrency",
                      "MultiCurrencyPreferences"),
    "account_numbers": ("comes before",),
    "class_tracking": ("ClassRef",),
}


def _explained(diff: str, unmet: list[str]) -> bool:
    return any(token in diff for pref in unmet for token in PREF_EFFECTS.get(pref.split()[0], ()))


def _judge(t: Transcript, recipe: Recipe, unmet: list[str], diffs: list[str],
           company: Company) -> Outcome:
    """pass; xfail only when every difference is explained by a documented reason (a
    preference the sandbox cannot match, or the recipe's ``expect``); otherwise fail."""
    if not diffs:
        return Outcome(t.label, "pass", steps=company.steps)
    pref_note = ("the real file had " + ", ".join(unmet) +
                 "; the sandbox company cannot be switched") if unmet else ""
    def explained(diff: str) -> bool:
        if recipe.expect and (not recipe.expect_only or
                              any(token in diff for token in recipe.expect_only)):
            return True
        return bool(unmet) and _explained(diff, unmet)

    if all(explained(d) for d in diffs):
        reason = "; ".join(r for r in (pref_note, recipe.expect) if r)
        return Outcome(t.label, "xfail", reason, diffs, company.steps)
    return Outcome(t.label, "fail", pref_note and f"(also: {pref_note})", diffs, company.steps)
