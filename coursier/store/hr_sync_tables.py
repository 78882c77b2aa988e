"""The HR sync tables (Securex → Payflip): one history row per company and run, the employees
that failed in it, and the claims that keep each Payflip create exactly-once.

- ``hr_sync_runs``: the seed's "Historique" screen: per (run, company) its trigger (nightly or
  manual), its status (success, partial, error), its counts and its message;
- ``hr_sync_failures``: what the seed admits nobody can see: each failed employee of a run,
  with a code, a message a human can act on and the action to take;
- ``hr_sync_creates``: a create is claimed here (``sending``) before it is sent, and settled
  (``created``) once Payflip said so, or found the employee when reconciling after a cut.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coursier.store.tables import Base, utcnow

TRIGGERS = ("nightly", "manual")
RUN_STATUSES = ("success", "partial", "error")
CREATE_STATES = ("sending", "created")


def _among(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class HrSyncRun(Base):
    __tablename__ = "hr_sync_runs"
    __table_args__ = (
        UniqueConstraint("flow_run_id", "company", name="uq_hr_sync_runs_run_company"),
        CheckConstraint(_among("trigger", TRIGGERS), name="trigger"),
        CheckConstraint(_among("status", RUN_STATUSES), name="status"),
        Index("ix_hr_sync_runs_company_finished", "company", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_run_id: Mapped[str]
    company: Mapped[str]
    dossier: Mapped[str | None]
    trigger: Mapped[str]
    status: Mapped[str]
    retry_of: Mapped[str | None]
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    message: Mapped[str]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)


class HrSyncFailure(Base):
    __tablename__ = "hr_sync_failures"
    __table_args__ = (
        UniqueConstraint(
            "flow_run_id", "company", "employee_number", name="uq_hr_sync_failures_employee"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_run_id: Mapped[str]
    company: Mapped[str]
    employee_number: Mapped[str]
    name: Mapped[str]
    email: Mapped[str | None]
    code: Mapped[str]
    message: Mapped[str]
    action: Mapped[str]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class HrCreateClaim(Base):
    __tablename__ = "hr_sync_creates"
    __table_args__ = (
        UniqueConstraint("company", "employee_number", name="uq_hr_sync_creates_employee"),
        CheckConstraint(_among("state", CREATE_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company: Mapped[str]
    employee_number: Mapped[str]
    state: Mapped[str]
    claim_run: Mapped[str]
    payflip_id: Mapped[str | None]
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]
