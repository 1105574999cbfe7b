"""Elements the spec marks as absent from QuickBooks Desktop: a problem for users of the codec,
set apart (``unsupported``) for the sandbox, which answers them with status 530 like QuickBooks."""

from __future__ import annotations

from qbconnector.qbxml.validate import read_message_set, validate

TEXT = ('<?xml version="1.0"?><?qbxml version="7.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
        "<CustomerModRq><CustomerMod><ListID>1-1</ListID><EditSequence>1</EditSequence>"
        "<IsStatementWithParent>true</IsStatementWithParent></CustomerMod></CustomerModRq>"
        "</QBXMLMsgsRq></QBXML>")


def test_validate_reports_an_element_absent_from_desktop() -> None:
    problems = validate(TEXT)
    assert [(p.path, p.message) for p in problems] == [
        ("QBXMLMsgsRq/CustomerModRq[1]/CustomerMod/IsStatementWithParent",
         "not supported by QuickBooks Desktop")]


def test_desktop_false_sets_such_elements_apart() -> None:
    message_set = read_message_set(TEXT, desktop=False)
    assert message_set.problems == []
    assert [el.tag for el in message_set.unsupported] == ["IsStatementWithParent"]


def test_desktop_false_still_reports_an_element_newer_than_the_version() -> None:
    # IsStatementWithParent arrived with qbXML 3.0: at 2.0 it is a plain problem.
    message_set = read_message_set(TEXT.replace('version="7.0"', 'version="2.0"'),
                                   desktop=False)
    assert message_set.unsupported == []
    assert [p.path for p in message_set.problems] == [
        "QBXMLMsgsRq/CustomerModRq[1]/CustomerMod/IsStatementWithParent"]
