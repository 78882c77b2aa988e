"""The deployments of every registered procedure, served by one process (``coursier serve``).

What is deployed, and when it runs, is each procedure's registration
(:mod:`coursier.deployments.registry`): a deployment without a schedule runs on demand, from the
Prefect UI's form or the procedure's command. ``serve`` always gets a run limit (without one it
starts unlimited parallel runs) and leaves the schedules active when it stops
(``pause_on_shutdown=False``).

Before serving, the zombie automation is ensured (``automations.py``) and the runs started get
Prefect's heartbeat every :data:`HEARTBEAT_SECONDS`: a run whose process is killed ends Crashed
within three missed heartbeats instead of staying Running.
"""

from __future__ import annotations

import httpx
from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from coursier.deployments.automations import ensure_zombie_automation
from coursier.deployments.notifications import ensure_notifications
from coursier.deployments.registry import registered
from coursier.tasks.prefect_guards import HEARTBEAT_SECONDS


def deployments() -> list[RunnerDeployment]:
    """Every deployment of every registered procedure, in the order registered."""
    return [
        flow.load().to_deployment(
            name=spec.name,
            description=spec.description,
            tags=list(spec.tags),
            schedules=[Cron(s.cron, timezone=s.timezone) for s in spec.schedules],
        )
        for procedure in registered()
        for flow in procedure.flows
        for spec in flow.deployments
    ]


def serve_all(limit: int) -> None:
    """Serve every deployment; an unreachable Prefect API ends the command with a message."""
    served = deployments()
    try:
        flows = {d.flow_name for d in served if d.flow_name}
        ensure_zombie_automation(flows, heartbeat_seconds=HEARTBEAT_SECONDS)
        ensure_notifications(flows)  # a procedure added since `coursier notifications set`
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
