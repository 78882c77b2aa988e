"""``coursier pas …``: the PAS CRM from the command line.

- ``coursier pas integrate --dossier D --month M [--association SIRET…]`` runs the pas-crm
  flow (exit 0 completed, 1 partial, 2 failed);
- ``coursier pas anomalies [--dossier D] [--month M] [--all] [--json]`` prints the work-list;
- ``coursier pas correct ID [--by NAME]`` marks one anomaly corrected;
- ``coursier pas rates --dossier D --month M [--csv]`` exports, one line per employee, what to
  put in S21.G00.50.006 / .007 / .008 of the next month's DSN.
"""

from __future__ import annotations

import csv
import getpass
import json
import sys
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from coursier.deployments.control_cli import (
    RUN_EXIT_FAILED,
    RUN_EXIT_OK,
    RUN_EXIT_PARTIAL,
    parse_month,
)
from coursier.deployments.dossier_codes import check_dossiers
from coursier.deployments.terminal import console

app = typer.Typer(
    help="PAS : intégration des CRM, anomalies, taux pour le logiciel de paie.",
    no_args_is_help=True,
)

#: (title, key of the JSON object) of each column of the work-list.
WORK_LIST_COLUMNS = (
    ("N°", "id"),
    ("Dossier", "dossier"),
    ("Mois", "month"),
    ("SIRET", "siret"),
    ("CRM", "nature"),
    ("Code", "code"),
    ("Gravité", "severity"),
    ("Salarié", "employee"),
    ("Matricule", "payroll_number"),
    ("Rubrique", "field"),
    ("Valeur", "value"),
    ("Message", "message"),
    ("Correction", "hint"),
    ("État", "status"),
)

Dossier = Annotated[str, typer.Option(help="Code du dossier.")]
Month = Annotated[str, typer.Option(help="Mois de dépôt DSN, AAAA-MM.")]


def _store():
    from coursier.settings import CoursierSettings
    from coursier.store import open_store

    return open_store(CoursierSettings().effective_database_url())


@app.command("integrate")
def integrate(
    dossier: Dossier,
    month: Month,
    association: Annotated[
        list[str] | None, typer.Option(help="SIRET d'une association (répétable) ; toutes sinon.")
    ] = None,
) -> None:
    """Intégration automatique des CRM des associations du dossier pour ce mois."""
    check_dossiers([dossier], "--dossier")
    parse_month(month, "--month")
    from coursier.flows.pas_crm import pas_crm
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():
        state = pas_crm(dossier=dossier, month=month, associations=association, return_state=True)
    console().print(Text(f"{state.name} : {state.message or ''}"))
    if state.is_failed():
        raise typer.Exit(RUN_EXIT_FAILED)
    raise typer.Exit(RUN_EXIT_PARTIAL if state.name == "Partial" else RUN_EXIT_OK)


@app.command("anomalies")
def anomalies(
    dossier: Annotated[str | None, typer.Option(help="Un seul dossier.")] = None,
    month: Annotated[str | None, typer.Option(help="Mois de dépôt DSN, AAAA-MM.")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Aussi les anomalies déjà corrigées.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Un tableau JSON, seul.")] = False,
) -> None:
    """Les anomalies des CRM à corriger : code, gravité, salarié, rubrique, comment corriger."""
    if dossier is not None:
        check_dossiers([dossier], "--dossier")
    first_day = parse_month(month, "--month")
    from coursier.store.pas import anomalies_of

    with _store() as store, store.read() as session:
        rows = anomalies_of(
            session, dossier=dossier, month=first_day, status=None if every else "open"
        )
        found = [_anomaly_dict(row) for row in rows]
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    shown = console()
    if not found:
        shown.print("Aucune anomalie à corriger.")
        return
    table = Table(*(title for title, _ in WORK_LIST_COLUMNS))
    for item in found:
        table.add_row(*(Text(_cell(item[name])) for _, name in WORK_LIST_COLUMNS))
    shown.print(table)
    shown.print(Text("Une fois corrigée dans la paie : coursier pas correct N°"))


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _anomaly_dict(row) -> dict[str, object]:
    return {
        "id": row.id,
        "dossier": row.dossier,
        "month": f"{row.month:%Y-%m}",
        "siret": row.siret,
        "nature": row.nature,
        "code": row.code,
        "severity": "bloquant" if row.blocking else "non bloquant",
        "employee": row.employee,
        "payroll_number": row.payroll_number,
        "field": row.field,
        "value": row.value,
        "message": row.message,
        "hint": row.hint,
        "status": "corrigée" if row.status == "corrected" else "à corriger",
        "corrected_by": row.corrected_by,
    }


@app.command("correct")
def correct(
    anomaly: Annotated[int, typer.Argument(metavar="N°", help="Le numéro de l'anomalie.")],
    by: Annotated[str | None, typer.Option(help="Qui l'a corrigée ; vous par défaut.")] = None,
) -> None:
    """Marque une anomalie comme corrigée (la correction partira dans la prochaine DSN)."""
    from coursier.store.pas import mark_corrected

    who = by or getpass.getuser()
    with _store() as store, store.begin() as session:
        row = mark_corrected(session, anomaly, who)
        if row is None:
            raise typer.BadParameter(
                f"aucune anomalie n° {anomaly} : voyez `coursier pas anomalies --all`",
                param_hint="N°",
            )
        store_dossier, code = row.dossier, row.code
    console().print(Text(f"Anomalie n° {anomaly} ({code}, dossier {store_dossier}) corrigée."))


@app.command("rates")
def rates(
    dossier: Dossier,
    month: Month,
    as_csv: Annotated[bool, typer.Option("--csv", help="Du CSV sur la sortie, seul.")] = False,
) -> None:
    """Les taux à déclarer le mois suivant, un salarié par ligne (S21.G00.50.006/.007/.008)."""
    check_dossiers([dossier], "--dossier")
    first_day = parse_month(month, "--month")
    from coursier.models.pas_export import next_pay_month, rate_line
    from coursier.store.pas import rates_of

    pay_on = next_pay_month(first_day)
    with _store() as store, store.read() as session:
        stored = rates_of(session, dossier, first_day)
    lines = [{"siret": s.siret, **rate_line(s.rate, pay_on).csv_row()} for s in stored]
    if not lines:
        raise typer.BadParameter(
            f"aucun taux intégré pour le dossier {dossier} en {month} : lancez d'abord "
            f"`coursier pas integrate --dossier {dossier} --month {month}`",
            param_hint="--month",
        )
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(lines[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(lines)
        return
    table = Table(*lines[0].keys(), title=f"Taux PAS pour la paie de {pay_on:%m/%Y}")
    for line in lines:
        table.add_row(*(Text(value) for value in line.values()))
    console().print(table)
