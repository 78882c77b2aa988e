"""The deposit control table ("Contrôle des DSN"), shaped like the screen payroll managers know.

Columns of the M2M help page: N°, nature, type, declared period, from, to (the event's dates of
a signal), deposit date, state, PDF (an AER is available), message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from coursier.models.deposits import CONTROL_LABELS, CONTROL_STATE_OF, ControlState, DepositState
from coursier.models.dsn.norm import latest_norm

PARIS = ZoneInfo("Europe/Paris")
TYPE_LABELS = {
    "01": "Normale",
    "02": "Néant",
    "03": "Annule / remplace",
    "04": "Annule",
    "05": "Annule / remplace néant",
}


class DepositRow(Protocol):
    """What the table needs of a ledger row."""

    id: int
    dossier: str
    file_name: str
    nature: str | None
    declaration_type: str | None
    month: date | None
    period_start: date | None
    period_end: date | None
    sent_at: datetime | None
    deposited_at: datetime | None
    state: str
    aer_available: bool
    message: str | None
    idflux: str | None


class ControlRow(BaseModel):
    number: int
    deposit_id: int
    ledger_state: str
    dossier: str
    file: str
    nature: str
    type: str
    period: str
    start: str
    end: str
    deposited_on: str
    state: ControlState
    state_label: str
    pdf: bool
    message: str
    idflux: str | None

    def as_table_row(self) -> dict[str, str | int]:
        """The row as the artifact and the terminal show it, with the screen's headings."""
        return {
            "N°": self.number,
            "Dossier": self.dossier,
            "Nature": self.nature,
            "Type": self.type,
            "Période déclarée": self.period,
            "Du": self.start,
            "Au": self.end,
            "Date dépôt": self.deposited_on,
            "Etat": self.state_label,
            "PDF": "AER" if self.pdf else "",
            "Message": self.message,
        }


def control_rows(deposits: Iterable[DepositRow]) -> list[ControlRow]:
    natures = latest_norm().nature_labels
    rows = []
    for number, deposit in enumerate(deposits, start=1):
        state = CONTROL_STATE_OF[DepositState(deposit.state)]
        nature = deposit.nature or ""
        kind = deposit.declaration_type or ""
        rows.append(
            ControlRow(
                number=number,
                deposit_id=deposit.id,
                ledger_state=deposit.state,
                dossier=deposit.dossier,
                file=deposit.file_name,
                nature=f"{nature} {natures.get(nature, '')}".strip(),
                type=f"{kind} {TYPE_LABELS.get(kind, '')}".strip(),
                period=f"{deposit.month:%m/%Y}" if deposit.month else "",
                start=_day(deposit.period_start),
                end=_day(deposit.period_end),
                deposited_on=_day(_local_day(deposit.deposited_at or deposit.sent_at)),
                state=state,
                state_label=CONTROL_LABELS[state],
                pdf=deposit.aer_available,
                message=deposit.message or "",
                idflux=deposit.idflux,
            )
        )
    return rows


def _local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(PARIS).date() if moment else None


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""
