"""The store's tables: per-item outcomes of every run, the append-only audit trail, the
portfolio (directories, companies, dossiers, their platforms) and the M2M switches. The
deposit ledger lives in ``ledger_tables``.

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
    ForeignKey,
    Index,
    MetaData,
    String,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from coursier.models.portfolio.m2m import M2M_MODULES, M2MModule

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
    triggers created by the migration, which also stop raw SQL. Hash-chained against whoever
    gets past both (``coursier.store.audit_chain``): ``append_audit`` fills ``prev_hash`` and
    ``row_hash``; ``prev_hash`` is unique, so the chain cannot fork.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_flow_at", "flow", "at"),
        Index("ix_audit_events_dossier_at", "dossier", "at"),
        UniqueConstraint("prev_hash", name="uq_audit_events_prev_hash"),
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
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: AuditEvent) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be changed or deleted")


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)


class DataDirectoryRow(Base):
    """A data directory of the portfolio; its code is the key that imports match on."""

    __tablename__ = "data_directories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]


class CompanyRow(Base):
    """A company of the portfolio, known by its country and its number there (FR: SIREN, BE:
    enterprise number, 10 digits), inside one data directory.

    ``siren`` repeats a French company's number for whoever reads the table by SIREN, as before
    Belgian companies came; a CHECK keeps it equal to ``number`` (and empty for the others).
    """

    __tablename__ = "companies"
    __table_args__ = (
        UniqueConstraint("country", "number", name="uq_companies_country_number"),
        CheckConstraint(
            "(country = 'FR' AND siren IS NOT NULL AND siren = number) "
            "OR (country <> 'FR' AND siren IS NULL)",
            name="siren",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    number: Mapped[str] = mapped_column(String(10))
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)
    name: Mapped[str]
    directory_id: Mapped[int] = mapped_column(ForeignKey("data_directories.id"), index=True)
    # The declarant a concentrateur account acts for (coursier.models.declarant).
    declarant_siret: Mapped[str | None]
    declarant_last_name: Mapped[str | None]
    declarant_first_name: Mapped[str | None]

    directory: Mapped[DataDirectoryRow] = relationship()


class DossierRow(Base):
    """A dossier of the portfolio: some establishments of a company, and the platform it uses
    for each procedure it takes part in (``dossier_platforms``)."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    # Overrides the company's declarant, for a concentrateur account.
    declarant_siret: Mapped[str | None]
    declarant_last_name: Mapped[str | None]
    declarant_first_name: Mapped[str | None]

    company: Mapped[CompanyRow] = relationship()
    establishments: Mapped[list[DossierEstablishment]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="DossierEstablishment.number"
    )
    platforms: Mapped[list[DossierPlatform]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="DossierPlatform.procedure"
    )

    @property
    def numbers(self) -> frozenset[str]:
        """The numbers of its establishments (SIRET, or Belgian unit numbers)."""
        return frozenset(e.number for e in self.establishments)

    @numbers.setter
    def numbers(self, numbers: frozenset[str]) -> None:
        """Keep the establishments still listed (their rows stay), drop the others, add the new."""
        kept = [e for e in self.establishments if e.number in numbers]
        added = sorted(numbers - {e.number for e in kept})
        self.establishments = kept + [DossierEstablishment(number=n) for n in added]

    @property
    def procedures(self) -> dict[str, str]:
        """The platform of each procedure the dossier takes part in."""
        return {p.procedure: p.platform for p in self.platforms}

    @procedures.setter
    def procedures(self, procedures: dict[str, str]) -> None:
        """Rows of the procedures still named kept (their platform updated), the others gone."""
        kept = [p for p in self.platforms if p.procedure in procedures]
        for row in kept:
            row.platform = procedures[row.procedure]
        added = sorted(procedures.keys() - {p.procedure for p in kept})
        self.platforms = kept + [
            DossierPlatform(procedure=p, platform=procedures[p]) for p in added
        ]


class DossierEstablishment(Base):
    """One establishment declared in a dossier: its SIRET, or its Belgian unit number."""

    __tablename__ = "dossier_establishments"

    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[str] = mapped_column(String(14), primary_key=True, index=True)


class DossierPlatform(Base):
    """The platform a dossier uses for one procedure (``coursier.models.portfolio.procedures``
    says which exist; no CHECK here, so a new procedure needs no migration)."""

    __tablename__ = "dossier_platforms"
    __table_args__ = (Index("ix_dossier_platforms_procedure_platform", "procedure", "platform"),)

    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True
    )
    procedure: Mapped[str] = mapped_column(primary_key=True)
    platform: Mapped[str]


class M2MSwitch(Base):
    """Whether an operator deposits one module (DSN, signals, FCTU) machine-to-machine.

    No row means off: the seed makes the deposit optional, switched on by the user.
    """

    __tablename__ = "m2m_switches"
    __table_args__ = (
        CheckConstraint(
            "module IN (" + ", ".join(f"'{m}'" for m in M2M_MODULES) + ")", name="module"
        ),
    )

    operator: Mapped[str] = mapped_column(primary_key=True)
    module: Mapped[M2MModule] = mapped_column(String(), primary_key=True)
    enabled: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str]
