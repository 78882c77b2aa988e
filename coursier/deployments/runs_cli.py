"""``coursier rerun`` and ``serve``: the runs and their replay.

Prefect and the flows are imported inside the commands that need them: importing them takes
seconds, and ``coursier dsn check`` should answer at once. Which flow a run belongs to, and what
its items are called, is the procedure registry's (:mod:`coursier.deployments.registry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import typer

from coursier.deployments import registry


def rerun(
    flow_run_id: Annotated[str, typer.Argument(help="L'exécution à relancer.")],
) -> None:
    """Relance les échecs d'une exécution, ou toute l'exécution si elle a échoué en entier.

    Mêmes paramètres que l'exécution d'origine ; rien n'est relancé si rien n'a échoué.
    """
    from coursier.runkit.retry import plan_rerun

    found = _run_of(flow_run_id)
    flow_run_id = found.id
    flow = registry.flow_named(found.flow)
    if flow is None:
        raise typer.BadParameter(
            f"le flow {found.flow} ne se relance pas ainsi", param_hint="flow_run_id"
        )
    plan = plan_rerun(
        flow_run_id,
        found.parameters,
        state_name=found.state_name,
        finished=found.finished,
        completed=found.completed,
        failed_items=_failed_items(flow_run_id),
        noun=flow.items.singular,
    )
    if plan.parameters is None:
        typer.echo(plan.message)
        raise typer.Exit(plan.exit_code)
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():  # a run killed mid-way ends Crashed (the zombie automation)
        state = flow.load()(**plan.parameters, return_state=True)
    typer.echo(f"{found.flow} : {state.name} — {state.message or ''}")
    raise typer.Exit(0 if state.is_completed() else 1)


def serve(
    limit: Annotated[int, typer.Option(min=1, help="Exécutions simultanées au plus.")] = 4,
) -> None:
    """Sert les déploiements (dépôt à la demande, contrôle des retours planifié)."""
    from coursier.deployments.serving import serve_all

    serve_all(limit=limit)


def deploy(
    work_pool: Annotated[
        str, typer.Option("--work-pool", help="Pool de processus des workers (créé s'il manque).")
    ],
) -> None:
    """Déclare les déploiements sur un pool de workers : chaque machine où coursier est
    installé lance `prefect worker start --pool P` et prend les exécutions du pool."""
    from coursier.deployments.serving import deploy_all

    deployed = deploy_all(work_pool)
    typer.echo(
        f"{len(deployed)} déploiement(s) sur le pool « {work_pool} ». Sur chaque machine : "
        f"`prefect worker start --pool {work_pool}`, avec le même PREFECT_API_URL et le même "
        "COURSIER_DATABASE_URL (PostgreSQL)."
    )


@dataclass(frozen=True)
class _FlowRun:
    id: str
    flow: str
    parameters: dict[str, Any]
    state_name: str
    finished: bool
    completed: bool


def _run_of(flow_run_id: str) -> _FlowRun:
    """The run as the Prefect API knows it: its flow, parameters and state."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        run_uuid = UUID(flow_run_id)
    except ValueError:
        raise typer.BadParameter(f"{flow_run_id!r} n'est pas un identifiant d'exécution") from None
    with get_client(sync_client=True) as client:
        try:
            flow_run = client.read_flow_run(run_uuid)
        except ObjectNotFound:
            raise typer.BadParameter(
                f"exécution {flow_run_id} inconnue du serveur Prefect (PREFECT_API_URL)"
            ) from None
        flow = client.read_flow(flow_run.flow_id)
    state = flow_run.state
    return _FlowRun(
        id=str(run_uuid),
        flow=flow.name,
        parameters=dict(flow_run.parameters),
        state_name=state.name if state else "sans état",
        finished=bool(state and state.is_final()),
        completed=bool(state and state.is_completed()),
    )


def _failed_items(flow_run_id: str) -> int:
    """How many items of the run the store holds as failed."""
    from coursier.settings import CoursierSettings
    from coursier.store import failed_item_keys, open_store

    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as s:
        return len(failed_item_keys(s, flow_run_id))
