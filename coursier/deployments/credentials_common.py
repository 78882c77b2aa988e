"""What every ``… credentials`` command group shares: options, messages, the Prefect API and
the store as a message instead of a traceback, and the audit row of a change.

The DSN platforms' group (``coursier credentials``, ``credentials_cli``) and the generic one
every other platform mounts (``scoped_credentials_cli``) both build on it. Nothing here ever
reads or prints a secret: audit details are given by the caller, without one.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import httpx
import typer
from prefect.exceptions import PrefectHTTPStatusError
from rich.console import Console
from rich.markup import escape

from coursier.connectors.credentials import SCOPE_LABELS, Scope, block_name, key_slug
from coursier.deployments.prefect_errors import EPHEMERAL_LATE, ephemeral_prefect_late
from coursier.settings import CoursierSettings
from coursier.store import DossierView, Store, append_audit, get_dossier, list_dossiers, open_store
from coursier.store.database import StoreUnavailable

EXIT_FAILED, EXIT_BAD_INPUT = 1, 2

ScopeOption = Annotated[
    Scope, typer.Option("--scope", help="application, directory, company ou dossier.")
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="Code du répertoire, SIREN (numéro d'entreprise si belge) de la société ou code du "
        "dossier selon --scope.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Un tableau JSON sur la sortie standard, seul.")
]


def fail(errors: Console, message: str, code: int) -> NoReturn:
    errors.print(f"[bold red]✘[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def prefect_api(errors: Console) -> Iterator[None]:
    """Turns an unreachable or failing Prefect API into a message saying what to do."""
    try:
        yield
    except (httpx.HTTPError, PrefectHTTPStatusError) as exc:
        fail(
            errors,
            f"l'API Prefect ne répond pas ({type(exc).__name__}) : démarrez le serveur Prefect "
            "ou vérifiez PREFECT_API_URL",
            EXIT_FAILED,
        )
    except RuntimeError as exc:
        if not ephemeral_prefect_late(exc):
            raise
        fail(errors, EPHEMERAL_LATE, EXIT_FAILED)


def stdin_line() -> str | None:
    """The next line of standard input; None when it is closed, absent (``0<&-``) or at its
    end."""
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError):  # ValueError: a closed file
        return None
    return line.rstrip("\r\n") if line else None


def settings_store(errors: Console) -> Store:
    """The store the settings point at; one that cannot be opened is a message and exit 1."""
    try:
        return open_store(CoursierSettings().effective_database_url())
    except StoreUnavailable as exc:
        fail(errors, str(exc), EXIT_FAILED)


def dossier_or_fail(errors: Console, code: str) -> DossierView:
    with settings_store(errors) as store, store.begin() as s:
        dossier = get_dossier(s, code)
    if dossier is None:
        fail(
            errors,
            f"dossier {code} inconnu : vérifiez son code (`coursier portfolio list`) ou importez "
            "le portefeuille",
            EXIT_BAD_INPUT,
        )
    return dossier


def name_or_fail(errors: Console, prefix: str, scope: Scope, key: str | None) -> str:
    try:
        return block_name(prefix, scope, key)
    except ValueError as exc:
        fail(errors, str(exc), EXIT_BAD_INPUT)


def scope_text(scope: Scope, key: str | None) -> str:
    return SCOPE_LABELS[scope] + (f" {key}" if key else "")


def french_error(error: Mapping[str, Any], option_of_field: Mapping[str, str]) -> str:
    """A pydantic validation error of a Block in French, naming the option it came from; never
    quotes the input (it may be a secret)."""
    loc = error.get("loc") or ()
    field = option_of_field.get(str(loc[0]), str(loc[0])) if loc else ""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "value_error":
        message = str(ctx["error"])
    elif kind in ("string_too_long", "too_long"):
        message = f"trop long : {ctx['max_length']} caractères au plus"
    elif kind in ("string_too_short", "too_short"):
        message = "vide : renseignez-le"
    elif kind == "missing":
        message = "manquant : renseignez-le"
    else:
        message = f"valeur refusée ({error['msg']})"
    return f"{field} : {message}" if field else message


def warn_if_unknown(errors: Console, scope: Scope, key: str | None) -> None:
    """Identifiers for a key the portfolio does not know would never be used: say so."""
    if scope == "application" or not key:
        return
    with settings_store(errors) as store, store.begin() as s:
        dossiers = list_dossiers(s)
    known = {
        "dossier": {d.code for d in dossiers},
        "company": {d.company_key for d in dossiers},
        "directory": {d.directory_code for d in dossiers},
    }[scope]
    if key_slug(scope, key) not in {key_slug(scope, k) for k in known if k}:
        errors.print(
            f"[yellow]![/] {escape(key)} n'est pas dans le portefeuille ({SCOPE_LABELS[scope]}) "
            ": ces identifiants ne serviront qu'une fois le portefeuille importé",
            highlight=False,
        )


def audit_change(
    errors: Console,
    action: str,
    name: str,
    scope: Scope | None,
    key: str | None,
    details: Mapping[str, object],
) -> None:
    """Who saved or deleted which identifiers. ``details`` never holds a secret."""
    with settings_store(errors) as store, store.begin() as s:
        append_audit(
            s,
            actor=getpass.getuser(),
            action=action,
            subject=name,
            dossier=key if scope == "dossier" else None,
            outcome="ok",
            details={"scope": scope, "key": key, **details},
        )
