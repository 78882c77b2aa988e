"""``coursier dsn returns``: the returns control, and ``show`` for one deposit's returns.

``coursier dsn returns [--dossier D]`` runs the returns control flow; ``coursier dsn returns
show IDFLUX|FICHIER`` prints what was received for a deposit named by its flux, file name,
path or sha256: each return and each anomaly, without any network call.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from coursier.deployments.control_cli import show_run_end
from coursier.deployments.control_detail_cli import print_detail
from coursier.deployments.dossier_codes import check_dossiers
from coursier.deployments.terminal import console
from coursier.models.control import ControlRow

app = typer.Typer(
    help="Contrôle des retours ; `show` : les comptes-rendus d'un dépôt.",
    no_args_is_help=False,
)


@app.callback(invoke_without_command=True)
def returns(
    context: typer.Context,
    dossier: Annotated[list[str] | None, typer.Option(help="Dossier(s) ; tous par défaut.")] = None,
) -> None:
    """Contrôle des retours de tous les dépôts en cours ; AER rangées par dossier et mois."""
    if context.invoked_subcommand is not None:
        return
    check_dossiers(dossier or [], "--dossier")
    from coursier.flows.dsn_returns import dsn_returns
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():
        state = dsn_returns(dossiers=dossier, return_state=True)
    show_run_end(state, None)


@app.command("show")
def show(
    name: Annotated[
        str, typer.Argument(metavar="IDFLUX|FICHIER", help="Flux, nom ou chemin du fichier.")
    ],
    dossier: Annotated[str | None, typer.Option(help="Seulement dans ce dossier.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Un tableau JSON, seul.")] = False,
) -> None:
    """Les comptes-rendus d'un dépôt et chacune de leurs anomalies (aucun appel réseau)."""
    if dossier is not None:
        check_dossiers([dossier], "--dossier")
    files = [file for row in named_rows(name, dossier) for file in row.files]
    if not files:
        raise typer.BadParameter(
            f"aucun dépôt n'a pour flux, nom, chemin ou empreinte {name!r} : voyez "
            "`coursier dsn control`",
            param_hint="IDFLUX|FICHIER",
        )
    if as_json:
        dumped = [f.model_dump(mode="json", exclude={"history"}) for f in files]
        typer.echo(json.dumps(dumped, ensure_ascii=False, indent=2))
        return
    shown = console()
    for file in files:
        print_detail(shown, file.model_copy(update={"history": []}))


def named_rows(name: str, dossier: str | None) -> list[ControlRow]:
    """The rows of the deposits ``name`` designates, each file with its returns read."""
    from coursier.models.control import control_rows
    from coursier.settings import CoursierSettings
    from coursier.store import open_store
    from coursier.store.ledger import deposits_named, returns_by_deposit

    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as s:
        deposits = deposits_named(s, name.strip(), dossier)
        return control_rows(deposits, returns_by_deposit(s, (d.id for d in deposits)))
