"""HR sync Securex → Payflip: the history per company and run, the failed employees, and the
claims keeping each Payflip create exactly-once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hr_sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(), nullable=False),
        sa.Column("company", sa.String(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=True),
        sa.Column("trigger", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("retry_of", sa.String(), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "trigger IN ('nightly', 'manual')", name=op.f("ck_hr_sync_runs_trigger")
        ),
        sa.CheckConstraint(
            "status IN ('success', 'partial', 'error')", name=op.f("ck_hr_sync_runs_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_sync_runs")),
        sa.UniqueConstraint("flow_run_id", "company", name="uq_hr_sync_runs_run_company"),
    )
    with op.batch_alter_table("hr_sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hr_sync_runs_company_finished", ["company", "finished_at"], unique=False
        )

    op.create_table(
        "hr_sync_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(), nullable=False),
        sa.Column("company", sa.String(), nullable=False),
        sa.Column("employee_number", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_sync_failures")),
        sa.UniqueConstraint(
            "flow_run_id", "company", "employee_number", name="uq_hr_sync_failures_employee"
        ),
    )

    op.create_table(
        "hr_sync_creates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(), nullable=False),
        sa.Column("employee_number", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("claim_run", sa.String(), nullable=False),
        sa.Column("payflip_id", sa.String(), nullable=True),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.Column("settled_at", UTC_DATETIME, nullable=True),
        sa.CheckConstraint(
            "state IN ('sending', 'created')", name=op.f("ck_hr_sync_creates_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_sync_creates")),
        sa.UniqueConstraint("company", "employee_number", name="uq_hr_sync_creates_employee"),
    )


def downgrade() -> None:
    op.drop_table("hr_sync_creates")
    op.drop_table("hr_sync_failures")
    with op.batch_alter_table("hr_sync_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_hr_sync_runs_company_finished")
    op.drop_table("hr_sync_runs")
