"""qbconnector.sandbox."""
