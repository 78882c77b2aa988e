"""The ``coursier`` command line: one typer app, a sub-command group per procedure.

Command groups are imported when run (:mod:`coursier.deployments.lazy_group`): importing this
module imports no Prefect, and ``coursier --help`` lists every group from :data:`COMMANDS` and
the procedure registry's command groups. Usage errors are said in French, without a traceback
(:mod:`coursier.deployments.cli_errors`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import typer
from typer import _click

from coursier.deployments import cli_errors, home_cli, registry, runs_cli
from coursier.deployments.lazy_group import LazyCommand, LazyGroup

#: The groups and commands that are not a procedure's, imported when run.
COMMANDS: dict[str, LazyCommand] = {
    "portfolio": LazyCommand(
        "coursier.deployments.portfolio_cli:app",
        "Portefeuille : répertoires de données, sociétés et dossiers gérés.",
    ),
    "credentials": LazyCommand(
        "coursier.deployments.credentials_cli:app",
        "Identifiants Net-Entreprises / IZILIO par étendue (application, répertoire, société, "
        "dossier).",
    ),
    "m2m": LazyCommand(
        "coursier.deployments.m2m_cli:app",
        "Dépôt machine à machine (M2M), par opérateur et par module.",
    ),
    "sandbox": LazyCommand(
        "coursier.deployments.sandbox_cli:sandbox",
        "Sert Net-Entreprises et IZILIO simulés sur 127.0.0.1 jusqu'à Ctrl-C.",
    ),
    "notifications": LazyCommand(
        "coursier.deployments.notifications_cli:app",
        "Notifications : le webhook prévenu quand une exécution finit en échec ou partielle.",
    ),
    "audit": LazyCommand(
        "coursier.deployments.audit_cli:app",
        "Piste d'audit : qui a fait quoi, quand, sur quel dossier, avec quel résultat.",
    ),
}


def lazy_commands() -> dict[str, LazyCommand]:
    """Every procedure's command group (``coursier dsn …``), then :data:`COMMANDS`."""
    procedures = {
        p.cli.name: LazyCommand(p.cli.app, p.cli.help) for p in registry.registered() if p.cli
    }
    return {**procedures, **COMMANDS}


class CoursierGroup(LazyGroup):
    """The top-level group: lazy commands, usage errors shown in French."""

    def lazy_commands(self) -> Mapping[str, LazyCommand]:
        return lazy_commands()

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _click.exceptions.NoArgsIsHelpError:
            code = 2  # the help is already printed
        except _click.ClickException as error:
            cli_errors.show(error)
            code = error.exit_code
        except typer.Abort:
            print("Abandon.", file=sys.stderr)
            code = 1
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="coursier",
    help="Procédures de paie et de synchronisation RH, automatisées et auditables.",
    no_args_is_help=True,
    add_completion=False,
    cls=CoursierGroup,
)
app.callback()(home_cli.global_options)
app.command("where")(home_cli.where)
app.command("init")(home_cli.init)
app.command("rerun")(runs_cli.rerun)
app.command("serve")(runs_cli.serve)
app.command("deploy")(runs_cli.deploy)


@app.command("demo")
def demo() -> None:
    """Démonstration : un mois de DSN de trois dossiers déposé au bac à sable, à part."""
    from coursier.deployments.demo import run_demo
    from coursier.deployments.terminal import console
    from coursier.settings import CoursierSettings

    code = run_demo(CoursierSettings().home, console())
    if code:
        raise typer.Exit(code)  # a run of the demo failed: `make demo` must say so
