"""``coursier clients …``: the client import from the command line.

- ``coursier clients plan --source adminpulse|admin-is [--taskflow T] [--out plan.xlsx]
  [--dossier D]`` computes the plan (no dossier: the only one of the portfolio that imports
  its clients) and writes it for review (.xlsx or .csv);
- ``coursier clients apply PLAN [--send-invitations] [--retry-failed-of RUN]`` applies the
  reviewed plan (invitations only with the option, or when the plan's settings say so);
- ``coursier clients credentials set|list|delete|test``: AdminPulse, Admin IS and Accounton
  credentials per scope.

Exit codes as the other run commands: 0 completed, 1 partial, 2 failed.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from coursier.connectors.accounton import ACCOUNTON
from coursier.connectors.admin_is import ADMIN_IS
from coursier.connectors.adminpulse import ADMINPULSE
from coursier.deployments.control_cli import RUN_EXIT_FAILED, RUN_EXIT_OK, RUN_EXIT_PARTIAL
from coursier.deployments.dossier_codes import check_dossiers
from coursier.deployments.scoped_credentials_cli import credentials_app
from coursier.deployments.terminal import console

app = typer.Typer(
    help="Clients : import AdminPulse / Admin IS → Accounton, plan revu puis appliqué.",
    no_args_is_help=True,
)
app.add_typer(credentials_app((ADMINPULSE, ADMIN_IS, ACCOUNTON)), name="credentials")


class SourceChoice(StrEnum):
    ADMINPULSE = "adminpulse"
    ADMIN_IS = "admin-is"


def _exit(state) -> None:
    console().print(Text(f"{state.name} : {state.message or ''}"))
    if state.is_failed():
        raise typer.Exit(RUN_EXIT_FAILED)
    raise typer.Exit(RUN_EXIT_PARTIAL if state.name == "Partial" else RUN_EXIT_OK)


@app.command("plan")
def plan(
    source: Annotated[SourceChoice, typer.Option(help="Le logiciel de gestion à importer.")],
    taskflow: Annotated[
        str | None, typer.Option(help="Seulement les clients de ce taskflow.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Fichier du plan (.xlsx ou .csv).", dir_okay=False)
    ] = None,
    dossier: Annotated[str | None, typer.Option(help="Code du dossier du cabinet.")] = None,
) -> None:
    """Calcule le plan d'import (nouveaux, uniquement Accounton, doublons, invalides)."""
    if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
        raise typer.BadParameter("le plan s'écrit en .xlsx ou en .csv", param_hint="--out")
    if dossier is not None:
        check_dossiers([dossier], "--dossier")
    from coursier.flows.client_import import client_import
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():
        state = client_import(
            dossier=dossier,
            source=source.value,
            taskflow=taskflow,
            mode="plan",
            out=None if out is None else str(out),
            return_state=True,
        )
    _exit(state)


@app.command("apply")
def apply(
    plan: Annotated[
        Path, typer.Argument(help="Le plan revu.", exists=True, dir_okay=False, readable=True)
    ],
    send_invitations: Annotated[
        bool,
        typer.Option(
            "--send-invitations",
            help="Envoyer l'invitation e-mail aux clients ajoutés (déconseillé).",
        ),
    ] = False,
    retry_failed_of: Annotated[
        str | None,
        typer.Option(
            "--retry-failed-of",
            help="Ne reprendre que les échecs de cette exécution (son identifiant, ou « last »).",
        ),
    ] = None,
) -> None:
    """Applique le plan revu : ajoute les clients choisis, écrase les champs choisis."""
    from coursier.models.clients_plan_file import PlanFileError, read_plan

    try:  # an unreadable plan is bad input, said before any run starts
        read_plan(plan)
    except PlanFileError as error:
        raise typer.BadParameter(str(error), param_hint="PLAN") from None
    from coursier.flows.client_import import client_import_apply
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():
        state = client_import_apply(
            plan=str(plan),
            send_invitations=True if send_invitations else None,
            retry_failed_of=retry_failed_of,
            return_state=True,
        )
    _exit(state)
