"""The PAS tables: the rate of each employee of an association for a month, and the anomaly
work-list of the DGFiP's returns (CRM 93, 94, 95).

A rate is keyed by (dossier, SIRET, month, employee), the employee being ``NIR:…`` or
``NTT:…``: integrating a CRM again rewrites nothing that did not change. An anomaly is keyed
by its association, its return's nature and its fingerprint (code, field, value, employee,
message): integrated again it stays as it was, corrected or not.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Dialect, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from coursier.store.tables import Base, utcnow

ANOMALY_STATUSES = ("open", "corrected")


class Percent(TypeDecorator[Decimal]):
    """A rate with two decimals, kept as its text ("14.00"): exact on every backend."""

    impl = String(8)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else f"{Decimal(value):.2f}"

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class PasRateRow(Base):
    __tablename__ = "pas_rates"
    __table_args__ = (
        UniqueConstraint(
            "dossier", "siret", "month", "employee", name="uq_pas_rates_association_employee"
        ),
        Index("ix_pas_rates_dossier_month", "dossier", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier: Mapped[str]
    siret: Mapped[str]
    month: Mapped[date]
    employee: Mapped[str]
    nir: Mapped[str | None]
    ntt: Mapped[str | None]
    payroll_number: Mapped[str | None]
    rate: Mapped[Decimal | None] = mapped_column(Percent())
    rate_id: Mapped[str]
    future_rate: Mapped[Decimal | None] = mapped_column(Percent())
    future_effective: Mapped[date | None]
    received_on: Mapped[date]
    usable_until: Mapped[date]
    applied_rate: Mapped[Decimal | None] = mapped_column(Percent())
    flag: Mapped[str | None]
    idflux: Mapped[str | None]
    deposited_here: Mapped[bool] = mapped_column(default=True, server_default=true())
    flow_run_id: Mapped[str | None]
    integrated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasAnomalyRow(Base):
    __tablename__ = "pas_anomalies"
    __table_args__ = (
        UniqueConstraint(
            "dossier", "siret", "month", "nature", "fingerprint", name="uq_pas_anomalies_identity"
        ),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in ANOMALY_STATUSES) + ")", name="status"
        ),
        Index("ix_pas_anomalies_dossier_status", "dossier", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier: Mapped[str]
    siret: Mapped[str]
    month: Mapped[date]
    nature: Mapped[str]
    fingerprint: Mapped[str]
    code: Mapped[str]
    blocking: Mapped[bool]
    message: Mapped[str]
    field: Mapped[str | None]
    value: Mapped[str | None]
    employee: Mapped[str | None]
    payroll_number: Mapped[str | None]
    hint: Mapped[str]
    idflux: Mapped[str | None]
    status: Mapped[str] = mapped_column(default="open", server_default="open")
    corrected_at: Mapped[datetime | None]
    corrected_by: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
