"""Choosing where an export writes: a file by its suffix (JSONL, CSV, Parquet) or a database by
its SQLAlchemy URL, refused with a message saying what it takes."""

from __future__ import annotations

from pathlib import Path

from qbconnector.api.transfer import sink_files
from qbconnector.api.transfer.sink_sql import SqlSink
from qbconnector.api.transfer.sinks import DestinationError, Sink
from qbconnector.api.transfer.tables import table_name

FILE_SUFFIXES = (".jsonl", ".csv", ".parquet")


def is_database_url(destination: str) -> bool:
    """Whether DEST is a SQLAlchemy URL (``sqlite:///x.db``, ``postgresql+psycopg://...``)."""
    head = destination.split("://", 1)[0]
    return "://" in destination and head.replace("+", "").isalnum() and len(head) > 1


def open_sink(destination: str, type_names: list[str], replace: bool = False) -> Sink:
    """The sink for DEST: ``*.jsonl``, ``*.csv``, ``*.parquet`` or a SQLAlchemy URL (where
    ``replace`` lets the export drop tables of its names that it did not create)."""
    if is_database_url(destination):
        return SqlSink(destination, replace=replace)
    path = Path(destination)
    suffix = path.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise DestinationError(f"{destination}: export writes .jsonl, .csv or .parquet files or "
                               "a database URL (sqlite:///file.db, postgresql://...)")
    if path.is_dir():
        raise DestinationError(f"{destination} is a folder; name a file")
    if not path.parent.is_dir():
        raise DestinationError(f"no folder {path.parent} for {destination}")
    main = table_name(type_names[0]) if len(type_names) == 1 else None
    if suffix == ".jsonl":
        return sink_files.JsonlSink(path)
    if suffix == ".csv":
        return sink_files.CsvSink(path, main)
    return sink_files.ParquetSink(path, main)
