"""The status catalogue against its own rules and against real QuickBooks responses."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from lxml import etree

from qbconnector.qbxml import status as st

REPO = Path(__file__).resolve().parents[2]
# ../shared/reference beside the clone; QBCONNECTOR_REFERENCE points elsewhere (a worktree).
REFERENCE = Path(os.environ.get("QBCONNECTOR_REFERENCE", REPO.parent / "shared" / "reference"))
DOCS = REPO / "docs" / "status-codes.md"


@pytest.fixture(scope="module")
def transcript_dir() -> Path:
    path = REFERENCE / "transcripts"
    if not path.is_dir():
        pytest.skip("../shared/reference/transcripts is absent (a user's clone has none)")
    return path


@pytest.fixture(scope="module")
def real_statuses(transcript_dir: Path) -> list[tuple[str, str, int, str, str]]:
    """(file, element, statusCode, statusSeverity, statusMessage) of every real response."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    found = []
    for path in sorted(transcript_dir.glob("*.response.xml")):
        for element in etree.parse(str(path), parser).iter():
            if isinstance(element.tag, str) and element.get("statusCode") is not None:
                found.append((
                    path.name,
                    element.tag,
                    int(element.get("statusCode")),
                    element.get("statusSeverity"),
                    element.get("statusMessage"),
                ))
    return found


def _all_templates():
    for entry in st.STATUSES.values():
        for variant, template in entry.templates().items():
            yield pytest.param(entry, variant, template, id=f"{entry.code}-{variant or 'main'}")


@pytest.mark.parametrize(("entry", "variant", "template"), list(_all_templates()))
def test_every_template_fills_with_its_documented_placeholders(entry, variant, template):
    names = st.template_fields(template)
    values = {name: f"<{name} x.y>" for name in names}
    message = st.status_message(entry.code, variant, **values)
    assert "{" not in message and "}" not in message
    for value in values.values():
        assert value in message
    # The message reads back as the same wording with the same values.
    assert st.match_message(entry.code, message) == (variant, values)
    # Values holding quotes can split ambiguously, but always rebuild the same message.
    quoted = {name: f'{name} "q" .  QuickBooks' for name in names}
    message = st.status_message(entry.code, variant, **quoted)
    found_variant, fields = st.match_message(entry.code, message)
    assert st.status_message(entry.code, found_variant, **fields) == message


def test_every_entry_says_where_its_wording_comes_from():
    for entry in st.STATUSES.values():
        assert entry.evidence in (st.TRANSCRIPT, st.CAPTURE, st.DOCUMENTED, st.INFERRED)
        assert entry.source, entry.code
        assert entry.code == next(c for c, e in st.STATUSES.items() if e is entry)


def test_missing_field_is_an_error_naming_the_field():
    with pytest.raises(ValueError, match="edit_sequence"):
        st.status_message(3200)
    with pytest.raises(ValueError, match=r"no variant 'nope'.*data_extension"):
        st.status_message(3180, "nope", name="x", qb_message="y")


def test_severities_follow_the_ranges_except_documented_exceptions():
    for code, entry in st.STATUSES.items():
        assert entry.severity in (st.INFO, st.WARN, st.ERROR)
        assert st.severity_of(code) == entry.severity
        if code in st.SEVERITY_EXCEPTIONS:
            assert entry.severity != st.range_severity(code), code
        else:
            assert entry.severity == st.range_severity(code), code


def test_uncatalogued_codes_take_the_range_severity():
    uncatalogued = [c for c in range(0, 10000) if c not in st.STATUSES]
    by_range = {st.severity_of(c) for c in uncatalogued if c < 500}
    assert by_range == {st.INFO}
    assert {st.severity_of(c) for c in uncatalogued if 500 <= c < 1000} == {st.WARN}
    assert {st.severity_of(c) for c in uncatalogued if c >= 1000} == {st.ERROR}
    code, severity, message = st.status(9999)
    assert (code, severity) == (9999, st.ERROR) and "9999" in message


