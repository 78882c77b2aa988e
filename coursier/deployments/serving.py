"""The deployments of every registered procedure, served by one process (``coursier serve``) or
handed to the workers of a work pool (``coursier deploy --work-pool P``).

What is deployed, and when it runs, is each procedure's registration
(:mod:`coursier.deployments.registry`): a deployment without a schedule runs on demand, from the
Prefect UI's form or the procedure's command. ``serve`` always gets a run limit (without one it
starts unlimited parallel runs) and leaves the schedules active when it stops
(``pause_on_shutdown=False``).

Before serving, the zombie automation (``automations.py``) and the platforms' rate limits (as
``coursier init`` makes them) are ensured, and the runs started get Prefect's heartbeat every
:data:`HEARTBEAT_SECONDS`: a run whose process is killed ends Crashed within three missed
heartbeats instead of staying Running.

``deploy`` registers the same deployments on a process work pool (created when missing): each
machine with coursier installed runs ``prefect worker start --pool P`` and takes runs from it.
Their entrypoints are module paths (``coursier.flows.dsn_deposit:dsn_deposit``), imported from
the installed package on whichever machine runs them, and the runs beat at the same rhythm (the
deployment's job variables set the frequency in the run's environment). Every worker's machine
gives its runs the same store (``COURSIER_DATABASE_URL``, PostgreSQL) and the same Prefect
server: that is what makes a deposit happen once whichever worker sends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any
from uuid import UUID

import httpx
from prefect import serve
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments.runner import RunnerDeployment, deploy
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from coursier.connectors.rate_limits import ensure_rate_limits
from coursier.deployments.automations import ensure_zombie_automation
from coursier.deployments.notifications import ensure_notifications
from coursier.deployments.registry import registered
from coursier.tasks.prefect_guards import HEARTBEAT_SECONDS

PROCESS_POOL = "process"


def deployments(**options: Any) -> list[RunnerDeployment]:
    """Every deployment of every registered procedure, in the order registered; ``options``
    go to each ``to_deployment`` (how workers find and run it)."""
    return [
        flow.load().to_deployment(
            name=spec.name,
            description=spec.description,
            tags=list(spec.tags),
            schedules=[Cron(s.cron, timezone=s.timezone) for s in spec.schedules],
            **options,
        )
        for procedure in registered()
        for flow in procedure.flows
        for spec in flow.deployments
    ]


def serve_all(limit: int) -> None:
    """Serve every deployment; an unreachable Prefect API ends the command with a message."""
    served = deployments()
    with _prefect_api("serve"):
        _ensure_automations(served)
    serve(
        *served,
        limit=limit,
        pause_on_shutdown=False,
        heartbeat_seconds=HEARTBEAT_SECONDS,
    )


def deploy_all(work_pool: str) -> list[UUID]:
    """Register every deployment on the process pool ``work_pool`` (created when missing);
    their ids. An unreachable Prefect API ends the command with a message."""
    deployed = deployments(
        entrypoint_type=EntrypointType.MODULE_PATH,
        job_variables={"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS)}},
    )
    with _prefect_api("deploy"):
        _ensure_pool(work_pool)
        _ensure_automations(deployed)
        return deploy(
            *deployed,
            work_pool_name=work_pool,
            build=False,
            push=False,
            print_next_steps_message=False,
            ignore_warnings=True,
        )


def _ensure_pool(name: str) -> None:
    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another machine created it first
                client.create_work_pool(WorkPoolCreate(name=name, type=PROCESS_POOL))
            return
    if pool.type != PROCESS_POOL:
        raise SystemExit(
            f"coursier deploy : le pool {name!r} est de type {pool.type!r} ; coursier se déploie "
            f"sur un pool « {PROCESS_POOL} » (des machines où coursier est installé) : "
            "choisissez-en un autre nom"
        )


def _ensure_automations(planned: list[RunnerDeployment]) -> None:
    ensure_rate_limits()  # as `coursier init` does: the runs' calls need them (strict)
    flows = {d.flow_name for d in planned if d.flow_name}
    ensure_zombie_automation(flows, heartbeat_seconds=HEARTBEAT_SECONDS)
    ensure_notifications(flows)  # a procedure added since `coursier notifications set`


@contextmanager
def _prefect_api(command: str) -> Iterator[None]:
    try:
        yield
    except httpx.HTTPError as error:
        raise SystemExit(
            f"coursier {command} : l'API Prefect ne répond pas ({type(error).__name__}) : "
            "démarrez le serveur Prefect ou vérifiez PREFECT_API_URL."
        ) from None
