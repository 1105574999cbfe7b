"""The generic machinery of every list and transaction type: Add and Mod, queries, deletes
and voids, custom fields, and the hooks through which per-type rules join in."""
