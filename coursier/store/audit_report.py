"""What an auditor asks of one dossier over a period: what was sent, when, by whom, what came
back, and whether the trail that says so is intact.

Read from the store alone (no platform is called): the deposit ledger for the DSN (each file
sent in the period, the account it went to, its flux and every return stored for it, with the
time each was published), the audit trail for everything else a run did for the dossier (PAS
integrations, HR syncs, client imports, Cegid Flow activations, credentials changes), and the
verdict of the trail's hash chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coursier.store.audit import AuditVerdict, query_audit, verify_audit
from coursier.store.ledger_tables import Deposit, StoredReturn


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included (Europe/Paris is not needed: the store's
    times are UTC, and a day's bounds are taken in UTC)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"période vide : le {self.end:%d/%m/%Y} précède le {self.start:%d/%m/%Y}"
            )

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def holds(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return self.since <= moment < self.until


@dataclass(frozen=True)
class CameBack:
    """One return of a deposit: its nature, status, when published and when fetched."""

    nature: str
    status: str
    published_at: datetime | None
    fetched_at: datetime
    version: int


@dataclass(frozen=True)
class Sent:
    """One file sent to a platform for the dossier."""

    file_name: str
    file_sha256: str
    sent_at: datetime
    operator: str | None
    flow_run_id: str | None
    platform: str
    environment: str | None
    declarant_siret: str | None
    credential_name: str | None
    idflux: str | None
    nature: str | None
    month: date | None
    state: str
    returns: list[CameBack] = field(default_factory=list)


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    flow: str | None
    flow_run_id: str | None
    action: str
    subject: str | None
    outcome: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditReport:
    dossier: str
    period: Period
    made_at: datetime
    sent: list[Sent]
    events: list[Event]
    trail: AuditVerdict


def audit_report(session: Session, dossier: str, period: Period) -> AuditReport:
    """The report of ``dossier`` over ``period``: its files sent, with what came back, and
    every audit event naming it in the period, oldest first."""
    deposits = session.scalars(
        select(Deposit)
        .where(Deposit.dossier == dossier)
        .where(Deposit.sent_at >= period.since, Deposit.sent_at < period.until)
        .order_by(Deposit.sent_at, Deposit.id)
    ).all()
    returns: dict[int, list[CameBack]] = {}
    if deposits:
        stored = session.scalars(
            select(StoredReturn)
            .where(StoredReturn.deposit_id.in_([d.id for d in deposits]))
            .order_by(StoredReturn.published_at, StoredReturn.id)
        )
        for item in stored:
            returns.setdefault(item.deposit_id or 0, []).append(
                CameBack(item.nature, item.status, item.published_at, item.fetched_at, item.version)
            )
    events = [
        Event(e.at, e.actor, e.flow, e.flow_run_id, e.action, e.subject, e.outcome, e.details or {})
        for e in query_audit(session, dossier=dossier, since=period.since)
        if period.holds(e.at)
    ]
    return AuditReport(
        dossier=dossier,
        period=period,
        made_at=datetime.now(UTC),
        sent=[_sent(d, returns.get(d.id, [])) for d in deposits],
        events=events,
        trail=verify_audit(session),
    )


def _sent(deposit: Deposit, returns: list[CameBack]) -> Sent:
    assert deposit.sent_at is not None  # selected on it
    return Sent(
        file_name=deposit.file_name,
        file_sha256=deposit.file_sha256,
        sent_at=deposit.sent_at,
        operator=deposit.operator,
        flow_run_id=deposit.flow_run_id,
        platform=deposit.platform,
        environment=deposit.environment,
        declarant_siret=deposit.declarant_siret,
        credential_name=deposit.credential_name,
        idflux=deposit.idflux,
        nature=deposit.nature,
        month=deposit.month,
        state=deposit.state,
        returns=returns,
    )
