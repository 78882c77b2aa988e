"""``coursier dsn control``: the deposit control table, filtered like the control screen.

One row per declaration (its latest file); ``--detail`` adds, under the table, each row's
returns, anomalies and earlier files; ``--json`` carries all of it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from coursier.deployments.control_detail_cli import print_detail
from coursier.deployments.dossier_codes import check_dossiers
from coursier.deployments.dsn_report import shown
from coursier.deployments.terminal import console
from coursier.models.control import ControlRow
from coursier.models.deposits import ControlState

if TYPE_CHECKING:
    from prefect.states import State

    from coursier.settings import CoursierSettings

STATE_STYLES = {
    ControlState.ACCEPTED: "green",
    ControlState.TO_CHECK: "yellow",
    ControlState.REJECTED: "red",
    ControlState.NOT_DEPOSITED_M2M: "dim",
    ControlState.NOT_DEPOSITED: "magenta",
    ControlState.WAITING: "cyan",
}
#: How a run's end becomes the command's exit code: completed, partial, failed.
RUN_EXIT_OK, RUN_EXIT_PARTIAL, RUN_EXIT_FAILED = 0, 1, 2


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


def parse_natures(texts: list[str] | None) -> list[str] | None:
    """``4`` or ``04`` → ``04`` (the DSN models' one parser); an unknown nature is a clear error."""
    if not texts:
        return None
    from coursier.models.dsn.codes import UnknownCode, parse_nature

    try:
        return [parse_nature(text) for text in texts]
    except UnknownCode as unknown:
        raise typer.BadParameter(str(unknown), param_hint="--nature") from None


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
    from coursier.store.ledger import control_table

    settings = settings or CoursierSettings()
    with open_store(settings.effective_database_url()) as store, store.read() as session:
        return control_table(
            session,
            dossier=dossier,
            start=start,
            end=end,
            natures=natures,
            only_blocking=only_blocking,
        )


def print_rows(console: Console, rows: list[ControlRow]) -> None:
    if not rows:
        console.print("Aucun dépôt ne correspond à ces critères.")
        return
    table = Table(title="Contrôle des DSN", show_lines=False)
    headings = list(rows[0].as_table_row())
    for heading in headings:  # the state is read at a glance: never folded
        table.add_column(heading, overflow="fold", no_wrap=heading == "Etat")
    for row in rows:
        # File names and messages are the user's and the platform's text: never markup.
        cells = [shown(str(value)) for value in row.as_table_row().values()]
        cells[headings.index("Etat")].stylize(STATE_STYLES[row.state])
        table.add_row(*cells)
    console.print(table)


def show_run_end(state: State, dossier: str | None) -> None:
    """Show the control table after a run; exit 0 completed, 1 partial, 2 failed."""
    terminal = console()
    print_rows(terminal, load_rows(dossier=dossier))
    terminal.print(Text.assemble("\n", shown(f"{state.name} : {state.message or ''}")))
    if state.is_failed():
        raise typer.Exit(RUN_EXIT_FAILED)
    raise typer.Exit(RUN_EXIT_PARTIAL if state.name == "Partial" else RUN_EXIT_OK)


def control(
    dossier: Annotated[str | None, typer.Option(help="Un seul dossier.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Premier mois déclaré, AAAA-MM.")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Dernier mois déclaré, AAAA-MM.")] = None,
    nature: Annotated[
        list[str] | None, typer.Option(help="Nature(s) : 01 ou 1, 04, 07… (répétable).")
    ] = None,
    only_blocking: Annotated[
        bool,
        typer.Option("--only-blocking", help="Seulement les déclarations encore à corriger."),
    ] = False,
    detail: Annotated[
        bool,
        typer.Option(
            "--detail", help="Sous le tableau : comptes-rendus, anomalies, fichiers précédents."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Un tableau JSON, seul, détail compris.")
    ] = False,
) -> None:
    """Tableau de contrôle : une ligne par déclaration (son dernier fichier), état, message."""
    if dossier is not None:
        check_dossiers([dossier], "--dossier")
    rows = load_rows(
        dossier=dossier,
        start=parse_month(start, "--from"),
        end=parse_month(end, "--to"),
        natures=parse_natures(nature),
        only_blocking=only_blocking,
    )
    if as_json:
        typer.echo(
            json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2)
        )
        return
    terminal = console()
    print_rows(terminal, rows)
    if detail:
        for row in rows:
            print_detail(terminal, row)
