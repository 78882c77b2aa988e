"""The audit trail: what coursier did, on whose behalf, to which dossier, and how it went.

Prefect keeps its events for 7 days; this table is the record shown to an auditor. It only
grows: see ``AuditEvent`` for how updates and deletes are refused, and ``audit_chain`` for the
hash chain that shows whoever got past that anyway (and what it cannot show: a cut tail).

Appending reads the chain's head and writes the next row in the caller's transaction, which
must therefore be the only appender until it ends: on SQLite every transaction of the store
begins with ``BEGIN IMMEDIATE`` (one writer at a time); on PostgreSQL the first append of a
transaction takes an advisory lock that the other appenders wait for until it commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from coursier.store.audit_chain import GENESIS, canonical_at, first_break, row_hash, stored_details
from coursier.store.tables import AuditEvent, AuditIsAppendOnly, utcnow

__all__ = [
    "AuditIsAppendOnly",
    "AuditVerdict",
    "append_audit",
    "query_audit",
    "verify_audit",
]

# Any constant works, as long as every coursier process uses the same (not the migrations').
_APPEND_LOCK_KEY = 0x61756469  # "audi"
_VERIFY_BATCH = 1000


def append_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    flow: str | None = None,
    flow_run_id: str | None = None,
    dossier: str | None = None,
    subject: str | None = None,
    outcome: str | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event to the trail (flushed, so its id is known). ``actor`` is an OS user or
    ``prefect:<deployment>``; ``subject`` what was acted on (a file name, a sha256).

    ``at`` defaults to now, but never before the last event's (a clock set back must not look
    like back-dating); an explicit ``at`` before the last event's is a ``ValueError``.
    """
    # The session's connection, not the session: no autoflush, whose cost grows with the
    # objects the session holds (every event is flushed when appended, so the head is known).
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK_KEY})")
    head = connection.execute(
        select(AuditEvent.id, AuditEvent.at, AuditEvent.row_hash)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).one_or_none()
    if at is None:
        at = utcnow() if head is None else max(utcnow(), head.at)
    elif head is not None and at < head.at:
        raise ValueError(
            f"événement d'audit daté du {canonical_at(at)}, avant le dernier de la piste "
            f"(n° {head.id}, {canonical_at(head.at)}) : la piste ne s'écrit que dans l'ordre"
        )
    event = AuditEvent(
        id=1 if head is None else head.id + 1,
        at=at,
        actor=actor,
        action=action,
        flow=flow,
        flow_run_id=flow_run_id,
        dossier=dossier,
        subject=subject,
        outcome=outcome,
        details=stored_details(details or {}),
        prev_hash=GENESIS if head is None else head.row_hash,
    )
    event.row_hash = row_hash(event, event.prev_hash)
    session.add(event)
    session.flush()
    return event


def query_audit(
    session: Session,
    *,
    flow: str | None = None,
    dossier: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[AuditEvent]:
    """Events oldest first, keeping those of ``flow``, of ``dossier``, at or after ``since``."""
    query = select(AuditEvent)
    if flow is not None:
        query = query.where(AuditEvent.flow == flow)
    if dossier is not None:
        query = query.where(AuditEvent.dossier == dossier)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return list(session.scalars(query.order_by(AuditEvent.at, AuditEvent.id).limit(limit)))


@dataclass(frozen=True)
class AuditVerdict:
    """What ``verify_audit`` found: ``broken_at`` (an event id) and ``reason`` when a link is
    broken, else None; ``checked`` events read, up to and including the broken one."""

    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_audit(session: Session) -> AuditVerdict:
    """Walk the whole trail in id order and report its first broken link (rules in
    ``audit_chain``). Reads in batches: the trail may hold millions of events."""
    found, checked = first_break(_in_id_order(session))
    if found is None:
        return AuditVerdict(checked=checked)
    return AuditVerdict(checked=checked, broken_at=found.row_id, reason=found.reason)


def _in_id_order(session: Session) -> Iterator[Row[Any]]:
    """Plain rows, not ORM objects: the caller's session does not fill up with the trail."""
    columns = AuditEvent.__table__.columns
    query = select(*columns).order_by(columns.id).limit(_VERIFY_BATCH)
    batch = list(session.execute(query))
    while True:
        yield from batch
        if len(batch) < _VERIFY_BATCH:
            return
        batch = list(session.execute(query.where(columns.id > batch[-1].id)))
