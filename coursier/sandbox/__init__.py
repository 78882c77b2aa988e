"""Imitations of the external platforms, served on loopback for the demo, tests and benchmarks.

Each platform app registers itself in :mod:`coursier.sandbox.registry` (prefix, state, app,
routes, inspection routes) and the server mounts every registered one. Net-Entreprises and
IZILIO (:mod:`.dsn_platform`) speak the DSN machine-to-machine API of PROTOCOLS.md §1 (same
protocol, separate state), with seeded accounts, returns that appear over a controllable clock,
switchable faults and a test-only inspection API under ``/_sandbox/``.
Start one with :class:`coursier.sandbox.server.SandboxServer` or ``coursier sandbox``.
"""
