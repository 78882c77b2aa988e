"""``coursier credentials …``: Net-Entreprises / IZILIO identifiers, per scope.

Identifiers are saved as Prefect Blocks (the password encrypted by the Prefect server) under a
name that encodes their platform and scope (``izilio--dossier--cch-001``); a dossier uses the
narrowest saved for its platform (dossier, company, directory, then application; see
``connectors/net_entreprises/scopes.py``, legacy names included). Both platforms may be saved
at one scope: where a scope alone does not tell which is meant (``delete``, ``test --scope``),
``--platform`` does. The password is read from a hidden prompt or from standard input
(``--password-stdin``), never from an option that would land in the shell's history, and it is
never printed, logged or audited.

``test DOSSIER`` logs in with the credentials the dossier uses on its platform; for a
concentrateur account (service 98) it also makes a call on behalf of the dossier's declarant
(from the portfolio), which it therefore needs.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

import pydantic
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from coursier.connectors.credentials import (
    SCOPE_LABELS,
    SET_ADVICE,
    Scope,
    ScopeChain,
    block_name,
    load,
    save,
)
from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.connectors.net_entreprises.scopes import (
    LEGACY_PREFIX,
    Candidate,
    SavedCredentials,
    candidates,
    credentials_prefix,
    decide,
    list_account_credentials,
    platform_served,
    refusal,
    resolve_account_credentials,
    set_advice,
)
from coursier.deployments.credentials_common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    JsonOption,
    KeyOption,
    ScopeOption,
    audit_change,
    dossier_or_fail,
    fail,
    french_error,
    name_or_fail,
    prefect_api,
    scope_text,
    stdin_line,
    warn_if_unknown,
)
from coursier.deployments.terminal import console
from coursier.models.portfolio import PLATFORMS, Platform
from coursier.store import DossierView

app = typer.Typer(
    help="Identifiants Net-Entreprises / IZILIO par étendue (application, répertoire, "
    "société, dossier).",
    no_args_is_help=True,
)

PlatformChoice = Annotated[
    Platform | None,
    typer.Option(
        "--platform",
        help="net-entreprises ou izilio, quand les deux ont des identifiants à cette étendue "
        "(par défaut : celle du dossier).",
    ),
]
CONCENTRATEUR = "98"
_OPTION_OF_FIELD = {
    "siret": "--siret",
    "last_name": "--last-name",
    "first_name": "--first-name",
    "password": "mot de passe",
    "email": "--email",
    "service": "--service",
    "api_version": "--api-version",
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
        Platform, typer.Option("--platform", help="Plateforme de ces identifiants.")
    ] = "net-entreprises",
    environment: Annotated[
        Literal["production", "test"], typer.Option("--environment")
    ] = "production",
    service: Annotated[
        str | None, typer.Option("--service", help="Code service (25/97 par défaut).")
    ] = None,
    api_version: Annotated[
        Literal["1.0", "2.0"] | None,
        typer.Option("--api-version", help="API DSN des dépôts et des listes (1.0 par défaut)."),
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
            # Only when given: the Block's own default stands otherwise.
            **({"api_version": api_version} if api_version else {}),
            auth_url=auth_url,
            deposit_url=deposit_url,
            consultation_url=consultation_url,
            download_url=download_url,
        )
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            message = french_error(error, _OPTION_OF_FIELD)
            errors.print(f"[bold red]✘[/] {escape(message)}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    warn_if_unknown(errors, scope, key)
    with prefect_api(errors):
        moved = _move_legacy_izilio(block)
        name = save(block, credentials_prefix(block.platform))
    if moved is not None:
        _audit(errors, "credentials.renamed", moved[1], moved[2], moved_from=moved[0])
        console().print(
            f"[yellow]![/] {moved[0]} contenait des identifiants izilio (ancien nom) : ils sont "
            f"désormais sous {moved[1]}",
            highlight=False,
        )
    _audit(errors, "credentials.set", name, block)
    console().print(
        f"[green]✔[/] identifiants {block.platform} enregistrés sous {name} "
        f"({scope_text(scope, key)})",
        highlight=False,
    )


@app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """Liste les identifiants enregistrés des deux plateformes, sans jamais montrer de mot de
    passe."""
    with prefect_api(Console(stderr=True)):
        saved = list_account_credentials()
    rows = [
        {
            "name": item.name,
            "scope": item.scope,
            "key": item.key,
            "siret": item.block.siret,
            "platform": item.block.platform,
            "environment": item.block.environment,
            "service": item.block.service_code(),
            "used_for": item.platform,
        }
        for item in saved
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console().print(f"Aucun identifiant enregistré : {SET_ADVICE}", markup=False)
        return
    table = Table()
    # Folded, never cut with "…": a block name is what the other commands are given.
    for header in ("Nom du bloc", "Étendue", "Clé", "SIRET", "Plateforme", "Environnement"):
        table.add_column(header, overflow="fold")
    table.add_column("Service")
    notes = any(_note(item) for item in saved)
    if notes:
        table.add_column("Remarque", overflow="fold")
    for row, item in zip(rows, saved, strict=True):
        cells = [
            row["name"],
            SCOPE_LABELS[row["scope"]],
            row["key"] or "",
            row["siret"],
            row["platform"],
            row["environment"],
            row["service"],
        ]
        table.add_row(*map(escape, cells), *([escape(_note(item))] if notes else []))
    console().print(table)


def _note(item: SavedCredentials) -> str:
    if item.platform is None:
        return (
            f"jamais utilisé : le nom dit {item.name.partition('--')[0]}, le bloc "
            f"{item.block.platform} ; enregistrez-le de nouveau"
        )
    if item.legacy:
        return f"ancien nom, utilisé pour {item.platform}"
    return ""


@app.command("resolve")
def resolve_command(
    dossier: Annotated[str, typer.Argument(help="Code du dossier.")],
    platform: PlatformChoice = None,
) -> None:
    """Montre quels identifiants un dossier utilise sur sa plateforme, et pourquoi."""
    errors = Console(stderr=True, soft_wrap=True)
    view = dossier_or_fail(errors, dossier)
    wanted = platform or view.platform
    with prefect_api(errors):
        saved = {item.name: item for item in list_account_credentials()}
    out = Console(soft_wrap=True)
    out.print(
        f"Dossier {escape(dossier)} sur {wanted} : du plus précis au plus large", highlight=False
    )
    chosen: Candidate | None = None
    refused: Candidate | None = None
    for candidate in candidates(_chain(view), wanted):
        item = saved.get(candidate.name)
        if candidate.legacy and (item is None or item.platform != wanted):
            continue  # shown only when it holds this platform's credentials (a legacy name)
        if item is None:
            mark = "absent"
        elif chosen or refused:
            mark = "présent"
        else:
            decision = decide(candidate, item.block.platform, wanted)
            if decision == "use":
                chosen, mark = candidate, "→ utilisé"
            elif decision == "refuse":
                refused, mark = candidate, f"✘ identifiants {item.block.platform}"
            else:
                mark = f"ignoré : identifiants {item.block.platform}"
        label = scope_text(candidate.scope, candidate.key)
        out.print(f"  {label:<40} {candidate.name:<50} {mark}", markup=False, highlight=False)
    if refused is not None:
        block_platform = saved[refused.name].block.platform
        fail(errors, refusal(refused.name, block_platform, wanted), EXIT_FAILED)
    if chosen is None:
        fail(errors, f"aucun identifiant pour ce dossier : {set_advice(wanted)}", EXIT_FAILED)


@app.command("delete")
def delete_command(
    scope: ScopeOption, key: KeyOption = None, platform: PlatformChoice = None
) -> None:
    """Supprime les identifiants d'une étendue (les plus larges reprennent la main)."""
    errors = Console(stderr=True, soft_wrap=True)
    with prefect_api(errors):
        # With --platform, every block that platform would use at this scope: its own name and
        # a legacy one, so that the wider scopes do take over.
        found = _saved_at(errors, scope, key, platform, "supprimer", EXIT_BAD_INPUT)
        for name, _block in found:
            NetEntreprisesCredentials.delete(name)
    for name, block in found:
        _audit(
            errors, "credentials.delete", name, None, scope=scope, key=key, platform=block.platform
        )
        console().print(f"[green]✔[/] {name} supprimé", highlight=False)


