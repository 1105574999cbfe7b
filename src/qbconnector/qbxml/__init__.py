"""qbconnector.qbxml."""
