"""``coursier audit``: the trail listed (the default, with its filters) and ``audit verify``.

Neither imports Prefect: both answer at once.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from coursier.deployments.terminal import console
from coursier.settings import CoursierSettings
from coursier.store import open_store, query_audit
from coursier.store.audit import verify_audit

AUDIT_COLUMNS = ("at", "actor", "flow", "flow_run_id", "dossier", "action", "subject", "outcome")

app = typer.Typer(
    help="Piste d'audit : qui a fait quoi, quand, sur quel dossier, avec quel résultat.",
    invoke_without_command=True,
)


@app.callback()
def audit(
    context: typer.Context,
    flow: Annotated[str | None, typer.Option(help="Seulement ce flow (dsn-deposit…).")] = None,
    dossier: Annotated[str | None, typer.Option(help="Seulement ce dossier.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Depuis cette date (AAAA-MM-JJ[THH:MM]).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Un tableau JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Du CSV, une ligne par événement.")] = False,
) -> None:
    """Piste d'audit : qui a fait quoi, quand, sur quel dossier, avec quel résultat.

    Sans sous-commande, liste les événements ; « verify » contrôle la chaîne d'empreintes.
    """
    if context.invoked_subcommand is not None:
        return
    moment = since.replace(tzinfo=since.tzinfo or UTC) if since else None
    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as session:
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


@app.command()
def verify() -> None:
    """Vérifie la chaîne d'empreintes de la piste ; code 1 au premier maillon rompu."""
    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as session:
        verdict = verify_audit(session)
    if verdict.intact:
        typer.echo(f"Piste d'audit intacte : {_events_checked(verdict.checked)}.")
        return
    typer.echo(
        f"Piste d'audit rompue à l'événement n° {verdict.broken_at} : {verdict.reason}. "
        f"{_events_checked(verdict.checked - 1)} avant lui.",
        err=True,
    )
    raise typer.Exit(1)


def _events_checked(count: int) -> str:
    return f"{count} événements vérifiés" if count > 1 else f"{count} événement vérifié"


def _event(event: Any) -> dict[str, Any]:
    row = {column: getattr(event, column) for column in AUDIT_COLUMNS}
    row["at"] = event.at.isoformat()
    row["details"] = event.details
    return row
