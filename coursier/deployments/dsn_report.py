"""The readable self-check report, as a payroll manager reads it: one section per file, and for
a lot, its envelope then one section per DSN it holds.

Everything a file brings (its name, values, lines) is printed as text, never as rich markup, with
control characters shown escaped: an ESC sequence in a value must not reach the terminal.
"""

from __future__ import annotations

import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from coursier.models.dsn.checks import Anomaly, CheckReport, LotReport
from coursier.models.dsn.norm import UnknownNormVersion, load_norm

#: Beyond this many anomalies a file is shown in part; ``--json`` gives them all.
SHOWN_ANOMALIES = 200
#: C0 and C1 control characters, DEL included: what a terminal may act on.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(text: str, style: str = "") -> Text:
    """A user-provided text as rich text: no markup, control characters as ``\\x1b``."""
    return Text(CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text), style)


def print_check_report(console: Console, name: str, report: CheckReport) -> None:
    """One DSN's section: its verdict, what it declares, its anomalies."""
    console.print(Text.assemble("\n", shown(name, "bold"), " — ", _verdict(report.blocking)))
    console.print(Text.assemble("  ", shown(describe(report))))
    _print_anomalies(console, report.anomalies)


def print_lot_report(console: Console, name: str, report: LotReport) -> None:
    """A lot: its envelope's section, then each DSN's, named by its place in the lot."""
    number = report.number or "?"
    heading = shown(f"{name} (lot {number})", "bold")
    console.print(Text.assemble("\n", heading, " — ", _verdict(report.blocking)))
    groups, declarations = report.groups, len(report.declarations)
    said = f"norme de lot {report.norm or '?'} · {groups} groupe(s) · {declarations} DSN"
    console.print(Text.assemble("  ", shown(said)))
    _print_anomalies(console, report.anomalies)
    for item in report.declarations:
        place = item.place
        where = f"{name} · DSN {place.position} du lot, groupe {place.group or '?'}"
        print_check_report(console, f"{where}, ligne {item.first_line}", item.report)


def _verdict(blocking: int) -> Text:
    if not blocking:
        return Text("✔ déposable", style="bold green")
    return Text(f"✘ non déposable : {blocking} anomalie(s) bloquante(s)", style="bold red")


def _print_anomalies(console: Console, anomalies: list[Anomaly]) -> None:
    if not anomalies:
        console.print("  Aucune anomalie.")
        return
    table = Table(show_lines=False, pad_edge=False, expand=False)
    for column in ("Gravité", "Code", "Ligne", "Rubrique", "Message"):
        table.add_column(column, overflow="fold")
    ordered = sorted(anomalies, key=lambda a: (not a.is_blocking, a.line or 0))
    for anomaly in ordered[:SHOWN_ANOMALIES]:
        table.add_row(
            Text("bloquante", "red") if anomaly.is_blocking else Text("non bloquante", "yellow"),
            *map(
                shown,
                (anomaly.code, str(anomaly.line or ""), anomaly.field or "", anomaly.message),
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
