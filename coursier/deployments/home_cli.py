"""``coursier where``, ``coursier init`` and the global ``--home`` option.

``--home`` is acted on by the console script before anything else (``entry.py``: Prefect's home
and key must be in the environment before Prefect is imported); :func:`global_options` declares
it for typer and keeps the home it names for these two commands. ``where`` imports no Prefect;
``init`` does for its last step only, the firm's rate limits on the Prefect server
(:mod:`coursier.connectors.rate_limits`), created when a server is configured.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from coursier.deployments.encryption_key import (
    VARIABLE,
    EncryptionKeyError,
    KeySource,
    forget_prefect_database_key,
    key_in_prefect_database,
    prefect_database,
    settle_key,
)
from coursier.deployments.home import HomeError, HomeSource, LocatedHome, locate_home
from coursier.layout import HomeLayout, Layout

SOURCES = {
    HomeSource.OPTION: "option --home",
    HomeSource.ENVIRONMENT: "variable COURSIER_HOME",
    HomeSource.DEFAULT: "défaut : le dossier de données de l'utilisateur",
}
HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Dossier d'état de cette commande (sinon COURSIER_HOME, sinon le dossier de "
        "données de l'utilisateur).",
        show_default=False,
    ),
]


def global_options(context: typer.Context, home: HomeOption = None) -> None:
    """Procédures de paie et de synchronisation RH, automatisées et auditables."""
    try:
        context.obj = locate_home(home, os.environ)
    except HomeError as error:
        raise typer.BadParameter(str(error), param_hint="--home") from None


def where(context: typer.Context) -> None:
    """Où coursier garde son état : store, Prefect, AER, clé de chiffrement."""
    from coursier.settings import CoursierSettings  # here: its import costs what dsn check takes

    located: LocatedHome = context.obj
    settings = CoursierSettings(home=located.path)
    lines = [
        ("Dossier d'état", f"{located.path} ({SOURCES[located.source]})"),
        ("Store", masked_url(settings.effective_database_url())),
        ("Prefect (PREFECT_HOME)", str(settings.prefect_home)),
        ("AER", str(settings.aer_folder)),
        ("Clé de chiffrement", _key_text(settings)),
    ]
    if key_in_prefect_database(prefect_database(settings)):
        lines.append(
            (
                "Attention",
                "la base de Prefect contient sa propre clé de chiffrement : coursier init",
            )
        )
    width = max(len(label) for label, _ in lines)
    for label, text in lines:
        typer.echo(f"{label.ljust(width)} : {text}")


def init(context: typer.Context) -> None:
    """Prépare le dossier d'état (la clé de chiffrement des identifiants, jamais remplacée) et
    les limites de débit des plateformes sur le serveur Prefect (PREFECT_API_URL)."""
    located: LocatedHome = context.obj
    settings = HomeLayout(located.path)
    try:
        located.path.mkdir(parents=True, exist_ok=True)
        key = settle_key(os.environ, settings)
    except OSError as error:
        _fail(f"impossible de créer {located.path} ({error.strerror})")
    except EncryptionKeyError as error:
        _fail(str(error))
    key_file = settings.encryption_key_file
    database = prefect_database(settings)
    messages = {
        KeySource.ENVIRONMENT: f"Clé de chiffrement prise dans {VARIABLE} : aucun fichier écrit.",
        KeySource.FILE: f"Clé de chiffrement déjà présente, gardée telle quelle : {key_file}",
        KeySource.CREATED: f"Clé de chiffrement créée (lisible par vous seul) : {key_file}",
        KeySource.ADOPTED: f"Clé de chiffrement retirée de la base de Prefect, gardée dans "
        f"{key_file} : les identifiants déjà enregistrés restent lisibles.",
    }
    typer.echo(f"Dossier d'état : {located.path}")
    typer.echo(messages[key.source])
    left = key_in_prefect_database(database)
    if left == key.value and forget_prefect_database_key(database, left):
        typer.echo("Sa copie dans la base de Prefect en a été retirée.")
    elif left:
        typer.echo(
            "Attention : la base de Prefect contient une autre clé ; les identifiants "
            "enregistrés avec elle ne sont plus lisibles : enregistrez-les de nouveau "
            "(coursier credentials set)."
        )
    _rate_limits()


def _rate_limits() -> None:
    """The platforms' call budgets as Prefect rate limits, shared by every worker of the
    server; nothing to do without a server (ephemeral mode: one process, its own pacing)."""
    from prefect.settings import get_current_settings  # here: `where` does without Prefect

    api = get_current_settings().api.url  # the environment's, else the active profile's
    if not api:
        typer.echo(
            "Limites de débit : pas de serveur Prefect (PREFECT_API_URL) ; relancez coursier "
            "init avec PREFECT_API_URL pour les créer avant d'y brancher des workers."
        )
        return
    import httpx

    from coursier.connectors.rate_limits import BUDGETS, ensure_rate_limits

    try:
        changed = ensure_rate_limits()
    except httpx.HTTPError as error:
        _fail(
            f"le serveur Prefect ne répond pas ({type(error).__name__}) : les limites de "
            "débit n'ont pas été créées ; démarrez-le ou corrigez PREFECT_API_URL, puis "
            "relancez coursier init"
        )
    for budget in BUDGETS.values():
        state = "créée ou corrigée" if budget.name in changed else "déjà en place"
        typer.echo(
            f"Limite de débit {budget.name} ({budget.calls} appels en {budget.seconds:.0f} s "
            f"pour tout le cabinet) : {state} sur le serveur Prefect"
        )


def masked_url(url: str) -> str:
    """The store's URL with its password hidden."""
    from sqlalchemy.engine import make_url  # here: the other commands do without SQLAlchemy
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "adresse illisible (COURSIER_DATABASE_URL) : écrivez sqlite:///… ou postgresql://…"


def _key_text(settings: Layout) -> str:
    key_file = settings.encryption_key_file
    if os.environ.get(VARIABLE):
        return f"fournie par la variable {VARIABLE} (le fichier {key_file} ne sert pas)"
    if key_file.exists():
        return str(key_file)
    return f"{key_file} (absente : créée au premier usage, ou par coursier init)"


def _fail(message: str) -> NoReturn:
    typer.echo(f"Erreur : {message}", err=True)
    raise typer.Exit(1)
