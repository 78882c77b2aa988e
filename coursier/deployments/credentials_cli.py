"""``coursier credentials …``: Net-Entreprises / IZILIO identifiers, per scope.

Identifiers are saved as Prefect Blocks (the password encrypted by the Prefect server) under a
name that encodes their scope; a dossier uses the narrowest saved for it (dossier, company,
directory, then application). The password is read from a hidden prompt or from standard input
(``--password-stdin``), never from an option that would land in the shell's history, and it is
never printed, logged or audited.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal, NoReturn

import httpx
import pydantic
import typer
from prefect.exceptions import PrefectHTTPStatusError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from coursier.connectors.credentials import (
    SCOPE_LABELS,
    SET_ADVICE,
    CredentialsNotFound,
    Scope,
    ScopeChain,
    block_name,
    delete,
    list_saved,
    load,
    resolve,
    save,
)
from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.block import NAME_PREFIX, NetEntreprisesCredentials
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.deployments.terminal import console
from coursier.models.portfolio import slug
from coursier.settings import CoursierSettings
from coursier.store import DossierView, append_audit, get_dossier, list_dossiers, open_store

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2

app = typer.Typer(
    help="Identifiants Net-Entreprises / IZILIO par étendue (application, répertoire, "
    "société, dossier).",
    no_args_is_help=True,
)

ScopeOption = Annotated[
    Scope, typer.Option("--scope", help="application, directory, company ou dossier.")
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key", help="Code du répertoire, SIREN de la société ou code du dossier selon --scope."
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Un tableau JSON sur la sortie standard, seul.")
]
_OPTION_OF_FIELD = {
    "siret": "--siret",
    "last_name": "--last-name",
    "first_name": "--first-name",
    "password": "mot de passe",
    "email": "--email",
    "service": "--service",
    "auth_url": "--auth-url",
    "deposit_url": "--deposit-url",
    "consultation_url": "--consultation-url",
    "download_url": "--download-url",
    "scope_key": "--key",
}


@app.command("set")
def set_command(
    scope: ScopeOption,
    siret: Annotated[str, typer.Option("--siret", help="SIRET du compte déclarant.")],
    last_name: Annotated[str, typer.Option("--last-name", help="Nom du déclarant.")],
    first_name: Annotated[str, typer.Option("--first-name", help="Prénom du déclarant.")],
    key: KeyOption = None,
    email: Annotated[str | None, typer.Option("--email", help="Courriel.")] = None,
    platform: Annotated[
        Literal["net-entreprises", "izilio"], typer.Option("--platform")
    ] = "net-entreprises",
    environment: Annotated[
        Literal["production", "test"], typer.Option("--environment")
    ] = "production",
    service: Annotated[
        str | None, typer.Option("--service", help="Code service (25/97 par défaut).")
    ] = None,
    auth_url: Annotated[str | None, typer.Option("--auth-url")] = None,
    deposit_url: Annotated[str | None, typer.Option("--deposit-url")] = None,
    consultation_url: Annotated[str | None, typer.Option("--consultation-url")] = None,
    download_url: Annotated[str | None, typer.Option("--download-url")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Lit le mot de passe sur l'entrée standard.")
    ] = False,
) -> None:
    """Enregistre (ou remplace) les identifiants d'une étendue."""
    errors = Console(stderr=True, soft_wrap=True)
    try:
        block = NetEntreprisesCredentials(
            scope=scope,
            scope_key=key,
            siret=siret,
            last_name=last_name,
            first_name=first_name,
            password=_read_password(errors, password_stdin),
            email=email,
            platform=platform,
            environment=environment,
            service=service,
            auth_url=auth_url,
            deposit_url=deposit_url,
            consultation_url=consultation_url,
            download_url=download_url,
        )
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            errors.print(f"[bold red]✘[/] {escape(_french(error))}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _warn_if_unknown(errors, scope, key)
    with _prefect_api(errors):
        name = save(block, NAME_PREFIX)
    _audit("credentials.set", name, block)
    console().print(
        f"[green]✔[/] identifiants enregistrés sous {name} ({_scope_text(scope, key)})",
        highlight=False,
    )


@app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """Liste les identifiants enregistrés, sans jamais montrer de mot de passe."""
    with _prefect_api(Console(stderr=True)):
        saved = list_saved(NetEntreprisesCredentials, NAME_PREFIX)
    rows = [
        {
            "name": name,
            "scope": scope,
            "key": key,
            "siret": block.siret,
            "platform": block.platform,
            "environment": block.environment,
        }
        for name, scope, key, block in saved
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console().print(f"Aucun identifiant enregistré : {SET_ADVICE}", markup=False)
        return
    table = Table("Nom du bloc", "Étendue", "Clé", "SIRET", "Plateforme", "Environnement")
    for row in rows:
        table.add_row(
            row["name"],
            SCOPE_LABELS[row["scope"]],
            escape(row["key"] or ""),
            row["siret"],
            row["platform"],
            row["environment"],
        )
    console().print(table)


@app.command("resolve")
def resolve_command(
    dossier: Annotated[str, typer.Argument(help="Code du dossier.")],
) -> None:
    """Montre quels identifiants un dossier utilise, et pourquoi."""
    errors = Console(stderr=True, soft_wrap=True)
    chain = _chain(_dossier(errors, dossier))
    with _prefect_api(errors):
        saved = {name for name, *_ in list_saved(NetEntreprisesCredentials, NAME_PREFIX)}
    console = Console(soft_wrap=True)
    console.print(f"Dossier {escape(dossier)} : du plus précis au plus large", highlight=False)
    chosen = next((name for name in chain.candidates(NAME_PREFIX) if name in saved), None)
    for (scope, key), name in zip(chain.scopes(), chain.candidates(NAME_PREFIX), strict=True):
        mark = "→ utilisé" if name == chosen else "présent" if name in saved else "absent"
        console.print(f"  {_scope_text(scope, key):<40} {name:<50} {mark}", markup=False)
    if chosen is None:
        _fail(errors, f"aucun identifiant pour ce dossier : {SET_ADVICE}", EXIT_FAILED)


@app.command("delete")
def delete_command(scope: ScopeOption, key: KeyOption = None) -> None:
    """Supprime les identifiants d'une étendue (les plus larges reprennent la main)."""
    errors = Console(stderr=True, soft_wrap=True)
    try:
        with _prefect_api(errors):
            name = delete(NetEntreprisesCredentials, NAME_PREFIX, scope, key)
    except (CredentialsNotFound, ValueError) as exc:
        errors.print(f"[bold red]✘[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _audit("credentials.delete", name, None, scope=scope, key=key)
    console().print(f"[green]✔[/] {name} supprimé", highlight=False)


@app.command("test")
def connection_test(
    dossier: Annotated[
        str | None, typer.Argument(help="Code du dossier (ou --scope/--key).")
    ] = None,
    scope: Annotated[Scope | None, typer.Option("--scope")] = None,
    key: KeyOption = None,
) -> None:
    """Test de connexion : s'authentifie pour de vrai avec les identifiants retenus."""
    errors = Console(stderr=True, soft_wrap=True)
    with _prefect_api(errors):
        if dossier is not None:
            chain = _chain(_dossier(errors, dossier))
            try:
                resolved = resolve(NetEntreprisesCredentials, chain, NAME_PREFIX)
            except CredentialsNotFound as exc:
                _fail(errors, str(exc), EXIT_FAILED)
            block, name = resolved.block, resolved.name
        elif scope is not None:
            name = _name_or_fail(errors, scope, key)
            found = load(NetEntreprisesCredentials, name)
            if found is None:
                _fail(errors, str(CredentialsNotFound([name])), EXIT_FAILED)
            block = found
        else:
            _fail(errors, "indiquez un dossier, ou --scope (et --key)", EXIT_BAD_INPUT)
    try:
        with NetEntreprisesClient(block) as client:
            client.authenticate()
    except ConnectorError as exc:
        _fail(errors, f"échec de la connexion avec {name} : {exc}", EXIT_FAILED)
    console().print(
        f"[green]✔[/] connexion réussie avec {name} ({block.platform}, {block.environment}, "
        f"service {block.service_code()})",
        highlight=False,
    )


def _read_password(errors: Console, from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    if not password:
        _fail(errors, "mot de passe vide : saisissez-le", EXIT_BAD_INPUT)
    return password


def _french(error: Any) -> str:
    """A validation error of the Block in French; never quotes the input (the password)."""
    field = _OPTION_OF_FIELD.get(str(error["loc"][0]), "") if error["loc"] else ""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "value_error":
        message = str(ctx["error"])
    elif kind in ("string_too_long", "too_long"):
        message = f"trop long : {ctx['max_length']} caractères au plus"
    elif kind in ("string_too_short", "too_short"):
        message = "vide : renseignez-le"
    else:
        message = f"valeur refusée ({error['msg']})"
    return f"{field} : {message}" if field else message


def _warn_if_unknown(errors: Console, scope: Scope, key: str | None) -> None:
    """Identifiers for a key the portfolio does not know would never be used: say so."""
    if scope == "application" or not key:
        return
    with open_store(CoursierSettings().effective_database_url()) as store, store.begin() as s:
        dossiers = list_dossiers(s)
    known = {
        "dossier": {d.code for d in dossiers},
        "company": {d.siren for d in dossiers},
        "directory": {d.directory_code for d in dossiers},
    }[scope]
    if slug(key) not in {slug(k) for k in known}:
        errors.print(
            f"[yellow]![/] {escape(key)} n'est pas dans le portefeuille ({SCOPE_LABELS[scope]}) "
            ": ces identifiants ne serviront qu'une fois le portefeuille importé",
            highlight=False,
        )


def _dossier(errors: Console, code: str) -> DossierView:
    with open_store(CoursierSettings().effective_database_url()) as store, store.begin() as s:
        dossier = get_dossier(s, code)
    if dossier is None:
        _fail(
            errors,
            f"dossier {code} inconnu : vérifiez son code (`coursier portfolio list`) ou importez "
            "le portefeuille",
            EXIT_BAD_INPUT,
        )
    return dossier


def _chain(dossier: DossierView) -> ScopeChain:
    return ScopeChain(dossier=dossier.code, company=dossier.siren, directory=dossier.directory_code)


def _name_or_fail(errors: Console, scope: Scope, key: str | None) -> str:
    try:
        return block_name(NAME_PREFIX, scope, key)
    except ValueError as exc:
        _fail(errors, str(exc), EXIT_BAD_INPUT)


def _scope_text(scope: Scope, key: str | None) -> str:
    return SCOPE_LABELS[scope] + (f" {key}" if key else "")


def _audit(
    action: str,
    name: str,
    block: NetEntreprisesCredentials | None,
    *,
    scope: Scope | None = None,
    key: str | None = None,
) -> None:
    """Who saved or deleted which identifiers; the password is not part of the details."""
    if block is not None:
        scope, key = block.scope, block.scope_key
        details = {
            "scope": scope,
            "key": key,
            "siret": block.siret,
            "platform": block.platform,
            "environment": block.environment,
        }
    else:
        details = {"scope": scope, "key": key}
    with open_store(CoursierSettings().effective_database_url()) as store, store.begin() as s:
        append_audit(
            s,
            actor=getpass.getuser(),
            action=action,
            subject=name,
            dossier=key if scope == "dossier" else None,
            outcome="ok",
            details=details,
        )


@contextmanager
def _prefect_api(errors: Console) -> Iterator[None]:
    """Turns an unreachable or failing Prefect API into a message saying what to do."""
    try:
        yield
    except (httpx.HTTPError, PrefectHTTPStatusError) as exc:
        _fail(
            errors,
            f"l'API Prefect ne répond pas ({type(exc).__name__}) : démarrez le serveur Prefect "
            "ou vérifiez PREFECT_API_URL",
            EXIT_FAILED,
        )


def _fail(errors: Console, message: str, code: int) -> NoReturn:
    errors.print(f"[bold red]✘[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)
