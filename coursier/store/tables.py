"""The store's tables: per-item outcomes of every run, and the append-only audit trail.

Constraint names follow one naming convention so Alembic can alter them later (SQLite's batch
mode needs names to find them). Timestamps are always timezone-aware UTC, on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, get_args

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Dialect,
    Index,
    MetaData,
    String,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column
from sqlalchemy.types import TypeDecorator

OutcomeStatus = Literal["ok", "failed", "skipped"]
OUTCOME_STATUSES: tuple[OutcomeStatus, ...] = get_args(OutcomeStatus)

# Not Alembic's default "alembic_version": the store may share a PostgreSQL database with
# Prefect's own server, which has its own Alembic history in that table.
VERSION_TABLE = "coursier_alembic_version"

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


class AuditIsAppendOnly(Exception):
    """Someone tried to change or delete an audit event; the trail only grows."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC. SQLite keeps no offset, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store takes aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDocument,
        OutcomeStatus: String(),  # the CHECK constraint below holds the values
    }


class ItemOutcome(Base):
    """What became of one item (file, association, employee, client) in one flow run.

    One row per (run, item): recording an item again in the same run replaces its outcome.
    The unique index also serves the lookups by run.
    """

    __tablename__ = "item_outcomes"
    __table_args__ = (
        UniqueConstraint("flow_run_id", "item_key", name="uq_item_outcomes_flow_run_id_item_key"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in OUTCOME_STATUSES) + ")", name="status"
        ),
        Index("ix_item_outcomes_flow_recorded_at", "flow", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_run_id: Mapped[str]
    flow: Mapped[str]
    item_key: Mapped[str]
    status: Mapped[OutcomeStatus]
    error_code: Mapped[str | None]
    message: Mapped[str | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """One thing that happened, for an auditor: who did what to which dossier, and how it went.

    Append-only: the ORM refuses updates and deletes (below) and so does the database, through
    triggers created by the migration, which also stop raw SQL.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_flow_at", "flow", "at"),
        Index("ix_audit_events_dossier_at", "dossier", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str]
    flow: Mapped[str | None]
    flow_run_id: Mapped[str | None]
    dossier: Mapped[str | None]
    action: Mapped[str]
    subject: Mapped[str | None]
    outcome: Mapped[str | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))


def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: AuditEvent) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)
