"""QuickBooks Online's wire, pure (no I/O): the v3 entity spec, the query language, faults,
minor versions and value formats. Shared by the offline double (``qbo_double``) and the client.
"""
