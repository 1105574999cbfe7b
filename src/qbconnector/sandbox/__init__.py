"""The embedded, QuickBooks-compatible sandbox company file (SQLite).

Inside, each folder is one part, and each imports only the parts listed before it:

- ``storage/``: the company file on disk (schema, store, stock figures, idle connections);
- ``core/``: object types, the request context, business errors, dates, qbXML output;
- ``books/``: postings, balances, inventory positions and the audit of the books;
- ``records/``: the generic Add, Mod, queries, deletes and custom fields of every type, and
  the hooks per-type rules plug into;
- ``rules/``: per-type business rules (lists, sales, purchases, banking, inventory...);
- ``reports/``: reports from the books and TransactionQuery;
- ``engine/``: the request processor and the Session;
- ``company/``: new company files, their preferences and sample data.
"""

from qbconnector.sandbox.books.audit import summary as audit_summary
from qbconnector.sandbox.company.create import create_company
from qbconnector.sandbox.company.samples import SampleReport, read_report
from qbconnector.sandbox.engine.session import SandboxSession, SandboxSessions
from qbconnector.sandbox.storage.pool import ConnectionPool
from qbconnector.sandbox.storage.store import Clock

__all__ = ["Clock", "ConnectionPool", "SampleReport", "SandboxSession", "SandboxSessions",
           "audit_summary", "create_company", "read_report"]
