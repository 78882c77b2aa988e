"""``coursier sandbox [--port N] [--seed S]``: the platforms' imitations, served until Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console

from coursier.deployments.terminal import console
from coursier.sandbox.accounts import TEST_DECLARANT
from coursier.sandbox.server import PortUnavailable, SandboxServer

app = typer.Typer(help="Bac à sable des plateformes (Net-Entreprises, IZILIO) sur 127.0.0.1.")


def wait_for_interrupt() -> None:
    """Block until Ctrl-C."""
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        return


def run_sandbox(
    port: int, seed: int, console: Console, until: Callable[[SandboxServer], None]
) -> None:
    """Serve the sandbox, say where and with which identity, until ``until`` returns."""
    with SandboxServer(seed=seed, port=port) as sandbox:
        console.print(f"[bold]Bac à sable coursier[/] (graine {seed}) sur {sandbox.base_url}")
        for platform in sandbox.states:
            console.print(f"  {platform:<16} {sandbox.url(platform)}")
        console.print(
            "Déclarant de test du kit officiel : "
            f"SIRET {TEST_DECLARANT.siret}, nom et prénom « {TEST_DECLARANT.nom} », "
            f"mot de passe public du kit « {TEST_DECLARANT.motdepasse.get_secret_value()} », "
            "service 97."
        )
        console.print("Inspection : <plateforme>/_sandbox/deposits. Ctrl-C pour arrêter.")
        until(sandbox)
    console.print("Bac à sable arrêté.")


@app.callback(invoke_without_command=True)
def sandbox(
    port: Annotated[
        int, typer.Option(help="Port d'écoute sur 127.0.0.1 (0 : un port libre).")
    ] = 8765,
    seed: Annotated[int, typer.Option(help="Graine des comptes, flux et pannes simulées.")] = 0,
) -> None:
    """Sert Net-Entreprises et IZILIO simulés sur 127.0.0.1 jusqu'à Ctrl-C."""
    try:
        run_sandbox(port, seed, console(), lambda _: wait_for_interrupt())
    except PortUnavailable as exc:
        Console(stderr=True, soft_wrap=True).print(f"--port : {exc}", markup=False)
        raise typer.Exit(2) from None
