"""Payflip's API for HR integrations: credentials (``block``), the client (``client``), its
errors (``errors``) and its credential kind (``kind``), PROTOCOLS.md §4."""
