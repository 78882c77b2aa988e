"""``coursier notifications …``: the installation's webhook for failed and partial runs.

``set URL`` saves it and creates the Prefect automation (for every flow the registry knows),
``status`` says whether it is on and where it posts (scheme and host only: the rest of a
webhook's URL is usually its token), ``test`` posts a sample notification now, ``off`` removes
both. The URL is never printed, logged or audited in full.
"""

from __future__ import annotations

import getpass
import json
from typing import Annotated
from urllib.parse import urlsplit

import httpx
import typer
from prefect.blocks.webhook import Webhook
from prefect.utilities.asyncutils import run_coro_as_sync
from prefect.utilities.urls import validate_restricted_url
from rich.console import Console

from coursier.connectors.credentials import load
from coursier.deployments.credentials_common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    fail,
    prefect_api,
    settings_store,
)
from coursier.deployments.notifications import (
    BLOCK_NAME,
    destination,
    set_webhook,
    status,
    turn_off,
)
from coursier.deployments.registry import registered
from coursier.deployments.terminal import console
from coursier.store import append_audit

app = typer.Typer(
    help="Notifications : le webhook prévenu quand une exécution finit en échec ou partielle.",
    no_args_is_help=True,
)


@app.command("set")
def set_command(
    url: Annotated[str, typer.Argument(help="Adresse du webhook (https://…).")],
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help="Accepte un webhook sur cette machine ou le réseau local (le bac à sable).",
        ),
    ] = False,
) -> None:
    """Enregistre le webhook et crée l'automatisation Prefect qui l'appelle."""
    errors = Console(stderr=True, soft_wrap=True)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(
            errors,
            "adresse de webhook invalide : écrivez une adresse complète, https://hôte/chemin",
            EXIT_BAD_INPUT,
        )
    if not allow_private:
        try:
            validate_restricted_url(url)
        except ValueError:  # its text quotes the URL, token included
            fail(
                errors,
                f"{destination(url)} est une adresse locale ou privée : ajoutez --allow-private "
                "si c'est voulu (le bac à sable, un outil du réseau interne)",
                EXIT_BAD_INPUT,
            )
    flows = sorted(flow.name for procedure in registered() for flow in procedure.flows)
    with prefect_api(errors):
        setup = set_webhook(url, flows, allow_private=allow_private)
    _audit(errors, "notifications.set", setup.destination)
    console().print(
        f"[green]✔[/] les exécutions en échec, plantées ou partielles de {', '.join(flows)} "
        f"seront notifiées à {setup.destination}",
        highlight=False,
    )


@app.command("status")
def status_command() -> None:
    """Dit si les notifications sont actives, et vers où."""
    with prefect_api(Console(stderr=True)):
        setup = status()
    if setup is None:
        console().print("Notifications désactivées : `coursier notifications set URL`.")
        return
    console().print(
        f"Notifications actives vers {setup.destination} (automatisation {setup.automation_id})",
        highlight=False,
    )


@app.command("test")
def test_command() -> None:
    """Envoie tout de suite une notification d'essai au webhook."""
    errors = Console(stderr=True, soft_wrap=True)
    with prefect_api(errors):
        webhook = load(Webhook, BLOCK_NAME)
    if webhook is None:
        fail(errors, "aucun webhook : `coursier notifications set URL`", EXIT_FAILED)
    where = destination(webhook.url.get_secret_value())
    sample = {
        "source": "coursier",
        "flow": "essai",
        "state": "Test",
        "message": "Notification d'essai envoyée par `coursier notifications test`.",
    }
    try:
        response = run_coro_as_sync(webhook.call(json.dumps(sample)))
        assert response is not None  # the call returns its response
        response.raise_for_status()
    except (httpx.HTTPError, ValueError) as error:
        reason = (
            f"HTTP {error.response.status_code}"
            if isinstance(error, httpx.HTTPStatusError)
            else type(error).__name__
        )
        fail(errors, f"le webhook {where} n'a pas accepté l'essai ({reason})", EXIT_FAILED)
    console().print(f"[green]✔[/] notification d'essai reçue par {where}", highlight=False)


@app.command("off")
def off_command() -> None:
    """Supprime le webhook et l'automatisation : plus aucune notification."""
    errors = Console(stderr=True, soft_wrap=True)
    with prefect_api(errors):
        removed = turn_off()
    if not removed:
        console().print("Les notifications étaient déjà désactivées.")
        return
    _audit(errors, "notifications.off", None)
    console().print("[green]✔[/] notifications désactivées", highlight=False)


def _audit(errors: Console, action: str, where: str | None) -> None:
    with settings_store(errors) as store, store.begin() as session:
        append_audit(
            session,
            actor=getpass.getuser(),
            action=action,
            subject=BLOCK_NAME,
            outcome="ok",
            details={"destination": where},
        )
