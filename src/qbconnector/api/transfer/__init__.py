"""Bulk transfer over the records API: export to files and databases (sinks, flat tables,
incremental state) and import from CSV or JSONL (sources, mappings, links, custom fields)."""
