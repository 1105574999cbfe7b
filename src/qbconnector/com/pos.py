"""QuickBooks Point of Sale over COM: a Session on ``QBPOSXMLRPLib.RequestProcessor``.

The POS request processor has no connection type and no authorization preferences:
``OpenConnection(appID, appName)``, then ``BeginSession(connectionString)`` where the
connection string names the computer holding the company data, the company data and the POS
version, and optionally practice mode, e.g.
``Computer Name=SHOP-PC;Company Data=My Store;Version=12;Practice=Yes``. An empty string
means the company data open in Point of Sale. Requests are qbposXML.
"""

from __future__ import annotations

import os
import platform
import re
from typing import Any

from qbconnector.com.base import ComSession
from qbconnector.qbxml.access import refuse_writes
from qbconnector.qbxml.session import SessionOptions

PROG_ID = "QBPOSXMLRPLib.RequestProcessor"

_VERSION = re.compile(r"(\d+)(?:\.0+)?")


def local_computer_name() -> str:
    """This machine's name the way Windows reports it (COMPUTERNAME), else the host name."""
    return os.environ.get("COMPUTERNAME") or platform.node()


def pos_connection_string(company_data: str, *, computer_name: str | None = None,
                          version: str | None = None, practice: bool = False) -> str:
    """The ``BeginSession`` connection string for Point of Sale.

    ``company_data`` is the company data name, or a whole connection string (it contains
    '='), which is kept and only completed with Version/Practice when those are missing.
    Nothing at all gives '' (use the company data open in Point of Sale).
    """
    version = normalise_pos_version(version)
    if "=" in company_data:
        keys = {part.split("=", 1)[0].strip().lower()
                for part in company_data.split(";") if "=" in part}
        parts = [company_data.rstrip(";")]
        if version is not None and "version" not in keys:
            parts.append(f"Version={version}")
        if practice and "practice" not in keys:
            parts.append("Practice=Yes")
        return ";".join(parts)
    if not company_data and version is None and not practice:
        return ""
    fields = [("Computer Name", computer_name or local_computer_name())]
    if company_data:
        fields.append(("Company Data", company_data))
    if version is not None:
        fields.append(("Version", version))
    if practice:
        fields.append(("Practice", "Yes"))
    for key, value in fields:
        if ";" in value:
            raise ValueError(f"{key} {value!r} cannot contain ';' in a connection string")
    return ";".join(f"{key}={value}" for key, value in fields)


def normalise_pos_version(version: str | None) -> str | None:
    """'12', ' 12.0 ' -> '12'; None stays None; anything else is a ValueError."""
    if version is None or not str(version).strip():
        return None
    match = _VERSION.fullmatch(str(version).strip())
    if not match:
        raise ValueError(f"Point of Sale version {version!r}: expected a number such as 12")
    return match.group(1)


class PosSession(ComSession):
    """QuickBooks Point of Sale through QBPOSXMLRP (Windows, pywin32).

    Uses ``options.company_file`` as the company data (or a whole connection string),
    ``options.pos_version`` and ``options.pos_practice``; ``computer_name`` is the machine
    holding the company data (default: this one). Point of Sale has no read-only
    preference, so with ``options.read_only`` the session refuses writes itself (status 3260,
    by the one rule of :mod:`qbconnector.qbxml.access`) without handing them to Point of Sale.
    """

    prog_id = PROG_ID
    versions_property = "QBPOSXMLVersionsForSession"

    def __init__(self, options: SessionOptions, *, computer_name: str | None = None) -> None:
        if not options.app_name:
            raise ValueError("Point of Sale needs an application name to open a connection")
        super().__init__(options)
        self.connection_string = pos_connection_string(
            options.company_file, computer_name=computer_name, version=options.pos_version,
            practice=options.pos_practice)

    def process(self, request: str) -> str:
        """Send one request message set (refused here when read-only and it would write)."""
        if self.options.read_only:
            self._require_ticket()
            refused = refuse_writes(request, "qbposxml")
            if refused is not None:
                return refused
        return super().process(request)

    def _connect(self, processor: Any) -> None:
        processor.OpenConnection(self.options.app_id, self.options.app_name)

    def _begin(self, processor: Any) -> str:
        return processor.BeginSession(self.connection_string)
