"""The 12.0 contact model of customers and vendors: contact entries derived from the phone and
e-mail fields, contacts with their own IDs, and Notes as dated note 0 [014, 025, 026, 033]."""

from __future__ import annotations

import re

from .conftest import QB, SANDBOX_NOW

FIELDS = {"Phone": "555-0100", "AltPhone": "555-0101", "Fax": "555-0102",
          "Email": "a@example.com", "Cc": "b@example.com"}


def entries(record) -> list[tuple[str, str]]:
    return [(e["ContactName"], e["ContactValue"]) for e in record.get("AdditionalContactRef", [])]


def test_filled_contact_fields_are_listed_as_entries_in_a_fixed_order(qb: QB) -> None:
    added = qb.ok("CustomerAdd", {"Name": "Entries", "Email": FIELDS["Email"],
                                  "Phone": FIELDS["Phone"], "Fax": FIELDS["Fax"]})
    assert entries(added) == [("Main Phone", FIELDS["Phone"]), ("Fax", FIELDS["Fax"]),
                              ("Main Email", FIELDS["Email"])]
    vendor = qb.ok("VendorAdd", {"Name": "V", **FIELDS})
    assert [name for name, _ in entries(vendor)] == [
        "Main Phone", "Alt. Phone", "Fax", "Main Email", "CC Email"]
    assert [value for _, value in entries(vendor)] == list(FIELDS.values())


def test_entries_follow_the_fields_and_exist_only_from_12_0(qb: QB) -> None:
    added = qb.ok("CustomerAdd", {"Name": "Follow", "Phone": "1"})
    modded = qb.ok("CustomerMod", {"ListID": added["ListID"],
                                   "EditSequence": added["EditSequence"],
                                   "Phone": "", "Email": "x@example.com"})
    assert entries(modded) == [("Main Email", "x@example.com")]
    old = qb.ok("CustomerQuery", {"ListID": [added["ListID"]]}, version="11.0")
    assert "AdditionalContactRef" not in old and old["Email"] == "x@example.com"


def test_other_entries_are_kept_after_the_generated_ones(qb: QB) -> None:
    added = qb.ok("CustomerAdd", {"Name": "Other", "Phone": "1", "AdditionalContactRef": [
        {"ContactName": "Website", "ContactValue": "example.com"}]})
    assert entries(added) == [("Main Phone", "1"), ("Website", "example.com")]


def test_an_entry_sent_under_a_field_name_sets_the_field(qb: QB) -> None:
    added = qb.ok("CustomerAdd", {"Name": "Named", "AdditionalContactRef": [
        {"ContactName": "Main Email", "ContactValue": "m@example.com"}]})
    assert added["Email"] == "m@example.com"
    assert entries(added) == [("Main Email", "m@example.com")]


def test_contact_alone_creates_no_contacts_record(qb: QB) -> None:
    added = qb.ok("CustomerAdd", {"Name": "Self", "Contact": "Self"})
    assert "ContactsRet" not in added                     # [014]


def test_contacts_get_their_own_ids_and_times(qb: QB) -> None:
    added = qb.ok("VendorAdd", {"Name": "People", "Contacts": [
        {"FirstName": "Ann"}, {"FirstName": "Bob", "LastName": "Ray"}]})
    first, second = added["ContactsRet"]
    for contact in (first, second):
        assert re.fullmatch(r"0+[0-9a-zA-Z]+", contact["ListID"])
        assert len(contact["ListID"]) == 16
        assert contact["TimeCreated"] == contact["TimeModified"] == SANDBOX_NOW
        assert str(contact["EditSequence"]).isdigit()
    assert first["ListID"] != second["ListID"]
    assert (first["FirstName"], second["FirstName"], second["LastName"]) == ("Ann", "Bob", "Ray")


def test_a_contacts_mod_changes_the_contact_it_names(qb: QB, clock) -> None:
    added = qb.ok("CustomerAdd", {"Name": "Change", "Contacts": [
        {"FirstName": "Ann"}, {"FirstName": "Bob"}]})
    ann, bob = added["ContactsRet"]
    clock.advance(60)
    modded = qb.ok("CustomerMod", {
        "ListID": added["ListID"], "EditSequence": added["EditSequence"],
        "ContactsMod": [{"ListID": bob["ListID"], "EditSequence": str(bob["EditSequence"]),
                         "FirstName": "Robert"}]})
    kept, changed = modded["ContactsRet"]
    assert kept == ann
    assert (changed["ListID"], changed["FirstName"]) == (bob["ListID"], "Robert")
    assert changed["TimeCreated"] == bob["TimeCreated"]
    assert changed["TimeModified"] > bob["TimeModified"]


def test_notes_are_note_0_dated_when_first_written(qb: QB, clock) -> None:
    added = qb.ok("CustomerAdd", {"Name": "Noted", "Notes": "first"})
    assert added["AdditionalNotesRet"] == [
        {"NoteID": 0, "Date": SANDBOX_NOW.date(), "Note": "first"}]
    clock.advance(3 * 86400)
    modded = qb.ok("CustomerMod", {"ListID": added["ListID"],
                                   "EditSequence": added["EditSequence"], "Notes": "second"})
    assert modded["AdditionalNotesRet"] == [
        {"NoteID": 0, "Date": SANDBOX_NOW.date(), "Note": "second"}]
    cleared = qb.ok("CustomerMod", {"ListID": added["ListID"],
                                    "EditSequence": modded["EditSequence"], "Notes": ""})
    assert "AdditionalNotesRet" not in cleared and "Notes" not in cleared


def test_additional_notes_are_numbered_after_note_0(qb: QB) -> None:
    added = qb.ok("VendorAdd", {"Name": "Many notes", "Notes": "main",
                                "AdditionalNotes": [{"Note": "one"}, {"Note": "two"}]})
    assert [(n["NoteID"], n["Note"]) for n in added["AdditionalNotesRet"]] == [
        (0, "main"), (1, "one"), (2, "two")]
    modded = qb.ok("VendorMod", {"ListID": added["ListID"],
                                 "EditSequence": added["EditSequence"],
                                 "AdditionalNotesMod": [{"NoteID": 0, "Note": "new main"}]})
    assert modded["Notes"] == "new main"
    assert [(n["NoteID"], n["Note"]) for n in modded["AdditionalNotesRet"]] == [
        (0, "new main"), (1, "one"), (2, "two")]
