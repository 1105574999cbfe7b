"""The status catalogue: qbXML status codes and the request processor's HRESULTs.

Every backend answers with these codes, severities and message templates, so that a sandbox,
a remote connector and a real QuickBooks word their answers the same way. Templates use
``{name}`` placeholders filled by :func:`status_message`; the placeholder names of each code
are listed in ``docs/status-codes.md`` and by :attr:`Status.placeholders`.

Each entry records its *evidence*: ``transcript`` (a real QuickBooks response in the project's
reference transcripts reproduces it character for character), ``capture`` (a real message
quoted in public code or logs), ``documented`` (Intuit's error-code reference; QuickBooks may
word it slightly differently at run time) or ``inferred`` (built from related real messages;
treat the exact wording as unconfirmed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter

INFO = "Info"
WARN = "Warn"
ERROR = "Error"

TRANSCRIPT = "transcript"
CAPTURE = "capture"
DOCUMENTED = "documented"
INFERRED = "inferred"

_QB = "QuickBooks error message: "

# QuickBooks' own error texts that follow "QuickBooks error message: " in composite messages.
QB_MSG_RECORD_NOT_FOUND = "Invalid argument.  The specified record does not exist in the list."
QB_MSG_LIST_MODIFIED = "This list has been modified by another user."
QB_MSG_PAY_MORE_THAN_DUE = "You cannot pay more than the amount due."
QB_MSG_DATAEXT_EXISTS = "Attribute with specified name already exists."
QB_MSG_TXN_LOCKED = "The transaction could not be locked.  It is in use by another user."
QB_MSG_LOCK_FAILED = "The application failed to acquire the lock."
QB_MSG_CANNOT_MERGE = "Cannot merge list elements."
QB_MSG_CREDIT_LIMIT = "The credit limit for the name on this transaction has been exceeded."
# Seen only with its white space lost; the two spaces follow QuickBooks' usual style.
QB_MSG_NAME_HAS_COLON = (
    "Names in this list cannot contain a colon.  "
    "The colon is a special character used to indicate a parent/child relationship."
)


def qb_error_suffix(qb_message: str) -> str:
    """The ``QuickBooks error message: ...`` tail that composite messages end with."""
    return _QB + qb_message


@dataclass(frozen=True)
class Status:
    """One qbXML status code: its severity (Info/Warn/Error) and message template.

    ``variants`` holds other wordings QuickBooks uses for the same code (by name);
    ``evidence`` and ``source`` say where the wording comes from.
    """

    code: int
    severity: str
    template: str
    variants: tuple[tuple[str, str], ...] = ()
    evidence: str = DOCUMENTED
    source: str = ""

    def template_for(self, variant: str | None = None) -> str:
        """The template of the named variant (the main template for ``None``)."""
        if variant is None:
            return self.template
        for name, template in self.variants:
            if name == variant:
                return template
        known = ", ".join(name for name, _ in self.variants) or "none"
        raise ValueError(f"status {self.code} has no variant {variant!r} (variants: {known})")

    def templates(self) -> dict[str | None, str]:
        """Every wording of this code: ``None`` for the main template, then the variants."""
        return {None: self.template, **dict(self.variants)}

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The field names the main template needs, in order of first use."""
        return template_fields(self.template)

    def message(self, variant: str | None = None, **fields: object) -> str:
        """This status's message with its placeholders filled."""
        return fill(self.template_for(variant), self.code, fields)


def template_fields(template: str) -> tuple[str, ...]:
    """The placeholder names in a template, in order of first use."""
    names: list[str] = []
    for _, name, _, _ in Formatter().parse(template):
        if name is not None and name not in names:
            names.append(name)
    return tuple(names)


def fill(template: str, code: int, fields: dict[str, object]) -> str:
    """Fill a template; a missing field is an error naming what the code needs."""
    needed = template_fields(template)
    missing = [name for name in needed if name not in fields]
    if missing:
        raise ValueError(
            f"status {code} needs the field(s) {', '.join(missing)} "
            f"(template needs: {', '.join(needed)})"
        )
    return template.format(**{name: str(fields[name]) for name in needed})