@app.command("test")
def connection_test(
    dossier: Annotated[
        str | None, typer.Argument(help="Code du dossier (ou --scope/--key).")
    ] = None,
    scope: Annotated[Scope | None, typer.Option("--scope")] = None,
    key: KeyOption = None,
    platform: PlatformChoice = None,
) -> None:
    """Test de connexion : s'authentifie pour de vrai avec les identifiants retenus ; pour un
    concentrateur, fait aussi un appel au nom du déclarant du dossier."""
    errors = Console(stderr=True, soft_wrap=True)
    view: DossierView | None = None
    with prefect_api(errors):
        if dossier is not None:
            view = dossier_or_fail(errors, dossier)
            try:
                resolved = resolve_account_credentials(_chain(view), platform or view.platform)
            except ConnectorError as exc:  # CredentialsNotFound among them
                fail(errors, str(exc), EXIT_FAILED)
            block, name = resolved.block, resolved.name
        elif scope is not None:
            name, block = _saved_at(errors, scope, key, platform, "tester", EXIT_FAILED)[0]
        else:
            fail(errors, "indiquez un dossier, ou --scope (et --key)", EXIT_BAD_INPUT)
    concentrateur = block.service_code() == CONCENTRATEUR
    declarant = view.declarant if concentrateur and view is not None else None
    if concentrateur and view is not None and declarant is None:
        fail(errors, _no_declarant(view, name), EXIT_FAILED)
    acting_for = f", pour le déclarant {declarant.siret}" if declarant else ""
    try:
        with NetEntreprisesClient(block, declarant=declarant) as client:
            if concentrateur and view is None:
                client.authenticate()  # no dossier, so no declarant to act for
            else:
                client.test_connection()
    except ConnectorError as exc:
        fail(errors, f"échec de la connexion avec {name}{acting_for} : {exc}", EXIT_FAILED)
    console().print(
        f"[green]✔[/] connexion réussie avec {name} ({block.platform}, {block.environment}, "
        f"service {block.service_code()}{acting_for})",
        highlight=False,
    )
    if concentrateur and view is None:
        console().print(
            "  concentrateur : seule l'authentification est testée ; indiquez un dossier pour "
            "tester aussi un appel au nom de son déclarant",
            highlight=False,
        )


