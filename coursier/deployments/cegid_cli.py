"""``coursier cegid …``: Cegid Flow from the command line.

- ``coursier cegid init [DOSSIER…] [--protocol IBAN=CFONB|DSP2 …] [--retry-failed-of RUN]``
  runs cegid-flow-init (no dossier: every dossier of the portfolio taking part);
- ``coursier cegid watch [DOSSIER…] [--day AAAA-MM-JJ] [--days N] [--retry-failed-of RUN]``
  runs cegid-flow-watch (no dossier: every active one; no day: yesterday);
- ``coursier cegid releves DOSSIER FICHIER`` checks the bank statements Flow shows against the
  CFONB 120 file the bank sent (balances and movement counts): exit 0 all match, 1 some differ,
  2 the file cannot be read (the line at fault named);
- ``coursier cegid credentials set|list|delete|test``: the Loop credentials per scope.

Exit codes as the other run commands: 0 completed, 1 partial, 2 failed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from coursier.connectors.cegid_loop import CEGID_LOOP
from coursier.deployments.control_cli import RUN_EXIT_FAILED, RUN_EXIT_OK, RUN_EXIT_PARTIAL
from coursier.deployments.dossier_codes import check_dossiers
from coursier.deployments.scoped_credentials_cli import credentials_app
from coursier.deployments.terminal import console

PROTOCOLS = ("CFONB", "DSP2")

app = typer.Typer(
    help="Cegid Flow : initialisation des dossiers Cegid Loop, surveillance du flux.",
    no_args_is_help=True,
)
app.add_typer(credentials_app((CEGID_LOOP,)), name="credentials")

Dossiers = Annotated[
    list[str] | None, typer.Argument(help="Codes des dossiers ; aucun : tout le portefeuille.")
]
RetryOf = Annotated[
    str | None,
    typer.Option(
        "--retry-failed-of",
        help="Ne reprendre que les échecs de cette exécution (son identifiant, ou « last »).",
    ),
]


def parse_protocols(values: list[str] | None) -> dict[str, str]:
    """``IBAN=CFONB`` or ``IBAN=DSP2`` options as a mapping; a clear error otherwise."""
    chosen: dict[str, str] = {}
    for value in values or ():
        iban, _, protocol = value.partition("=")
        iban, protocol = iban.replace(" ", "").upper(), protocol.strip().upper()
        if not iban or protocol not in PROTOCOLS:
            raise typer.BadParameter(
                f"« {value} » : écrivez IBAN=CFONB ou IBAN=DSP2", param_hint="--protocol"
            )
        chosen[iban] = protocol
    return chosen


def parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"« {value} » n'est pas une date AAAA-MM-JJ", param_hint="--day"
        ) from None


def _exit_with(state) -> None:
    console().print(Text(f"{state.name} : {state.message or ''}"))
    if state.is_failed():
        raise typer.Exit(RUN_EXIT_FAILED)
    raise typer.Exit(RUN_EXIT_PARTIAL if state.name == "Partial" else RUN_EXIT_OK)


@app.command("init")
def init(
    dossiers: Dossiers = None,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            help="Protocole de collecte d'un compte : IBAN=CFONB ou IBAN=DSP2 "
            "(répétable) ; sinon celui de Loop."
        ),
    ] = None,
    retry_failed_of: RetryOf = None,
) -> None:
    """Initialise Cegid Flow pour des dossiers (prérequis, activation, interlocuteur, service,
    chargement initial)."""
    check_dossiers(dossiers or [])
    protocols = parse_protocols(protocol)
    from coursier.flows.cegid_flow_init import cegid_flow_init
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():
        state = cegid_flow_init(
            dossiers=dossiers or None,
            protocols=protocols or None,
            retry_failed_of=retry_failed_of,
            return_state=True,
        )
    _exit_with(state)


@app.command("watch")
def watch(
    dossiers: Dossiers = None,
    day: Annotated[
        str | None, typer.Option(help="Dernier jour comparé, AAAA-MM-JJ ; sinon hier.")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=20, help="Combien de jours jusqu'à --day.")] = 1,
    retry_failed_of: RetryOf = None,
) -> None:
    """Compare le rapport quotidien de Loop à ce que Flow a reçu ; rejoue les manquants."""
    check_dossiers(dossiers or [])
    last = parse_day(day)
    from coursier.flows.cegid_flow_watch import cegid_flow_watch
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():
        state = cegid_flow_watch(
            dossiers=dossiers or None,
            day=last,
            days=days,
            retry_failed_of=retry_failed_of,
            return_state=True,
        )
    _exit_with(state)


@app.command("releves")
def statements(
    dossier: Annotated[str, typer.Argument(help="Code du dossier.")],
    file: Annotated[
        Path,
        typer.Argument(
            help="Fichier CFONB 120 envoyé par la banque.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
) -> None:
    """Compare les relevés que Cegid Flow affiche au fichier CFONB 120 de la banque."""
    check_dossiers([dossier])
    from coursier.models import cfonb

    try:
        bank = cfonb.parse(file.read_bytes())
    except cfonb.ParseError as error:
        raise typer.BadParameter(f"{file.name}, {error}", param_hint="FICHIER") from None
    checks = _statement_checks(dossier, bank)
    table = Table("Compte", "Jour", "Ancien solde", "Nouveau solde", "Mouvements", "Contrôle")
    for c in checks:
        table.add_row(
            c.account,
            f"{c.day:%d/%m/%Y}",
            str(c.opening),
            str(c.closing),
            str(c.movements),
            Text("✓" if c.matches else "; ".join(c.problems)),
        )
    console().print(table)
    raise typer.Exit(RUN_EXIT_OK if all(c.matches for c in checks) else RUN_EXIT_PARTIAL)


def _statement_checks(code: str, bank):
    from coursier.connectors.cegid_loop.client import CegidLoopClient
    from coursier.connectors.credentials import ScopeChain
    from coursier.connectors.errors import ConnectorError
    from coursier.models.cegid_statements import check_statements
    from coursier.settings import CoursierSettings
    from coursier.store import open_store
    from coursier.store.portfolio import get_dossier

    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as s:
        view = get_dossier(s, code)
    try:
        block = CEGID_LOOP.resolve(ScopeChain.of(view)).block
        with CegidLoopClient.from_block(block) as loop:
            shown = [
                seen
                for day in sorted({st.opening_on for st in bank})
                for seen in loop.flow_statements(code, day)
            ]
    except ConnectorError as error:
        console().print(Text(f"Cegid Loop : {error}"))
        raise typer.Exit(RUN_EXIT_FAILED) from None
    return check_statements(bank, shown)
