"""qbconnector: read and write QuickBooks data from anywhere.

The qbXML codec lives in :mod:`qbconnector.qbxml`; backends (sandbox, COM, remote) implement the
:class:`~qbconnector.qbxml.session.Session` contract; the records API is :func:`connect`.
"""

__version__ = "0.1.0"


def connect(target, **options):  # type: ignore[no-untyped-def]
    """Open a records-API connection (see :func:`qbconnector.api.connect`)."""
    from qbconnector.api import connect as _connect

    return _connect(target, **options)
