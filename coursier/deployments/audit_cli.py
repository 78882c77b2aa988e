"""``coursier audit``: the trail listed (the default, with its filters), ``audit verify`` and
``audit report`` (the auditor's: what was sent for a dossier over a period, what came back).

None imports Prefect: they answer at once.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from coursier.deployments.audit_report_render import (
    COLUMNS,
    HEADERS,
    as_dicts,
    report_html,
    report_lines,
    title,
    trail_text,
)
from coursier.deployments.terminal import console
from coursier.settings import CoursierSettings
from coursier.store import open_store, query_audit
from coursier.store.audit import verify_audit
from coursier.store.audit_report import Period, audit_report
from coursier.store.portfolio import get_dossier

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


@app.command()
def report(
    dossier: Annotated[str, typer.Option("--dossier", help="Code du dossier.")],
    quarter: Annotated[
        str | None, typer.Option("--quarter", help="Un trimestre : AAAA-T1 … AAAA-T4.")
    ] = None,
    month: Annotated[str | None, typer.Option("--month", help="Un mois : AAAA-MM.")] = None,
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="Du AAAA-MM-JJ…")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="…au AAAA-MM-JJ inclus.")
    ] = None,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Du CSV, une ligne par envoi, retour ou événement.")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Écrit le rapport en page HTML à imprimer (ou en PDF).", dir_okay=False
        ),
    ] = None,
) -> None:
    """Rapport pour l'auditeur : ce qui a été envoyé pour un dossier sur une période, quand, par
    qui, et ce qui est revenu ; avec l'état de la piste d'audit."""
    period = _period(quarter, month, start, end)
    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as session:
        found = audit_report(session, dossier, period)
        known = get_dossier(session, dossier) is not None
    if not known:
        typer.echo(
            f"! {dossier} n'est pas (ou plus) dans le portefeuille : seul son historique est lu.",
            err=True,
        )
    if html is not None:
        try:
            html.write_text(report_html(found), encoding="utf-8")
        except OSError as error:
            _bad_input(f"--html {html} : écriture impossible ({error.strerror})")
        typer.echo(f"Rapport écrit dans {html} : {title(found)}. {trail_text(found)}")
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(as_dicts(report_lines(found)))
    else:
        table = Table(title=title(found), caption=trail_text(found))
        for header in HEADERS:
            table.add_column(header, overflow="fold")
        for line in as_dicts(report_lines(found)):
            table.add_row(*(escape(line[c]) for c in COLUMNS))
        console().print(table)
    if not found.trail.intact:
        raise typer.Exit(1)


QUARTER = re.compile(r"^(\d{4})-[TQ]([1-4])$", re.IGNORECASE)


def _period(
    quarter: str | None, month: str | None, start: datetime | None, end: datetime | None
) -> Period:
    """The one period asked for, by quarter, month or bounds; a usage error otherwise."""
    given = [name for name, value in (("--quarter", quarter), ("--month", month)) if value]
    if start or end:
        given.append("--from/--to")
    if len(given) != 1:
        _bad_input(
            "donnez une période, une seule : --quarter AAAA-Tn, --month AAAA-MM ou --from/--to"
        )
    if quarter:
        matched = QUARTER.match(quarter.strip())
        if not matched:
            _bad_input(f"--quarter {quarter!r} : écrivez AAAA-T1 … AAAA-T4 (2026-T1)")
        year, number = int(matched[1]), int(matched[2])
        first = date(year, 3 * number - 2, 1)
        return Period(first, _month_end(date(year, 3 * number, 1)))
    if month:
        try:
            first = date.fromisoformat(f"{month.strip()}-01")
        except ValueError:
            _bad_input(f"--month {month!r} : écrivez AAAA-MM (2026-03)")
        return Period(first, _month_end(first))
    if not (start and end):
        _bad_input("--from et --to vont ensemble : la période a deux bornes")
    try:
        return Period(start.date(), end.date())
    except ValueError as error:
        _bad_input(f"--from/--to : {error}")


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _bad_input(message: str) -> NoReturn:
    typer.echo(f"✘ {message}", err=True)
    raise typer.Exit(2)
