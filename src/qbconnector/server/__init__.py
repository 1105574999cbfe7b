"""qbconnector.server."""
