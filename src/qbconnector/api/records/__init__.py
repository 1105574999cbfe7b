"""The records API: a connection to one Session, a collection per object type (query, get,
add, modify, delete, void), batches, records, filters and the errors it reports."""
