"""qbconnector.com."""
