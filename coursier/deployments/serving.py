"""The deployments of coursier's flows, served by one process (``coursier serve``).

The returns control is scheduled; the deposit runs on demand, from the Prefect UI's form or
``coursier dsn deposit``. ``serve`` always gets a run limit (without one it starts unlimited
parallel runs) and leaves the schedules active when it stops (``pause_on_shutdown=False``).

Before serving, the zombie automation is ensured (``automations.py``) and the runs started get
Prefect's heartbeat every :data:`HEARTBEAT_SECONDS`: a run whose process is killed ends Crashed
within three missed heartbeats instead of staying Running.
"""

from __future__ import annotations

import httpx
from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from coursier.deployments.automations import ensure_zombie_automation
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.dsn_returns import dsn_returns
from coursier.tasks.prefect_guards import HEARTBEAT_SECONDS

#: Every 15 minutes during office hours, Monday to Saturday (returns come in the day).
RETURNS_CONTROL_CRON = "*/15 7-20 * * 1-6"


def deployments(returns_cron: str = RETURNS_CONTROL_CRON) -> list[RunnerDeployment]:
    return [
        dsn_deposit.to_deployment(
            name="dsn-deposit",
            description="Dépôt M2M des DSN, signalements et FCTU d'un dossier, suivi des retours.",
            tags=["dsn", "m2m"],
        ),
        dsn_returns.to_deployment(
            name="dsn-returns-control",
            cron=returns_cron,
            description="Contrôle des retours de tous les dépôts ; AER rangées par dossier.",
            tags=["dsn", "retours"],
        ),
    ]


def serve_all(limit: int, returns_cron: str = RETURNS_CONTROL_CRON) -> None:
    """Serve every deployment; an unreachable Prefect API ends the command with a message."""
    served = deployments(returns_cron)
    try:
        ensure_zombie_automation(
            {d.flow_name for d in served if d.flow_name}, heartbeat_seconds=HEARTBEAT_SECONDS
        )
    except httpx.HTTPError as error:
        raise SystemExit(
            f"coursier serve : l'API Prefect ne répond pas ({type(error).__name__}) : démarrez "
            "le serveur Prefect ou vérifiez PREFECT_API_URL."
        ) from None
    serve(
        *served,
        limit=limit,
        pause_on_shutdown=False,
        heartbeat_seconds=HEARTBEAT_SECONDS,
    )