def _no_declarant(view: DossierView, name: str) -> str:
    return (
        f"{name} est un compte concentrateur (service {CONCENTRATEUR}) : il dépose au nom d'un "
        f"déclarant, que le portefeuille ne donne pas pour le dossier {view.code} ; ajoutez "
        "declarant: {siret, last_name, first_name} à sa société ou au dossier (colonnes "
        "declarant_siret, declarant_last_name, declarant_first_name en CSV), puis "
        "`coursier portfolio import`"
    )


def _saved_at(
    errors: Console,
    scope: Scope,
    key: str | None,
    platform: Platform | None,
    verb: str,
    missing_code: int,
) -> list[tuple[str, NetEntreprisesCredentials]]:
    """The blocks saved at ``scope``/``key``. For ``platform``: those used for it (its own
    name first, then a legacy one), and a block under its name that serves no platform. Without:
    the one block saved there. Fails when there is none, or several and no ``--platform``."""
    found: list[tuple[str, NetEntreprisesCredentials]] = []
    for prefix in dict.fromkeys([*(credentials_prefix(p) for p in PLATFORMS), LEGACY_PREFIX]):
        name = name_or_fail(errors, prefix, scope, key)
        block = load(NetEntreprisesCredentials, name)
        if block is None:
            continue
        served = platform_served(name, block.platform)
        own_name = platform is not None and prefix == credentials_prefix(platform)
        if platform is None or served == platform or (own_name and served is None):
            found.append((name, block))
    if platform is not None:
        found.sort(key=lambda item: not item[0].startswith(f"{platform}--"))
    if not found:
        tried = [
            name_or_fail(errors, credentials_prefix(p), scope, key)
            for p in ([platform] if platform else PLATFORMS)
        ]
        fail(
            errors,
            f"aucun identifiant de connexion enregistré sous {' ni '.join(tried)} : voyez ceux "
            "qui le sont avec `coursier credentials list`",
            missing_code,
        )
    if platform is None and len(found) > 1:
        names = ", ".join(name for name, _ in found)
        fail(
            errors,
            f"plusieurs identifiants à cette étendue ({names}) : précisez lesquels {verb} avec "
            "--platform net-entreprises ou --platform izilio",
            EXIT_BAD_INPUT,
        )
    return found


def _move_legacy_izilio(
    block: NetEntreprisesCredentials,
) -> tuple[str, str, NetEntreprisesCredentials] | None:
    """Net-Entreprises credentials are saved under a name that may still hold IZILIO's (a
    legacy name): those move to their ``izilio--`` name first, unless one is saved there
    already (which they no longer override), so that nothing is lost. (from, to, block)."""
    if block.platform != LEGACY_PREFIX:
        return None
    name = block_name(LEGACY_PREFIX, block.scope, block.scope_key)
    existing = load(NetEntreprisesCredentials, name)
    if existing is None or existing.platform == LEGACY_PREFIX:
        return None
    target = block_name(credentials_prefix(existing.platform), block.scope, block.scope_key)
    if load(NetEntreprisesCredentials, target) is not None:
        return None
    save(existing, credentials_prefix(existing.platform))
    return name, target, existing


def _read_password(errors: Console, from_stdin: bool) -> str:
    if from_stdin:
        password = stdin_line()
        if password is None:
            fail(
                errors,
                "entrée standard fermée : passez-y le mot de passe (… | coursier credentials set "
                "… --password-stdin), ou omettez --password-stdin pour le saisir",
                EXIT_BAD_INPUT,
            )
    else:
        password = typer.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    if not password:
        fail(errors, "mot de passe vide : saisissez-le", EXIT_BAD_INPUT)
    return password


def _chain(dossier: DossierView) -> ScopeChain:
    return ScopeChain.of(dossier)


def _audit(
    errors: Console,
    action: str,
    name: str,
    block: NetEntreprisesCredentials | None,
    *,
    scope: Scope | None = None,
    key: str | None = None,
    platform: str | None = None,
    moved_from: str | None = None,
) -> None:
    """Who saved or deleted which identifiers; the password is not part of the details."""
    details: dict[str, object] = {"platform": platform}
    if block is not None:
        scope, key = block.scope, block.scope_key
        details = {
            "siret": block.siret,
            "platform": block.platform,
            "environment": block.environment,
        }
    if moved_from is not None:
        details["moved_from"] = moved_from
    audit_change(errors, action, name, scope, key, details)
