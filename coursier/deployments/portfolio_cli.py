"""``coursier portfolio …``: the firm's directories, companies and dossiers.

``import FILE`` is all or nothing: a file with any problem imports nothing, lists every problem
on standard error (file, line or path, field, what to do) and exits 2. Importing the same file
again changes nothing. Each import is audited with the file's sha256.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from coursier.deployments.terminal import console as new_console
from coursier.models.portfolio import PortfolioError, PortfolioFormat, load_portfolio
from coursier.settings import CoursierSettings
from coursier.store import (
    DossierView,
    Store,
    append_audit,
    import_portfolio,
    list_dossiers,
    open_store,
)
from coursier.store.database import StoreUnavailable

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2
_FORMAT_OF_SUFFIX: dict[str, PortfolioFormat] = {".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}

app = typer.Typer(
    help="Portefeuille : répertoires de données, sociétés et dossiers gérés.",
    no_args_is_help=True,
)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="Fichier CSV ou YAML du portefeuille.")],
    fmt: Annotated[
        Literal["csv", "yaml"] | None,
        typer.Option("--format", help="csv ou yaml (par défaut : selon l'extension)."),
    ] = None,
) -> None:
    """Importe (ou met à jour) le portefeuille ; rien n'est importé si le fichier a un défaut."""
    errors = Console(stderr=True, soft_wrap=True)
    fmt = fmt or _FORMAT_OF_SUFFIX.get(file.suffix.lower())
    if fmt is None:
        _fail(errors, f"{file} : extension inconnue, précisez --format csv ou --format yaml")
    data = _read(errors, file)
    try:
        portfolio = load_portfolio(_decode(errors, file, data), file.name, fmt)
    except PortfolioError as exc:
        count = len(exc.problems)
        errors.print(
            f"[bold red]✘[/] {escape(str(file))} : {count} problème(s), rien n'est importé"
        )
        for problem in exc.problems:
            errors.print(f"  • {problem}", markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    with _store(errors) as store, store.begin() as s:
        summary = import_portfolio(s, portfolio)
        append_audit(
            s,
            actor=getpass.getuser(),
            action="portfolio.import",
            subject=file.name,
            outcome="ok",
            details={**asdict(summary), "sha256": hashlib.sha256(data).hexdigest()},
        )
    new_console().print(
        f"[green]✔[/] {escape(file.name)} : {summary.created} créé(s), "
        f"{summary.updated} modifié(s), {summary.unchanged} inchangé(s) "
        "(répertoires, sociétés et dossiers)"
    )


@app.command("list")
def list_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="Un tableau JSON sur la sortie standard, seul.")
    ] = False,
) -> None:
    """Liste les dossiers du portefeuille, avec leur société (SIREN, ou numéro d'entreprise
    belge), leur répertoire, leurs établissements, leur plateforme par procédure et le déclarant
    pour qui agit un compte concentrateur."""
    with _store(Console(stderr=True, soft_wrap=True)) as store, store.begin() as s:
        dossiers = list_dossiers(s)
    if as_json:
        typer.echo(json.dumps([asdict(d) for d in dossiers], ensure_ascii=False, indent=2))
        return
    console = new_console()
    if not dossiers:
        console.print("Aucun dossier : importez le portefeuille avec `coursier portfolio import`.")
        return
    table = Table()
    headers = ("Dossier", "Nom", "Société", "Numéro", "Répertoire", "Établissements")
    for header in (*headers, "Plateformes"):
        table.add_column(header, overflow="fold")
    declarants = any(d.declarant for d in dossiers)
    if declarants:  # only portfolios with a concentrateur have some: no empty column otherwise
        table.add_column("Déclarant (concentrateur)", overflow="fold")
    for d in dossiers:
        cells = [d.code, d.name, d.company_name, d.company_key, d.directory_code]
        cells.append("\n".join(d.establishments))
        cells.append("\n".join(f"{procedure} : {p}" for procedure, p in d.platforms.items()))
        if declarants:
            cells.append(_declarant_text(d))
        # Values come from the firm's file: shown as text, never read as rich markup.
        table.add_row(*(escape(cell) for cell in cells))
    console.print(table)


def _declarant_text(dossier: DossierView) -> str:
    declarant = dossier.declarant
    if declarant is None:
        return ""
    return f"{declarant.siret}\n{declarant.last_name} {declarant.first_name}"


def _store(errors: Console) -> Store:
    """The store the settings point at; one that cannot be opened is a message and exit 1."""
    try:
        return open_store(CoursierSettings().effective_database_url())
    except StoreUnavailable as exc:
        errors.print(f"[bold red]✘[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_FAILED) from None


def _read(errors: Console, file: Path) -> bytes:
    try:
        return file.read_bytes()
    except IsADirectoryError:
        _fail(errors, f"{file} : c'est un dossier, pas un fichier")
    except FileNotFoundError:
        _fail(errors, f"{file} : fichier introuvable, vérifiez le chemin")
    except OSError as exc:
        _fail(errors, f"{file} : lecture impossible ({exc.strerror or exc})")


def _decode(errors: Console, file: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(
            errors,
            f"{file} : octet {exc.start} illisible en UTF-8 ; enregistrez le fichier en UTF-8 "
            "(dans Excel : « CSV UTF-8 »)",
        )


def _fail(errors: Console, message: str) -> NoReturn:
    errors.print(f"[bold red]✘[/] {escape(message)}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)
