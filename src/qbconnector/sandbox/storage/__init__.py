"""The company file on disk: the SQLite schema, the store a request writes through, the stock
figures kept beside the moves, and idle connections handed between sessions."""
