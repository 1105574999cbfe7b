"""qbconnector.remote."""
