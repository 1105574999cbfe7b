"""qbconnector.api."""
