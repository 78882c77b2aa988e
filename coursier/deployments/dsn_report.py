"""The readable self-check report, as a payroll manager reads it: one section per file."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from coursier.models.dsn.checks import CheckReport
from coursier.models.dsn.norm import UnknownNormVersion, load_norm

#: Beyond this many anomalies a file is shown in part; ``--json`` gives them all.
SHOWN_ANOMALIES = 200


def print_check_report(console: Console, name: str, report: CheckReport) -> None:
    verdict = (
        "[bold green]✔ déposable[/]"
        if report.can_be_deposited
        else f"[bold red]✘ non déposable : {report.blocking} anomalie(s) bloquante(s)[/]"
    )
    # The file's name and what it declares are the user's text: shown as text, never as markup.
    console.print(f"\n[bold]{escape(name)}[/] — {verdict}")
    console.print(f"  {escape(describe(report))}")
    if not report.anomalies:
        console.print("  Aucune anomalie.")
        return
    table = Table(show_lines=False, pad_edge=False, expand=False)
    for column in ("Gravité", "Code", "Ligne", "Rubrique", "Message"):
        table.add_column(column, overflow="fold")
    ordered = sorted(report.anomalies, key=lambda a: (not a.is_blocking, a.line or 0))
    for anomaly in ordered[:SHOWN_ANOMALIES]:
        table.add_row(
            "[red]bloquante[/]" if anomaly.is_blocking else "[yellow]non bloquante[/]",
            *map(
                Text, (anomaly.code, str(anomaly.line or ""), anomaly.field or "", anomaly.message)
            ),
        )
    console.print(table)
    hidden = len(ordered) - SHOWN_ANOMALIES
    if hidden > 0:
        console.print(f"  … et {hidden} autre(s) anomalie(s) : --json les donne toutes.")


def describe(report: CheckReport) -> str:
    """One line saying what the file declares."""
    parts = [f"nature {report.nature or '?'} ({_nature_label(report)})"]
    if report.month:
        parts.append(f"mois {report.month:%m/%Y}")
    parts.append(f"SIRET {report.siret or '?'}")
    parts.append(f"{report.employees} salarié(s)")
    parts.append(f"norme {report.norm or '?'}")
    parts.append(f"{report.non_blocking} anomalie(s) non bloquante(s)")
    return " · ".join(parts)


def _nature_label(report: CheckReport) -> str:
    try:
        return load_norm(report.norm or "").nature_labels.get(report.nature or "", "inconnue")
    except UnknownNormVersion:
        return "norme inconnue"
