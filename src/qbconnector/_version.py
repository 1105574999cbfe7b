"""The package version, in one place: pyproject reads it, and every layer imports it from here
(never from the package root, which would drag in everything the root re-exports)."""

__version__ = "0.1.0"
