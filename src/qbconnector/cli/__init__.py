"""qbconnector.cli."""
