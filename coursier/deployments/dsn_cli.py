"""``coursier dsn …``: DSN files from the command line.

``coursier dsn check FILE... [--json]`` is a stable contract: exit 0 when no file has a blocking
anomaly, 1 when one has, 2 when a file cannot be read; with ``--json`` standard output carries
only a JSON array, one object per file. A lot yields one object for its envelope, with ``lot``
``{"number", "group": null, "position": 0}`` and its groups, DSN count and envelope anomalies,
then one object per DSN it holds, with ``lot`` ``{"number", "group", "position"}`` (from 1),
``first_line`` and every line counted in the lot file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from coursier.deployments import returns_cli
from coursier.deployments.control_cli import control, show_run_end
from coursier.deployments.dossier_codes import check_dossiers
from coursier.deployments.dsn_report import print_check_report, print_lot_report, shown
from coursier.deployments.terminal import console as new_console
from coursier.models.dsn.checks import CheckReport, LotReport, check_document
from coursier.models.dsn.errors import UnreadableFile

EXIT_OK, EXIT_BLOCKING, EXIT_UNREADABLE = 0, 1, 2

app = typer.Typer(help="DSN : autocontrôle, dépôt M2M, contrôle des retours.", no_args_is_help=True)


@dataclass
class FileCheck:
    """The self-check of one file, or why the file could not be read."""

    path: Path
    report: CheckReport | LotReport | None = None
    error: str | None = None

    def as_dicts(self) -> list[dict[str, object]]:
        """The JSON objects of the file: one, or for a lot its envelope and each DSN's."""
        file = {"file": str(self.path)}
        if self.report is None:
            return [{**file, "error": self.error}]
        if isinstance(self.report, LotReport):
            return [{**file, **item} for item in self.report.as_dicts()]
        return [{**file, **self.report.as_dict()}]


def check_file(path: Path) -> FileCheck:
    """Self-check one file; an unreadable file is reported, never raised."""
    try:
        with path.open("rb") as stream:
            return FileCheck(path, report=check_document(stream))
    except UnreadableFile as exc:
        return FileCheck(path, error=str(exc))
    except IsADirectoryError:
        return FileCheck(path, error="c'est un dossier, pas un fichier DSN")
    except FileNotFoundError:
        return FileCheck(path, error="fichier introuvable : vérifiez le chemin")
    except PermissionError:
        return FileCheck(path, error="lecture refusée : vérifiez les droits du fichier")
    except OSError as exc:
        return FileCheck(path, error=f"lecture impossible ({exc.strerror or exc})")


def exit_code(checks: list[FileCheck]) -> int:
    if any(c.report is None for c in checks):
        return EXIT_UNREADABLE
    if any(c.report and c.report.blocking for c in checks):
        return EXIT_BLOCKING
    return EXIT_OK


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Fichiers DSN à contrôler.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Un tableau JSON sur la sortie standard, seul.")
    ] = False,
) -> None:
    """Autocontrôle de fichiers DSN, ou de lots de DSN : anomalies bloquantes et non bloquantes."""
    checks = [check_file(path) for path in files]
    if as_json:
        objects = [item for c in checks for item in c.as_dicts()]
        typer.echo(json.dumps(objects, ensure_ascii=False, indent=2))
    else:
        console, errors = new_console(), Console(stderr=True, soft_wrap=True)
        for item in checks:
            if item.report is None:
                errors.print(
                    Text.assemble(("✘ ", "bold red"), shown(f"{item.path} : {item.error}"))
                )
            elif isinstance(item.report, LotReport):
                print_lot_report(console, str(item.path), item.report)
            else:
                print_check_report(console, str(item.path), item.report)
    raise typer.Exit(exit_code(checks))


app.command("control")(control)


@app.command("deposit")
def deposit(
    dossier: Annotated[str, typer.Argument(help="Code du dossier (voir coursier portfolio list).")],
    files: Annotated[list[Path] | None, typer.Argument(help="Fichiers DSN à déposer.")] = None,
    inbox: Annotated[
        Path | None, typer.Option(help="Dossier de dépôt : tous ses fichiers DSN.")
    ] = None,
    follow_minutes: Annotated[
        float, typer.Option(help="Suivi des retours après dépôt, en minutes.")
    ] = 2.0,
) -> None:
    """Dépôt M2M : autocontrôle, dépôt des fichiers sans erreur bloquante, suivi des retours."""
    check_dossiers([dossier])
    for path in files or []:
        if (error := check_file(path).error) is not None:  # before the flow, not inside it
            raise typer.BadParameter(f"{path} : {error}", param_hint="FILES")
    if inbox is not None and not inbox.is_dir():
        what = "n'est pas un dossier" if inbox.exists() else "est introuvable"
        raise typer.BadParameter(
            f"{inbox} {what} : indiquez le dossier de dépôt", param_hint="--inbox"
        )
    from coursier.flows.dsn_deposit import dsn_deposit
    from coursier.tasks.prefect_guards import flow_heartbeats

    with flow_heartbeats():  # a run killed mid-way ends Crashed (the zombie automation)
        state = dsn_deposit(
            dossier=dossier,
            files=[str(f) for f in files or []],
            inbox=str(inbox) if inbox else None,
            follow_returns_minutes=follow_minutes,
            return_state=True,
        )
    show_run_end(state, dossier)


app.add_typer(returns_cli.app, name="returns")
