"""What Prefect raises when its API cannot be reached, said in French.

Without ``PREFECT_API_URL`` Prefect starts a server of its own for the command; on a loaded
machine it may not answer within Prefect's timeout, which raises a bare ``RuntimeError``.
"""

from __future__ import annotations

EPHEMERAL_LATE = (
    "le serveur Prefect local n'a pas démarré à temps (machine chargée ?) : relancez la "
    "commande, ou démarrez un serveur (make ui) et donnez son adresse dans PREFECT_API_URL"
)


def ephemeral_prefect_late(error: BaseException) -> bool:
    """Whether ``error`` is Prefect's own server starting too late for the command."""
    return isinstance(error, RuntimeError) and "ephemeral Prefect API server" in str(error)
