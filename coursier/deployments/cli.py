"""The ``coursier`` command line: one typer app, a sub-command group per procedure."""

from __future__ import annotations

import typer

from coursier.deployments import (
    audit_cli,
    credentials_cli,
    home_cli,
    m2m_cli,
    portfolio_cli,
    registry,
    runs_cli,
    sandbox_cli,
)
from coursier.deployments.demo import run_demo
from coursier.deployments.terminal import console
from coursier.settings import CoursierSettings

app = typer.Typer(
    name="coursier",
    help="Procédures de paie et de synchronisation RH, automatisées et auditables.",
    no_args_is_help=True,
    add_completion=False,
)
app.callback()(home_cli.global_options)
app.command("where")(home_cli.where)
app.command("init")(home_cli.init)
for name, group in registry.cli_groups():  # each procedure's own commands (coursier dsn …)
    app.add_typer(group, name=name)
app.add_typer(portfolio_cli.app, name="portfolio")
app.add_typer(credentials_cli.app, name="credentials")
app.add_typer(m2m_cli.app, name="m2m")
app.command("sandbox")(sandbox_cli.sandbox)
app.add_typer(audit_cli.app, name="audit")
app.command("rerun")(runs_cli.rerun)
app.command("serve")(runs_cli.serve)


@app.command("demo")
def demo() -> None:
    """Démonstration : fichiers DSN d'un mois, contrôlés comme avant un dépôt."""
    run_demo(CoursierSettings().home, console())