def _s(
    code: int,
    severity: str,
    template: str,
    evidence: str,
    source: str,
    **variants: str,
) -> tuple[int, Status]:
    return code, Status(code, severity, template, tuple(variants.items()), evidence, source)


STATUSES: dict[int, Status] = dict([
    # --- Info (0-499) -----------------------------------------------------------------------
    _s(0, INFO, "Status OK", TRANSCRIPT, "transcripts 001-064, 071, 074, 085"),
    # No final period in any real response.
    _s(1, INFO, "A query request did not find a matching object in QuickBooks",
       TRANSCRIPT, "transcripts 028, 060, 061, 071"),
    # --- Warn (500-999) ---------------------------------------------------------------------
    # {value}: the FullName/ListID/TxnID/RefNumber asked for that does not exist.
    _s(500, WARN, 'The query request has not been fully completed. There was a required '
                  'element ("{value}") that could not be found in QuickBooks.',
       TRANSCRIPT, "transcript 069"),
    # {object_name}: the object type (e.g. Customer); {value}: the object's name or ID.
    _s(501, WARN, 'Unable to represent {object_name} "{value}" in this version of the '
                  'qbXML spec.', DOCUMENTED, "Intuit error-code reference"),
    _s(510, WARN, "Unable to return object.", DOCUMENTED, "Intuit error-code reference"),
    # {field}: the element name.
    _s(530, WARN, 'The field "{field}" is not supported by this implementation.',
       TRANSCRIPT, "transcript 039"),
    _s(531, WARN, 'The enum value "{value}" in the field "{field}" is not supported by this '
                  'implementation.', DOCUMENTED, "Intuit error-code reference"),
    # {object_name}: the object type that was saved.
    _s(550, WARN, "The {object_name} object was saved successfully, but its corresponding "
                  "Notes record could not be saved.",
       DOCUMENTED, "Intuit error-code reference (SDK onscreen reference wording)"),
    _s(560, WARN, "Use of this field is no longer recommended. Although it is currently "
                  "supported, it may be removed from a future release.",
       DOCUMENTED, "Intuit error-code reference (current developer site wording)"),
    # {value}: the TxnID of the closed transaction.
    _s(570, WARN, 'Unable to link to transaction "{value}" because it has already been '
                  'closed.', DOCUMENTED, "Intuit error-code reference"),
    # Error recovery: QuickBooks returns no message text with this code.
    _s(600, WARN, "", DOCUMENTED, "Intuit error-code reference"),
    # --- General errors (1000-1999) ---------------------------------------------------------
    _s(1000, ERROR, "There has been an internal error when processing the request.",
       DOCUMENTED, "Intuit error-code reference"),
    _s(1010, ERROR, "System not available", DOCUMENTED, "Intuit error-code reference"),
    _s(1030, ERROR, "This request is not supported by this implementation.",
       DOCUMENTED, "Intuit error-code reference"),
    # {value}: the requestID. The reference pages word the tail two ways; unconfirmed.
    _s(1060, ERROR, 'The request ID "{value}" is invalid, possibly too long, max 50 chars.',
       DOCUMENTED, "Intuit error-code reference as reproduced by vendor help pages"),
    # --- Format errors (3000-3099) ----------------------------------------------------------
    # {value}: the ID given; {field}: QuickBooks' description of the field (e.g. "list id").
    _s(3000, ERROR, 'The given object ID "{value}" in the field "{field}" is invalid.',
       DOCUMENTED, "Intuit error-code reference; a real capture shows field \"list id\""),
    # The reference gives 3010/3020 without a final period.
    _s(3010, ERROR, 'There was an error when converting the boolean value "{value}" in the '
                    'field "{field}"', DOCUMENTED, "Intuit error-code reference"),
    _s(3020, ERROR, 'There was an error when converting the date value "{value}" in the '
                    'field "{field}"', DOCUMENTED, "Intuit error-code reference"),
    _s(3030, ERROR, "Invalid date range: From date is greater than To date.",
       DOCUMENTED, "Intuit error-code reference"),
    # {field}: the range filter (e.g. NameRangeFilter).
    _s(3031, ERROR, 'The "From" or "To" values in the provided {field} are invalid.',
       DOCUMENTED, "Intuit error-code reference"),
    _s(3040, ERROR, 'There was an error when converting the amount "{value}" in the field '
                    '"{field}".', INFERRED,
       "pattern of 3010/3020/3045; code-to-meaning from memory of the Intuit reference"),
    _s(3045, ERROR, 'There was an error when converting the price "{value}" in the field '
                    '"{field}".', INFERRED,
       "a public integration quotes the start of this message for a too-precise Rate"),
    # {value}: the string given; {field}: the element name.
    _s(3070, ERROR, 'The string "{value}" in the field "{field}" is too long.',
       TRANSCRIPT, "transcript 068"),
    # {value}: the text; {field}: QuickBooks' field description (e.g. "customer name").
    _s(3090, ERROR, 'There was an error when storing "{value}" in the "{field}" field.  '
                    + _QB + "{qb_message}",
       CAPTURE, "public test fixture (QbSync); its copy lost the spaces before "
                "'QuickBooks error message', two spaces inferred"),
    # --- Other errors (3100-9099) -----------------------------------------------------------
    # {name}: the name (Name, not FullName) as stored, i.e. cut to the field's length.
    _s(3100, ERROR, 'The name "{name}" of the list element is already in use.',
       TRANSCRIPT, "transcripts 067, 073, 074, 076, 083"),
    # {object_id}: the ListID/TxnID; {qb_message}: usually QB_MSG_RECORD_NOT_FOUND.
    _s(3120, ERROR, 'Object "{object_id}" specified in the request cannot be found.  '
                    + _QB + "{qb_message}",
       TRANSCRIPT, "transcript 070; variant 'plain' from the Intuit reference",
       plain='Object "{object_id}" specified in the request cannot be found.'),
    # {name}: the parent's name; {list_type}: the list's display name (e.g. "Customers").
    _s(3130, ERROR, 'There is an invalid reference to a parent "{name}" in the {list_type} '
                    'list.  ' + _QB + "{qb_message}",
       TRANSCRIPT, "transcript 074"),
    # {object_type}: the referenced type (Customer, Item, ...); {name}: the reference's
    # FullName or ListID; {context}: the request's object, e.g. "SalesOrder" or
    # "SalesOrder line" for a reference inside a line.
    _s(3140, ERROR, 'There is an invalid reference to QuickBooks {object_type} "{name}" in '
                    'the {context}.  ' + _QB + "{qb_message}",
       TRANSCRIPT, "transcripts 071, 072, 082"),
    # {element}: the missing element's name.
    _s(3150, ERROR, 'There is a missing element: "{element}".', TRANSCRIPT, "transcript 077"),
    # Main wording: {list_type} list display name, {name} the element; one space before
    # "QuickBooks" as in the 3180 list wording (065). Variant 'data_extension': {name} is
    # the DataExtName.
    _s(3170, ERROR, 'There was an error when modifying a {list_type} list, element "{name}". '
                    + _QB + "{qb_message}",
       INFERRED, "main wording by analogy with 3180 (transcript 065) and a support page; "
                 "variant 'data_extension' from a raw capture quoted in public code",
       data_extension='There was an error when modifying a data extension named "{name}".  '
                      + _QB + "{qb_message}"),
    # {object_type}: the transaction type (QuickBooks writes "a" even before vowels).
    _s(3171, ERROR, "An attempt was made to modify a {object_type} with a date that is on or "
                    "before the closing date of the company. If you are sure you really want "
                    "to do this, please ask a user with Admin privileges to remove the "
                    "password for editing transactions on or before to closing date (this "
                    "setting is in the Accounting Company Preferences), then try again.",
       CAPTURE, "vendor help page quoting the error (runs of spaces may have been collapsed)"),
    # {object_id}: the ListID/TxnID in use; {qb_message}: QB_MSG_TXN_LOCKED and the like.
    _s(3175, ERROR, "There was an error adding, modifying or deleting {object_id} because it "
                    "is already in use.  " + _QB + "{qb_message}",
       CAPTURE, "public test fixture quoting a lock failure"),
    _s(3176, ERROR, "There was an error adding, modifying or deleting {object_id} because it "
                    "is already in use.  " + _QB + "{qb_message}",
       CAPTURE, "public test fixture quoting a lock failure (QB_MSG_LOCK_FAILED)"),
    # Main wording: {list_type} (e.g. "Customer") and {name}; exactly one space before
    # "QuickBooks" in the one capture (065). Variant 'data_extension': {name} is the
    # DataExtName (084, two spaces). Variant 'transaction': {object_type} e.g. "Invoice".
    _s(3180, ERROR, 'There was an error when saving a {list_type} list, element "{name}". '
                    + _QB + "{qb_message}",
       TRANSCRIPT, "transcripts 065, 084; variant 'transaction' from a vendor help page",
       data_extension='There was an error when saving a data extension named "{name}".  '
                      + _QB + "{qb_message}",
       transaction="There was an error when saving a {object_type}.  " + _QB + "{qb_message}"),
    # {field}: the element that cannot be cleared. Note the trailing space.
    _s(3190, ERROR, "Cannot clear the element in the {field} field. ",
       CAPTURE, "public integration's notification fixture"),
    # {edit_sequence}: the stale EditSequence sent. Note the trailing space.
    _s(3200, ERROR, 'The provided edit sequence "{edit_sequence}" is out-of-date. ',
       TRANSCRIPT, "transcript 075"),
    # {field}: QuickBooks' field description (e.g. "AppliedToTxnAdd payment amount");
    # {value}: the value sent. Severity: the only real response carrying 3210 (066) says
    # Info, although the range rule says Error; we follow the real response (the library it
    # comes from also treats 3210 as Info-level). Nothing is saved either way.
    _s(3210, INFO, 'The "{field}" field has an invalid value "{value}".  '
                   + _QB + "{qb_message}",
       TRANSCRIPT, "transcript 066 (severity Info there); wording also in a public log"),
    # Every request after the first failure in a stopOnError message set.
    _s(3231, ERROR, "The request has not been processed.", TRANSCRIPT, "transcript 081"),
    _s(3250, ERROR, "This feature is not enabled or not available in this version of "
                    "QuickBooks.", TRANSCRIPT, "transcript 074"),
    # {iterator_id}: the iteratorID sent (braces included).
    _s(3391, ERROR, 'The iteratorID "{iterator_id}" is not valid.',
       CAPTURE, "quoted from a real Web Connector session in a public issue report"),
    _s(3260, ERROR, "Insufficient permission level to perform this action.",
       CAPTURE, "quoted in a public library's error handler"),
    _s(3261, ERROR, "The integrated application has no permission to access personal data.",
       INFERRED, "a public library quotes the start ('...has no permission to ac')"),
])


