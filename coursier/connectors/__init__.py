"""Clients of the external platforms, one package or module per system, each with its
credentials Block. Errors share one tree (:mod:`coursier.connectors.errors`); retries and the
translation of httpx's exceptions are in :mod:`coursier.connectors.http`."""
