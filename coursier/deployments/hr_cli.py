"""``coursier hr …``: the HR sync Securex → Payflip from the command line.

- ``coursier hr sync [--company VAT] [--json]`` runs the hr-sync flow now ("Synchroniser
  maintenant": exit 0 success, 1 partial, 2 error);
- ``coursier hr history [--company VAT] [--limit N] [--json]``: the seed's Historique screen,
  one line per company and run (trigger, status, counts);
- ``coursier hr failures RUN [--json]``: every employee that failed in a run (its id, or
  ``last``), the reason and what to do — what the seed says nobody can see yet;
- ``coursier hr credentials …``: Securex's and Payflip's credentials, per scope.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from coursier.connectors.payflip.kind import PAYFLIP
from coursier.connectors.securex.kind import SECUREX
from coursier.deployments.control_cli import RUN_EXIT_FAILED, RUN_EXIT_OK, RUN_EXIT_PARTIAL
from coursier.deployments.scoped_credentials_cli import credentials_app
from coursier.deployments.terminal import console

app = typer.Typer(
    help="Synchronisation RH Securex → Payflip : synchroniser, historique, employés en échec.",
    no_args_is_help=True,
)
app.add_typer(credentials_app((SECUREX, PAYFLIP)), name="credentials")

FLOW = "hr-sync"
STATUS_LABELS = {"success": "Succès", "partial": "Partiel", "error": "Erreur"}
TRIGGER_LABELS = {"nightly": "nuit", "manual": "manuelle"}
AsJson = Annotated[bool, typer.Option("--json", help="Du JSON sur la sortie, seul.")]
Company = Annotated[
    str | None, typer.Option(help="Numéro de TVA de l'entreprise (BE0403.170.701).")
]


def _store():
    from coursier.settings import CoursierSettings
    from coursier.store import open_store

    return open_store(CoursierSettings().effective_database_url())


def _vat(typed: str, option: str) -> str:
    from coursier.models.hr_activation import ActivationError, normalise_vat

    try:
        return normalise_vat(typed)
    except ActivationError as error:
        raise typer.BadParameter(f"{error.message} : {error.action}", param_hint=option) from None


def _line(row) -> dict[str, object]:
    return {
        "flow_run_id": row.flow_run_id,
        "company": f"BE{row.company}",
        "dossier": row.dossier,
        "trigger": row.trigger,
        "status": row.status,
        "created": row.created,
        "updated": row.updated,
        "unchanged": row.unchanged,
        "failed": row.failed,
        "message": row.message,
        "finished_at": row.finished_at.isoformat(),
    }


def _failure(row) -> dict[str, object]:
    return {
        "company": f"BE{row.company}",
        "employee_number": row.employee_number,
        "name": row.name,
        "email": row.email,
        "code": row.code,
        "message": row.message,
        "action": row.action,
    }


@app.command("sync")
def sync(company: Company = None, as_json: AsJson = False) -> None:
    """Synchroniser maintenant : une entreprise, ou toutes celles du portefeuille."""
    from coursier.flows.hr_sync import hr_sync
    from coursier.store.hr_sync import failures_of, runs_of
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():
        state = hr_sync(company=company, trigger="manual", return_state=True)
    run_id = str(state.state_details.flow_run_id)
    code = RUN_EXIT_FAILED if state.is_failed() else RUN_EXIT_OK
    if state.name == "Partial":
        code = RUN_EXIT_PARTIAL
    if as_json:
        with _store() as store, store.read() as session:
            body = {
                "flow_run_id": run_id,
                "state": state.name,
                "message": state.message or "",
                "companies": [_line(r) for r in runs_of(session, run_id)],
                "failures": [_failure(r) for r in failures_of(session, run_id)],
            }
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        raise typer.Exit(code)
    console().print(Text(f"{state.name} : {state.message or ''}"))
    if code != RUN_EXIT_OK:
        console().print(Text(f"Les employés en échec : coursier hr failures {run_id}"))
    raise typer.Exit(code)


@app.command("history")
def history(
    company: Company = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Lignes au plus.")] = 30,
    as_json: AsJson = False,
) -> None:
    """L'historique des synchronisations : déclencheur, statut et nombres par entreprise."""
    from coursier.store.hr_sync import history as read_history

    vat = _vat(company, "--company") if company is not None else None
    with _store() as store, store.read() as session:
        lines = [_line(r) for r in read_history(session, vat, limit)]
    if as_json:
        typer.echo(json.dumps(lines, ensure_ascii=False, indent=2))
        return
    if not lines:
        console().print("Aucune synchronisation encore : coursier hr sync --company …")
        return
    table = Table(
        "Fin",
        "Entreprise",
        "Déclencheur",
        "Statut",
        "Créés",
        "Mis à jour",
        "Inchangés",
        "En échec",
        "Exécution",
    )
    for line in lines:
        table.add_row(
            str(line["finished_at"])[:19],
            str(line["company"]),
            TRIGGER_LABELS[str(line["trigger"])],
            STATUS_LABELS[str(line["status"])],
            *(str(line[n]) for n in ("created", "updated", "unchanged", "failed")),
            Text(str(line["flow_run_id"])),
        )
    console().print(table)


@app.command("failures")
def failures(
    run: Annotated[str, typer.Argument(metavar="RUN", help="Identifiant d'exécution, ou last.")],
    as_json: AsJson = False,
) -> None:
    """Les employés en échec d'une exécution : la raison et ce qu'il faut faire."""
    from coursier.store import latest_run_id
    from coursier.store.hr_sync import failures_of, runs_of

    with _store() as store, store.read() as session:
        run_id = latest_run_id(session, FLOW) if run == "last" else run
        lines = runs_of(session, run_id) if run_id is not None else []
        found = [_failure(r) for r in failures_of(session, run_id)] if lines else []
    named = {f["company"] for f in found}
    stopped = [  # companies that failed as a whole: their activation, or a read
        line.message
        for line in lines
        if line.status == "error" and f"BE{line.company}" not in named
    ]
    if not lines:
        raise typer.BadParameter(
            f"aucune synchronisation {run} : voyez `coursier hr history`", param_hint="RUN"
        )
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    for message in stopped:
        console().print(Text(message))
    if not found:
        if not stopped:
            console().print(Text(f"Aucun employé en échec dans l'exécution {run_id}."))
        return
    table = Table("Entreprise", "Matricule", "Employé", "E-mail", "Raison", "Que faire")
    for item in found:
        table.add_row(
            *(
                Text(str(item[k] or ""))
                for k in ("company", "employee_number", "name", "email", "message", "action")
            )
        )
    console().print(table)
    console().print(Text(f"Une fois corrigé dans Securex : coursier rerun {run_id}"))
