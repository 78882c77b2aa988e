"""The ``coursier`` command line: one typer app, a sub-command group per procedure."""

from __future__ import annotations

import typer
from rich.console import Console

from coursier.deployments import dsn_cli
from coursier.deployments.demo import run_demo
from coursier.deployments.settings import CoursierSettings

app = typer.Typer(
    name="coursier",
    help="Procédures de paie et de synchronisation RH, automatisées et auditables.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(dsn_cli.app, name="dsn")


@app.command("demo")
def demo() -> None:
    """Démonstration : fichiers DSN d'un mois, contrôlés comme avant un dépôt."""
    run_demo(CoursierSettings().home, Console())
