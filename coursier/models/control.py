"""The deposit control table ("Contrôle des DSN"), shaped like the screen payroll managers know.

Columns of the M2M help page: N°, nature, type, declared period, from, to (the event's dates of
a signal), deposit date, state, PDF (an AER is available), message; and the file's name.

One row per declaration, not per file: a declaration is its dossier, SIRET, nature, type and
declared month, and for a signal its event (the first day of the event). Its row shows the
latest file filed for it; the earlier ones (a blocked file, then its correction) are its
``history``. Each row carries its detail (:mod:`coursier.models.control_detail`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from coursier.models.control_detail import (
    AnomalyDetail,
    ReturnDetail,
    StoredReturnRow,
    return_detail,
    self_check_anomalies,
)
from coursier.models.deposits import CONTROL_LABELS, CONTROL_STATE_OF, ControlState, DepositState
from coursier.models.dsn.facts import SIGNAL_NATURES
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
    siret: str | None
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
    anomalies: list[dict[str, Any]]  # the self-check's, as ``Anomaly.as_dict`` wrote them


DeclarationKey = tuple[str, str | None, str | None, str | None, date | None, date | None]


def declaration_key(deposit: DepositRow) -> DeclarationKey:
    """What a file declares: a corrected file has the key of the file it corrects."""
    event = deposit.period_start if deposit.nature in SIGNAL_NATURES else None
    return (
        deposit.dossier,
        deposit.siret,
        deposit.nature,
        deposit.declaration_type,
        deposit.month,
        event,
    )


def declarations(deposits: Iterable[DepositRow]) -> list[list[DepositRow]]:
    """The files of each declaration, oldest first, from files in the order they were filed;
    declarations ordered by their latest file."""
    by_key: dict[DeclarationKey, list[DepositRow]] = {}
    for deposit in deposits:
        files = by_key.pop(declaration_key(deposit), [])
        by_key[declaration_key(deposit)] = [*files, deposit]  # moved to the end: the latest
    return list(by_key.values())


class ControlRow(BaseModel):
    number: int
    deposit_id: int
    ledger_state: str
    dossier: str
    file: str
    siret: str
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
    self_check: list[AnomalyDetail] = []
    returns: list[ReturnDetail] = []
    history: list[ControlRow] = []  # the declaration's earlier files, newest first

    @property
    def anomalies(self) -> list[AnomalyDetail]:
        """Every anomaly of the file: its self-check's, then each return's."""
        return [*self.self_check, *(a for r in self.returns for a in r.anomalies)]

    @property
    def files(self) -> list[ControlRow]:
        """This file and the declaration's earlier ones, newest first."""
        return [self, *self.history]

    def as_table_row(self) -> dict[str, str | int]:
        """The row as the artifact and the terminal show it, with the screen's headings."""
        return {
            "N°": self.number,
            "Dossier": self.dossier,
            "Fichier": self.file,
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


def control_rows(
    deposits: Iterable[DepositRow],
    returns: Mapping[int, Sequence[StoredReturnRow]] | None = None,
) -> list[ControlRow]:
    """One row per declaration from the ledger's files in the order they were filed, each with
    its returns (``returns``: deposit id → its stored returns, oldest first) read for people."""
    returns = returns or {}
    rows = []
    for number, files in enumerate(declarations(deposits), start=1):
        latest, *earlier = [_file_row(number, f, returns.get(f.id, ())) for f in reversed(files)]
        rows.append(latest.model_copy(update={"history": earlier}))
    return rows


def anomaly_table(rows: Iterable[ControlRow]) -> list[dict[str, str | int]]:
    """One line per anomaly of each declaration's latest file, under the row's N° and file."""
    return [
        {"N°": row.number, "Fichier": row.file, **anomaly.as_table_row()}
        for row in rows
        for anomaly in row.anomalies
    ]


def _file_row(number: int, deposit: DepositRow, returns: Sequence[StoredReturnRow]) -> ControlRow:
    natures = latest_norm().nature_labels
    state = CONTROL_STATE_OF[DepositState(deposit.state)]
    nature = deposit.nature or ""
    kind = deposit.declaration_type or ""
    return ControlRow(
        number=number,
        deposit_id=deposit.id,
        ledger_state=deposit.state,
        dossier=deposit.dossier,
        file=deposit.file_name,
        siret=deposit.siret or "",
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
        self_check=self_check_anomalies(deposit.anomalies or []),
        returns=[return_detail(stored) for stored in returns],
    )


def _local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(PARIS).date() if moment else None


def _day(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""
