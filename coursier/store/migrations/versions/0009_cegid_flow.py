"""Cegid Flow: the claims keeping each send to Loop exactly-once, each dossier's onboarding
state, and the watch's comparison of the change stream per dossier and day.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cegid_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("claim_run", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result", JSON_DOCUMENT, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.Column("settled_at", UTC_DATETIME, nullable=True),
        sa.CheckConstraint(
            "state IN ('sending', 'unknown', 'done')", name=op.f("ck_cegid_sends_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cegid_sends")),
        sa.UniqueConstraint("account_key", "action", "target", name="uq_cegid_sends_identity"),
    )
    op.create_table(
        "cegid_onboardings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("contact_id", sa.String(), nullable=True),
        sa.Column("flow_run_id", sa.String(), nullable=False),
        sa.Column("details", JSON_DOCUMENT, server_default=sa.text("'{}'"), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "status IN ('ready', 'prerequisites_missing', 'failed')",
            name=op.f("ck_cegid_onboardings_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cegid_onboardings")),
        sa.UniqueConstraint("dossier", name="uq_cegid_onboardings_dossier"),
    )
    op.create_table(
        "cegid_watch_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("replayed", sa.Integer(), nullable=False),
        sa.Column("still_missing", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(), nullable=False),
        sa.Column("checked_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cegid_watch_days")),
        sa.UniqueConstraint("dossier", "day", name="uq_cegid_watch_days_dossier_day"),
    )
    with op.batch_alter_table("cegid_watch_days", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cegid_watch_days_dossier_checked_at", ["dossier", "checked_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cegid_watch_days", schema=None) as batch_op:
        batch_op.drop_index("ix_cegid_watch_days_dossier_checked_at")
    op.drop_table("cegid_watch_days")
    op.drop_table("cegid_onboardings")
    op.drop_table("cegid_sends")
