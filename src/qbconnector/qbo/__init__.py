"""QuickBooks Online through the records API: the same ``connect()``, collections, records,
errors, export and import as QuickBooks Desktop, over Intuit's Accounting API v3.

``qbconnector qbo login NAME`` saves a connection; ``connect("NAME")`` then gives a
:class:`~qbconnector.qbo.connection.QBOConnection`. Inside: the OAuth client and token store
(``oauth``, ``tokens``, ``locks``, ``credentials``, ``login``), the REST session with retries
and idempotent writes (``session``, ``faults``), the records API over it (``typed``,
``fields``, ``filters``, ``collections``, ``batch``, ``changes``, ``reports``,
``connection``) and bulk transfer (``tables``, ``export``, ``importing``, ``editions``).

This package imports the pure wire package (:mod:`qbconnector.qbo_wire`) and the records API's
shared parts; it never imports the offline double (:mod:`qbconnector.qbo_double`).
"""

from __future__ import annotations

from qbconnector.qbo.faults import LoginRequiredError, ThrottledError

__all__ = ["LoginRequiredError", "ThrottledError"]
