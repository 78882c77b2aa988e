"""The deployments of coursier's flows, served by one process (``coursier serve``).

The returns control is scheduled; the deposit runs on demand, from the Prefect UI's form or
``coursier dsn deposit``. ``serve`` always gets a run limit (without one it starts unlimited
parallel runs) and leaves the schedules active when it stops (``pause_on_shutdown=False``).
"""

from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from coursier.flows.dsn_deposit import dsn_deposit
from coursier.flows.dsn_returns import dsn_returns

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
    serve(*deployments(returns_cron), limit=limit, pause_on_shutdown=False)
