"""Imitations of the external platforms, served on loopback for the demo, tests and benchmarks.

Net-Entreprises and IZILIO speak the DSN machine-to-machine API of PROTOCOLS.md §1 (one FastAPI
app each, same protocol, separate state), with seeded accounts, returns that appear over a
controllable clock, switchable faults and a test-only inspection API under ``/_sandbox/``.
Start one with :class:`coursier.sandbox.server.SandboxServer` or ``coursier sandbox``.
"""