def test_status_triple_and_composite_helpers():
    code, severity, message = st.status(
        3140, object_type="Item", name="Widget", context="Invoice line",
        qb_message=st.QB_MSG_RECORD_NOT_FOUND,
    )
    assert (code, severity) == (3140, st.ERROR)
    assert message.endswith(".  " + st.qb_error_suffix(st.QB_MSG_RECORD_NOT_FOUND))
    assert st.match_message(3140, message) == (None, {
        "object_type": "Item", "name": "Widget", "context": "Invoice line",
        "qb_message": st.QB_MSG_RECORD_NOT_FOUND,
    })
    assert st.match_message(3140, message.replace(".  Quick", ". Quick")) is None
    assert st.match_message(4242, "anything") is None


def test_every_real_status_is_reproduced_exactly(real_statuses):
    assert len(real_statuses) >= 80  # the corpus has well over a hundred; never pass empty
    failures = []
    for name, tag, code, severity, message in real_statuses:
        entry = st.STATUSES.get(code)
        if entry is None:
            failures.append(f"{name} {tag}: status {code} is not catalogued")
            continue
        if severity != entry.severity:
            failures.append(f"{name} {tag}: severity {severity!r}, catalogue {entry.severity!r}")
        matched = st.match_message(code, message)
        if matched is None:
            failures.append(f"{name} {tag}: no wording of {code} matches {message!r}")
            continue
        variant, fields = matched
        if st.status_message(code, variant, **fields) != message:
            failures.append(f"{name} {tag}: refilled message differs from {message!r}")
    assert not failures, "\n".join(failures)


def test_transcript_evidence_is_backed_by_a_transcript(real_statuses):
    seen = {code for _, _, code, _, _ in real_statuses}
    claimed = {code for code, e in st.STATUSES.items() if e.evidence == st.TRANSCRIPT}
    assert claimed <= seen, f"claimed but absent from transcripts: {sorted(claimed - seen)}"
    assert seen <= claimed, f"in transcripts but not marked so: {sorted(seen - claimed)}"


def test_parse_error_text_matches_the_real_request_processor(transcript_dir):
    errors = sorted(transcript_dir.glob("*.error.txt"))
    assert errors
    for path in errors:
        first_line = path.read_text(encoding="utf-8").splitlines()[0].strip()
        assert st.hresult_message(st.HR_PARSE_ERROR) == first_line, path.name


def _hr_constants() -> dict[str, int]:
    return {k: v for k, v in vars(st).items() if k.startswith("HR_") and isinstance(v, int)}


def test_each_hresult_constant_maps_to_its_text():
    constants = _hr_constants()
    assert len(constants) >= 20
    for name, value in constants.items():
        assert 0x80040400 <= value <= 0x80040439, name
        text = st.HRESULTS[value]
        assert text and text[-1] == "." and text == text.strip(), name
        assert st.hresult_message(value) == text
        # COM hands HRESULTs over as signed 32-bit integers.
        assert st.hresult_message(value - (1 << 32)) == text
    assert set(st.HRESULTS) <= set(constants.values())
    assert st.HRESULTS[st.HR_VERSION_UNSUPPORTED].startswith("The version of qbXML")
    assert st.HR_SESSION_NOT_BEGUN == st.HR_INVALID_TICKET


def test_unknown_hresult_gives_a_generic_text_with_the_hex():
    for value in (0x80040499, 0x80040411, 0x1, -1):
        assert (value & 0xFFFFFFFF) not in st.HRESULTS
        text = st.hresult_message(value)
        assert f"0x{value & 0xFFFFFFFF:08X}" in text and "Unknown" in text


def test_docs_list_every_code_with_its_exact_template():
    text = DOCS.read_text(encoding="utf-8")
    for code, entry in st.STATUSES.items():
        assert re.search(rf"^\| {code} \| {entry.severity} \|", text, re.MULTILINE), code
        for template in entry.templates().values():
            if template:
                assert f"`{template}`" in text, (code, template)
    for value, message in st.HRESULTS.items():
        assert f"| 0x{value:08X} | {message} |" in text, hex(value)
