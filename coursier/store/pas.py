"""Queries on the PAS tables: integrating an association's CRM, the rates to export, the
anomaly work-list.

Integration is idempotent: a rate is inserted when new, updated only when a value changed, and
an anomaly inserted only when its fingerprint is new (``INSERT … ON CONFLICT DO NOTHING``, so
two runs at once never clash; the counts are those of the rows missing when read): integrating
the same CRM twice writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from coursier.models.pas import Association, EmployeeRate, Integration
from coursier.store.audit import append_audit
from coursier.store.dialects import insert_for
from coursier.store.pas_tables import PasAnomalyRow, PasRateRow
from coursier.store.tables import utcnow

#: The columns a rate row shares with :class:`EmployeeRate`.
RATE_VALUES = (
    "nir",
    "ntt",
    "payroll_number",
    "rate",
    "rate_id",
    "future_rate",
    "future_effective",
    "received_on",
    "usable_until",
    "applied_rate",
    "flag",
)
RATE_KEY = ("dossier", "siret", "month", "employee")
ANOMALY_KEY = ("dossier", "siret", "month", "nature", "fingerprint")


@dataclass(frozen=True)
class Written:
    """What an integration changed in the store."""

    new_rates: int = 0
    changed_rates: int = 0
    new_anomalies: int = 0

    @property
    def nothing(self) -> bool:
        return not (self.new_rates or self.changed_rates or self.new_anomalies)


def integrate_in(
    session: Session,
    association: Association,
    integration: Integration,
    *,
    idflux: str | None,
    deposited_here: bool,
    flow_run_id: str,
) -> Written:
    """Write an association's rates and anomalies, in the caller's transaction: the new rows
    in one ``INSERT … ON CONFLICT DO NOTHING`` per table, the changed rates updated."""
    where = {"dossier": association.dossier, "siret": association.siret, "month": association.month}
    existing = {row.employee: row for row in session.scalars(select(PasRateRow).filter_by(**where))}
    now = utcnow()
    new_rates, changed = [], 0
    for rate in integration.rates:
        values = {name: getattr(rate, name) for name in RATE_VALUES}
        values.update(idflux=idflux, deposited_here=deposited_here)
        row = existing.get(rate.employee)
        if row is None:
            new_rates.append(
                {
                    **where,
                    "employee": rate.employee,
                    **values,
                    "flow_run_id": flow_run_id,
                    "integrated_at": now,
                }
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.flow_run_id, row.integrated_at = flow_run_id, now
            changed += 1
    known = set(session.scalars(select(PasAnomalyRow.fingerprint).filter_by(**where)).all())
    new_anomalies = [
        {
            **where,
            "nature": item.nature,
            "fingerprint": item.fingerprint,
            "code": item.code,
            "blocking": item.blocking,
            "message": item.message,
            "field": item.field,
            "value": item.value,
            "employee": item.employee,
            "payroll_number": item.payroll_number,
            "hint": item.hint,
            "idflux": idflux,
            "status": "open",
            "created_at": now,
        }
        for item in integration.work
        if item.fingerprint not in known
    ]
    _insert_new(session, PasRateRow, RATE_KEY, new_rates)
    _insert_new(session, PasAnomalyRow, ANOMALY_KEY, new_anomalies)
    session.flush()
    return Written(len(new_rates), changed, len(new_anomalies))


def _insert_new(session: Session, table: type, key: tuple[str, ...], rows: list[dict]) -> None:
    """Insert rows in one statement; a row another run inserted meanwhile is left as it is."""
    if rows:  # Core, not the ORM: the ORM's bulk insert sends ON CONFLICT rows one by one
        connection = session.connection()
        insert = insert_for(connection.dialect.name)(table.__table__)
        connection.execute(insert.on_conflict_do_nothing(index_elements=list(key)), rows)


@dataclass(frozen=True)
class StoredRate:
    """A stored rate with the association it belongs to."""

    siret: str
    month: date
    rate: EmployeeRate


def rates_of(session: Session, dossier: str, month: date) -> list[StoredRate]:
    """The rates of a dossier's associations for a month, by SIRET then employee."""
    query = (
        select(PasRateRow)
        .where(PasRateRow.dossier == dossier, PasRateRow.month == month)
        .order_by(PasRateRow.siret, PasRateRow.payroll_number, PasRateRow.employee)
    )
    return [
        StoredRate(
            row.siret,
            row.month,
            EmployeeRate(
                employee=row.employee,
                **{name: getattr(row, name) for name in RATE_VALUES},
            ),
        )
        for row in session.scalars(query)
    ]


def anomalies_of(
    session: Session,
    *,
    dossier: str | None = None,
    month: date | None = None,
    status: str | None = "open",
) -> list[PasAnomalyRow]:
    """The work-list, blocking ones first, filtered as asked (``status=None``: all)."""
    query = select(PasAnomalyRow)
    if dossier:
        query = query.where(PasAnomalyRow.dossier == dossier)
    if month:
        query = query.where(PasAnomalyRow.month == month)
    if status:
        query = query.where(PasAnomalyRow.status == status)
    order = (
        PasAnomalyRow.dossier,
        PasAnomalyRow.month,
        PasAnomalyRow.blocking.desc(),
        PasAnomalyRow.siret,
        PasAnomalyRow.id,
    )
    return list(session.scalars(query.order_by(*order)))


def mark_corrected(session: Session, anomaly_id: int, by: str) -> PasAnomalyRow | None:
    """Close one anomaly of the work-list, audited; None when there is no such anomaly."""
    row = session.get(PasAnomalyRow, anomaly_id)
    if row is not None and row.status != "corrected":
        row.status, row.corrected_at, row.corrected_by = "corrected", utcnow(), by
        session.flush()
        append_audit(
            session,
            actor=by,
            action="pas.anomaly.corrected",
            dossier=row.dossier,
            subject=f"{row.siret}/{row.month:%Y-%m}/{row.code}",
            outcome="corrected",
            details={"anomaly": row.id, "employee": row.employee, "field": row.field},
        )
    return row
