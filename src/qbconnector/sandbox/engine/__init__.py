"""The request engine: QuickBooks' request processor over a company file (a message set in,
the responses out), the Session around it, and the requests about the host and company."""
