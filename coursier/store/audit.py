"""The audit trail: what coursier did, on whose behalf, to which dossier, and how it went.

Prefect keeps its events for 7 days; this table is the record shown to an auditor. It only
grows: see ``AuditEvent`` for how updates and deletes are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coursier.store.tables import AuditEvent, AuditIsAppendOnly, utcnow

__all__ = ["AuditIsAppendOnly", "append_audit", "query_audit"]


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
    ``prefect:<deployment>``; ``subject`` what was acted on (a file name, a sha256)."""
    event = AuditEvent(
        at=at or utcnow(),
        actor=actor,
        action=action,
        flow=flow,
        flow_run_id=flow_run_id,
        dossier=dossier,
        subject=subject,
        outcome=outcome,
        details=dict(details or {}),
    )
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
