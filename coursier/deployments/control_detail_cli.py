"""The detail of a control-table row in the terminal: the seed's « détail des différents
comptes-rendus » — each return, each anomaly, the declaration's earlier files."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from coursier.deployments.dsn_report import shown
from coursier.models.control import ControlRow
from coursier.models.control_advice import next_step
from coursier.models.control_detail import AnomalyDetail


def print_detail(console: Console, row: ControlRow) -> None:
    """One section per row; every text from a file or a platform printed as text, its control
    characters escaped (:func:`shown`)."""
    console.print(
        Text.assemble(
            ("\nN° ", "bold"),
            shown(f"{row.number} — {row.file}", "bold"),
            shown(
                f" ({row.dossier}, {row.nature}, {row.period or 'période ?'}) : {row.state_label}"
            ),
        )
    )
    if row.message:
        console.print(shown(f"  {row.message}"))
    if (step := next_step(row)) is not None:
        console.print(Text.assemble(("  À faire : ", "bold"), shown(step)))
    _print_returns(console, row)
    _print_anomalies(console, row.anomalies)
    for earlier in row.history:
        console.print(
            shown(
                f"  Fichier précédent : {earlier.file} — {earlier.state_label} — "
                f"{earlier.deposited_on or 'non envoyé'} — {len(earlier.anomalies)} anomalie(s)"
                + (f" — {earlier.message}" if earlier.message else "")
            )
        )


def _print_returns(console: Console, row: ControlRow) -> None:
    if not row.returns:
        console.print("  Aucun compte-rendu reçu.")
        return
    table = Table(title="Comptes-rendus", title_justify="left", pad_edge=False)
    for heading in ("Nature", "Compte-rendu", "Statut", "Date", "Version", "Lisible"):
        table.add_column(heading, overflow="fold")
    for received in row.returns:
        at = received.published_at
        table.add_row(
            *map(
                shown,
                (
                    received.nature,
                    received.label,
                    received.status,
                    f"{at:%d/%m/%Y %H:%M}" if at else "",
                    str(received.version),
                    received.readable,
                ),
            )
        )
    console.print(table)


def _print_anomalies(console: Console, anomalies: list[AnomalyDetail]) -> None:
    if not anomalies:
        console.print("  Aucune anomalie.")
        return
    table = Table(title="Anomalies", title_justify="left", pad_edge=False)
    headings = list(anomalies[0].as_table_row())
    for heading in headings:
        table.add_column(heading, overflow="fold")
    for anomaly in anomalies:
        cells = [shown(str(value)) for value in anomaly.as_table_row().values()]
        cells[headings.index("Gravité")].stylize("red" if anomaly.blocking else "yellow")
        table.add_row(*cells)
    console.print(table)
