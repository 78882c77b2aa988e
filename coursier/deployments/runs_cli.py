"""``coursier rerun`` and ``serve``: the runs and their replay.

Prefect and the flows are imported inside the commands that need them: importing them takes
seconds, and ``coursier dsn check`` should answer at once.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any
from uuid import UUID

import typer

FLOWS = {
    "dsn-deposit": "coursier.flows.dsn_deposit:dsn_deposit",
    "dsn-returns": "coursier.flows.dsn_returns:dsn_returns",
}


def rerun(
    flow_run_id: Annotated[str, typer.Argument(help="L'exécution dont relancer les échecs.")],
) -> None:
    """Relance uniquement les éléments en échec d'une exécution (mêmes paramètres)."""
    name, parameters = _run_of(flow_run_id)
    if name not in FLOWS:
        raise typer.BadParameter(
            f"le flow {name} ne se relance pas ainsi", param_hint="flow_run_id"
        )
    module, attribute = FLOWS[name].split(":")
    flow = getattr(importlib.import_module(module), attribute)
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():  # a run killed mid-way ends Crashed (the zombie automation)
        state = flow(**{**parameters, "retry_failed_of": flow_run_id}, return_state=True)
    typer.echo(f"{name} : {state.name} — {state.message or ''}")
    raise typer.Exit(0 if state.is_completed() else 1)


def serve(
    limit: Annotated[int, typer.Option(min=1, help="Exécutions simultanées au plus.")] = 4,
) -> None:
    """Sert les déploiements (dépôt à la demande, contrôle des retours planifié)."""
    from coursier.deployments.serving import serve_all

    serve_all(limit=limit)


def _run_of(flow_run_id: str) -> tuple[str, dict[str, Any]]:
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
    parameters = {k: v for k, v in flow_run.parameters.items() if k != "retry_failed_of"}
    return flow.name, parameters
