"""The contact model QuickBooks Desktop shows from qbXML 12.0: contact entries, contacts with
their own IDs, and dated notes.

- ``AdditionalContactRef``: QuickBooks lists the name's Phone, AltPhone, Fax, Email and Cc as
  entries "Main Phone", "Alt. Phone", "Fax", "Main Email", "CC Email" (in that order, one per
  filled field), before any other entry [014, 025, 026, 033]. The sandbox derives them when a
  record is read; an entry sent under one of those names sets the field it stands for.
- ``ContactsRet``: contacts sent in ``Contacts`` get their own ListID (16 characters, zeros
  then base-62 digits, e.g. ``0000000000000p5h`` [025, 026]), TimeCreated, TimeModified and
  EditSequence. ``Contact`` alone creates none [014]. A ``ContactsMod`` naming one of the
  record's contacts changes it; another ListID adds a contact; contacts not named stay (the
  corpus shows no contact Mod: the sandbox's choice).
- ``AdditionalNotesRet``: ``Notes`` is note 0, dated the day it was first written; its text
  follows Notes [026, 033]. Notes sent in ``AdditionalNotes`` are numbered from 1 (the sandbox's
  choice; the corpus shows note 0 only); ``AdditionalNotesMod`` changes the note it names (note
  0 changes Notes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qbconnector.sandbox.core.context import Context

GENERATED_CONTACTS = (("Phone", "Main Phone"), ("AltPhone", "Alt. Phone"), ("Fax", "Fax"),
                      ("Email", "Main Email"), ("Cc", "CC Email"))
_FIELD_OF = {name: field for field, name in GENERATED_CONTACTS}
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
CONTACT_ID_LENGTH = 16


def contact_id(number: int) -> str:
    """A contact's ListID: the number in base 62, zero-padded to 16 characters."""
    digits = ""
    while number:
        number, rest = divmod(number, len(_DIGITS))
        digits = _DIGITS[rest] + digits
    return digits.rjust(CONTACT_ID_LENGTH, "0")


def prepare(ctx: Context, doc: dict[str, Any], old: dict[str, Any] | None,
            data: dict[str, Any]) -> None:
    """Bring a customer's or vendor's document into the 12.0 contact model before it is
    stored (``data`` is the request's Add/Mod aggregate, ``old`` the stored document)."""
    _absorb_named_entries(doc, data)
    if "Contacts" in data or "ContactsMod" in data:
        _contacts(ctx, doc, old or {})
    _notes(ctx, doc, old or {}, data)


def add_generated(doc: dict[str, Any]) -> None:
    """At read time: the entries QuickBooks shows for the filled contact fields, first."""
    generated = [{"ContactName": name, "ContactValue": doc[field]}
                 for field, name in GENERATED_CONTACTS if doc.get(field)]
    if generated:
        doc["AdditionalContactRef"] = generated + list(doc.get("AdditionalContactRef") or [])


def _absorb_named_entries(doc: dict[str, Any], data: dict[str, Any]) -> None:
    entries = doc.get("AdditionalContactRef")
    if not isinstance(entries, list):
        return
    kept = []
    for entry in entries:
        field = _FIELD_OF.get(entry.get("ContactName", ""))
        if field is None:
            kept.append(entry)
        elif field not in data:            # the field itself, when sent, wins
            doc[field] = entry.get("ContactValue", "")
    if kept:
        doc["AdditionalContactRef"] = kept
    else:
        doc.pop("AdditionalContactRef", None)


def _contacts(ctx: Context, doc: dict[str, Any], old: dict[str, Any]) -> None:
    sent = doc.get("ContactsRet") or []
    before = list(old.get("ContactsRet") or [])
    stamp, _ = ctx.store.now_fields()
    edit = str(ctx.store.edit_sequence())
    by_id = {c.get("ListID"): i for i, c in enumerate(before)}
    result = [dict(c) for c in before]
    for contact in sent:
        fields = {k: v for k, v in contact.items()
                  if k not in ("ListID", "TimeCreated", "TimeModified", "EditSequence")}
        index = by_id.get(contact.get("ListID"))
        if index is not None:
            kept = result[index]
            result[index] = {"ListID": kept["ListID"], "TimeCreated": kept["TimeCreated"],
                             "TimeModified": stamp, "EditSequence": edit, **fields}
        else:
            number = ctx.store.next_counter("contact", 1)
            result.append({"ListID": contact_id(number), "TimeCreated": stamp,
                           "TimeModified": stamp, "EditSequence": edit, **fields})
    doc["ContactsRet"] = result


def _notes(ctx: Context, doc: dict[str, Any], old: dict[str, Any], data: dict[str, Any]) -> None:
    today = ctx.store.clock.now().date().isoformat()
    before = {str(n.get("NoteID")): dict(n) for n in old.get("AdditionalNotesRet") or []}
    notes = dict(before)
    if "AdditionalNotes" in data or "AdditionalNotesMod" in data:
        sent = doc.get("AdditionalNotesRet") or []
        next_id = max((int(k) for k in notes), default=0) + 1
        for note in sent:
            note_id = str(note.get("NoteID", "")) if "AdditionalNotesMod" in data else ""
            if note_id in notes:
                notes[note_id]["Note"] = note.get("Note", "")
                if note_id == "0" and "Notes" not in data:
                    doc["Notes"] = note.get("Note", "")
            else:
                notes[str(next_id)] = {"NoteID": str(next_id), "Date": today,
                                       "Note": note.get("Note", "")}
                next_id += 1
    if doc.get("Notes"):
        first = notes.get("0") or {"NoteID": "0", "Date": today}
        notes["0"] = {**first, "Note": doc["Notes"]}
    else:
        notes.pop("0", None)
    if notes:
        doc["AdditionalNotesRet"] = [notes[k] for k in sorted(notes, key=int)]
    else:
        doc.pop("AdditionalNotesRet", None)
