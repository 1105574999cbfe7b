"""What every part of the sandbox works with: the object types the spec defines, the context
of one request, QuickBooks' business errors, date macros and how values and records are
written out as qbXML."""
