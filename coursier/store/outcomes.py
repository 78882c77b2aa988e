"""Per-item outcomes: written in batches by the tasks, read to decide a run's status, to re-run
the failed subset (``retry_failed_of``) and to show an auditor what each run did.

Functions take a ``Session`` and leave the transaction to the caller (``Store.begin()``), so an
outcome and its audit event can be committed together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert, func, select
from sqlalchemy.orm import Session

from coursier.store.dialects import insert_for
from coursier.store.tables import OUTCOME_STATUSES, ItemOutcome, OutcomeStatus, utcnow


@dataclass(frozen=True)
class OutcomeIn:
    """The outcome of one item, as a task reports it."""

    item_key: str
    status: OutcomeStatus
    error_code: str | None = None
    message: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in OUTCOME_STATUSES:
            raise ValueError(f"status {self.status!r} is not one of {OUTCOME_STATUSES}")


def record_outcomes(
    session: Session, flow_run_id: str, flow: str, outcomes: Iterable[OutcomeIn]
) -> int:
    """Upsert the outcomes of one run in one statement; an item seen again keeps the last one.

    Returns the number of distinct items written.
    """
    now = utcnow()
    rows = {
        o.item_key: {
            "flow_run_id": flow_run_id,
            "flow": flow,
            "item_key": o.item_key,
            "status": o.status,
            "error_code": o.error_code,
            "message": o.message,
            "details": dict(o.details),
            "recorded_at": now,
        }
        for o in outcomes
    }
    if not rows:
        return 0
    statement = upsert_statement(session.get_bind().dialect.name)
    # Deduplicated above: PostgreSQL refuses to update one row twice in a statement.
    session.execute(statement, list(rows.values()))
    return len(rows)


def upsert_statement(dialect: str) -> Insert:
    """``INSERT ... ON CONFLICT (flow_run_id, item_key) DO UPDATE`` in ``dialect``'s syntax."""
    statement = insert_for(dialect)(ItemOutcome)
    return statement.on_conflict_do_update(
        index_elements=[ItemOutcome.flow_run_id, ItemOutcome.item_key],
        set_={
            name: statement.excluded[name]
            for name in ("flow", "status", "error_code", "message", "details", "recorded_at")
        },
    )


def outcomes_of(
    session: Session,
    flow_run_id: str,
    *,
    statuses: Iterable[str] | None = None,
    limit: int | None = None,
) -> list[ItemOutcome]:
    """The outcomes of a run (only those of ``statuses``, the first ``limit``), in the order
    the items were first recorded."""
    query = select(ItemOutcome).where(ItemOutcome.flow_run_id == flow_run_id)
    if statuses is not None:
        query = query.where(ItemOutcome.status.in_(list(statuses)))
    return list(session.scalars(query.order_by(ItemOutcome.id).limit(limit)))


def failed_item_keys(session: Session, flow_run_id: str) -> list[str]:
    """The keys of the items that failed in a run: what ``retry_failed_of`` processes again."""
    query = select(ItemOutcome.item_key).where(
        ItemOutcome.flow_run_id == flow_run_id, ItemOutcome.status == "failed"
    )
    return list(session.scalars(query.order_by(ItemOutcome.id)))


def latest_run_id(session: Session, flow: str) -> str | None:
    """The run of ``flow`` that recorded an outcome last (``retry_failed_of="last"``)."""
    query = (
        select(ItemOutcome.flow_run_id)
        .where(ItemOutcome.flow == flow)
        .order_by(ItemOutcome.recorded_at.desc(), ItemOutcome.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def run_summary(session: Session, flow_run_id: str) -> dict[OutcomeStatus, int]:
    """How many items of a run ended in each status; every status is present, zero or not."""
    query = (
        select(ItemOutcome.status, func.count())
        .where(ItemOutcome.flow_run_id == flow_run_id)
        .group_by(ItemOutcome.status)
    )
    counts: dict[OutcomeStatus, int] = dict.fromkeys(OUTCOME_STATUSES, 0)
    for status, count in session.execute(query):
        counts[status] = count
    return counts
