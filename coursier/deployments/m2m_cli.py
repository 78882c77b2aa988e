"""``coursier m2m on|off|status``: machine-to-machine deposit, per operator and per module.

Off until switched on, as in the M2M seed: with it off, the deposit flow checks and records
files as "not deposited M2M". Each switch is audited.
"""

from __future__ import annotations

import getpass
import json
from enum import Enum
from typing import Annotated, cast

import typer
from rich.markup import escape
from rich.table import Table

from coursier.deployments.terminal import console
from coursier.models.portfolio import M2M_MODULES, M2MModule
from coursier.settings import CoursierSettings
from coursier.store import m2m_status, open_store, set_m2m

MODULE_LABELS: dict[M2MModule, str] = {
    "dsn": "DSN mensuelle",
    "signalement": "Signalements",
    "fctu": "FCTU (fin de contrat)",
}

app = typer.Typer(
    help="Dépôt machine à machine (M2M), par opérateur et par module.", no_args_is_help=True
)


def _named(operator: str | None) -> str | None:
    if operator is not None and not operator.strip():
        raise typer.BadParameter("vide : donnez le nom d'un opérateur, ou omettez l'option")
    return operator


Operator = Annotated[
    str | None,
    typer.Option(
        "--operator",
        help="Opérateur concerné (par défaut : l'utilisateur courant).",
        callback=_named,
    ),
]
# typer takes a list of choices only as a list of an Enum.
ModuleChoice = Enum("ModuleChoice", {module: module for module in M2M_MODULES}, type=str)
Modules = Annotated[
    list[ModuleChoice] | None,
    typer.Option("--module", help="dsn, signalement ou fctu ; répétable (par défaut : les trois)."),
]


@app.command("on")
def on(operator: Operator = None, module: Modules = None) -> None:
    """Active le dépôt M2M."""
    _switch(True, operator, module)


@app.command("off")
def off(operator: Operator = None, module: Modules = None) -> None:
    """Désactive le dépôt M2M : les fichiers seront contrôlés mais non déposés."""
    _switch(False, operator, module)


@app.command("status")
def status(
    operator: Operator = None,
    every: Annotated[
        bool, typer.Option("--all", help="Tous les opérateurs ayant un réglage.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Un tableau JSON sur la sortie standard, seul.")
    ] = False,
) -> None:
    """Montre, par module, si le dépôt M2M est actif."""
    who = None if every else operator or getpass.getuser()
    with open_store(CoursierSettings().effective_database_url()) as store, store.begin() as s:
        statuses = m2m_status(s, who)
    if as_json:
        rows = [
            {
                "operator": st.operator,
                "module": st.module,
                "enabled": st.enabled,
                "updated_at": st.updated_at.isoformat() if st.updated_at else None,
                "updated_by": st.updated_by,
            }
            for st in statuses
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("Opérateur", "Module", "Dépôt M2M", "Modifié le", "Par")
    for st in statuses:
        table.add_row(
            escape(st.operator),
            MODULE_LABELS[st.module],
            "[green]actif[/]" if st.enabled else "inactif",
            f"{st.updated_at:%d/%m/%Y %H:%M}" if st.updated_at else "",
            escape(st.updated_by or ""),
        )
    console().print(table if statuses else "Aucun réglage M2M : le dépôt est inactif partout.")


def _switch(enabled: bool, operator: str | None, modules: list[ModuleChoice] | None) -> None:
    by = getpass.getuser()
    who = operator or by
    chosen = [cast(M2MModule, m.value) for m in modules] if modules else list(M2M_MODULES)
    with open_store(CoursierSettings().effective_database_url()) as store, store.begin() as s:
        for module in dict.fromkeys(chosen):
            set_m2m(s, who, module, enabled, by)
    state = "actif" if enabled else "inactif"
    labels = ", ".join(MODULE_LABELS[m] for m in dict.fromkeys(chosen))
    console().print(f"Dépôt M2M {state} pour {who} : {labels}", markup=False, highlight=False)