# Codes whose catalogued severity differs from the range rule, and why.
SEVERITY_EXCEPTIONS: dict[int, str] = {
    3210: "the only real 3210 response (transcript 066) carries statusSeverity Info",
}


def range_severity(code: int) -> str:
    """The severity QuickBooks' documented ranges give a code: 0-499 Info, 500-999 Warn."""
    if code < 500:
        return INFO
    if code < 1000:
        return WARN
    return ERROR


def severity_of(code: int) -> str:
    """The severity QuickBooks gives a status code (by catalogue, else by range)."""
    entry = STATUSES.get(code)
    return entry.severity if entry is not None else range_severity(code)


def status_message(code: int, variant: str | None = None, **fields: object) -> str:
    """The statusMessage for a code with its placeholders filled.

    ``variant`` picks another wording of the same code (see :attr:`Status.variants`).
    An uncatalogued code gets a generic text naming it.
    """
    entry = STATUSES.get(code)
    if entry is None:
        return f"QuickBooks status {code}."
    return entry.message(variant, **fields)


def status(code: int, variant: str | None = None, **fields: object) -> tuple[int, str, str]:
    """The (statusCode, statusSeverity, statusMessage) triple for a response."""
    return code, severity_of(code), status_message(code, variant, **fields)


def template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching exactly the messages a template can produce, one group per field."""
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _, _ in Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is None:
            continue
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
        seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


def match_message(code: int, message: str) -> tuple[str | None, dict[str, str]] | None:
    """Which wording of ``code`` produced ``message``, and its field values; None if none."""
    entry = STATUSES.get(code)
    if entry is None:
        return None
    for variant, template in entry.templates().items():
        found = template_pattern(template).fullmatch(message)
        if found is not None:
            return variant, found.groupdict()
    return None


# --- Request processor HRESULTs (QBXMLRP2 / QBFC) --------------------------------------------
# Raised instead of a response. Sources: "transcript" = the parse-error transcripts 078-080;
# "Intuit" = Intuit's SDK documentation or sample code; "capture" = the text as QuickBooks or
# the Web Connector reported it in public logs and code.

HR_PARSE_ERROR = 0x80040400
HR_COULD_NOT_ACCESS = 0x80040401
HR_UNEXPECTED = 0x80040402
HR_COULD_NOT_OPEN_FILE = 0x80040403
HR_INSTALL_INCOMPLETE = 0x80040407
HR_COULD_NOT_START = 0x80040408
HR_OTHER_FILE_OPEN = 0x8004040A
HR_INVALID_TICKET = 0x8004040D
HR_FILE_MODE_MISMATCH = 0x80040410
HR_ROLLBACK_UNSUPPORTED = 0x80040413
HR_MODAL_DIALOG = 0x80040414
HR_FILE_NAME_REQUIRED = 0x80040416
HR_FIRST_ACCESS_NEEDS_ADMIN = 0x80040418
HR_NO_PERMISSION = 0x8004041A
HR_LOCK_FAILED = 0x8004041B
HR_FILE_ACCESS_INTERNAL_ERROR = 0x8004041C
HR_AUTO_LOGIN_NOT_ALLOWED = 0x8004041D
HR_CERTIFICATE_EXPIRED = 0x8004041E
HR_BASIC_EDITION = 0x8004041F
HR_ACCESS_DENIED = 0x80040420
HR_SINGLE_USER_REQUIRED = 0x80040422
HR_VERSION_UNSUPPORTED = 0x80040423
HR_NOT_INITIALIZED = 0x80040424
HR_UNREGISTERED = 0x80040427
HR_REMOTE_ACCESS_NOT_ALLOWED = 0x8004042A
HR_CERTIFICATE_REVOKED = 0x8004042C

# What a session without a live ticket gets from ProcessRequest: QBXMLRP2 reports a dead or
# never-begun session as an invalid ticket (observed live after QuickBooks went away).
HR_SESSION_NOT_BEGUN = HR_INVALID_TICKET
# No documented HRESULT for "BeginSession before OpenConnection"; the general one is used.
HR_NO_CONNECTION = HR_COULD_NOT_ACCESS

HRESULTS: dict[int, str] = {
    # transcripts 078-080; Intuit samples
    HR_PARSE_ERROR: "QuickBooks found an error when parsing the provided XML text stream.",
    # Intuit sample code
    HR_COULD_NOT_ACCESS: "Could not access QuickBooks.",
    # Intuit sample code
    HR_UNEXPECTED: "Unexpected error. Check the qbsdklog.txt file for possible, additional "
                   "information.",
    # Intuit sample code (a message box without the final period)
    HR_COULD_NOT_OPEN_FILE: "Could not open the specified QuickBooks company data file.",
    # Intuit sample code
    HR_INSTALL_INCOMPLETE: "The installation of QuickBooks appears to be incomplete. Please "
                           "reinstall QuickBooks.",
    # capture: the Web Connector's connectionError message
    HR_COULD_NOT_START: "Could not start QuickBooks.",
    # Intuit sample code; capture
    HR_OTHER_FILE_OPEN: "QuickBooks company data file is already open and it is different "
                        "from the one requested.",
    # capture (observed live)
    HR_INVALID_TICKET: "The ticket parameter is invalid.",
    # qbconnector's own wording: QuickBooks Desktop refuses onError="rollbackOnError" with
    # this HRESULT, but no public source shows its text.
    HR_ROLLBACK_UNSUPPORTED: "The rollbackOnError setting is not supported by QuickBooks "
                             "Desktop; use stopOnError or continueOnError.",
    # capture
    HR_FILE_MODE_MISMATCH: "The QuickBooks company data file is currently open in a mode "
                           "other than the one specified by your application.",
    # capture
    HR_MODAL_DIALOG: "A modal dialog box is showing in the QuickBooks user interface. Your "
                     "application cannot access QuickBooks until the user dismisses the "
                     "dialog box.",
    # Intuit ("Making your application robust")
    HR_FILE_NAME_REQUIRED: "If QuickBooks is not running, the company data file name must be "
                           "supplied to BeginSession.",
    # capture
    HR_FIRST_ACCESS_NEEDS_ADMIN: "This application has not accessed this QuickBooks company "
                                 "data file before. Only the QuickBooks administrator can "
                                 "grant an application permission to access a QuickBooks "
                                 "company data file for the first time.",
    # capture
    HR_NO_PERMISSION: "This application does not have permission to access this QuickBooks "
                      "company data file. The QuickBooks administrator can grant access "
                      "permission through the Integrated Application preferences.",
    # capture
    HR_LOCK_FAILED: "Unable to lock the necessary information to allow this application to "
                    "access this company data file. Try again later.",
    # capture
    HR_FILE_ACCESS_INTERNAL_ERROR: "An internal QuickBooks error occurred while trying to "
                                   "access the QuickBooks company data file.",
    # capture
    HR_AUTO_LOGIN_NOT_ALLOWED: "This application is not allowed to log into this QuickBooks "
                               "company data file automatically. The QuickBooks administrator "
                               "can grant permission for automatic login through the "
                               "Integrated Application preferences.",
    # capture (the copy reads "applications"; apostrophe restored)
    HR_CERTIFICATE_EXPIRED: "This application's certificate is expired. If you want to allow "
                            "the application to log into QuickBooks automatically, log into "
                            "QuickBooks and try again. Then click Allow Always when you are "
                            "notified that the certificate has expired.",
    # capture
    HR_BASIC_EDITION: "QuickBooks Basic cannot accept XML requests. Another product in the "
                      "QuickBooks line, such as QuickBooks Pro or Premier, 2002 or later, is "
                      "required.",
    # capture
    HR_ACCESS_DENIED: "The QuickBooks user has denied access.",
    # capture
    HR_SINGLE_USER_REQUIRED: "This application requires Single User file access mode and "
                             "there is already another application sharing data with this "
                             "QuickBooks company data file.",
    # capture
    HR_VERSION_UNSUPPORTED: "The version of qbXML that was requested is not supported or is "
                            "unknown.",
    # capture
    HR_NOT_INITIALIZED: "QuickBooks did not finish its initialization. Please try again later.",
    # capture
    HR_UNREGISTERED: "Unregistered QuickBooks.",
    # capture
    HR_REMOTE_ACCESS_NOT_ALLOWED: "Remote access is not allowed.",
    # capture (first sentence; the copy adds a remark about SSL certificates)
    HR_CERTIFICATE_REVOKED: "Certificate has been revoked.",
}


def hresult_message(hresult: int) -> str:
    """The request processor's text for an HRESULT; unknown codes get a text with the hex."""
    code = hresult & 0xFFFFFFFF
    text = HRESULTS.get(code)
    if text is not None:
        return text
    return f"Unknown QuickBooks request processor error (HRESULT 0x{code:08X})."
