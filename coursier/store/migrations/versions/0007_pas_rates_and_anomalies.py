"""PAS: the rates per employee of each association and month, and the anomaly work-list.

Rates are kept as their text with two decimals ("14.00"): exact on SQLite and PostgreSQL alike.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)
PERCENT = sa.String(8)


def upgrade() -> None:
    op.create_table(
        "pas_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=False),
        sa.Column("siret", sa.String(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("employee", sa.String(), nullable=False),
        sa.Column("nir", sa.String(), nullable=True),
        sa.Column("ntt", sa.String(), nullable=True),
        sa.Column("payroll_number", sa.String(), nullable=True),
        sa.Column("rate", PERCENT, nullable=True),
        sa.Column("rate_id", sa.String(), nullable=False),
        sa.Column("future_rate", PERCENT, nullable=True),
        sa.Column("future_effective", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("usable_until", sa.Date(), nullable=False),
        sa.Column("applied_rate", PERCENT, nullable=True),
        sa.Column("flag", sa.String(), nullable=True),
        sa.Column("idflux", sa.String(), nullable=True),
        sa.Column("deposited_here", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("flow_run_id", sa.String(), nullable=True),
        sa.Column("integrated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pas_rates")),
        sa.UniqueConstraint(
            "dossier", "siret", "month", "employee", name="uq_pas_rates_association_employee"
        ),
    )
    with op.batch_alter_table("pas_rates", schema=None) as batch_op:
        batch_op.create_index("ix_pas_rates_dossier_month", ["dossier", "month"], unique=False)

    op.create_table(
        "pas_anomalies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=False),
        sa.Column("siret", sa.String(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("nature", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("blocking", sa.Boolean(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=True),
        sa.Column("value", sa.String(), nullable=True),
        sa.Column("employee", sa.String(), nullable=True),
        sa.Column("payroll_number", sa.String(), nullable=True),
        sa.Column("hint", sa.String(), nullable=False),
        sa.Column("idflux", sa.String(), nullable=True),
        sa.Column("status", sa.String(), server_default="open", nullable=False),
        sa.Column("corrected_at", UTC_DATETIME, nullable=True),
        sa.Column("corrected_by", sa.String(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("status IN ('open', 'corrected')", name=op.f("ck_pas_anomalies_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pas_anomalies")),
        sa.UniqueConstraint(
            "dossier", "siret", "month", "nature", "fingerprint", name="uq_pas_anomalies_identity"
        ),
    )
    with op.batch_alter_table("pas_anomalies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pas_anomalies_dossier_status", ["dossier", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pas_anomalies", schema=None) as batch_op:
        batch_op.drop_index("ix_pas_anomalies_dossier_status")
    op.drop_table("pas_anomalies")
    with op.batch_alter_table("pas_rates", schema=None) as batch_op:
        batch_op.drop_index("ix_pas_rates_dossier_month")
    op.drop_table("pas_rates")
