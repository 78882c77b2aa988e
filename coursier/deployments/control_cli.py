"""``coursier dsn control``: the deposit control table, filtered like the control screen."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from coursier.deployments.terminal import console
from coursier.models.control import ControlRow, control_rows

if TYPE_CHECKING:
    from coursier.settings import CoursierSettings

STATE_STYLES = {
    "accepted": "green",
    "to_check": "yellow",
    "rejected": "red",
    "not_deposited_m2m": "dim",
}


def parse_month(text: str | None, option: str) -> date | None:
    """``YYYY-MM`` → the first day of that month; a clear error otherwise."""
    if text is None:
        return None
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        message = f"{text!r} : mois attendu au format AAAA-MM"
        raise typer.BadParameter(message, param_hint=option) from None


def load_rows(
    *,
    dossier: str | None = None,
    start: date | None = None,
    end: date | None = None,
    natures: list[str] | None = None,
    only_blocking: bool = False,
    settings: CoursierSettings | None = None,
) -> list[ControlRow]:
    # Here, not at the top: `coursier dsn check` imports this module and needs no store.
    from coursier.settings import CoursierSettings
    from coursier.store import open_store
    from coursier.store.ledger import control_rows as ledger_rows

    settings = settings or CoursierSettings()
    with open_store(settings.effective_database_url()) as store, store.read() as session:
        return control_rows(
            ledger_rows(
                session,
                dossier=dossier,
                start=start,
                end=end,
                natures=natures,
                only_blocking=only_blocking,
            )
        )


def print_rows(console: Console, rows: list[ControlRow]) -> None:
    if not rows:
        console.print("Aucun dépôt ne correspond à ces critères.")
        return
    table = Table(title="Contrôle des DSN", show_lines=False)
    headings = list(rows[0].as_table_row())
    for heading in headings:
        table.add_column(heading, overflow="fold")
    for row in rows:
        cells = [str(value) for value in row.as_table_row().values()]
        style = STATE_STYLES[row.state.value]
        cells[headings.index("Etat")] = f"[{style}]{cells[headings.index('Etat')]}[/]"
        table.add_row(*cells)
    console.print(table)


def control(
    dossier: Annotated[str | None, typer.Option(help="Un seul dossier.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Premier mois déclaré, AAAA-MM.")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Dernier mois déclaré, AAAA-MM.")] = None,
    nature: Annotated[
        list[str] | None, typer.Option(help="Nature(s) : 01, 04, 07… (répétable).")
    ] = None,
    only_blocking: Annotated[
        bool, typer.Option("--only-blocking", help="Seulement les dépôts en erreur bloquante.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Un tableau JSON, seul.")] = False,
) -> None:
    """Tableau de contrôle des dépôts : nature, période, date de dépôt, état, message."""
    rows = load_rows(
        dossier=dossier,
        start=parse_month(start, "--from"),
        end=parse_month(end, "--to"),
        natures=nature,
        only_blocking=only_blocking,
    )
    if as_json:
        typer.echo(
            json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2)
        )
    else:
        print_rows(console(), rows)
