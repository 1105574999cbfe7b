"""The ``.QWC`` file: what a Web Connector needs to know about one application.

A customer loads it into their Web Connector (Add an application): the service's URL
(``AppURL``), the Web Connector user (``UserName``), two GUIDs that identify the application
and the company file to QuickBooks (``OwnerID``, ``FileID``), how often to run (``Scheduler``)
and the kind of QuickBooks (``QBType``: QBFS for QuickBooks Desktop, QBPOS for Point of Sale).
Like the Web Connector, :func:`check_app_url` accepts https, and plain http on this machine only.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from qbconnector.errors import QBConnectorError
from qbconnector.qbxml.xmlsafe import XMLError
from qbconnector.qbxml.xmlsafe import parse as parse_xml

QB_TYPES = ("QBFS", "QBPOS")
_GUID = re.compile(r"^\{[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\}$")
MAX_BYTES = 64 * 1024


class QWCError(QBConnectorError, ValueError):
    """A ``.QWC`` file (or the values for one) the Web Connector would refuse."""


@dataclass(frozen=True)
class QWC:
    app_name: str
    app_url: str
    user_name: str
    owner_id: str
    file_id: str
    app_id: str = ""
    app_description: str = ""
    app_support: str = ""
    qb_type: str = "QBFS"
    run_every_seconds: int = 0          # 0: no schedule (the user runs it by hand)
    read_only: bool = False
    auth_flags: str = ""

    def check(self) -> QWC:
        """This file, or QWCError naming what the Web Connector would refuse."""
        if not self.app_name.strip():
            raise QWCError("AppName is empty")
        if not self.user_name.strip():
            raise QWCError("UserName is empty")
        check_app_url(self.app_url, "AppURL")
        for name, value in (("OwnerID", self.owner_id), ("FileID", self.file_id)):
            if not _GUID.match(value):
                raise QWCError(f"{name} {value!r} is not a GUID in braces "
                               "({xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})")
        if self.qb_type not in QB_TYPES:
            raise QWCError(f"QBType {self.qb_type!r} is not one of {', '.join(QB_TYPES)}")
        if self.run_every_seconds < 0:
            raise QWCError("the schedule cannot be negative")
        return self


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_app_url(url: str, what: str = "AppURL") -> str:
    """``url`` when the Web Connector would use it: https, or http to this machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise QWCError(f"{what} {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise QWCError(f"{what} {url!r}: the Web Connector requires https except on this "
                       "machine (localhost); enable TLS (SSLEnabled) or give an https URL")
    return url


def _guid_text(value: str) -> str:
    value = value.strip()
    return value if value.startswith("{") else "{" + value + "}"


def render(qwc: QWC) -> str:
    """The file's text (checked first)."""
    qwc.check()
    if qwc.app_support:
        check_app_url(qwc.app_support, "AppSupport")
    root = etree.Element("QBWCXML")

    def add(name: str, value: str) -> None:
        etree.SubElement(root, name).text = value

    add("AppName", qwc.app_name)
    add("AppID", qwc.app_id)
    add("AppURL", qwc.app_url)
    add("AppDescription", qwc.app_description)
    add("AppSupport", qwc.app_support or qwc.app_url)
    add("UserName", qwc.user_name)
    add("OwnerID", qwc.owner_id)
    add("FileID", qwc.file_id)
    add("QBType", qwc.qb_type)
    if qwc.auth_flags:
        add("AuthFlags", qwc.auth_flags)
    if qwc.run_every_seconds:
        scheduler = etree.SubElement(root, "Scheduler")
        minutes, seconds = divmod(qwc.run_every_seconds, 60)
        if seconds or not minutes:
            etree.SubElement(scheduler, "RunEveryNSeconds").text = str(qwc.run_every_seconds)
        else:
            etree.SubElement(scheduler, "RunEveryNMinutes").text = str(minutes)
    add("IsReadOnly", "true" if qwc.read_only else "false")
    text = etree.tostring(root, xml_declaration=False, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0"?>\n' + text


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise QWCError(f"{what} {text!r} is not a whole number") from None


def parse(text: str | bytes) -> QWC:
    """A ``.QWC`` file's values (checked); QWCError when the Web Connector would refuse it."""
    try:
        root = parse_xml(text, max_bytes=MAX_BYTES, keep_pis=False)
    except XMLError as exc:
        raise QWCError(f"not a .QWC file: {exc}") from None
    if root.tag != "QBWCXML":
        raise QWCError(f"not a .QWC file: its root element is {root.tag!r}, not QBWCXML")
    values = {child.tag: (child.text or "").strip() for child in root
              if isinstance(child.tag, str)}
    missing = [n for n in ("AppName", "AppURL", "UserName", "OwnerID", "FileID", "QBType")
               if not values.get(n)]
    if missing:
        raise QWCError(f"the .QWC file has no {', '.join(missing)}")
    every = 0
    scheduler = root.find("Scheduler")
    if scheduler is not None:
        minutes, seconds = scheduler.findtext("RunEveryNMinutes"), \
            scheduler.findtext("RunEveryNSeconds")
        if seconds:
            every = _int(seconds, "RunEveryNSeconds")
        elif minutes:
            every = 60 * _int(minutes, "RunEveryNMinutes")
    read_only = values.get("IsReadOnly", "false").lower()
    if read_only not in ("true", "false", "1", "0"):
        raise QWCError(f"IsReadOnly {read_only!r} is not true or false")
    return QWC(app_name=values["AppName"], app_url=values["AppURL"],
               user_name=values["UserName"], owner_id=_guid_text(values["OwnerID"]),
               file_id=_guid_text(values["FileID"]), app_id=values.get("AppID", ""),
               app_description=values.get("AppDescription", ""),
               app_support=values.get("AppSupport", ""), qb_type=values["QBType"],
               run_every_seconds=every, read_only=read_only in ("true", "1"),
               auth_flags=values.get("AuthFlags", "")).check()
