"""``coursier audit``, ``rerun`` and ``serve``: the runs, their trail, their replay.

Prefect and the flows are imported inside the commands that need them: importing them takes
seconds, and ``coursier dsn check`` or ``coursier audit`` should answer at once.
"""

from __future__ import annotations

import csv
import importlib
import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.table import Table

from coursier.deployments.terminal import console
from coursier.settings import CoursierSettings
from coursier.store import open_store, query_audit

FLOWS = {
    "dsn-deposit": "coursier.flows.dsn_deposit:dsn_deposit",
    "dsn-returns": "coursier.flows.dsn_returns:dsn_returns",
}
AUDIT_COLUMNS = ("at", "actor", "flow", "flow_run_id", "dossier", "action", "subject", "outcome")


def audit(
    flow: Annotated[str | None, typer.Option(help="Seulement ce flow (dsn-deposit…).")] = None,
    dossier: Annotated[str | None, typer.Option(help="Seulement ce dossier.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Depuis cette date (AAAA-MM-JJ[THH:MM]).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Un tableau JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Du CSV, une ligne par événement.")] = False,
) -> None:
    """Piste d'audit : qui a fait quoi, quand, sur quel dossier, avec quel résultat."""
    settings = CoursierSettings()
    moment = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    with open_store(settings.effective_database_url()) as store, store.begin() as session:
        events = [_event(e) for e in query_audit(session, flow=flow, dossier=dossier, since=moment)]
    if as_json:
        typer.echo(json.dumps(events, ensure_ascii=False, indent=2))
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=[*AUDIT_COLUMNS, "details"])
        writer.writeheader()
        writer.writerows(
            {**e, "details": json.dumps(e["details"], ensure_ascii=False)} for e in events
        )
    else:
        table = Table(title="Piste d'audit")
        for column in AUDIT_COLUMNS:
            table.add_column(column, overflow="fold")
        for event in events:
            table.add_row(*(str(event[c] or "") for c in AUDIT_COLUMNS))
        console().print(table)


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


def _event(event: Any) -> dict[str, Any]:
    row = {column: getattr(event, column) for column in AUDIT_COLUMNS}
    row["at"] = event.at.isoformat()
    row["details"] = event.details
    return row
