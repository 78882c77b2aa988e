"""Pure types and logic, no I/O: formats, checks, identifiers. Imports nothing else of coursier."""
